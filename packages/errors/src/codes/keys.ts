import { defineCodes } from "./define.js";

/**
 * Errors raised by @hush/keys. Codes are never reused once released.
 *
 * Unwrap failures (decrypt side) carry sops's `CouldNotRetrieveKey` (128); the core collects
 * them per key. Wrap failures (encrypt side) exit 1, as sops's "could not generate data key"
 * does. Provider payloads and SDK messages are only ever kept as `cause`.
 */
export const keysCodes = defineCodes({
  HUSH_ERR_KEYS_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
  HUSH_ERR_KEYS_AGE_IDENTITY: { exitCode: 128, hint: "keep only AGE-SECRET-KEY-1… lines (and # comments) in the keys file" },
  HUSH_ERR_KEYS_AGE_RECIPIENT: { exitCode: 1, hint: "pass age recipients as age1… (see `hush keygen`) or as an SSH public key line (ssh-ed25519/ssh-rsa)" },
  HUSH_ERR_KEYS_AGE_NO_IDENTITY: { exitCode: 128, hint: "set SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or SOPS_AGE_SSH_PRIVATE_KEY_FILE, or run `hush keygen`" },
  HUSH_ERR_KEYS_AGE_SSH_KEY: { exitCode: 128, hint: "use an unencrypted ssh-ed25519 or ssh-rsa private key (OpenSSH or PEM format), or an age identity" },
  HUSH_ERR_KEYS_AGE_DECRYPT: { exitCode: 128, hint: "use the age identity that matches one of the file's recipients" },
  HUSH_ERR_KEYS_INVALID_ENCRYPTION_CONTEXT: {
    exitCode: 6,
    hint: "write the encryption context as key:value pairs separated by commas, e.g. app:web,env:prod",
  },
  HUSH_ERR_KEYS_INVALID_KEY: {
    exitCode: 1,
    hint: "check the key identifier's format (KMS ARN, GCP resource ID, Vault transit URI or PGP fingerprint)",
  },
  HUSH_ERR_KEYS_NOT_SUPPORTED: {
    exitCode: 1,
    hint: "decrypt the file with sops and re-encrypt it with a supported key type (age, pgp, kms, gcp_kms, hc_vault)",
  },
  HUSH_ERR_KEYS_WRAP_FAILED: {
    exitCode: 1,
    hint: "check the key exists and that your credentials may encrypt with it",
  },
  HUSH_ERR_KEYS_ACCESS_DENIED: {
    exitCode: 128,
    hint: "check your credentials and that they may decrypt with this key",
  },
  HUSH_ERR_KEYS_THROTTLED: {
    exitCode: 128,
    hint: "the key service is rate limiting requests; retry later",
  },
  HUSH_ERR_KEYS_KEY_NOT_FOUND: {
    exitCode: 128,
    hint: "check the key still exists and is enabled in its key service",
  },
  HUSH_ERR_KEYS_UNREACHABLE: {
    exitCode: 128,
    hint: "check the key service address and your network",
  },
  HUSH_ERR_KEYS_NO_CREDENTIALS: {
    exitCode: 128,
    hint: "provide credentials for the key service (e.g. VAULT_TOKEN, AWS credentials, GOOGLE_CREDENTIALS)",
  },
  HUSH_ERR_KEYS_NO_IDENTITY: {
    exitCode: 128,
    hint: "import the secret key into your gpg keyring (GNUPGHOME) or pass an armored key file",
  },
  HUSH_ERR_KEYS_UNWRAP_FAILED: {
    exitCode: 128,
    hint: "the wrapped data key could not be decrypted with this key",
  },
  HUSH_ERR_KEYS_NOT_ALLOWED: {
    exitCode: 128,
    hint: "the Vault address is not in SOPS_HC_VAULT_ALLOWLIST; add it if you trust that server",
  },
});
