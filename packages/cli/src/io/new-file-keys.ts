import { HushError } from "@hush/errors";
import { parseAgeRecipients } from "@hush/keys/age";
import { findCreationRule, type CreationRule, type KeyGroup, type MasterKeyRef, type Selectors } from "@hush/sops";
import { loadSopsConfig, pathForRules, type LoadedConfig } from "./config.js";
import { masterKeysFromFlags, type KeyFlagValues } from "./key-flags.js";
import { selectorsFromFlags } from "./sops-options.js";

/** Flags that choose the keys and selectors of a new encrypted file. */
export interface NewFileFlags extends KeyFlagValues {
  age?: string;
  shamirSecretSharingThreshold?: string;
  config?: string;
  [selector: string]: unknown;
}

/** The key groups, Shamir threshold and selectors a new file gets, and the config used. */
export interface NewFileKeys {
  readonly keyGroups: KeyGroup<MasterKeyRef>[];
  readonly threshold: number;
  readonly selectors: Selectors;
  readonly config: LoadedConfig | undefined;
}

/**
 * The creation rule for `name`, as sops loads it before encrypting or editing: with no
 * `.sops.yaml`, or one without creation rules, `undefined`; with creation rules of which none
 * matches, an error, even when key flags are given (sops fails there too).
 * @throws HushError `HUSH_ERR_CLI_NO_CREATION_RULE` when rules exist and none matches.
 */
export async function requireMatchingCreationRule(
  explicitConfig: string | undefined,
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<{ config: LoadedConfig | undefined; rule: CreationRule | undefined }> {
  const config = await loadSopsConfig(explicitConfig, process.cwd(), env);
  if (config === undefined || config.config.creationRules.length === 0) return { config, rule: undefined };
  const rule = findCreationRule(config.config, pathForRules(name, config.path, process.cwd()));
  if (rule) return { config, rule };
  throw new HushError("HUSH_ERR_CLI_NO_CREATION_RULE", `no matching creation rules found: none of the ${config.config.creationRules.length} creation rules in ${config.path} matches ${name}`, {
    hint: "add a rule whose path_regex matches this file (or a last rule without path_regex); key flags do not bypass .sops.yaml, --config names another one",
  });
}

/**
 * Chooses keys for a new file as sops does: any key flag (`--age`, `--kms`, `--pgp`,
 * `--gcp-kms`, `--hc-vault-transit`, or their environment variables) makes one group of all
 * given keys and the config's keys are not used; otherwise the first matching creation rule
 * supplies groups, threshold and selector. Flag selectors and thresholds win over the rule's.
 * @throws HushError `HUSH_ERR_CLI_NO_CREATION_RULE` when neither gives a key or rules exist and
 *   none matches; `HUSH_ERR_CLI_EMPTY_KEY_GROUP` when the rule has an empty key group; exit 6 for a bad
 *   `--encryption-context`; exit 8 for two selector flags.
 */
export async function resolveNewFileKeys(flags: NewFileFlags, name: string, env: NodeJS.ProcessEnv): Promise<NewFileKeys> {
  const flagSelectors = selectorsFromFlags(flags);
  const ageFlag = flags.age ?? env["SOPS_AGE_RECIPIENTS"] ?? "";
  const flagKeys: MasterKeyRef[] = [
    ...masterKeysFromFlags(flags, env),
    ...(ageFlag ? parseAgeRecipients(ageFlag).map((recipient): MasterKeyRef => ({ type: "age", recipient })) : []),
  ];
  const { config, rule } = await requireMatchingCreationRule(flags.config, name, env);
  let threshold = flags.shamirSecretSharingThreshold === undefined ? 0 : Number(flags.shamirSecretSharingThreshold);
  if (!Number.isInteger(threshold) || threshold < 0) throw new HushError("HUSH_ERR_CLI_USAGE", "--shamir-secret-sharing-threshold takes a whole number", { hint: "give how many key groups must be available to decrypt, e.g. 2" });
  let selectors: Selectors = flagSelectors ?? {};
  let keyGroups: KeyGroup<MasterKeyRef>[];
  if (flagKeys.length > 0) {
    keyGroups = [flagKeys];
  } else if (rule) {
    keyGroups = [...rule.keyGroups];
    // sops's own text: its test suite and scripts compare it.
    if (keyGroups.length === 0 || keyGroups.some((g) => g.length === 0)) {
      throw new HushError("HUSH_ERR_CLI_EMPTY_KEY_GROUP", "Could not generate data key: [empty key group provided]", { verbatim: true });
    }
  } else {
    throw new HushError("HUSH_ERR_CLI_NO_CREATION_RULE", "config file not found, or has no creation rules, and no keys provided through command line options", {
      hint: "pass a key flag such as --age, or add .sops.yaml with a creation rule for this file",
    });
  }
  if (rule) {
    if (!flagSelectors?.rule && rule.selectors.rule) selectors = { ...selectors, rule: rule.selectors.rule };
    if (rule.selectors.macOnlyEncrypted) selectors = { ...selectors, macOnlyEncrypted: true };
    if (flags.shamirSecretSharingThreshold === undefined) threshold = rule.shamirThreshold;
  }
  return { keyGroups, threshold, selectors, config };
}
