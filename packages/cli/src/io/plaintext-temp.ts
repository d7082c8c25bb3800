import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { HushError } from "@hush/errors";

const run = promisify(execFile);

/** A private directory (0700) for plaintext, removed on every path out of `use`. */
export interface PlaintextDir {
  readonly dir: string;
  /** Writes a 0600 file named `name` (its base name only) and returns its path. */
  write(name: string, bytes: Uint8Array): string;
  /** Creates a FIFO (0600) named `name` and returns its path. */
  fifo(name: string): Promise<string>;
}

const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs `use` with a fresh private temp directory and removes it afterwards, whether `use`
 * succeeds, throws, or the process is interrupted (SIGINT/SIGTERM/SIGHUP remove it and then
 * re-raise the signal), so plaintext never outlives the command.
 */
export async function withPlaintextDir<T>(use: (dir: PlaintextDir) => Promise<T>): Promise<T> {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), "hush-"));
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_WRITE_OUTPUT", "cannot create a private temporary directory", { cause, hint: "point TMPDIR at a writable directory" });
  }
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanup();
    for (const s of signals) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  };
  for (const s of signals) process.once(s, onSignal);
  try {
    return await use({
      dir,
      write(name, bytes) {
        const path = join(dir, basename(name));
        try {
          writeFileSync(path, bytes, { mode: 0o600, flag: "wx" });
        } catch (cause) {
          throw new HushError("HUSH_ERR_CLI_WRITE_OUTPUT", "cannot write the temporary plaintext file", { cause, hint: "check free space in TMPDIR (or /tmp)" });
        }
        return path;
      },
      async fifo(name) {
        const path = join(dir, basename(name));
        try {
          await run("mkfifo", ["-m", "600", path]);
        } catch (cause) {
          throw new HushError("HUSH_ERR_CLI_WRITE_OUTPUT", "cannot create a FIFO (mkfifo failed); retry with --no-fifo", { cause });
        }
        return path;
      },
    });
  } finally {
    for (const s of signals) process.removeListener(s, onSignal);
    cleanup();
  }
}
