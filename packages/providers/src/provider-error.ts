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
