import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { decryptFile, openEncrypted, type KeyType } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { loadSopsConfig } from "../io/config.js";
import { deliver } from "../io/deliver.js";
import { readInput } from "../io/files.js";
import { keyProvidersFor } from "../io/providers.js";
import { addIoOptions, checkIoConflicts, indentOption, resolveFormats, type SopsCommandOptions } from "../io/sops-options.js";

interface DecryptFlags extends SopsCommandOptions {
  extract?: string;
  ignoreMac?: boolean;
  decryptionOrder?: string;
}

const keyTypes: readonly KeyType[] = ["age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"];

/** Parses `--decryption-order` / `SOPS_DECRYPTION_ORDER` (a duplicate is exit 112, as in sops). */
export function parseDecryptionOrder(value: string | undefined): KeyType[] | undefined {
  if (!value) return undefined;
  const order = value.split(",").map((s) => s.trim()).filter(Boolean) as KeyType[];
  for (const t of order) {
    if (!keyTypes.includes(t)) throw new HushError("HUSH_ERR_CLI_USAGE", `unknown key type '${t}' in the decryption order`);
  }
  if (new Set(order).size !== order.length) throw new HushError("HUSH_ERR_CLI_DUPLICATE_DECRYPTION_KEY_TYPE", "the decryption order names a key type twice");
  return order;
}

/** Registers `hush decrypt`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command("decrypt")
    .description("decrypt a sops file (stdout by default)")
    .argument("[file]", "the file to decrypt (stdin when omitted)")
    .option("--extract <path>", 'print only the value at a tree path, e.g. \'["data"]["password"]\'')
    .option("--ignore-mac", "do not verify the MAC (for files you trust that were edited by hand)")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)");
  addIoOptions(cmd);
  cmd.action(async (file: string | undefined, flags: DecryptFlags) => {
    checkIoConflicts(flags, file);
    const env = process.env;
    const formats = resolveFormats(flags, file);
    const order = parseDecryptionOrder(flags.decryptionOrder ?? env["SOPS_DECRYPTION_ORDER"]);
    // decrypt needs no creation rule, but like sops it reads the config's stores section.
    const loaded = await loadSopsConfig(flags.config, process.cwd(), env);
    const bytes = await readInput(file);
    const where = file ?? "stdin";
    try {
      const opened = openEncrypted(bytes, formats.input);
      const types = new Set(opened.metadata.keyGroups.flat().map((k) => k.type));
      const providers = await keyProvidersFor(types, env);
      const indent = indentOption(flags) ?? (formats.output === "yaml" ? loaded?.config.stores.yaml?.indent : loaded?.config.stores.json?.indent);
      const out = await decryptFile(bytes, {
        format: formats.input,
        outputFormat: formats.output,
        providers,
        ...(flags.ignoreMac && { ignoreMac: true }),
        ...(order && { decryptionOrder: order }),
        ...(flags.extract !== undefined && { extract: flags.extract }),
        ...(indent !== undefined && { store: { indent } }),
      });
      await deliver(out, flags, file, io, true);
    } catch (err) {
      if (err instanceof HushError && !err.message.startsWith(where)) {
        throw new HushError(err.code, `${where}: ${err.message}`, { cause: err.cause, ...(err.hint && { hint: err.hint }) });
      }
      throw err;
    }
  });
}
