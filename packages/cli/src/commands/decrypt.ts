import type { Command } from "commander";
import { HushError, isHushError } from "@hush/errors";
import { decryptFile, parseTreePath } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { loadSopsConfig } from "../io/config.js";
import { deliver } from "../io/deliver.js";
import { readInput } from "../io/files.js";
import { keyProvidersFor } from "../io/providers.js";
import { addIoOptions, checkIoConflicts, inFile, parseDecryptionOrder, resolveFormats, storeOptions, type SopsCommandOptions } from "../io/sops-options.js";

interface DecryptFlags extends SopsCommandOptions {
  extract?: string;
  ignoreMac?: boolean;
  decryptionOrder?: string;
}

/** The --extract path as shown in a message: short, no control characters. */
function printablePath(path: string): string {
  const clean = path.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return clean.length > 60 ? `${clean.slice(0, 60)}…` : clean;
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
    // A malformed path is exit 91 (sops's InvalidTreePathFormat), checked before any key is
    // used; a well-formed path naming nothing is found only after decryption, and is exit 1.
    if (flags.extract !== undefined) {
      try {
        parseTreePath(flags.extract);
      } catch (err) {
        if (!isHushError(err)) throw err;
        throw new HushError(err.code, `--extract ${printablePath(flags.extract)}: ${err.message}`, { cause: err });
      }
    }
    // decrypt needs no creation rule, but like sops it reads the config's stores section.
    const loaded = await loadSopsConfig(flags.config, process.cwd(), env);
    const bytes = await readInput(file);
    const where = file ?? "stdin";
    try {
      const out = await decryptFile(bytes, {
        format: formats.input,
        outputFormat: formats.output,
        providers: keyProvidersFor(env),
        ...(flags.ignoreMac && { ignoreMac: true }),
        ...(order && { decryptionOrder: order }),
        ...(flags.extract !== undefined && { extract: flags.extract }),
        store: storeOptions(flags, formats.output, loaded?.config),
      });
      await deliver(out, flags, file, io, true);
    } catch (err) {
      if (flags.extract !== undefined && isHushError(err) && err.code === "HUSH_ERR_SOPS_EXTRACT_PATH") {
        throw new HushError("HUSH_ERR_SOPS_EXTRACT_NOT_FOUND", `${where}: --extract ${printablePath(flags.extract)}: ${err.message}`, { cause: err });
      }
      throw inFile(where, err);
    }
  });
}
