import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { encryptFile } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { deliver } from "../io/deliver.js";
import { readInput } from "../io/files.js";
import { addKeyFlags } from "../io/key-flags.js";
import { resolveNewFileKeys, type NewFileFlags } from "../io/new-file-keys.js";
import { pooledRandom } from "../io/random.js";
import { keyProvidersFor } from "../io/providers.js";
import {
  addIoOptions,
  addSelectorOptions,
  checkIoConflicts,
  resolveFormats,
  storeOptions,
  type SopsCommandOptions,
} from "../io/sops-options.js";

type EncryptFlags = SopsCommandOptions & NewFileFlags;

/** Registers `hush encrypt`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command("encrypt")
    .description("encrypt a file (YAML, JSON, dotenv, INI or binary) in the SOPS v3 format")
    .argument("[file]", "the file to encrypt (stdin when omitted; then --filename-override is needed)")
    .option("-a, --age <recipients>", "comma-separated age recipients (env SOPS_AGE_RECIPIENTS)")
    .option("--shamir-secret-sharing-threshold <n>", "number of key groups needed to decrypt");
  addKeyFlags(cmd);
  addIoOptions(cmd);
  addSelectorOptions(cmd);
  cmd.action(async (file: string | undefined, flags: EncryptFlags) => {
    checkIoConflicts(flags, file);
    if ((file === undefined || file === "-") && !flags.filenameOverride) {
      throw new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", "reading from stdin needs --filename-override to choose the format and creation rule", {
        hint: "pass --filename-override NAME (its extension picks the format, its path the creation rule), or name a file",
      });
    }
    const env = process.env;
    const name = flags.filenameOverride ?? (file as string);
    const formats = resolveFormats(flags, file);
    const { keyGroups, threshold, selectors, config: loaded } = await resolveNewFileKeys(flags, name, env);
    const plain = await readInput(file);
    const out = await encryptFile(plain, {
      format: formats.input,
      outputFormat: formats.output,
      keyGroups,
      shamirThreshold: threshold,
      selectors,
      providers: keyProvidersFor(env),
      now: new Date(),
      random: pooledRandom(),
      store: storeOptions(flags, formats.output, loaded?.config),
    });
    await deliver(out, flags, file, io, false);
  });
}
