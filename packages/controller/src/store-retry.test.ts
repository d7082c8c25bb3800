import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import type { SecretProvider } from "@hush/providers";
import { ManualClock } from "./clock.js";
import { StoreReader } from "./store-reader.js";
import { maxRetryBudgetMs, maxRetryDelayMs, maxStoreRetries, retryPolicyOf } from "./store-retry.js";

const aws = { aws: { region: "us-east-1" } };
const vault = { vault: { server: "https://vault:8200" } };

describe("retryPolicyOf", () => {
  it("is undefined without retrySettings, and for providers ESO does not retry (gcpsm)", () => {
    expect(retryPolicyOf({ provider: aws })).toBeUndefined();
    expect(retryPolicyOf({ provider: { gcpsm: {} }, retrySettings: { maxRetries: 3, retryInterval: "1s" } })).toBeUndefined();
  });
  it("aws: 3 retries by default, waits doubling from retryInterval (SDK MinRetryDelay)", () => {
    expect(retryPolicyOf({ provider: aws, retrySettings: { retryInterval: "100ms" } })).toEqual({ maxRetries: 3, delaysMs: [100, 200, 400] });
    expect(retryPolicyOf({ provider: aws, retrySettings: {} })).toEqual({ maxRetries: 3, delaysMs: [30, 60, 120] });
    expect(retryPolicyOf({ provider: aws, retrySettings: { maxRetries: 0 } })).toEqual({ maxRetries: 0, delaysMs: [] });
  });
  it("vault: no retries by default, waits retryInterval × n (MinRetryWait = MaxRetryWait)", () => {
    expect(retryPolicyOf({ provider: vault, retrySettings: { retryInterval: "2s" } })).toEqual({ maxRetries: 0, delaysMs: [] });
    expect(retryPolicyOf({ provider: vault, retrySettings: { maxRetries: 2, retryInterval: "2s" } })).toEqual({ maxRetries: 2, delaysMs: [2000, 4000] });
  });
  it("is bounded: retries, each wait and the total wait are capped", () => {
    const many = retryPolicyOf({ provider: aws, retrySettings: { maxRetries: 1_000_000, retryInterval: "1ms" } })!;
    expect(many.maxRetries).toBe(maxStoreRetries);
    const slow = retryPolicyOf({ provider: vault, retrySettings: { maxRetries: 100, retryInterval: "1000h" } })!;
    for (const d of slow.delaysMs) expect(d).toBeLessThanOrEqual(maxRetryDelayMs);
    expect(slow.delaysMs.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(maxRetryBudgetMs);
    expect(slow.maxRetries).toBe(slow.delaysMs.length);
    expect(slow.maxRetries).toBeGreaterThan(0);
  });
  it("refuses what ESO's client refuses, as an invalid store", () => {
    for (const retrySettings of [{ retryInterval: "soon" }, { maxRetries: -1 }, { maxRetries: 1.5 }]) {
      expect(() => retryPolicyOf({ provider: aws, retrySettings })).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    }
  });
});

/** A provider whose reads fail with `errors` in turn, then succeed. */
function flaky(errors: HushError[]) {
  let calls = 0;
  const next = async () => {
    calls++;
    const e = errors.shift();
    if (e) throw e;
    return new TextEncoder().encode("v");
  };
  const provider: SecretProvider = {
    kind: "flaky",
    getSecret: next,
    getSecrets: async (refs) => {
      await next();
      return refs.map(() => ({ ok: true as const, value: new TextEncoder().encode("v") }));
    },
    getSecretMap: async () => ({ k: await next() }),
    findSecrets: async () => ({ k: await next() }),
    validate: async () => {
      await next();
    },
    close: async () => {},
  };
  return { provider, calls: () => calls };
}
const unavailable = () => new HushError("HUSH_ERR_PROVIDERS_UNAVAILABLE", "connection refused");

describe("StoreReader retries (retrySettings)", () => {
  it("retries a retryable failure after the policy's waits, then succeeds", async () => {
    const clock = new ManualClock();
    const f = flaky([unavailable(), unavailable()]);
    const r = new StoreReader(f.provider, { clock, retry: { maxRetries: 3, delaysMs: [100, 200, 400] } });
    let done = false;
    const read = r.getMap({ key: "a" }).then((v) => ((done = true), v));
    await clock.advance(99);
    expect(f.calls()).toBe(1);
    await clock.advance(1);
    expect(f.calls()).toBe(2);
    await clock.advance(199);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(Object.keys(await read)).toEqual(["k"]);
    expect(f.calls()).toBe(3);
    expect(r.stats.providerCalls).toBe(3);
  });
  it("gives up after maxRetries, and never retries a non-retryable error", async () => {
    const clock = new ManualClock();
    const f = flaky([unavailable(), unavailable(), unavailable()]);
    const r = new StoreReader(f.provider, { clock, retry: { maxRetries: 1, delaysMs: [50] } });
    const failed = r.validate().catch((e: unknown) => e);
    await clock.advance(50);
    expect(await failed).toMatchObject({ code: "HUSH_ERR_PROVIDERS_UNAVAILABLE" });
    expect(f.calls()).toBe(2);

    const denied = flaky([new HushError("HUSH_ERR_PROVIDERS_ACCESS_DENIED", "denied")]);
    const r2 = new StoreReader(denied.provider, { clock, retry: { maxRetries: 3, delaysMs: [1, 1, 1] } });
    expect(await r2.validate().catch((e: unknown) => e)).toMatchObject({ code: "HUSH_ERR_PROVIDERS_ACCESS_DENIED" });
    expect(denied.calls()).toBe(1);
  });
  it("without a policy, a failure is returned at once", async () => {
    const clock = new ManualClock();
    const f = flaky([unavailable()]);
    const r = new StoreReader(f.provider, { clock });
    expect(await r.validate().catch((e: unknown) => e)).toMatchObject({ code: "HUSH_ERR_PROVIDERS_UNAVAILABLE" });
    expect(f.calls()).toBe(1);
  });
  it("each retry takes a rate-limit token: a store at its limit cannot multiply its calls", async () => {
    const clock = new ManualClock();
    const f = flaky(Array.from({ length: 10 }, unavailable));
    // 1 call per second, burst 1; zero waits between retries.
    const r = new StoreReader(f.provider, { clock, ratePerSecond: 1, burst: 1, retry: { maxRetries: 5, delaysMs: [0, 0, 0, 0, 0] } });
    const failed = r.validate().catch((e: unknown) => e);
    await clock.advance(0);
    expect(f.calls()).toBe(1);
    await clock.advance(2_500);
    expect(f.calls()).toBe(3);
    await clock.advance(10_000);
    expect(await failed).toMatchObject({ code: "HUSH_ERR_PROVIDERS_UNAVAILABLE" });
    expect(f.calls()).toBe(6);
  });
});
