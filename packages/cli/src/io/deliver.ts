import type { CliIo } from "./cli-io.js";
import { fileMode, writeAtomic } from "./files.js";
import type { SopsCommandOptions } from "./sops-options.js";

/**
 * Sends a command's result where the flags say: back into the input file (atomically, keeping
 * its mode unless the result is plaintext), into `--output` (atomically), or to stdout.
 */
export async function deliver(bytes: Uint8Array, opts: SopsCommandOptions, file: string | undefined, io: CliIo, plaintext: boolean): Promise<void> {
  const target = opts.inPlace ? file : opts.output;
  if (target === undefined) {
    io.stdout.write(bytes);
    return;
  }
  const existing = await fileMode(target);
  await writeAtomic(target, bytes, plaintext ? 0o600 : (existing ?? 0o644));
}
