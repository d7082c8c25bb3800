import { createHash } from "node:crypto";
import type { ExternalSecret } from "@hush/kube";
import { parseDuration } from "@hush/kube";
import { stableHash } from "./data-hash.js";

/** Default `spec.refreshInterval` (ESO's CRD default). */
export const defaultRefreshIntervalMs = 3_600_000;

/** `spec.refreshInterval` in milliseconds (0 = never refresh on a timer). */
export function refreshIntervalMs(es: ExternalSecret): number {
  const text = es.spec.refreshInterval;
  return text === undefined ? defaultRefreshIntervalMs : parseDuration(text, "spec.refreshInterval");
}

/**
 * `<generation>-<hash of labels and annotations>`: what was last synced. Any spec edit or
 * label/annotation change (e.g. the force-sync annotation) changes it and makes a refresh due.
 */
export function syncedResourceVersion(es: ExternalSecret): string {
  return `${es.metadata.generation ?? 0}-${stableHash({ l: es.metadata.labels ?? {}, a: es.metadata.annotations ?? {} })}`;
}

/**
 * A deterministic fraction in [0, 1) derived from `seed` (the object's UID), so refreshes of
 * many ExternalSecrets spread out but the same object always gets the same slot.
 */
export function jitterFraction(seed: string): number {
  const h = createHash("sha256").update(seed).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

/**
 * The effective period for `seed`: `interval` shortened by up to `spread` (default 10%), so
 * a refresh is never later than the configured interval and restarts do not stampede.
 */
export function jitteredInterval(intervalMs: number, seed: string, spread = 0.1): number {
  return Math.round(intervalMs * (1 - spread * jitterFraction(seed)));
}

/** Why a refresh is (not) due. */
export type RefreshDecision =
  | { readonly due: true; readonly reason: "never-synced" | "spec-changed" | "interval-elapsed" | "clock-skew" }
  | { readonly due: false; readonly reason: "not-due" | "once" | "zero-interval"; readonly nextAt?: number };

/**
 * Whether the provider data of `es` must be fetched again at `now` (epoch ms), as ESO v0.16.2
 * decides it (`shouldRefresh` in its ExternalSecret controller):
 * - never synced (no `refreshTime` or no `syncedResourceVersion`): due, whatever the policy;
 * - `CreatedOnce`: never again;
 * - `OnChange`: only when the spec, labels or annotations changed since the last sync;
 * - `Periodic` (default) with `refreshInterval: 0`: never again, not even after a spec, label
 *   or annotation change (so no force-sync either), exactly as ESO;
 * - `Periodic` otherwise: on a change, when `refreshTime` lies in the future, or when the
 *   jittered interval since `refreshTime` has elapsed.
 * Pure. Independently of this, the reconciler fetches when the target Secret needs repair
 * (missing, managed label lost, data hash mismatch), as ESO's `isSecretValid` makes it.
 */
export function refreshDecision(es: ExternalSecret, now: number, spread = 0.1): RefreshDecision {
  const status = es.status;
  const last = status?.refreshTime ? Date.parse(status.refreshTime) : NaN;
  if (!status?.refreshTime || Number.isNaN(last) || !status.syncedResourceVersion) return { due: true, reason: "never-synced" };
  const policy = es.spec.refreshPolicy ?? "Periodic";
  if (policy === "CreatedOnce") return { due: false, reason: "once" };
  const changed = status.syncedResourceVersion !== syncedResourceVersion(es);
  if (policy === "OnChange") return changed ? { due: true, reason: "spec-changed" } : { due: false, reason: "not-due" };
  const interval = refreshIntervalMs(es);
  if (interval <= 0) return { due: false, reason: "zero-interval" };
  if (changed) return { due: true, reason: "spec-changed" };
  if (last > now) return { due: true, reason: "clock-skew" };
  const nextAt = last + jitteredInterval(interval, es.metadata.uid ?? `${es.metadata.namespace}/${es.metadata.name}`, spread);
  return now >= nextAt ? { due: true, reason: "interval-elapsed" } : { due: false, reason: "not-due", nextAt };
}

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  readonly baseMs?: number;
  readonly maxMs?: number;
}

/**
 * Capped exponential backoff after `failures` consecutive failures (1 → base), with a
 * deterministic ±10% spread from `seed` so failing objects do not retry in lockstep.
 */
export function backoffDelay(failures: number, seed: string, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 300_000;
  const raw = base * 2 ** Math.max(0, Math.min(failures - 1, 30));
  const spread = 0.9 + 0.2 * jitterFraction(`${seed}#${failures}`);
  return Math.min(max, Math.round(raw * spread));
}

/** ESO's `--store-requeue-interval` default: a store is validated again every 5 minutes. */
export const defaultStoreRefreshMs = 300_000;
/**
 * The shortest store re-validation period hush accepts. ESO has no floor; hush has one so that
 * whoever may create a SecretStore cannot make the controller validate (call the provider)
 * every second.
 */
export const minStoreRefreshMs = 10_000;

/**
 * How often a store is validated again: its `spec.refreshInterval` (ESO: whole seconds; hush
 * also takes a Go duration string), never shorter than `minMs`. Unset, 0, negative or
 * unparsable → `defaultMs`, the operator's setting (ESO's controller likewise falls back to its
 * default for 0). Pure.
 */
export function storeRefreshIntervalMs(store: { spec: { refreshInterval?: number | string } }, defaultMs = defaultStoreRefreshMs, minMs = minStoreRefreshMs): number {
  const raw = store.spec.refreshInterval;
  let ms = 0;
  if (typeof raw === "number" && Number.isFinite(raw)) ms = raw * 1000;
  else if (typeof raw === "string" && /^[0-9]{1,9}$/.test(raw)) ms = Number(raw) * 1000;
  else if (typeof raw === "string") {
    try {
      ms = parseDuration(raw, "spec.refreshInterval");
    } catch {
      ms = 0;
    }
  }
  if (!(ms > 0)) return defaultMs;
  return Math.max(Math.round(ms), minMs);
}
