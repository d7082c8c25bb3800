/**
 * @packageDocumentation
 * sops key providers implementing `KeyProvider` from `@hush/sops`. Each provider is built from
 * explicit options; environment and file look-ups are passed in by the caller.
 */
export {
  createAgeProvider,
  defaultAgeKeysFile,
  generateAgeIdentity,
  parseAgeIdentities,
  parseAgeRecipients,
  type AgeIdentityLoader,
} from "./age.js";
// Cloud and PGP providers: each imports its SDK (AWS, GCP, openpgp) on first use only, so
// importing this package never loads one; the CLI also imports their subpaths lazily. AWS,
// Vault and Google Cloud are reached through @hush/cloud, the one edge that classifies and
// summarises their failures.
export {
  createAwsKmsProvider,
  kmsRegionFromArn,
  parseEncryptionContext,
  parseKmsKeys,
  stsSessionName,
  type AwsKmsProviderOptions,
  type KmsKeyRef,
} from "./aws-kms.js";
export {
  createGcpKmsProvider,
  parseGcpKmsResourceId,
  parseGcpKmsResourceIds,
  type GcpKmsClient,
  type GcpKmsKeyRef,
  type GcpKmsProviderOptions,
} from "./gcp-kms.js";
export {
  createVaultTransitProvider,
  isVaultAddressAllowed,
  parseVaultTransitUri,
  parseVaultTransitUris,
  type VaultClient,
  type VaultKeyRef,
  type VaultTransitProviderOptions,
} from "./vault-transit.js";
export {
  createPgpProvider,
  gpgEncryptArgs,
  parsePgpFingerprint,
  parsePgpFingerprints,
  type GpgResult,
  type PgpKeyRef,
  type PgpProviderOptions,
  type RunGpg,
} from "./pgp.js";
export { createAzureKvProvider, rejectAzureKvKeys } from "./azure-kv.js";
export { keyError, type KeyFailureKind } from "./key-error.js";
