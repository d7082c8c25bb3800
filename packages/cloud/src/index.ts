/**
 * @packageDocumentation
 * The one edge to AWS, HashiCorp Vault and Google Cloud, shared by `@hush/keys` (sops key
 * providers) and `@hush/providers` (secret-store providers): one AWS credential chain and
 * error classifier (`@hush/cloud/aws`), one Vault HTTP client (`@hush/cloud/vault`), one Google
 * Cloud client setup and error classifier (`@hush/cloud/gcp`). Every failure is summarised
 * here, once: what leaves this package names a kind and a status, never a request, response,
 * token or value. This entry point loads no SDK; each subpath imports its SDK on first use.
 */
export {
  CloudError,
  isAbort,
  isCloudError,
  networkCode,
  summarizeError,
  withSignal,
  type CloudFailure,
  type CloudFailureKind,
} from "./failure.js";
