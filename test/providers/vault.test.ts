import { createProvider, providerErrorKind, type SecretProvider } from "@hush/providers";
import { requirePeer, startKube, startVault, type KubeHarness, type VaultHarness } from "@hush/testkit";
import { createSign, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exposed, testContext, text, type TestContext } from "./context.js";

const peer = requirePeer("vault", "run `bash scripts/peers vault`");
const CANARY = "vault-canary-5e4d3c2b1a";

/** Vault's HTTP API with the root token, for seeding only (the provider goes through its own client). */
async function api(vault: VaultHarness, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${vault.address}/v1/${path}`, {
    method,
    headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 400) throw new Error(`seed ${method} ${path}: http ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

describe.skipIf(!peer.ok)("vault provider against a real Vault dev server", () => {
  let vault: VaultHarness;
  let roleId: string;
  let readerToken: string;

  const tokenStore = (extra: Record<string, unknown> = {}) => ({
    vault: { server: vault.address, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "vault-token", key: "token" } }, ...extra },
  });
  const approleStore = () => ({
    vault: {
      server: vault.address,
      path: "secret",
      auth: { appRole: { path: "approle", roleId, secretRef: { name: "approle", key: "secret-id" } } },
    },
  });

  async function ctxFor(): Promise<TestContext> {
    const ctx = testContext();
    ctx.secrets.set("team-a/vault-token/token", readerToken);
    const sid = await api(vault, "POST", "auth/approle/role/sync/secret-id");
    ctx.secrets.set("team-a/approle/secret-id", sid.data.secret_id);
    return ctx;
  }

  async function withProvider<T>(spec: unknown, fn: (p: SecretProvider, ctx: TestContext) => Promise<T>, ctx?: TestContext): Promise<T> {
    const c = ctx ?? (await ctxFor());
    const p = await createProvider(spec, c);
    try {
      return await fn(p, c);
    } finally {
      await p.close();
    }
  }

  beforeAll(async () => {
    vault = await startVault();
    await api(vault, "POST", "secret/data/app/db", { data: { user: "app", password: "old" } });
    await api(vault, "POST", "secret/data/app/db", { data: { user: "app", password: CANARY, port: 5432, "a.b": "dotted" } });
    await api(vault, "POST", "secret/metadata/app/db", { custom_metadata: { team: "a", env: "prod" } });
    await api(vault, "POST", "secret/data/app/api", { data: { token: "t1" } });
    await api(vault, "POST", "secret/metadata/app/api", { custom_metadata: { team: "a", env: "dev" } });
    await api(vault, "POST", "secret/data/other/thing", { data: { x: "1" } });
    await api(vault, "POST", "secret/data/app/gone", { data: { x: "1" } });
    await api(vault, "DELETE", "secret/data/app/gone"); // soft-deletes the latest version
    await api(vault, "POST", "sys/mounts/kv", { type: "kv", options: { version: "1" } });
    await api(vault, "POST", "kv/legacy/db", { user: "v1user", password: "v1pass" });
    await api(vault, "PUT", "sys/policies/acl/reader", {
      policy: 'path "secret/*" { capabilities = ["read", "list"] }\npath "kv/*" { capabilities = ["read", "list"] }',
    });
    readerToken = (await api(vault, "POST", "auth/token/create", { policies: ["reader"], ttl: "1h" })).auth.client_token;
    await api(vault, "POST", "sys/auth/approle", { type: "approle" });
    await api(vault, "POST", "auth/approle/role/sync", { token_policies: ["reader"], token_ttl: "1h", token_max_ttl: "24h" });
    roleId = (await api(vault, "GET", "auth/approle/role/sync/role-id")).data.role_id;
  });

  afterAll(async () => {
    await vault?.stop();
  });

  it("reads KV v2 values, properties, versions and custom metadata with a token from a Secret", async () => {
    await withProvider(tokenStore(), async (p) => {
      expect(JSON.parse(text(await p.getSecret({ key: "app/db" })))).toMatchObject({ user: "app", password: CANARY });
      expect(text(await p.getSecret({ key: "app/db", property: "password" }))).toBe(CANARY);
      expect(text(await p.getSecret({ key: "app/db", property: "port" }))).toBe("5432");
      expect(text(await p.getSecret({ key: "app/db", property: "a.b" }))).toBe("dotted");
      expect(text(await p.getSecret({ key: "app/db", version: "1", property: "password" }))).toBe("old");
      expect(text(await p.getSecret({ key: "secret/data/app/db", property: "user" }))).toBe("app");
      const map = await p.getSecretMap({ key: "app/db" });
      expect(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]))).toEqual({ user: "app", password: CANARY, port: "5432", "a.b": "dotted" });
      expect(JSON.parse(text(await p.getSecret({ key: "app/db", metadataPolicy: "Fetch" })))).toEqual({ team: "a", env: "prod" });
      await expect(p.validate()).resolves.toBeUndefined();
    });
  });

  it("maps missing, soft-deleted and forbidden paths to typed errors without values", async () => {
    await withProvider(tokenStore(), async (p) => {
      for (const key of ["app/nope", "app/gone"]) {
        const err = await p.getSecret({ key }).catch((e: unknown) => e);
        expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_NOT_FOUND");
      }
      const noProp = await p.getSecret({ key: "app/db", property: "nope" }).catch((e: unknown) => e);
      expect((noProp as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_NOT_FOUND");
      expect(exposed(noProp)).not.toContain(CANARY);
    });
    await withProvider(tokenStore({ path: "sys" }), async (p, ctx) => {
      for (let i = 0; i < 2; i++) {
        const err = await p.getSecret({ key: "policies" }).catch((e: unknown) => e);
        expect(providerErrorKind(err)).toBe("access-denied");
        expect(exposed(err)).not.toContain(readerToken);
      }
      // A policy refusal is not a dead token: checked with lookup-self, never a new login.
      expect(ctx.count("token-lookup")).toBe(3); // the initial lookup + one check per refusal
    });
  });

  it("reads KV v1 and keys that carry their mount", async () => {
    const v1 = { vault: { server: vault.address, path: "kv", version: "v1", auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } };
    await withProvider(v1, async (p) => {
      expect(text(await p.getSecret({ key: "legacy/db", property: "user" }))).toBe("v1user");
      const err = await p.getSecret({ key: "legacy/db", version: "2" }).catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
    });
    const noPath = { vault: { server: vault.address, auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } };
    await withProvider(noPath, async (p) => {
      expect(text(await p.getSecret({ key: "secret/app/api", property: "token" }))).toBe("t1");
    });
  });

  it("finds secrets by name regexp and custom-metadata tags", async () => {
    await withProvider(tokenStore(), async (p) => {
      const byTag = await p.findSecrets({ tags: { team: "a" } });
      expect(Object.keys(byTag).sort()).toEqual(["app/api", "app/db"]);
      expect(JSON.parse(text(byTag["app/api"]!))).toEqual({ token: "t1" });
      expect(Object.keys(await p.findSecrets({ name: { regexp: "thing$" } }))).toEqual(["other/thing"]);
      expect(Object.keys(await p.findSecrets({ path: "app", tags: { env: "dev" } }))).toEqual(["app/api"]);
    });
  });

  it("logs in with approle once, renews by the injected clock, re-logs in after revocation and revokes on close", async () => {
    const ctx = await ctxFor();
    await withProvider(approleStore(), async (p) => {
      const results = await p.getSecrets([{ key: "app/db", property: "user" }, { key: "app/db", property: "password" }, { key: "app/api", property: "token" }]);
      expect(results.map((r) => r.ok && text(r.value))).toEqual(["app", CANARY, "t1"]);
      await p.getSecret({ key: "app/api" });
      expect(ctx.count("login")).toBe(1);
      expect(ctx.count("kv-read")).toBe(3); // app/db once for both refs, app/api twice

      ctx.clock.now += 41 * 60_000; // past 2/3 of the 1h TTL
      await p.getSecret({ key: "app/api" });
      expect(ctx.count("token-renew")).toBe(1);
      expect(ctx.count("login")).toBe(1);

      await api(vault, "POST", "sys/leases/revoke-prefix/auth/approle/login"); // revoke out of band
      expect(text(await p.getSecret({ key: "app/api", property: "token" }))).toBe("t1");
      expect(ctx.count("kv-read", "access-denied")).toBe(1);
      expect(ctx.count("token-lookup", "access-denied")).toBe(1);
      expect(ctx.count("login")).toBe(2);

      ctx.clock.now += 25 * 3_600_000; // beyond the token's lifetime: a fresh login, no renewal attempt
      await p.getSecret({ key: "app/api" });
      expect(ctx.count("login")).toBe(3);
      expect(ctx.count("token-renew")).toBe(1);
    }, ctx);
    expect(ctx.count("token-revoke")).toBe(1);
  });

  it("fails a wrong approle secret as access-denied, without the secret id", async () => {
    const ctx = await ctxFor();
    ctx.secrets.set("team-a/approle/secret-id", CANARY);
    await withProvider(approleStore(), async (p) => {
      const err = await p.validate().catch((e: unknown) => e);
      expect(providerErrorKind(err)).toBe("access-denied");
      expect(exposed(err)).not.toContain(CANARY);
    }, ctx);
  });

  it("stops on the caller's abort signal with a typed error", async () => {
    await withProvider(tokenStore(), async (p) => {
      const err = await p.getSecret({ key: "app/db" }, AbortSignal.abort()).catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_UNAVAILABLE");
      expect((err as Error).message).toContain("aborted");
    });
  });

  it("logs in with a JWT (offline-validated by Vault) and with userpass", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    await api(vault, "POST", "sys/auth/jwt", { type: "jwt" });
    await api(vault, "POST", "auth/jwt/config", { jwt_validation_pubkeys: [publicKey.export({ type: "spki", format: "pem" })], bound_issuer: "hush-test" });
    await api(vault, "POST", "auth/jwt/role/sync", { role_type: "jwt", bound_audiences: ["vault"], user_claim: "sub", token_policies: ["reader"], token_ttl: "1h" });
    const b64url = (v: object | Buffer) => Buffer.from(v instanceof Buffer ? v : JSON.stringify(v)).toString("base64url");
    const iat = Math.floor(Date.now() / 1000); // claims Vault checks against its own clock
    const unsigned = `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url({ iss: "hush-test", sub: "sync", aud: "vault", iat, exp: iat + 600 })}`;
    const jwt = `${unsigned}.${b64url(createSign("RSA-SHA256").update(unsigned).sign(privateKey))}`;
    const ctx = await ctxFor();
    ctx.secrets.set("team-a/jwt/token", jwt);
    const jwtStore = { vault: { server: vault.address, path: "secret", auth: { jwt: { role: "sync", secretRef: { name: "jwt", key: "token" } } } } };
    await withProvider(jwtStore, async (p) => {
      expect(text(await p.getSecret({ key: "app/api", property: "token" }))).toBe("t1");
      expect(ctx.count("login")).toBe(1);
    }, ctx);

    await api(vault, "POST", "sys/auth/userpass", { type: "userpass" });
    await api(vault, "POST", "auth/userpass/users/sync", { password: CANARY, token_policies: ["reader"] });
    ctx.secrets.set("team-a/userpass/password", CANARY);
    const upStore = { vault: { server: vault.address, path: "secret", auth: { userPass: { username: "sync", secretRef: { name: "userpass", key: "password" } } } } };
    await withProvider(upStore, async (p) => {
      expect(text(await p.getSecret({ key: "app/api", property: "token" }))).toBe("t1");
    }, ctx);
    ctx.secrets.set("team-a/userpass/password", "wrong-password");
    await withProvider(upStore, async (p) => {
      const err = await p.validate().catch((e: unknown) => e);
      expect(providerErrorKind(err)).toBe("access-denied");
    }, ctx);
  });

  it("reports an unreachable server as unavailable", async () => {
    const spec = { vault: { server: "http://127.0.0.1:9", path: "secret", auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } };
    await withProvider(spec, async (p) => {
      const err = await p.getSecret({ key: "app/db" }).catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_UNAVAILABLE");
    });
  });

  describe.skipIf(!requirePeer("kube-apiserver", "run `bash scripts/peers kube`").ok)("kubernetes auth", () => {
    let kube: KubeHarness;
    let ns: string;

    beforeAll(async () => {
      kube = await startKube();
      ns = await kube.createNamespace("vault-auth");
      const run = async (args: string[]) => {
        const r = await kube.kubectl(args);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
        return r.stdout.trim();
      };
      await run(["-n", ns, "create", "serviceaccount", "app"]);
      await run(["-n", ns, "create", "serviceaccount", "vault-reviewer"]);
      await run(["create", "clusterrolebinding", `${ns}-reviewer`, "--clusterrole=system:auth-delegator", `--serviceaccount=${ns}:vault-reviewer`]);
      const reviewer = await run(["-n", ns, "create", "token", "vault-reviewer", "--duration=1h"]);
      const ca = Buffer.from(kube.kubeConfig.getCurrentCluster()!.caData!, "base64").toString("utf8");
      await api(vault, "POST", "sys/auth/kubernetes", { type: "kubernetes" });
      await api(vault, "POST", "auth/kubernetes/config", { kubernetes_host: kube.server, kubernetes_ca_cert: ca, token_reviewer_jwt: reviewer, disable_local_ca_jwt: true });
      await api(vault, "POST", "auth/kubernetes/role/sync", {
        bound_service_account_names: ["app"],
        bound_service_account_namespaces: [ns],
        audience: "vault",
        token_policies: ["reader"],
        token_ttl: "1h",
      });
    });

    afterAll(async () => {
      await kube?.stop();
    });

    it("logs in with a TokenRequest token for the referenced ServiceAccount", async () => {
      const ctx = testContext({ namespace: ns });
      const asked: string[] = [];
      ctx.serviceAccountToken = async (n, sa, audiences) => {
        asked.push(`${n}/${sa}:${audiences.join(",")}`);
        const args = ["-n", n, "create", "token", sa, ...audiences.map((a) => `--audience=${a}`)];
        const r = await kube.kubectl(args);
        if (r.code !== 0) throw new Error(`kubectl create token: exit ${r.code}`);
        return r.stdout.trim();
      };
      const spec = {
        vault: {
          server: vault.address,
          path: "secret",
          auth: { kubernetes: { mountPath: "kubernetes", role: "sync", serviceAccountRef: { name: "app", audiences: ["vault"] } } },
        },
      };
      await withProvider(spec, async (p) => {
        expect(text(await p.getSecret({ key: "app/db", property: "user" }))).toBe("app");
        await p.validate();
        expect(ctx.count("login")).toBe(1);
        expect(asked).toEqual([`${ns}/app:vault`]);
      }, ctx);
    });
  });
});
