import { HushError } from "@hush/errors";
import { isAbort, providerError, summarizeCause } from "./provider-error.js";

const NOT_FOUND = new Set(["ResourceNotFoundException"]);
const DENIED = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "ExpiredToken",
  "IDPRejectedClaim",
  "InvalidIdentityToken",
  "DecryptionFailure",
  "CredentialsProviderError",
  "MissingAuthenticationToken",
]);
const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "LimitExceededException",
  "ProvisionedThroughputExceededException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);
const INVALID = new Set(["InvalidParameterException", "ValidationException", "InvalidNextTokenException"]);
const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"]);

/** The AWS error name (`__type` without namespace) of an SDK error or a BatchGetSecretValue entry. */
function awsErrorName(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown } | null;
  if (typeof e?.code === "string" && NETWORK.has(e.code)) return e.code;
  const raw = typeof e?.name === "string" ? e.name : typeof e?.code === "string" ? e.code : "";
  return raw.includes("#") ? raw.slice(raw.lastIndexOf("#") + 1) : raw;
}

/**
 * Maps an AWS error *name* (as in `BatchGetSecretValue`'s `Errors[].ErrorCode`, or an SDK
 * exception's `name`) and optional HTTP status to a normalised kind.
 * `message` is consulted only to recognise "marked for deletion", never copied.
 */
export function awsErrorKind(
  name: string,
  status?: number,
  message?: string,
): "not-found" | "access-denied" | "throttled" | "unavailable" | "invalid-config" {
  if (NOT_FOUND.has(name)) return "not-found";
  // A secret scheduled for deletion is gone as far as syncing goes (ESO does the same).
  if (name === "InvalidRequestException" && /marked for deletion/i.test(message ?? "")) return "not-found";
  if (DENIED.has(name)) return "access-denied";
  if (THROTTLED.has(name)) return "throttled";
  if (INVALID.has(name) || name === "InvalidRequestException") return "invalid-config";
  if (NETWORK.has(name) || name === "TimeoutError" || name === "InternalServiceError") return "unavailable";
  if (status === 403 || status === 401) return "access-denied";
  if (status === 429) return "throttled";
  if (status === 404) return "not-found";
  return "unavailable";
}

/**
 * Turns anything an AWS SDK call threw into a `HushError`. `what` describes the operation and
 * key (`get secret "db"`). The cause is a summary of the SDK error (name, message, status,
 * request id): its `$response` reaches the signed request, session token included.
 */
export function mapAwsError(err: unknown, what: string, signal?: AbortSignal): HushError {
  if (isAbort(err, signal)) return providerError("unavailable", `aws secretsmanager: ${what}: aborted`, summarizeCause(err));
  const name = awsErrorName(err);
  const e = err as { $metadata?: { httpStatusCode?: number }; message?: unknown; $retryable?: { throttling?: boolean } };
  const status = e?.$metadata?.httpStatusCode;
  const message = typeof e?.message === "string" ? e.message : "";
  if (status === undefined && !NETWORK.has(name) && (err instanceof TypeError || err instanceof RangeError)) {
    return new HushError("HUSH_ERR_PROVIDERS_INTERNAL", `aws secretsmanager: ${what}: unexpected error`, { cause: summarizeCause(err) });
  }
  let kind = awsErrorKind(name, status, message);
  if (kind === "unavailable" && e?.$retryable?.throttling) kind = "throttled";
  const label = /^[A-Za-z0-9]{1,64}$/.test(name) ? ` (${name})` : "";
  return providerError(kind, `aws secretsmanager: ${what}: ${kind.replace("-", " ")}${label}`, summarizeCause(err));
}
