import { HushError } from "@hush/errors";
import { parseDuration } from "@hush/kube";

/** How a store's reader retries a provider call that failed with a retryable error. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: none). */
  readonly maxRetries: number;
  /** The wait before retry `n` (1-based), in milliseconds. */
  readonly delaysMs: readonly number[];
}

/** Most retries hush makes for one call, whatever `maxRetries` says (ESO has no limit). */
export const maxStoreRetries = 5;
/** Longest single wait between retries. */
export const maxRetryDelayMs = 10_000;
/** Longest total wait across the retries of one call: a reconcile worker is held no longer. */
export const maxRetryBudgetMs = 20_000;

/**
 * The retry policy of a store's `spec.retrySettings {maxRetries, retryInterval}`, as ESO v0.16.2
 * applies it per provider, bounded:
 * - `aws`: `maxRetries` (default 3 when `retrySettings` is set), waits growing from
 *   `retryInterval` (default 30 ms) by doubling, as the AWS SDK's retryer ESO configures with
 *   `MinRetryDelay = retryInterval`;
 * - `vault`: `maxRetries` (default 0 when `retrySettings` is set), waits `retryInterval × n`
 *   (default 1 s), as Vault's client with `MinRetryWait = MaxRetryWait = retryInterval`;
 * - other providers (`gcpsm`): ESO ignores `retrySettings`, so does hush.
 * No `retrySettings`: `undefined` (the provider clients' own defaults apply). Bounds: at most
 * {@link maxStoreRetries} retries, each wait at most {@link maxRetryDelayMs}, and retries stop
 * once their waits would pass {@link maxRetryBudgetMs}, so a tenant's store cannot hold a
 * reconcile worker for long or multiply provider calls. Pure.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` when `retryInterval` is not a Go duration or
 * `maxRetries` is not a non-negative integer (ESO fails the store's client the same way).
 */
export function retryPolicyOf(spec: { provider?: Record<string, unknown>; retrySettings?: { maxRetries?: number; retryInterval?: string } }): RetryPolicy | undefined {
  const rs = spec.retrySettings;
  if (!rs) return undefined;
  const provider = Object.keys(spec.provider ?? {})[0];
  if (provider !== "aws" && provider !== "vault") return undefined;
  if (rs.maxRetries !== undefined && (typeof rs.maxRetries !== "number" || !Number.isInteger(rs.maxRetries) || rs.maxRetries < 0)) {
    throw new HushError("HUSH_ERR_PROVIDERS_INVALID_CONFIG", "spec.retrySettings.maxRetries must be a non-negative integer");
  }
  let intervalMs: number | undefined;
  if (rs.retryInterval !== undefined) {
    try {
      intervalMs = parseDuration(String(rs.retryInterval), "spec.retrySettings.retryInterval");
    } catch {
      throw new HushError("HUSH_ERR_PROVIDERS_INVALID_CONFIG", "spec.retrySettings.retryInterval is not a duration like 1s or 500ms");
    }
  }
  const wanted = Math.min(rs.maxRetries ?? (provider === "aws" ? 3 : 0), maxStoreRetries);
  const delay = (n: number): number => {
    const raw = provider === "aws" ? (intervalMs || 30) * 2 ** (n - 1) : (intervalMs ?? 1000) * n;
    return Math.min(raw, maxRetryDelayMs);
  };
  const delaysMs: number[] = [];
  let total = 0;
  for (let n = 1; n <= wanted; n++) {
    total += delay(n);
    if (total > maxRetryBudgetMs) break;
    delaysMs.push(delay(n));
  }
  return { maxRetries: delaysMs.length, delaysMs };
}
