import { constants, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { emitPlaintext } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { withPlaintextDir } from "../io/plaintext-temp.js";
import { openSession, type SessionFlags } from "../io/sops-session.js";
import { runShell } from "./exec-env.js";

interface ExecFileFlags extends SessionFlags {
  fifo?: boolean;
  filename?: string;
  background?: boolean;
  user?: string;
}

/** Feeds `bytes` into a FIFO without blocking the event loop; never rejects. */
function feedFifo(path: string, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const stream = createWriteStream(path, { flags: "w" });
    stream.once("error", () => resolve());
    stream.end(Buffer.from(bytes), () => resolve());
  });
}

/**
 * Decrypts a file into a FIFO (default) or, with `--no-fifo`, a 0600 file inside a private
 * temp directory, and runs `command` with `{}` replaced by its path. The directory is removed
 * when the command ends, however it ends. Resolves with the child's exit status.
 */
export async function execFile(file: string, command: string, flags: ExecFileFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (flags.user) throw new HushError("HUSH_ERR_CLI_USAGE", "--user is not supported by hush exec-file", { hint: "run hush itself as that user (e.g. with sudo -u)" });
  if (flags.background) throw new HushError("HUSH_ERR_CLI_USAGE", "--background is not supported by hush exec-file", { hint: "drop --background and put the whole hush command in the background from your shell" });
  const session = await openSession(file, flags, env);
  const plain = emitPlaintext(session.plain, session.formats.output, session.store);
  const name = flags.filename ?? "tmp-file";
  return withPlaintextDir(async (dir) => {
    if (flags.fifo === false) {
      const path = dir.write(name, plain);
      return runShell(command.replaceAll("{}", path), env);
    }
    const path = await dir.fifo(name);
    const fed = feedFifo(path, plain);
    try {
      return await runShell(command.replaceAll("{}", path), env);
    } finally {
      // If the command never read the FIFO, open its read end once so the writer is released.
      const reader = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
      await reader?.close();
      await fed;
    }
  });
}

/** Registers `hush exec-file`. */
export function register(program: Command, _io: CliIo): void {
  program
    .command("exec-file")
    .description("run a command with {} replaced by the path of a FIFO (or 0600 temp file) holding the decrypted file")
    .argument("<file>", "the encrypted file")
    .argument("<command>", "the command, run with /bin/sh -c; {} is replaced by the plaintext's path")
    .option("--no-fifo", "use a 0600 temp file instead of a FIFO (for programs that seek or read twice)")
    .option("--filename <name>", "the name of the plaintext file (default tmp-file)")
    .option("--output-type <type>", "format of the plaintext (default: from the file name)")
    .option("--input-type <type>", "input format (default: from the file name)")
    .option("--user <user>", "not supported by hush")
    .option("--background", "not supported by hush")
    .option("--ignore-mac", "do not verify the MAC")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)")
    .option("--config <file>", "path to .sops.yaml (env SOPS_CONFIG)")
    .action(async (file: string, command: string, flags: ExecFileFlags) => {
      process.exitCode = await execFile(file, command, flags);
    });
}
