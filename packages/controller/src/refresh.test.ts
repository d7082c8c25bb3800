import { describe, expect, it } from "vitest";
import type { ExternalSecret } from "@hush/kube";
import { maxTimerDelayMs, timerDelay } from "./clock.js";
import { backoffDelay, jitteredInterval, jitterFraction, minStoreRefreshMs, refreshDecision, storeRefreshIntervalMs, syncedResourceVersion } from "./refresh.js";

const t0 = Date.parse("2026-01-01T00:00:00Z");
function es(over: Partial<ExternalSecret["spec"]> = {}, status?: ExternalSecret["status"], meta: Partial<ExternalSecret["metadata"]> = {}): ExternalSecret {
  return { metadata: { name: "a", namespace: "ns", uid: "uid-1", generation: 1, ...meta }, spec: { refreshInterval: "1h", ...over }, ...(status ? { status } : {}) };
}
const synced = (e: ExternalSecret, at = t0) => ({ ...e, status: { refreshTime: new Date(at).toISOString(), syncedResourceVersion: syncedResourceVersion(e) } });

describe("refreshDecision", () => {
  it("is due when never synced", () => {
    expect(refreshDecision(es(), t0)).toEqual({ due: true, reason: "never-synced" });
  });
  it("waits for the jittered interval, never longer than the interval", () => {
    const e = synced(es());
    const d = refreshDecision(e, t0 + 1000);
    expect(d.due).toBe(false);
    const nextAt = (d as { nextAt: number }).nextAt;
    expect(nextAt).toBeGreaterThan(t0 + 0.9 * 3_600_000 - 1);
    expect(nextAt).toBeLessThanOrEqual(t0 + 3_600_000);
    expect(refreshDecision(e, nextAt)).toEqual({ due: true, reason: "interval-elapsed" });
  });
  it("is due on a spec, label or annotation change (force-sync)", () => {
    const e = synced(es());
    expect(refreshDecision({ ...e, metadata: { ...e.metadata, annotations: { "hush.dev/force-sync": "1" } } }, t0 + 1).reason).toBe("spec-changed");
    expect(refreshDecision({ ...e, metadata: { ...e.metadata, labels: { bump: "1" } } }, t0 + 1).reason).toBe("spec-changed");
    expect(refreshDecision({ ...e, metadata: { ...e.metadata, generation: 2 } }, t0 + 1).reason).toBe("spec-changed");
  });
  it("refreshInterval 0 (Periodic) never fetches again once synced: not on a label, annotation or spec change either (ESO v0.16.2 shouldRefreshPeriodic)", () => {
    const e = synced(es({ refreshInterval: "0" }));
    const changes: ExternalSecret[] = [
      e,
      { ...e, metadata: { ...e.metadata, labels: { bump: "1" } } },
      { ...e, metadata: { ...e.metadata, annotations: { "force-sync": "1" } } },
      { ...e, metadata: { ...e.metadata, generation: 7 } },
    ];
    for (const c of changes) expect(refreshDecision(c, t0 + 1e9)).toEqual({ due: false, reason: "zero-interval" });
    // Not even when refreshTime lies in the future (ESO returns before its clock-skew check).
    expect(refreshDecision(synced(es({ refreshInterval: "0s" }), t0 + 60_000), t0).due).toBe(false);
    // But the first sync happens, and a status without syncedResourceVersion counts as never synced.
    expect(refreshDecision(es({ refreshInterval: "0" }), t0).reason).toBe("never-synced");
    expect(refreshDecision({ ...e, status: { refreshTime: e.status.refreshTime } }, t0).reason).toBe("never-synced");
  });
  it("OnChange fetches only on a change (labels included), never on the timer or clock skew", () => {
    const e = synced(es({ refreshPolicy: "OnChange" }), t0 + 60_000);
    expect(refreshDecision(e, t0 + 1e9)).toEqual({ due: false, reason: "not-due" });
    expect(refreshDecision(e, t0)).toEqual({ due: false, reason: "not-due" });
    expect(refreshDecision({ ...e, metadata: { ...e.metadata, labels: { bump: "1" } } }, t0 + 1).reason).toBe("spec-changed");
    const zero = synced(es({ refreshPolicy: "OnChange", refreshInterval: "0" }));
    expect(refreshDecision({ ...zero, metadata: { ...zero.metadata, generation: 2 } }, t0 + 1).reason).toBe("spec-changed");
  });
  it("CreatedOnce fetches once, whatever changes", () => {
    const once = synced(es({ refreshPolicy: "CreatedOnce" }));
    expect(refreshDecision({ ...once, metadata: { ...once.metadata, generation: 5, labels: { a: "b" } } }, t0 + 1e9)).toEqual({ due: false, reason: "once" });
    expect(refreshDecision(es({ refreshPolicy: "CreatedOnce" }), t0).reason).toBe("never-synced");
  });
  it("is due when refreshTime lies in the future (clock skew)", () => {
    expect(refreshDecision(synced(es(), t0 + 60_000), t0).reason).toBe("clock-skew");
  });
});

describe("jitter and backoff", () => {
  it("jitter is deterministic per seed and spreads seeds", () => {
    expect(jitterFraction("a")).toBe(jitterFraction("a"));
    const values = new Set(Array.from({ length: 100 }, (_, i) => Math.floor(jitteredInterval(60_000, `uid-${i}`) / 600)));
    expect(values.size).toBeGreaterThan(5);
    for (let i = 0; i < 100; i++) expect(jitteredInterval(60_000, `uid-${i}`)).toBeGreaterThanOrEqual(54_000);
  });
  it("backs off exponentially and caps", () => {
    const d = [1, 2, 3, 4].map((n) => backoffDelay(n, "k", { baseMs: 1000, maxMs: 5000 }));
    expect(d[0]).toBeGreaterThanOrEqual(900);
    expect(d[0]).toBeLessThanOrEqual(1100);
    expect(d[1]).toBeGreaterThanOrEqual(1800);
    expect(d[3]).toBe(5000);
    expect(backoffDelay(100, "k", { maxMs: 300_000 })).toBe(300_000);
  });
});

describe("storeRefreshIntervalMs (store spec.refreshInterval)", () => {
  const s = (refreshInterval?: number | string) => ({ spec: refreshInterval === undefined ? {} : { refreshInterval } });
  it("is ESO's whole seconds, or a duration string", () => {
    expect(storeRefreshIntervalMs(s(60))).toBe(60_000);
    expect(storeRefreshIntervalMs(s("120"))).toBe(120_000);
    expect(storeRefreshIntervalMs(s("2m"))).toBe(120_000);
  });
  it("falls back to the operator's default when unset, 0, negative or unparsable", () => {
    for (const v of [undefined, 0, -5, "0", "soon"]) expect(storeRefreshIntervalMs(s(v), 300_000)).toBe(300_000);
    expect(storeRefreshIntervalMs(s(), 2_000)).toBe(2_000);
  });
  it("is floored, so a tenant's store cannot be validated every second", () => {
    expect(storeRefreshIntervalMs(s(1))).toBe(minStoreRefreshMs);
    expect(storeRefreshIntervalMs(s("1ms"))).toBe(minStoreRefreshMs);
    expect(minStoreRefreshMs).toBeGreaterThanOrEqual(10_000);
  });
});

describe("timerDelay", () => {
  it("caps delays Node would run after 1 ms (a long refreshInterval must not spin)", () => {
    expect(timerDelay(3_600_000 * 1000)).toBe(maxTimerDelayMs);
    expect(timerDelay(1500)).toBe(1500);
    expect(timerDelay(-1)).toBe(0);
    expect(timerDelay(Number.NaN)).toBe(0);
  });
});
