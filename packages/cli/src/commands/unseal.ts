import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { encryptFile, type Selectors } from "@hush/sops";
import { renderSecrets, unsealSecret, type OutputFormat } from "@hush/sealed";
import type { CliIo } from "../io/cli-io.js";
import { addKeyFlags } from "../io/key-flags.js";
import { resolveNewFileKeys, type NewFileFlags } from "../io/new-file-keys.js";
import { keyProvidersFor } from "../io/providers.js";
import { pooledRandom } from "../io/random.js";
import { addSelectorOptions, inFile, storeOptions } from "../io/sops-options.js";
import { addIoFlags, emit, outputFormat, readPrivateKeys, readSource, sealedDocuments, type SealedFlags } from "./seal.js";

interface UnsealFlags extends SealedFlags, Omit<NewFileFlags, "config"> {
  toSops?: boolean;
  filenameOverride?: string;
}

/** What Flux's kustomize-controller expects SOPS to encrypt in a Secret: its values, not its metadata. */
export const fluxEncryptedRegex = "^(data|stringData)$";

/**
 * Unseals SealedSecrets with the controller's private keys. Plain output goes to stdout or to
 * a 0600 file; with `--to-sops` the Secret is SOPS-encrypted in memory (keys from the flags or
 * the first matching `.sops.yaml` creation rule) and only the encrypted file is written.
 */
export async function runUnseal(file: string | undefined, flags: UnsealFlags, io: CliIo): Promise<void> {
  const keys = await readPrivateKeys(flags);
  const { bytes, where } = await readSource(file, flags);
  const list = sealedDocuments(bytes, where);
  // Templates (spec.template.data with `{{`) render as Go text/template + Sprig (@hush/gotemplate).
  const secrets = list.map((ss) => {
    try {
      return unsealSecret(ss, keys);
    } catch (err) {
      throw inFile(where, err);
    }
  });
  const format: OutputFormat = outputFormat(flags, bytes);
  if (!flags.toSops) return emit(renderSecrets(secrets, format), flags, io, true);

  if (secrets.length !== 1) throw new HushError("HUSH_ERR_CLI_USAGE", `--to-sops converts one SealedSecret per file; ${where} holds ${secrets.length}`);
  const name = flags.filenameOverride ?? flags.sealedSecretFile;
  if (!name) throw new HushError("HUSH_ERR_CLI_USAGE", "--to-sops needs -w FILE (or --filename-override NAME) to choose the .sops.yaml creation rule");
  const env = process.env;
  const { keyGroups, threshold, selectors, config } = await resolveNewFileKeys({ ...flags }, name, env);
  // A selector from the flags or the creation rule wins; otherwise encrypt what Flux decrypts.
  const chosen: Selectors = selectors.rule ? selectors : { ...selectors, rule: { name: "encrypted_regex", value: fluxEncryptedRegex } };
  // Without the leading `---` kubeseal-style renderers add: sops stores one document.
  const plain = renderSecrets(secrets, format);
  const body = format === "yaml" ? plain.subarray(4) : plain;
  try {
    const out = await encryptFile(body, {
      format,
      outputFormat: format,
      keyGroups,
      shamirThreshold: threshold,
      selectors: chosen,
      providers: keyProvidersFor(env),
      now: new Date(),
      random: pooledRandom(),
      store: storeOptions({}, format, config?.config),
    });
    await emit(out, flags, io, false);
  } finally {
    plain.fill(0);
  }
}

/** Registers `hush unseal`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command("unseal")
    .description("decrypt a SealedSecret with the controller's private key(s) (kubeseal --recovery-unseal), or convert it to a SOPS-encrypted Secret")
    .argument("[file]", "the SealedSecret manifest (stdin when omitted)")
    .option("--to-sops", "write a SOPS-encrypted Secret instead of a plain one (keys from .sops.yaml or the key flags)")
    .option("--filename-override <name>", "with --to-sops to stdout: the file name that picks the .sops.yaml creation rule")
    .option("-a, --age <recipients>", "with --to-sops: comma-separated age recipients (env SOPS_AGE_RECIPIENTS)")
    .option("--config <file>", "path to .sops.yaml");
  addIoFlags(cmd);
  addKeyFlags(cmd);
  // --encrypted-regex & co.; without one (and no creation rule's), fluxEncryptedRegex applies.
  addSelectorOptions(cmd);
  cmd.action((file: string | undefined, flags: UnsealFlags) => runUnseal(file, flags, io));
}
