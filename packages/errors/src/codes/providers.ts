import { defineCodes } from "./define.js";

/**
 * Errors raised by @hush/providers. Codes are never reused once released.
 *
 * Every provider failure is mapped to one of six normalised kinds (see `providerErrorKind` in
 * @hush/providers): not-found, access-denied, throttled, unavailable, invalid-config,
 * checksum-mismatch. The SDK error is only ever kept as `cause`, never in the message.
 */
export const providersCodes = defineCodes({
  HUSH_ERR_PROVIDERS_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
  HUSH_ERR_PROVIDERS_NOT_FOUND: {
    exitCode: 1,
    hint: "check the remote key, property and version exist in the provider",
  },
  HUSH_ERR_PROVIDERS_ACCESS_DENIED: {
    exitCode: 1,
    hint: "check the store's credentials and that its identity may read this secret",
  },
  HUSH_ERR_PROVIDERS_THROTTLED: {
    exitCode: 1,
    hint: "the provider is rate limiting; lengthen refreshInterval or lower the store rate limit",
  },
  HUSH_ERR_PROVIDERS_UNAVAILABLE: {
    exitCode: 1,
    hint: "the provider could not be reached; it is retried with backoff",
  },
  HUSH_ERR_PROVIDERS_INVALID_CONFIG: {
    exitCode: 1,
    hint: "fix the SecretStore spec.provider block (ESO field names)",
  },
  HUSH_ERR_PROVIDERS_CHECKSUM_MISMATCH: {
    exitCode: 1,
    hint: "the payload was corrupted in transit or storage; it is retried, report it if it persists",
  },
  HUSH_ERR_PROVIDERS_NOT_MANAGED: {
    exitCode: 1,
    hint: "the remote secret exists and was not pushed by a PushSecret of this namespace (managed-by tag missing or another owner); it is never overwritten or deleted: pick another remoteKey, or tag the remote secret yourself",
  },
  HUSH_ERR_PROVIDERS_PUSH_UNSUPPORTED: {
    exitCode: 1,
    hint: "this store's provider cannot be written by a PushSecret in hush yet (AWS Secrets Manager, Vault KV v2 and Google Secret Manager can)",
  },
});
