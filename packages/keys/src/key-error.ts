import type { CloudFailure, CloudFailureKind } from "@hush/cloud";
import { HushError, isHushError, type ErrorCode } from "@hush/errors";
import type { KeyType, MasterKeyRef } from "@hush/sops";

/** Why a key service call failed, normalised across providers. */
export type KeyFailureKind =
  | "access-denied"
  | "throttled"
  | "not-found"
  | "unreachable"
  | "no-credentials"
  | "no-identity"
  | "not-allowed"
  | "failed";

const unwrapCodes: Record<KeyFailureKind, ErrorCode> = {
  "access-denied": "HUSH_ERR_KEYS_ACCESS_DENIED",
  throttled: "HUSH_ERR_KEYS_THROTTLED",
  "not-found": "HUSH_ERR_KEYS_KEY_NOT_FOUND",
  unreachable: "HUSH_ERR_KEYS_UNREACHABLE",
  "no-credentials": "HUSH_ERR_KEYS_NO_CREDENTIALS",
  "no-identity": "HUSH_ERR_KEYS_NO_IDENTITY",
  "not-allowed": "HUSH_ERR_KEYS_NOT_ALLOWED",
  failed: "HUSH_ERR_KEYS_UNWRAP_FAILED",
};

const phrases: Record<KeyFailureKind, string> = {
  "access-denied": "access denied",
  throttled: "request throttled",
  "not-found": "key not found or disabled",
  unreachable: "key service unreachable",
  "no-credentials": "no credentials",
  "no-identity": "no secret key available",
  "not-allowed": "address not allowed",
  failed: "key service refused the request",
};

/**
 * Builds the error for a failed wrap or unwrap. The message names the key and the kind of
 * failure only. `cause` must already be a summary from `@hush/cloud` (never the SDK error,
 * whose request and response may hold the data key, a signature or a token).
 */
export function keyError(
  op: "wrap" | "unwrap",
  key: string,
  kind: KeyFailureKind,
  cause?: unknown,
  detail?: string,
): HushError {
  const what = detail ? `${phrases[kind]} (${detail})` : phrases[kind];
  if (op === "wrap") {
    return new HushError("HUSH_ERR_KEYS_WRAP_FAILED", `${key}: could not encrypt the data key: ${what}`, {
      cause,
      hint: hintFor(kind),
    });
  }
  return new HushError(unwrapCodes[kind], `${key}: could not decrypt the data key: ${what}`, { cause });
}

function hintFor(kind: KeyFailureKind): string | undefined {
  switch (kind) {
    case "throttled":
      return "the key service is rate limiting requests; retry later";
    case "unreachable":
      return "check the key service address and your network";
    case "no-credentials":
      return "provide credentials for the key service (e.g. VAULT_TOKEN, AWS credentials, GOOGLE_CREDENTIALS)";
    case "not-allowed":
      return "the Vault address is not in SOPS_HC_VAULT_ALLOWLIST; add it if you trust that server";
    default:
      return undefined;
  }
}

const FROM_CLOUD: Record<CloudFailureKind, KeyFailureKind> = {
  "access-denied": "access-denied",
  "no-credentials": "no-credentials",
  throttled: "throttled",
  "not-found": "not-found",
  unreachable: "unreachable",
  tls: "unreachable",
  "invalid-request": "failed",
  "server-error": "failed",
  aborted: "failed",
  internal: "failed",
  unknown: "failed",
};

/**
 * Re-throws `err` untouched when it is already a HushError, else classifies it at the cloud
 * edge and keeps only the edge's summary as `cause`.
 */
export function toKeyError(
  op: "wrap" | "unwrap",
  key: string,
  err: unknown,
  classify: (err: unknown) => CloudFailure,
): HushError {
  if (isHushError(err)) return err;
  const failure = classify(err);
  const detail = failure.kind === "tls" ? "tls verification failed" : undefined;
  return keyError(op, key, FROM_CLOUD[failure.kind], failure.cause, detail);
}

/** Narrows a master key to the provider's own type, or throws an internal error. */
export function expectType<T extends KeyType>(key: MasterKeyRef, type: T): Extract<MasterKeyRef, { type: T }> {
  if (key.type !== type) {
    throw new HushError("HUSH_ERR_KEYS_INTERNAL", `a ${key.type} key was handed to the ${type} provider`);
  }
  return key as Extract<MasterKeyRef, { type: T }>;
}

/**
 * A value-free label for a key in messages, the same text as `describeKey` in @hush/sops.
 * Kept here so a provider module, loaded lazily beside the CLI's bundled core, does not load
 * a second copy of the core at run time.
 */
export function keyLabel(key: MasterKeyRef): string {
  switch (key.type) {
    case "kms":
      return `kms ${key.arn}${key.role ? `+${key.role}` : ""}`;
    case "gcp_kms":
      return `gcp_kms ${key.resource_id}`;
    case "hc_vault":
      return `hc_vault ${key.vault_address}/v1/${key.engine_path}/keys/${key.key_name}`;
    case "pgp":
      return `pgp ${key.fp}`;
    case "azure_kv":
      return `azure_kv ${key.vault_url}/keys/${key.name}/${key.version}`;
    case "age":
      return `age ${key.recipient}`;
    case "hckms":
      return `hckms ${key.key_id}`;
  }
}
