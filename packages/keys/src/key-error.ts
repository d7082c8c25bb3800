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
 * failure only; the SDK error (which may echo request data) is kept as `cause`.
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

/** Re-throws `err` untouched when it is already a HushError, else converts it. */
export function toKeyError(
  op: "wrap" | "unwrap",
  key: string,
  err: unknown,
  classify: (err: unknown) => KeyFailureKind,
): HushError {
  if (isHushError(err)) return err;
  return keyError(op, key, classify(err), err);
}

/** Network-level failure codes Node raises (fetch wraps them in `cause`). */
export function isNetworkError(err: unknown): boolean {
  const codes = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && codes.has(code)) return true;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((x) => isNetworkError(x))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
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
