import { existsSync } from "node:fs";
import { pooledRandom } from "../io/random.js";
import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { parseAgeRecipients } from "@hush/keys/age";
import { wrapDataKey, type MasterKeyRef } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { deliver } from "../io/deliver.js";
import { changeKeyGroups } from "../io/key-groups.js";
import { masterKeysFromFlags } from "../io/key-flags.js";
import { checkIoConflicts, type SopsCommandOptions, inFile } from "../io/sops-options.js";
import { openSession, sealSession, type SessionFlags } from "../io/sops-session.js";

type KeyKind = "kms" | "pgp" | "gcpKms" | "hcVaultTransit" | "age" | "azureKv" | "hckms";

interface RotateFlags extends SopsCommandOptions, SessionFlags {
  encryptionContext?: string;
  awsProfile?: string;
  [flag: string]: unknown;
}

const kinds: ReadonlyArray<[KeyKind, string, string]> = [
  ["kms", "kms", "KMS key ARNs (ARN or ARN+ROLE_ARN)"],
  ["pgp", "pgp", "PGP fingerprints"],
  ["gcpKms", "gcp-kms", "GCP KMS resource IDs"],
  ["hcVaultTransit", "hc-vault-transit", "Vault transit key URIs"],
  ["age", "age", "age recipients"],
  ["azureKv", "azure-kv", "Azure Key Vault key URLs (removal only: hush cannot use them)"],
  ["hckms", "hckms", "HuaweiCloud KMS key IDs (removal only: hush cannot use them)"],
];

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The keys named by the `--add-*` or `--rm-*` flags (no environment fallback). */
function keysFrom(flags: RotateFlags, prefix: "add" | "rm"): MasterKeyRef[] {
  const pick = (kind: KeyKind): string | undefined => {
    const v = flags[`${prefix}${cap(kind)}`];
    return typeof v === "string" ? v : undefined;
  };
  const age = pick("age");
  // Removing Azure Key Vault or HuaweiCloud KMS keys is how files move away from them, so
  // --rm-* accepts them even though hush cannot wrap or unwrap with them.
  const unsupported: MasterKeyRef[] = [];
  if (prefix === "rm") {
    for (const url of (pick("azureKv") ?? "").split(",").map((u) => u.trim()).filter(Boolean)) {
      const m = /^(https:\/\/[^/]+)\/keys\/([^/]+)(?:\/([^/]+))?$/.exec(url);
      if (!m) throw new HushError("HUSH_ERR_KEYS_INVALID_KEY", `--rm-azure-kv: invalid Azure Key Vault key URL ${JSON.stringify(url)}`);
      unsupported.push({ type: "azure_kv", vault_url: m[1] as string, name: m[2] as string, version: m[3] ?? "" });
    }
    for (const id of (pick("hckms") ?? "").split(",").map((u) => u.trim()).filter(Boolean)) unsupported.push({ type: "hckms", key_id: id });
  }
  const others = masterKeysFromFlags(
    {
      ...(pick("kms") !== undefined && { kms: pick("kms") }),
      ...(pick("pgp") !== undefined && { pgp: pick("pgp") }),
      ...(pick("gcpKms") !== undefined && { gcpKms: pick("gcpKms") }),
      ...(pick("hcVaultTransit") !== undefined && { hcVaultTransit: pick("hcVaultTransit") }),
      ...(prefix === "add" && pick("azureKv") !== undefined && { azureKv: pick("azureKv") }),
      ...(prefix === "add" && pick("hckms") !== undefined && { hckms: pick("hckms") }),
      ...(flags.encryptionContext !== undefined && { encryptionContext: flags.encryptionContext }),
      ...(flags.awsProfile !== undefined && { awsProfile: flags.awsProfile }),
    },
    {},
  );
  const ages = age ? parseAgeRecipients(age).map((recipient): MasterKeyRef => ({ type: "age", recipient })) : [];
  return [...others, ...unsupported, ...ages];
}

/**
 * Rotates a file's data key: decrypts it, applies `--add-*`/`--rm-*` key changes (added keys
 * join the first group; removed keys leave every group), generates a new data key, wraps it
 * for every key and re-encrypts every value. Output goes to stdout, `--output` or `-i`.
 */
export async function rotateFile(file: string, flags: RotateFlags, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  checkIoConflicts(flags, file);
  const add = keysFrom(flags, "add");
  const remove = keysFrom(flags, "rm");
  if (!existsSync(file)) {
    if (add.length > 0 || remove.length > 0) {
      throw new HushError("HUSH_ERR_CLI_KEYS_NONEXISTENT_FILE", `${file}: cannot add or remove keys of a file that does not exist`, {
        hint: "create it with `hush encrypt` and key flags such as --age; --add-*/--rm-* change an existing file",
      });
    }
    throw new HushError("HUSH_ERR_CLI_NO_FILE", `${file}: no such file`, { hint: "rotate works on an existing encrypted file; check the path" });
  }
  const session = await openSession(file, flags, env);
  try {
    const groups = changeKeyGroups(session.opened.metadata.keyGroups, add, remove);
    if (groups.length === 0) throw new HushError("HUSH_ERR_SOPS_NO_KEYS", "removing these keys would leave the file without any master key", {
        hint: "add the new key with --add-* in the same command, or keep one of the current keys",
      });
    const now = new Date();
    const random = pooledRandom();
    const dataKey = random(32);
    const threshold = groups.length > 1 ? Math.min(session.opened.metadata.shamirThreshold || groups.length, groups.length) : session.opened.metadata.shamirThreshold;
    const wrapped = await wrapDataKey(dataKey, groups, threshold, session.providers, now, random);
    const out = sealSession(session, { keyGroups: wrapped.keyGroups, shamirThreshold: wrapped.shamirThreshold, dataKey, now });
    await deliver(out, flags, file, io, false);
  } catch (err) {
    throw inFile(file, err);
  }
}

/** Registers `hush rotate`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command("rotate")
    .description("generate a new data key for an encrypted file and re-encrypt it, optionally adding or removing master keys")
    .argument("<file>", "the encrypted file")
    .option("-i, --in-place", "write the result back to the file instead of stdout")
    .option("--output <file>", "write the result to this file instead of stdout")
    .option("--input-type <type>", "input format (default: from the file name)")
    .option("--output-type <type>", "output format (default: from the file name)")
    .option("--indent <n>", "indentation of YAML/JSON output")
    .option("--ignore-mac", "do not verify the MAC before rotating")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)")
    .option("--config <file>", "path to .sops.yaml (env SOPS_CONFIG)")
    .option("--encryption-context <pairs>", "KMS encryption context for --add-kms keys, key:value pairs separated by commas")
    .option("--aws-profile <profile>", "the AWS profile for --add-kms keys");
  for (const [, flag, what] of kinds) {
    cmd.option(`--add-${flag} <keys>`, `add these comma-separated ${what} to the first key group`);
    cmd.option(`--rm-${flag} <keys>`, `remove these comma-separated ${what} from every key group`);
  }
  cmd.action(async (file: string, flags: RotateFlags) => {
    await rotateFile(file, flags, io);
  });
}
