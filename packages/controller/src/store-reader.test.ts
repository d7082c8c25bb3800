import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import type { BatchResult, RemoteRef, SecretProvider } from "@hush/providers";
import type { ExternalSecret } from "@hush/kube";
import { ManualClock } from "./clock.js";
import { fetchExternalSecretData } from "./fetch-data.js";
import { StoreReader } from "./store-reader.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** An in-memory provider that records every call (unit tests only; e2e uses moto). */
function memoryProvider(values: Record<string, string>) {
  const calls: string[] = [];
  const read = (ref: RemoteRef): Uint8Array => {
    const v = values[ref.key];
    if (v === undefined) throw new HushError("HUSH_ERR_PROVIDERS_NOT_FOUND", `secret ${ref.key} not found`);
    return enc(v);
  };
  const provider: SecretProvider = {
    kind: "memory",
    async getSecret(ref) {
      calls.push(`get:${ref.key}`);
      return read(ref);
    },
    async getSecrets(refs) {
      calls.push(`batch:${refs.map((r) => r.key).join(",")}`);
      return refs.map((r): BatchResult => {
        try {
          return { ok: true, value: read(r) };
        } catch (error) {
          return { ok: false, error: error as HushError };
        }
      });
    },
    async getSecretMap(ref) {
      calls.push(`map:${ref.key}`);
      return Object.fromEntries(Object.entries(JSON.parse(dec(read(ref))) as Record<string, string>).map(([k, v]) => [k, enc(v)]));
    },
    async findSecrets(find) {
      calls.push("find");
      const re = new RegExp(find.name?.regexp ?? ".*");
      return Object.fromEntries(Object.entries(values).filter(([k]) => re.test(k)).map(([k, v]) => [k, enc(v)]));
    },
    async validate() {},
    async close() {},
  };
  return { provider, calls, values };
}

describe("StoreReader", () => {
  it("makes identical reads within the window once, batching concurrent reads", async () => {
    const clock = new ManualClock();
    const m = memoryProvider({ a: "1", b: "2", c: "3" });
    const r = new StoreReader(m.provider, { clock, windowMs: 10_000 });
    const reads = ["a", "b", "a", "c", "b", "a"].map((k) => r.get({ key: k }));
    await clock.advance(10);
    expect((await Promise.all(reads)).map(dec)).toEqual(["1", "2", "1", "3", "2", "1"]);
    expect(m.calls).toEqual(["batch:a,b,c"]);
    expect(r.stats).toEqual({ requested: 6, deduplicated: 3, providerCalls: 1 });

    await clock.advance(5_000);
    const again = r.get({ key: "a" });
    expect(dec(await again)).toBe("1");
    expect(m.calls).toHaveLength(1);

    await clock.advance(5_000);
    const later = r.get({ key: "a" });
    await clock.advance(10);
    expect(dec(await later)).toBe("1");
    expect(m.calls).toEqual(["batch:a,b,c", "get:a"]);
  });

  it("bypasses the window when fresh (force-sync) and never caches failures", async () => {
    const clock = new ManualClock();
    const m = memoryProvider({ a: "1" });
    const r = new StoreReader(m.provider, { clock });
    const first = r.get({ key: "a" });
    await clock.advance(10);
    await first;
    m.values["a"] = "2";
    const fresh = r.get({ key: "a" }, { fresh: true });
    await clock.advance(10);
    expect(dec(await fresh)).toBe("2");
    const missing = r.get({ key: "zz" });
    await clock.advance(10);
    await expect(missing).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_NOT_FOUND" });
    m.values["zz"] = "now";
    const retry = r.get({ key: "zz" });
    await clock.advance(10);
    expect(dec(await retry)).toBe("now");
  });

  it("while rate limited, reads pile up into one fuller batch instead of many calls", async () => {
    const clock = new ManualClock();
    const m = memoryProvider({ a: "1", b: "2", c: "3", d: "4" });
    const r = new StoreReader(m.provider, { clock, ratePerSecond: 1, burst: 1 });
    const first = r.get({ key: "a" });
    await clock.advance(10);
    await first;
    const later = [r.get({ key: "b" }), r.get({ key: "c" })];
    await clock.advance(500);
    later.push(r.get({ key: "d" }));
    expect(m.calls).toEqual(["get:a"]);
    await clock.advance(500);
    expect((await Promise.all(later)).map(dec)).toEqual(["2", "3", "4"]);
    expect(m.calls).toEqual(["get:a", "batch:b,c,d"]);
  });

  it("splits batches at maxBatch", async () => {
    const clock = new ManualClock();
    const m = memoryProvider(Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`k${i}`, `${i}`])));
    const r = new StoreReader(m.provider, { clock, maxBatch: 20 });
    const all = Array.from({ length: 45 }, (_, i) => r.get({ key: `k${i}` }));
    await clock.advance(10);
    await Promise.all(all);
    expect(m.calls.map((c) => c.split(",").length)).toEqual([20, 20, 5]);
  });
});

describe("fetchExternalSecretData", () => {
  const base: ExternalSecret = { metadata: { name: "x", namespace: "n" }, spec: { secretStoreRef: { name: "s" } } };

  async function run(es: ExternalSecret, values: Record<string, string>) {
    const clock = new ManualClock();
    const m = memoryProvider(values);
    const r = new StoreReader(m.provider, { clock });
    const reader = { get: (_s: unknown, ref: RemoteRef) => r.get(ref), getMap: (_s: unknown, ref: RemoteRef) => r.getMap(ref), find: (_s: unknown, f: Parameters<StoreReader["find"]>[0]) => r.find(f) };
    const p = fetchExternalSecretData(es, reader);
    await clock.advance(10);
    return { result: await p, calls: m.calls };
  }

  it("merges dataFrom then data, picking properties from one shared read", async () => {
    const es: ExternalSecret = {
      ...base,
      spec: {
        ...base.spec,
        dataFrom: [{ extract: { key: "cfg" } }],
        data: [
          { secretKey: "user", remoteRef: { key: "db", property: "user" } },
          { secretKey: "pass", remoteRef: { key: "db", property: "pass" } },
          { secretKey: "host", remoteRef: { key: "host" } },
        ],
      },
    };
    const { result, calls } = await run(es, { db: '{"user":"u","pass":"p"}', cfg: '{"a":"1","host":"from-cfg"}', host: "h" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.fromEntries(Object.entries(result.data).map(([k, v]) => [k, dec(v)]))).toEqual({ a: "1", host: "h", user: "u", pass: "p" });
    expect(calls.sort()).toEqual(["batch:db,host", "map:cfg"]);
  });

  it("fails the whole fetch on a missing secret with Retain, skips it with Delete", async () => {
    const es: ExternalSecret = { ...base, spec: { ...base.spec, data: [{ secretKey: "a", remoteRef: { key: "gone" } }, { secretKey: "b", remoteRef: { key: "b" } }] } };
    const retain = await run(es, { b: "1" });
    expect(retain.result.ok).toBe(false);
    const del = await run({ ...es, spec: { ...es.spec, target: { deletionPolicy: "Delete" } } }, { b: "1" });
    expect(del.result).toMatchObject({ ok: true, missing: ['spec.data[0] (key="gone")'] });
  });

  it("finds by name and rewrites keys", async () => {
    const es: ExternalSecret = { ...base, spec: { ...base.spec, dataFrom: [{ find: { name: { regexp: "^app/" } }, rewrite: [{ regexp: { source: "^app/", target: "" } }] }] } };
    const { result } = await run(es, { "app/one": "1", "app/two": "2", other: "x" });
    expect(result.ok && Object.keys(result.data).sort()).toEqual(["one", "two"]);
  });
});
