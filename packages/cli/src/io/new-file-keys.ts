import { HushError } from "@hush/errors";
import { parseAgeRecipients } from "@hush/keys/age";
import { findCreationRule, type KeyGroup, type MasterKeyRef, type Selectors } from "@hush/sops";
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
 * Chooses keys for a new file as sops does: any key flag (`--age`, `--kms`, `--pgp`,
 * `--gcp-kms`, `--hc-vault-transit`, or their environment variables) makes one group of all
 * given keys and the config's keys are not used; otherwise the first matching creation rule
 * supplies groups, threshold and selector. Flag selectors and thresholds win over the rule's.
 * @throws HushError `HUSH_ERR_CLI_NO_CREATION_RULE` when neither gives a key; exit 6 for a bad
 *   `--encryption-context`; exit 8 for two selector flags.
 */
export async function resolveNewFileKeys(flags: NewFileFlags, name: string, env: NodeJS.ProcessEnv): Promise<NewFileKeys> {
  const flagSelectors = selectorsFromFlags(flags);
  const ageFlag = flags.age ?? env["SOPS_AGE_RECIPIENTS"] ?? "";
  const flagKeys: MasterKeyRef[] = [
    ...masterKeysFromFlags(flags, env),
    ...(ageFlag ? parseAgeRecipients(ageFlag).map((recipient): MasterKeyRef => ({ type: "age", recipient })) : []),
  ];
  const config = await loadSopsConfig(flags.config, process.cwd(), env);
  const hasRules = config !== undefined && config.config.creationRules.length > 0;
  const rule = hasRules ? findCreationRule(config.config, pathForRules(name, config.path, process.cwd())) : undefined;
  let threshold = flags.shamirSecretSharingThreshold === undefined ? 0 : Number(flags.shamirSecretSharingThreshold);
  if (!Number.isInteger(threshold) || threshold < 0) throw new HushError("HUSH_ERR_CLI_USAGE", "--shamir-secret-sharing-threshold takes a whole number");
  let selectors: Selectors = flagSelectors ?? {};
  let keyGroups: KeyGroup<MasterKeyRef>[];
  if (flagKeys.length > 0) {
    keyGroups = [flagKeys];
  } else if (rule) {
    keyGroups = [...rule.keyGroups];
  } else if (hasRules) {
    throw new HushError("HUSH_ERR_CLI_NO_CREATION_RULE", `no creation rule in ${config.path} matches ${name}`);
  } else {
    throw new HushError("HUSH_ERR_CLI_NO_CREATION_RULE", "config file not found, or has no creation rules, and no keys provided through command line options");
  }
  if (rule) {
    if (!flagSelectors?.rule && rule.selectors.rule) selectors = { ...selectors, rule: rule.selectors.rule };
    if (rule.selectors.macOnlyEncrypted) selectors = { ...selectors, macOnlyEncrypted: true };
    if (flags.shamirSecretSharingThreshold === undefined) threshold = rule.shamirThreshold;
  }
  return { keyGroups, threshold, selectors, config };
}
