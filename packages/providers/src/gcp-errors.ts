import { HushError, isHushError } from "@hush/errors";
import { isAbort, providerError, summarizeCause } from "./provider-error.js";

/** gRPC status codes (google.rpc.Code). */
const NAMES: Record<number, string> = {
  1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
  6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
  10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE",
  15: "DATA_LOSS", 16: "UNAUTHENTICATED",
};

/**
 * Maps a gRPC status code to a normalised kind. FAILED_PRECONDITION is what Secret Manager
 * answers for a DISABLED or DESTROYED version: the value is gone, so not-found.
 */
export function grpcStatusKind(code: number): "not-found" | "access-denied" | "throttled" | "unavailable" | "invalid-config" {
  switch (code) {
    case 5:
    case 9:
      return "not-found";
    case 7:
    case 16:
      return "access-denied";
    case 8:
      return "throttled";
    case 3:
    case 11:
    case 12:
      return "invalid-config";
    default:
      return "unavailable";
  }
}

/** Turns a google-gax / gRPC failure into a `HushError`; the cause is a summary (name, message, code). */
export function mapGcpError(err: unknown, what: string, signal?: AbortSignal): HushError {
  if (isHushError(err)) return err;
  if (isAbort(err, signal)) return providerError("unavailable", `gcp secret manager: ${what}: aborted`, summarizeCause(err));
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "number" && NAMES[code]) {
    const kind = grpcStatusKind(code);
    return providerError(kind, `gcp secret manager: ${what}: ${kind.replace("-", " ")} (${NAMES[code]})`, summarizeCause(err));
  }
  // google-auth-library failures (no ADC, bad key) surface before any RPC.
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof message === "string" && /credential|default credentials|private key|invalid_grant|unauthorized_client/i.test(message)) {
    return providerError("access-denied", `gcp secret manager: ${what}: cannot obtain credentials`, summarizeCause(err));
  }
  return new HushError("HUSH_ERR_PROVIDERS_INTERNAL", `gcp secret manager: ${what}: unexpected error`, { cause: summarizeCause(err) });
}
