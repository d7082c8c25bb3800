import type { Command } from "commander";
import { HushError } from "@hush/errors";
import {
  parseEncryptionContext,
  parseGcpKmsResourceIds,
  parseKmsKeys,
  parsePgpFingerprints,
  parseVaultTransitUris,
  rejectAzureKvKeys,
} from "@hush/keys";
import type { MasterKeyRef } from "@hush/sops";

/** The parsed values of the non-age key flags, as commander names them. */
export interface KeyFlagValues {
  readonly kms?: string;
  readonly awsProfile?: string;
  readonly encryptionContext?: string;
  readonly gcpKms?: string;
  readonly hcVaultTransit?: string;
  readonly pgp?: string;
  readonly azureKv?: string;
  readonly hckms?: string;
}

/** Registers sops's non-age key flags (`--kms`, `--pgp`, …) on an encrypt/edit-like command. */
export function addKeyFlags(command: Command): Command {
  return command
    .option("-k, --kms <arns>", "comma-separated KMS key ARNs, each optionally ARN+ROLE_ARN (env SOPS_KMS_ARN)")
    .option("--aws-profile <profile>", "the AWS profile to use for the KMS keys")
    .option("--encryption-context <pairs>", "KMS encryption context, key:value pairs separated by commas")
    .option("--gcp-kms <ids>", "comma-separated GCP KMS resource IDs (env SOPS_GCP_KMS_IDS)")
    .option("--hc-vault-transit <uris>", "comma-separated Vault transit key URIs (env SOPS_VAULT_URIS)")
    .option("-p, --pgp <fingerprints>", "comma-separated PGP fingerprints (env SOPS_PGP_FP)")
    .option("--azure-kv <urls>", "Azure Key Vault key URLs (not supported by hush)")
    .option("--hckms <ids>", "HuaweiCloud KMS key IDs (not supported by hush)");
}

/**
 * The master keys named by the non-age key flags, falling back to sops's environment
 * variables, in sops's CLI order (kms, gcp_kms, hckms, azure_kv, pgp, hc_vault; age comes last
 * and is the caller's). An empty result means no such flag was given.
 * @throws HushError exit 6 for a bad `--encryption-context`; `HUSH_ERR_KEYS_NOT_SUPPORTED` for
 *   Azure Key Vault or HuaweiCloud KMS keys; `HUSH_ERR_KEYS_INVALID_KEY` for malformed keys.
 */
export function masterKeysFromFlags(values: KeyFlagValues, env: Readonly<Record<string, string | undefined>> = process.env): MasterKeyRef[] {
  const context = parseEncryptionContext(values.encryptionContext ?? "");
  const pick = (flag: string | undefined, name: string): string => flag ?? env[name] ?? "";
  const keys: MasterKeyRef[] = [];
  keys.push(
    ...parseKmsKeys(pick(values.kms, "SOPS_KMS_ARN"), {
      ...(context ? { context } : {}),
      ...(values.awsProfile ? { awsProfile: values.awsProfile } : {}),
    }),
  );
  keys.push(...parseGcpKmsResourceIds(pick(values.gcpKms, "SOPS_GCP_KMS_IDS")));
  const hckms = pick(values.hckms, "SOPS_HUAWEICLOUD_KMS_IDS");
  if (hckms.split(",").some((s) => s.trim() !== "")) {
    throw new HushError("HUSH_ERR_KEYS_NOT_SUPPORTED", "--hckms: HuaweiCloud KMS keys are not supported by hush");
  }
  rejectAzureKvKeys(pick(values.azureKv, "SOPS_AZURE_KEYVAULT_URLS"));
  keys.push(...parsePgpFingerprints(pick(values.pgp, "SOPS_PGP_FP")));
  keys.push(...parseVaultTransitUris(pick(values.hcVaultTransit, "SOPS_VAULT_URIS")));
  return keys;
}
