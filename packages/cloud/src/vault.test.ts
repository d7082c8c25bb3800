import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCloudError } from "./failure.js";
import { classifyVaultError, createVaultClient } from "./vault.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe("the shared Vault client", () => {
  const seen: Seen[] = [];
  let server: Server;
  let address = "";

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        res.setHeader("content-type", "application/json");
        if (req.url === "/v1/transit/encrypt/k") {
          res.end(JSON.stringify({ data: { ciphertext: "vault:v1:abc" } }));
        } else if (req.url === "/v1/transit/decrypt/missing") {
          res.statusCode = 400;
          res.end(JSON.stringify({ errors: ["encryption key not found"] }));
        } else if (req.url === "/v1/denied") {
          res.statusCode = 403;
          // Vault's text may quote the request: it must not be kept.
          res.end(JSON.stringify({ errors: [`permission denied for ${body}`] }));
        } else if (req.url === "/v1/huge") {
          res.end(JSON.stringify({ data: "x".repeat(4096) }));
        } else if (req.url === "/v1/slow") {
          setTimeout(() => res.end("{}"), 2_000).unref();
        } else if (req.url === "/v1/auth/token/revoke-self") {
          res.statusCode = 204;
          res.end();
        } else {
          res.end(JSON.stringify({ data: { keys: ["a", "b/"] } }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("sends the token per request, the namespace and extra headers, and reads no VAULT_* variable", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { VAULT_TOKEN: "hvs.ambient", VAULT_NAMESPACE: "ambient-ns", VAULT_PREFIX: "/evil", DEBUG: "*" });
    try {
      seen.length = 0;
      const vault = createVaultClient({ address, namespace: "team-a", headers: { "X-Extra": "1", "X-Vault-Token": "nope" } });
      expect(await vault.write("transit/encrypt/k", { plaintext: "AAAA" }, { token: "hvs.t" })).toEqual({ data: { ciphertext: "vault:v1:abc" } });
      expect(await vault.list("secret/metadata/", { token: "hvs.t" })).toEqual({ data: { keys: ["a", "b/"] } });
      expect(await vault.write("auth/token/revoke-self", {}, { token: "hvs.t", namespace: null })).toBeUndefined();
      await vault.write("auth/approle/login", { role_id: "r" }, { namespace: "admin" });
      vault.close();
      const [enc, list, revoke, login] = seen;
      expect(enc).toMatchObject({ method: "POST", url: "/v1/transit/encrypt/k", body: '{"plaintext":"AAAA"}' });
      expect(enc!.headers).toMatchObject({ "x-vault-token": "hvs.t", "x-vault-namespace": "team-a", "x-extra": "1" });
      expect(list).toMatchObject({ method: "GET", url: "/v1/secret/metadata/?list=true" });
      expect(revoke!.headers["x-vault-namespace"]).toBeUndefined();
      expect(login!.headers["x-vault-token"]).toBeUndefined();
      expect(login!.headers["x-vault-namespace"]).toBe("admin");
    } finally {
      process.env = saved;
    }
  });

  it("summarises failures: kind and status only, never the token, the body or Vault's text", async () => {
    const vault = createVaultClient({ address });
    const denied = await vault.write("denied", { plaintext: "c2VjcmV0LWNhbmFyeQ==" }, { token: "hvs.canary" }).catch((e: unknown) => e);
    expect(isCloudError(denied) && [denied.kind, denied.status, denied.label]).toEqual(["access-denied", 403, "http 403"]);
    const dump = inspect(denied, { depth: 20, showHidden: true });
    for (const secret of ["hvs.canary", "c2VjcmV0LWNhbmFyeQ==", "permission denied"]) expect(dump).not.toContain(secret);
    const missing = await vault.write("transit/decrypt/missing", { ciphertext: "vault:v1:x" }).catch((e: unknown) => e);
    expect(isCloudError(missing) && missing.kind).toBe("not-found");
    vault.close();
  });

  it("bounds every call: a response-size cap and a deadline", async () => {
    const small = createVaultClient({ address, maxResponseBytes: 1024 });
    const big = await small.read("huge").catch((e: unknown) => e);
    expect(isCloudError(big) && [big.kind, big.label]).toEqual(["server-error", "vault response too large"]);
    small.close();
    const quick = createVaultClient({ address, timeoutMs: 100 });
    const slow = await quick.read("slow").catch((e: unknown) => e);
    expect(isCloudError(slow) && [slow.kind, slow.label]).toEqual(["unreachable", "timeout"]);
    quick.close();
  });

  it("stops at once when the caller aborts", async () => {
    const vault = createVaultClient({ address });
    const ac = new AbortController();
    const pending = vault.read("slow", { signal: ac.signal }).catch((e: unknown) => e);
    ac.abort();
    const err = await pending;
    expect(isCloudError(err) && err.kind).toBe("aborted");
    vault.close();
  });

  it("classifies errors of other transports by network code or status, summarised", () => {
    const axiosLike = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED", config: { headers: { "X-Vault-Token": "hvs.canary" } } });
    const f = classifyVaultError(axiosLike);
    expect([f.kind, f.label]).toEqual(["unreachable", "ECONNREFUSED"]);
    expect(inspect(f, { depth: 20, showHidden: true })).not.toContain("hvs.canary");
    expect(classifyVaultError(Object.assign(new Error("x"), { response: { statusCode: 429 } })).kind).toBe("throttled");
    expect(classifyVaultError(Object.assign(new Error("x"), { code: "SELF_SIGNED_CERT_IN_CHAIN" })).kind).toBe("tls");
  });
});
