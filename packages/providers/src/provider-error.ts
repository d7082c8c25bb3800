import type { CloudFailure, CloudFailureKind } from "@hush/cloud";
import { HushError } from "@hush/errors";
import type { ProviderErrorKind } from "./provider.js";

type Kind = Exclude<ProviderErrorKind, "internal">;

const CODE_BY_KIND = {
  "not-found": "HUSH_ERR_PROVIDERS_NOT_FOUND",
  "access-denied": "HUSH_ERR_PROVIDERS_ACCESS_DENIED",
  throttled: "HUSH_ERR_PROVIDERS_THROTTLED",
  unavailable: "HUSH_ERR_PROVIDERS_UNAVAILABLE",
  "invalid-config": "HUSH_ERR_PROVIDERS_INVALID_CONFIG",
  "checksum-mismatch": "HUSH_ERR_PROVIDERS_CHECKSUM_MISMATCH",
} as const satisfies Record<Kind, string>;

/**
 * Builds the typed error for one normalised kind. `message` is written by hush (it may name a
 * key, never a value); `cause` is never rendered, and for an SDK failure it is the summary made
 * at the cloud edge (see {@link fromCloudFailure}), never the SDK error.
 */
export function providerError(kind: Kind, message: string, cause?: unknown): HushError {
  return new HushError(CODE_BY_KIND[kind], message, cause === undefined ? {} : { cause });
}

/**
 * A remote key as it may appear in a message: printable ASCII only, at most 120 characters.
 * Keys are identifiers, not values, but they are still user input and are kept tame.
 */
export function describeKey(key: string): string {
  const clean = key.replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(clean.length > 120 ? `${clean.slice(0, 117)}...` : clean);
}

const FROM_CLOUD: Record<CloudFailureKind, ProviderErrorKind> = {
  "access-denied": "access-denied",
  "no-credentials": "access-denied",
  throttled: "throttled",
  "not-found": "not-found",
  "invalid-request": "invalid-config",
  unreachable: "unavailable",
  tls: "invalid-config",
  "server-error": "unavailable",
  aborted: "unavailable",
  internal: "internal",
  unknown: "internal",
};

/**
 * Builds the typed error for a failure classified at the cloud edge. `service: what` names the
 * call; the edge's label (an exception name, gRPC status, `http 403`, a network code) is added
 * in parentheses. The cause kept is the edge's summary, never the SDK error.
 */
export function fromCloudFailure(
  failure: CloudFailure,
  service: string,
  what: string,
  unknownAs: ProviderErrorKind = "internal",
): HushError {
  const kind = failure.kind === "unknown" ? unknownAs : FROM_CLOUD[failure.kind];
  if (kind === "internal") {
    return new HushError("HUSH_ERR_PROVIDERS_INTERNAL", `${service}: ${what}: unexpected error`, { cause: failure.cause });
  }
  if (failure.kind === "aborted") return providerError("unavailable", `${service}: ${what}: aborted`, failure.cause);
  if (failure.kind === "tls") {
    return providerError(kind, `${service}: ${what}: tls verification failed (${failure.label}); check caBundle/caProvider`, failure.cause);
  }
  const label = failure.label ? ` (${failure.label})` : "";
  return providerError(kind as Kind, `${service}: ${what}: ${kind.replace("-", " ")}${label}`, failure.cause);
}
