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
 * key, never a value); an SDK error goes only into `cause`, which is never rendered.
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

/** True when `err` is an abort caused by the caller's signal. */
export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const name = (err as { name?: unknown } | null)?.name;
  return name === "AbortError";
}

/**
 * A copy of an SDK error that is safe to keep as `cause`: its name, message, status code and
 * request id, nothing else. SDK errors hold the raw request and response (the AWS SDK's
 * `$response` reaches the socket and the signed request headers, session token included), so
 * the original object is never attached to a hush error.
 */
export function summarizeCause(err: unknown): Error {
  const e = (err ?? {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    details?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown; attempts?: unknown };
  };
  const summary = new Error(typeof e.message === "string" ? e.message.slice(0, 500) : "");
  summary.name = typeof e.name === "string" ? e.name : "Error";
  const extra: Record<string, unknown> = {};
  if (typeof e.code === "string" || typeof e.code === "number") extra["code"] = e.code;
  if (typeof e.details === "string") extra["details"] = e.details.slice(0, 500);
  if (typeof e.$fault === "string") extra["fault"] = e.$fault;
  const m = e.$metadata;
  if (m && typeof m === "object") {
    for (const k of ["httpStatusCode", "requestId", "attempts"] as const) {
      if (typeof m[k] === "string" || typeof m[k] === "number") extra[k] = m[k];
    }
  }
  return Object.assign(summary, extra);
}
