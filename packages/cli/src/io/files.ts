import { chmod, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { HushError } from "@hush/errors";

/** Reads the input file, or stdin when `path` is undefined or "-". Missing files exit 100 as in sops. */
export async function readInput(path: string | undefined): Promise<Uint8Array> {
  if (path === undefined || path === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new HushError("HUSH_ERR_CLI_NO_FILE", `${path}: no such file`, { cause });
    throw new HushError("HUSH_ERR_CLI_READ_INPUT", `${path}: cannot read the file (${code ?? "error"})`, { cause });
  }
}

/**
 * Writes `bytes` to `path` atomically: a 0600 temp file in the same directory, fsync, rename.
 * A failure never leaves a half-written target or a stray temp file. `mode` is applied before
 * the rename (plaintext stays 0600; an in-place re-encryption keeps the file's mode).
 */
export async function writeAtomic(path: string, bytes: Uint8Array, mode = 0o600): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.hush-${randomBytes(6).toString("hex")}.tmp`);
  let created = false;
  try {
    const fh = await open(tmp, "wx", 0o600);
    created = true;
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (mode !== 0o600) await chmod(tmp, mode);
    await rename(tmp, path);
    created = false;
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_WRITE_OUTPUT", `${path}: cannot write the output file (${(cause as NodeJS.ErrnoException).code ?? "error"})`, { cause });
  } finally {
    if (created) await rm(tmp, { force: true });
  }
}

/** The permission bits of an existing file, or `undefined`. */
export async function fileMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o777;
  } catch {
    return undefined;
  }
}
