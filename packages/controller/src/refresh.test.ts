import { describe, expect, it } from "vitest";
import type { ExternalSecret } from "@hush/kube";
import { backoffDelay, jitteredInterval, jitterFraction, refreshDecision, syncedResourceVersion } from "./refresh.js";

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
    expect(refreshDecision({ ...e, metadata: { ...e.metadata, generation: 2 } }, t0 + 1).reason).toBe("spec-changed");
  });
  it("does not refresh on a timer with interval 0 or OnChange, and only once with CreatedOnce", () => {
    expect(refreshDecision(synced(es({ refreshInterval: "0" })), t0 + 1e9).due).toBe(false);
    expect(refreshDecision(synced(es({ refreshPolicy: "OnChange" })), t0 + 1e9).due).toBe(false);
    const once = synced(es({ refreshPolicy: "CreatedOnce" }));
    expect(refreshDecision({ ...once, metadata: { ...once.metadata, generation: 5 } }, t0 + 1e9).due).toBe(false);
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
