// Transport details a Vault dev server cannot show (namespaces are an Enterprise/OpenBao
// feature, the dev server has no TLS): the Vault client is driven against a local HTTPS listener
// that records what arrives and answers in Vault's JSON shapes.
import { createServer, type IncomingHttpHeaders, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { selfSignedCert } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVaultProvider } from "./vault-provider.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

describe("vault transport: namespaces, headers, CA bundle, no ambient VAULT_* settings", () => {
  const tls = selfSignedCert(["127.0.0.1"]);
  const seen: Seen[] = [];
  let server: Server;
  let address: string;

  beforeAll(async () => {
    server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
      req.resume();
      req.on("end", () => {
        res.setHeader("Content-Type", "application/json");
        if (req.url === "/v1/auth/approle/login") {
          res.end(JSON.stringify({ auth: { client_token: "hvs.issued", lease_duration: 3600, renewable: true } }));
        } else if (req.url === "/v1/secret/data/app" && req.headers["x-vault-token"] === "hvs.issued") {
          res.end(JSON.stringify({ data: { data: { k: "v" }, metadata: { version: 1 } } }));
        } else if (req.url === "/v1/auth/token/revoke-self") {
          res.statusCode = 204;
          res.end();
        } else {
          res.statusCode = 403;
          res.end(JSON.stringify({ errors: ["permission denied"] }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const spec = () => ({
    server: address,
    path: "secret",
    namespace: "team-a",
    headers: { "X-Extra": "1" },
    caProvider: { type: "Secret", name: "vault-ca", key: "ca.crt" },
    auth: { namespace: "admin", appRole: { roleId: "role", secretRef: { name: "approle", key: "secret-id" } } },
  });
  const secrets: Record<string, string> = { "ns/vault-ca/ca.crt": tls.ca, "ns/approle/secret-id": "sid" };
  const ctx = {
    namespace: "ns",
    now: () => 0,
    readSecret: async (n: string, name: string, key: string) => new TextEncoder().encode(secrets[`${n}/${name}/${key}`] ?? ""),
  };

  it("sends the auth namespace on login, the store namespace and extra headers on reads, and the token only per request", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { VAULT_TOKEN: "hvs.ambient", VAULT_NAMESPACE: "ambient-ns", VAULT_PREFIX: "/evil", VAULT_SKIP_VERIFY: "1" });
    try {
      seen.length = 0;
      const p = await createVaultProvider(spec(), ctx);
      expect(new TextDecoder().decode(await p.getSecret({ key: "app", property: "k" }))).toBe("v");
      await p.close();
      const [login, read, revoke] = seen;
      expect(seen).toHaveLength(3);
      expect(login).toMatchObject({ method: "POST", url: "/v1/auth/approle/login" });
      expect(login!.headers["x-vault-namespace"]).toBe("admin");
      expect(login!.headers["x-vault-token"]).toBeUndefined();
      expect(read).toMatchObject({ method: "GET", url: "/v1/secret/data/app" });
      expect(read!.headers["x-vault-namespace"]).toBe("team-a");
      expect(read!.headers["x-vault-token"]).toBe("hvs.issued");
      expect(read!.headers["x-extra"]).toBe("1");
      expect(revoke).toMatchObject({ method: "POST", url: "/v1/auth/token/revoke-self" });
      expect(revoke!.headers["x-vault-token"]).toBe("hvs.issued");
    } finally {
      process.env = saved;
    }
  });

  it("verifies the server against the CA bundle: without it TLS fails as invalid-config", async () => {
    const { caProvider: _, ...noCa } = spec();
    const saved = process.env["VAULT_SKIP_VERIFY"];
    process.env["VAULT_SKIP_VERIFY"] = "1"; // must not switch verification off
    try {
      const p = await createVaultProvider(noCa, ctx);
      await expect(p.getSecret({ key: "app" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
      await p.close();
    } finally {
      if (saved === undefined) delete process.env["VAULT_SKIP_VERIFY"];
      else process.env["VAULT_SKIP_VERIFY"] = saved;
    }
  });
});
