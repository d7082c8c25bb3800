import { classifyGcpError, grpcCodeKind } from "@hush/cloud/gcp";
import { isHushError, type HushError } from "@hush/errors";
import { fromCloudFailure } from "./provider-error.js";

/**
 * Maps a gRPC status code to a normalised kind. FAILED_PRECONDITION is what Secret Manager
 * answers for a DISABLED or DESTROYED version: the value is gone, so not-found.
 */
export function grpcStatusKind(code: number): "not-found" | "access-denied" | "throttled" | "unavailable" | "invalid-config" {
  switch (grpcCodeKind(code)) {
    case "not-found":
      return "not-found";
    case "access-denied":
      return "access-denied";
    case "throttled":
      return "throttled";
    case "invalid-request":
      return "invalid-config";
    default:
      return "unavailable";
  }
}

/** Turns a google-gax / gRPC failure into a `HushError`, classified and summarised at the cloud edge. */
export function mapGcpError(err: unknown, what: string, signal?: AbortSignal): HushError {
  if (isHushError(err)) return err;
  const failure = classifyGcpError(err, signal);
  if (failure.kind === "no-credentials") {
    return fromCloudFailure({ ...failure, label: "cannot obtain credentials" }, "gcp secret manager", what);
  }
  return fromCloudFailure(failure, "gcp secret manager", what);
}
