import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { encryptFile, findCreationRule, type KeyGroup, type MasterKeyRef, type Selectors } from "@hush/sops";
import { parseAgeRecipients } from "@hush/keys/age";
import type { CliIo } from "../io/cli-io.js";
import { loadSopsConfig, pathForRules } from "../io/config.js";
import { deliver } from "../io/deliver.js";
import { readInput } from "../io/files.js";
import { pooledRandom } from "../io/random.js";
import { keyProvidersFor } from "../io/providers.js";
import {
  addIoOptions,
  addSelectorOptions,
  checkIoConflicts,
  indentOption,
  resolveFormats,
  selectorsFromFlags,
  type SopsCommandOptions,
} from "../io/sops-options.js";

interface EncryptFlags extends SopsCommandOptions {
  age?: string;
  shamirSecretSharingThreshold?: string;
  [selector: string]: unknown;
}

/** Registers `hush encrypt`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command("encrypt")
    .description("encrypt a file (YAML, JSON, dotenv, INI or binary) in the SOPS v3 format")
    .argument("[file]", "the file to encrypt (stdin when omitted; then --filename-override is needed)")
    .option("-a, --age <recipients>", "comma-separated age recipients (env SOPS_AGE_RECIPIENTS)")
    .option("--shamir-secret-sharing-threshold <n>", "number of key groups needed to decrypt");
  addIoOptions(cmd);
  addSelectorOptions(cmd);
  cmd.action(async (file: string | undefined, flags: EncryptFlags) => {
    checkIoConflicts(flags, file);
    if ((file === undefined || file === "-") && !flags.filenameOverride) {
      throw new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", "reading from stdin needs --filename-override to choose the format and creation rule");
    }
    const env = process.env;
    const name = flags.filenameOverride ?? (file as string);
    const formats = resolveFormats(flags, file);
    const flagSelectors = selectorsFromFlags(flags);
    const ageFlag = flags.age ?? env["SOPS_AGE_RECIPIENTS"];

    let keyGroups: KeyGroup<MasterKeyRef>[];
    let threshold = flags.shamirSecretSharingThreshold === undefined ? 0 : Number(flags.shamirSecretSharingThreshold);
    let selectors: Selectors = flagSelectors ?? {};
    const loaded = await loadSopsConfig(flags.config, process.cwd(), env);
    const rule = loaded && loaded.config.creationRules.length > 0 ? findCreationRule(loaded.config, pathForRules(name, loaded.path, process.cwd())) : undefined;
    if (loaded && loaded.config.creationRules.length > 0 && !rule && !ageFlag) {
      throw new HushError("HUSH_ERR_CLI_NO_CREATION_RULE", `no creation rule in ${loaded.path} matches ${name}`);
    }
    if (ageFlag) {
      keyGroups = [parseAgeRecipients(ageFlag).map((recipient): MasterKeyRef => ({ type: "age", recipient }))];
    } else if (rule) {
      keyGroups = [...rule.keyGroups];
    } else {
      throw new HushError("HUSH_ERR_CLI_NO_CREATION_RULE", "config file not found, or has no creation rules, and no keys provided through command line options");
    }
    if (rule) {
      if (!flagSelectors?.rule && rule.selectors.rule) selectors = { ...selectors, rule: rule.selectors.rule };
      if (rule.selectors.macOnlyEncrypted) selectors = { ...selectors, macOnlyEncrypted: true };
      if (flags.shamirSecretSharingThreshold === undefined) threshold = rule.shamirThreshold;
    }
    const types = new Set(keyGroups.flat().map((k) => k.type));
    const providers = await keyProvidersFor(types, env);
    const plain = await readInput(file);
    const indent = indentOption(flags) ?? (formats.output === "yaml" ? loaded?.config.stores.yaml?.indent : loaded?.config.stores.json?.indent);
    const out = await encryptFile(plain, {
      format: formats.input,
      outputFormat: formats.output,
      keyGroups,
      shamirThreshold: threshold,
      selectors,
      providers,
      now: new Date(),
      random: pooledRandom(),
      ...(indent !== undefined && { store: { indent } }),
    });
    await deliver(out, flags, file, io, false);
  });
}
