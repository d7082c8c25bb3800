import { describe, expect, it } from "vitest";
import type { SecretStore } from "@hush/kube";
import type { ProviderContext, SecretProvider } from "@hush/providers";
import { ManualClock } from "./clock.js";
import { ReaderCache, type CredentialReadObserver, type CredentialSourceKind } from "./reader-cache.js";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Kubernetes objects as the API server would hold them: data and a resourceVersion bumped on each write. */
class FakeApi {
  #rv = 0;
  readonly objects = new Map<string, { rv: string; data: Record<string, string> }>();
  readonly versionReads: string[] = [];
  put(kind: CredentialSourceKind, ns: string, name: string, data: Record<string, string>) {
    this.objects.set(`${kind}/${ns}/${name}`, { rv: String(++this.#rv), data });
  }
  remove(kind: CredentialSourceKind, ns: string, name: string) {
    this.objects.delete(`${kind}/${ns}/${name}`);
  }
  version = async (kind: CredentialSourceKind, ns: string, name: string) => {
    this.versionReads.push(`${kind}/${ns}/${name}`);
    return this.objects.get(`${kind}/${ns}/${name}`)?.rv;
  };
}

/**
 * A provider that, like the real ones, reads its credential once (lazily, on first use) and
 * keeps using it: a read returns the credential it was built with.
 */
function setup(options: { credentialCheckMs?: number } = {}) {
  const clock = new ManualClock();
  const api = new FakeApi();
  api.put("Secret", "team-a", "creds", { token: "old" });
  let built = 0;
  let closed = 0;
  const contextFor = (_store: SecretStore, _kind: string, onRead: CredentialReadObserver): ProviderContext => ({
    namespace: "team-a",
    now: () => clock.now(),
    readSecret: async (ns, name, key) => {
      const o = api.objects.get(`Secret/${ns}/${name}`);
      onRead("Secret", ns, name, o?.rv);
      const v = o?.data[key];
      if (v === undefined) throw new Error("missing");
      return new TextEncoder().encode(v);
    },
  });
  const createProvider = async (_spec: unknown, ctx: ProviderContext): Promise<SecretProvider> => {
    built++;
    let token: Promise<Uint8Array> | undefined;
    const use = async () => (token ??= ctx.readSecret("team-a", "creds", "token"));
    return {
      kind: "fake",
      getSecret: async () => use(),
      getSecrets: async (refs) => Promise.all(refs.map(async () => ({ ok: true as const, value: await use() }))),
      getSecretMap: async () => ({ token: await use() }),
      findSecrets: async () => ({}),
      validate: async () => {
        await use();
      },
      close: async () => {
        closed++;
      },
    };
  };
  const cache = new ReaderCache({ createProvider, contextFor, sourceVersion: (kind, ns, name) => api.version(kind, ns, name), clock, windowMs: 0, ratePerSecond: 1000, ...options });
  const store: SecretStore = { metadata: { name: "s", namespace: "team-a", uid: "u1", generation: 1 }, spec: { provider: { fake: {} } } };
  const read = async () => dec((await (await cache.get("SecretStore/team-a/s", store)).getMap({ key: "k" }, { fresh: true })).token!);
  return { clock, api, cache, store, read, built: () => built, closed: () => closed };
}

describe("ReaderCache credential rotation", () => {
  it("a rotated credential Secret is used at the next read after the check period, without a store change", async () => {
    const t = setup();
    expect(await t.read()).toBe("old");
    t.api.put("Secret", "team-a", "creds", { token: "new" });
    // Within the check period the reader is reused as is (no API read per reconcile).
    expect(await t.read()).toBe("old");
    expect(t.api.versionReads).toEqual([]);
    await t.clock.advance(5_000);
    expect(await t.read()).toBe("new");
    expect(t.built()).toBe(2);
    expect(t.closed()).toBe(1);
    // Unchanged since: checked again, not rebuilt.
    await t.clock.advance(5_000);
    expect(await t.read()).toBe("new");
    expect(t.built()).toBe(2);
    expect(t.api.versionReads).toEqual(["Secret/team-a/creds", "Secret/team-a/creds"]);
  });
  it("recheck: a forced fetch uses a rotated Secret at once, inside the check period", async () => {
    const t = setup();
    expect(await t.read()).toBe("old");
    t.api.put("Secret", "team-a", "creds", { token: "new" });
    const reader = await t.cache.get("SecretStore/team-a/s", t.store, { recheck: true });
    expect(dec((await reader.getMap({ key: "k" }, { fresh: true })).token!)).toBe("new");
    expect(t.built()).toBe(2);
  });
  it("a credential Secret that was missing and appears is picked up (and one that goes away)", async () => {
    const t = setup();
    t.api.remove("Secret", "team-a", "creds");
    await expect(t.read()).rejects.toThrow("missing");
    t.api.put("Secret", "team-a", "creds", { token: "late" });
    await t.clock.advance(5_000);
    expect(await t.read()).toBe("late");
    t.api.remove("Secret", "team-a", "creds");
    await t.clock.advance(5_000);
    await expect(t.read()).rejects.toThrow("missing");
  });
  it("concurrent callers share one check and one rebuild", async () => {
    const t = setup();
    expect(await t.read()).toBe("old");
    t.api.put("Secret", "team-a", "creds", { token: "new" });
    await t.clock.advance(5_000);
    const values = await Promise.all(Array.from({ length: 20 }, () => t.read()));
    expect(new Set(values)).toEqual(new Set(["new"]));
    expect(t.built()).toBe(2);
    expect(t.api.versionReads.length).toBe(1);
  });
  it("a failed check keeps the reader; a store that read nothing is never checked", async () => {
    const t = setup();
    const broken = new ReaderCache({
      createProvider: async () => ({ kind: "x", getSecret: async () => new Uint8Array(), getSecrets: async () => [], getSecretMap: async () => ({}), findSecrets: async () => ({}), validate: async () => {}, close: async () => {} }),
      contextFor: () => ({ namespace: "", now: () => 0, readSecret: async () => new Uint8Array() }),
      sourceVersion: async () => {
        throw new Error("API down");
      },
      clock: t.clock,
      windowMs: 0,
      ratePerSecond: 10,
    });
    const first = await broken.get("SecretStore/team-a/s", t.store);
    await t.clock.advance(60_000);
    expect(await broken.get("SecretStore/team-a/s", t.store)).toBe(first);

    expect(await t.read()).toBe("old");
    t.api.version = async () => {
      throw new Error("API down");
    };
    t.api.put("Secret", "team-a", "creds", { token: "new" });
    await t.clock.advance(5_000);
    // The check could not tell: the reader (and its credential) stays until a check succeeds.
    expect(await t.read()).toBe("old");
    expect(t.built()).toBe(1);
  });
  it("a store generation change still rebuilds at once", async () => {
    const t = setup();
    expect(await t.read()).toBe("old");
    t.store.metadata.generation = 2;
    t.api.put("Secret", "team-a", "creds", { token: "new" });
    expect(await t.read()).toBe("new");
    expect(t.built()).toBe(2);
  });
});
