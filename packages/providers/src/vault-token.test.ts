import { describe, expect, it } from "vitest";
import { VaultTokenCache, type VaultToken, type VaultTokenSource } from "./vault-token.js";

/** A scripted token source that records every call. */
function source(opts: { ttl?: number; renewable?: boolean; failRenew?: boolean; revoke?: boolean } = {}) {
  const calls: string[] = [];
  let n = 0;
  const ttlSeconds = opts.ttl ?? 300;
  const src: VaultTokenSource = {
    async login(): Promise<VaultToken> {
      calls.push("login");
      return { token: `t${++n}`, ttlSeconds, renewable: opts.renewable ?? true };
    },
    async renew(token): Promise<VaultToken> {
      calls.push(`renew:${token}`);
      if (opts.failRenew) throw new Error("permission denied");
      return { token, ttlSeconds, renewable: true };
    },
    ...(opts.revoke === false ? {} : { revoke: async (token: string) => void calls.push(`revoke:${token}`) }),
  };
  return { src, calls };
}

describe("VaultTokenCache", () => {
  it("logs in once and reuses the token while it is fresh", async () => {
    const clock = { now: 0 };
    const { src, calls } = source();
    const cache = new VaultTokenCache(src, () => clock.now);
    expect(await cache.token()).toBe("t1");
    clock.now = 100_000; // a third of a 300 s TTL
    expect(await cache.token()).toBe("t1");
    expect(calls).toEqual(["login"]);
  });

  it("shares one login between concurrent callers", async () => {
    const { src, calls } = source();
    const cache = new VaultTokenCache(src, () => 0);
    const tokens = await Promise.all([cache.token(), cache.token(), cache.token()]);
    expect(tokens).toEqual(["t1", "t1", "t1"]);
    expect(calls).toEqual(["login"]);
  });

  it("renews after two thirds of the TTL, measured from the renewal", async () => {
    const clock = { now: 0 };
    const { src, calls } = source({ ttl: 300 });
    const cache = new VaultTokenCache(src, () => clock.now);
    await cache.token();
    clock.now = 200_000;
    expect(await cache.token()).toBe("t1");
    expect(calls).toEqual(["login", "renew:t1"]);
    clock.now = 399_000; // 199 s after the renewal: still fresh
    await cache.token();
    expect(calls).toEqual(["login", "renew:t1"]);
    clock.now = 400_000;
    await cache.token();
    expect(calls).toEqual(["login", "renew:t1", "renew:t1"]);
  });

  it("logs in again when renewal fails", async () => {
    const clock = { now: 0 };
    const { src, calls } = source({ failRenew: true });
    const cache = new VaultTokenCache(src, () => clock.now);
    await cache.token();
    clock.now = 250_000;
    expect(await cache.token()).toBe("t2");
    expect(calls).toEqual(["login", "renew:t1", "login"]);
  });

  it("replaces a token at expiry instead of renewing it, and never renews a non-renewable one", async () => {
    const clock = { now: 0 };
    const { src, calls } = source({ renewable: false, ttl: 60 });
    const cache = new VaultTokenCache(src, () => clock.now);
    await cache.token();
    clock.now = 50_000; // past 2/3, not renewable: used as is
    expect(await cache.token()).toBe("t1");
    clock.now = 55_000; // within the expiry margin (min(10 s, ttl/10) = 6 s)
    expect(await cache.token()).toBe("t2");
    expect(calls).toEqual(["login", "login"]);
  });

  it("keeps a non-expiring token (ttl 0) forever", async () => {
    const clock = { now: 0 };
    const { src, calls } = source({ ttl: 0 });
    const cache = new VaultTokenCache(src, () => clock.now);
    await cache.token();
    clock.now = 10 * 365 * 86_400_000;
    await cache.token();
    expect(calls).toEqual(["login"]);
  });

  it("logs in again after a rejected token is invalidated, ignoring stale invalidations", async () => {
    const { src, calls } = source();
    const cache = new VaultTokenCache(src, () => 0);
    await cache.token();
    cache.invalidate("t1");
    expect(await cache.token()).toBe("t2");
    cache.invalidate("t1"); // a late report about the old token changes nothing
    expect(await cache.token()).toBe("t2");
    expect(calls).toEqual(["login", "login"]);
  });

  it("revokes the token it created on close, and refuses use afterwards", async () => {
    const { src, calls } = source();
    const cache = new VaultTokenCache(src, () => 0);
    await cache.token();
    await cache.close();
    expect(calls).toEqual(["login", "revoke:t1"]);
    await expect(cache.token()).rejects.toThrow(/closed/);
  });

  it("does not revoke tokens it did not create", async () => {
    const { src, calls } = source({ revoke: false });
    const cache = new VaultTokenCache(src, () => 0);
    await cache.token();
    await cache.close();
    expect(calls).toEqual(["login"]);
  });
});
