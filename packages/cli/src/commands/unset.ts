import type { Command } from "commander";
import { HushError } from "@hush/errors";
import type { CliIo } from "../io/cli-io.js";
import { openSession, saveSession, type SessionFlags } from "../io/sops-session.js";
import { parseSetPath, unsetPath } from "../io/tree-edit.js";

interface UnsetFlags extends SessionFlags {
  idempotent?: boolean;
}

/**
 * Removes one key or list element of an encrypted file in place, re-encrypting with the
 * same data key. A missing path is an error unless `--idempotent`.
 */
export async function unsetValue(file: string, path: string, flags: UnsetFlags, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const treePath = parseSetPath(path);
  const session = await openSession(file, flags, env);
  const branch = session.plain.branches[0];
  const removed = branch !== undefined && unsetPath(branch, treePath);
  if (!removed) {
    if (flags.idempotent) return false;
    throw new HushError("HUSH_ERR_CLI_USAGE", `${file}: ${path} not found`, { hint: "check the path, or pass --idempotent" });
  }
  await saveSession(session);
  return true;
}

/** Registers `hush unset`. */
export function register(program: Command, _io: CliIo): void {
  program
    .command("unset")
    .description("remove one key or list element of an encrypted file in place")
    .argument("<file>", "the encrypted file")
    .argument("<path>", "the tree path, e.g. '[\"data\"][\"password\"]'")
    .option("--idempotent", "do nothing when the path does not exist")
    .option("--ignore-mac", "do not verify the MAC before changing the file")
    .option("--input-type <type>", "input format (default: from the file name)")
    .option("--output-type <type>", "output format (default: from the file name)")
    .option("--indent <n>", "indentation of YAML/JSON output")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)")
    .option("--config <file>", "path to .sops.yaml (env SOPS_CONFIG)")
    .action(async (file: string, path: string, flags: UnsetFlags) => {
      await unsetValue(file, path, flags);
    });
}
