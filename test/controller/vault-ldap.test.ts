import { randomBytes } from "node:crypto";
import { apiVersion } from "@hush/kube";
import { resourcePath, type KubeClient } from "@hush/kube/client";
import { requirePeer, startSlapd, startVault, waitFor, type SlapdHarness, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindTenant, clientAs, createEs, events, ready, startEnv, waitForReady, waitForSecret, type Env } from "./harness.js";

/**
 * Vault ldap auth through the controller: Vault's ldap auth method checks the password by
 * binding to a real slapd as the user; the store's ExternalSecrets read KV with the token.
 */
const peers = [
  ...["etcd", "kube-apiserver", "kubectl", "moto_server", "vault"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto vault`")),
  requirePeer("slapd", "run `bash scripts/peers slapd`"),
];
const nonce = randomBytes(6).toString("hex");
const PASSWORD = `ldap-pw-${nonce}`;
const WRONG_PASSWORD = `ldap-wrong-${nonce}`;
const CANARY = `ldap-e2e-canary-${nonce}`;

const secretsPath = (ns: string, name?: string) => resourcePath({ version: "v1", plural: "secrets", namespace: ns, ...(name ? { name } : {}) });
const storePath = (ns: string, name?: string) => resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns, ...(name ? { name } : {}) });

interface Store {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

async function createStore(client: KubeClient, ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await client.request("POST", storePath(ns), { body: { apiVersion, kind: "SecretStore", metadata: { name }, spec } });
}

describe.skipIf(!peers.every((p) => p.ok))("vault ldap auth through the controller, against the real API server, Vault and slapd", () => {
  let env: Env;
  let vault: VaultHarness;
  let slapd: SlapdHarness;
  const root = async (method: string, path: string, body?: unknown): Promise<void> => {
    const res = await fetch(`${vault.address}/v1/${path}`, { method, headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect(res.status, `${method} ${path}: ${res.status >= 300 ? await res.text() : ""}`).toBeLessThan(300);
  };
  const ldapStore = (secretRef: Record<string, unknown>) => ({
    provider: { vault: { server: vault.address, path: "secret", version: "v2", auth: { ldap: { username: "alice", secretRef } } } },
  });
  const logins = (result: string) =>
    env.registry.metrics().then((m) => Number(new RegExp(`hush_provider_calls_total\\{provider="vault",operation="login",result="${result}"\\} (\\d+)`).exec(m)?.[1] ?? "0"));
  const storeReady = async (ns: string, name: string) => (await env.client.get<Store>(storePath(ns, name)))?.status?.conditions?.find((c) => c.type === "Ready");

  beforeAll(async () => {
    [slapd, vault, env] = await Promise.all([startSlapd({ users: [{ uid: "alice", password: PASSWORD }] }), startVault(), startEnv()]);
    if (vault.kind === "fake") throw new Error("the vault peer is a fake; ldap auth needs a real Vault");
    await root("POST", "secret/data/ldap/app", { data: { password: CANARY } });
    await root("PUT", "sys/policies/acl/ldap-reader", { policy: 'path "secret/data/ldap/*" { capabilities = ["read"] }' });
    await root("POST", "sys/auth/ldap", { type: "ldap" });
    // Vault finds the user's DN with a search bind, then binds as the user with the password.
    await root("POST", "auth/ldap/config", { url: slapd.url, userdn: slapd.usersDn, userattr: "uid", binddn: slapd.rootDn, bindpass: slapd.rootPassword });
    await root("POST", "auth/ldap/users/alice", { policies: "ldap-reader" });
    // The fixture itself: Vault accepts alice's password (over the wire, the call hush makes).
    const direct = await fetch(`${vault.address}/v1/auth/ldap/login/alice`, { method: "POST", body: JSON.stringify({ password: PASSWORD }) });
    expect(direct.status, await direct.clone().text()).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await env?.stop();
    await vault?.stop();
    await slapd?.stop();
  });

  it("a SecretStore with auth.ldap (password from a Secret in its namespace) becomes Ready and syncs a KV secret", async () => {
    const ns = await env.kube.createNamespace("ldap-app");
    await env.client.request("POST", secretsPath(ns), { body: { metadata: { name: "ldap-creds" }, stringData: { password: PASSWORD } } });
    const before = await logins("ok");
    await createStore(env.client, ns, "vault-ldap", ldapStore({ name: "ldap-creds", key: "password" }));
    await createEs(env, ns, "db", { secretStoreRef: { name: "vault-ldap" }, data: [{ secretKey: "password", remoteRef: { key: "ldap/app", property: "password" } }] });
    await waitForSecret(env, ns, "db", (d) => d["password"] === CANARY, "KV secret synced through an ldap login", 30_000);
    expect(await storeReady(ns, "vault-ldap")).toMatchObject({ status: "True", reason: "Valid" });
    expect(await logins("ok")).toBeGreaterThan(before);
  });

  it("a wrong password leaves the store Ready=False/InvalidProviderConfig, and the password is in no status, event or log", async () => {
    const ns = await env.kube.createNamespace("ldap-wrong");
    await env.client.request("POST", secretsPath(ns), { body: { metadata: { name: "ldap-creds" }, stringData: { password: WRONG_PASSWORD } } });
    const denied = await logins("access-denied");
    await createStore(env.client, ns, "vault-ldap", ldapStore({ name: "ldap-creds", key: "password" }));
    await createEs(env, ns, "db", { secretStoreRef: { name: "vault-ldap" }, data: [{ secretKey: "password", remoteRef: { key: "ldap/app", property: "password" } }] });
    let cond: Awaited<ReturnType<typeof storeReady>>;
    await waitFor(async () => (cond = await storeReady(ns, "vault-ldap"))?.status === "False", { what: "store with a wrong LDAP password not ready", timeoutMs: 30_000 });
    // ESO's reason for a store whose client cannot log in.
    expect(cond!.reason).toBe("InvalidProviderConfig");
    // Vault refused the bind (400), which is a credentials problem, not a config typo.
    expect(cond!.message).toContain("HUSH_ERR_PROVIDERS_ACCESS_DENIED");
    expect(await logins("access-denied")).toBeGreaterThan(denied);
    const es = await waitForReady(env, ns, "db", (r) => r.status === "False", "ExternalSecret behind the failing store not ready");
    expect(await env.client.get(secretsPath(ns, "db"))).toBeUndefined();
    let evs: Awaited<ReturnType<typeof events>> = [];
    await waitFor(async () => (evs = await events(env, ns, "vault-ldap")).some((e) => e.reason === "InvalidProviderConfig"), { what: "InvalidProviderConfig event on the store" });
    const everything = [JSON.stringify(cond), JSON.stringify(ready(es)), JSON.stringify(es.status), JSON.stringify(await events(env, ns)), env.logs.lines.join("\n")].join("\n");
    expect(evs.length).toBeGreaterThan(0);
    for (const secret of [WRONG_PASSWORD, PASSWORD, CANARY, slapd.rootPassword]) expect(everything).not.toContain(secret);
    // It would keep failing (and retrying) otherwise; the next test counts logins.
    await env.client.request("DELETE", storePath(ns, "vault-ldap"));
  });

  it("a tenant's store cannot log in with another namespace's LDAP password; no login is attempted", async () => {
    const victim = await env.kube.createNamespace("ldap-victim");
    await env.client.request("POST", secretsPath(victim), { body: { metadata: { name: "ldap-creds" }, stringData: { password: PASSWORD } } });
    const ns = await env.kube.createNamespace("ldap-tenant");
    await bindTenant(env, ns, "tenant-ldap");
    const before = await logins("ok");
    const tenant = clientAs(env, "tenant-ldap");
    let refusedAtAdmission = false;
    try {
      await createStore(tenant.client, ns, "vault", ldapStore({ name: "ldap-creds", key: "password", namespace: victim })).catch((err: unknown) => {
        // The API server may refuse the cross-namespace reference itself.
        if ((err as { status?: number }).status !== 422) throw err;
        refusedAtAdmission = true;
      });
      if (!refusedAtAdmission) {
        await tenant.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
          body: { apiVersion, kind: "ExternalSecret", metadata: { name: "steal" }, spec: { secretStoreRef: { name: "vault" }, data: [{ secretKey: "password", remoteRef: { key: "ldap/app", property: "password" } }] } },
        });
      }
    } finally {
      tenant.dispose();
    }
    if (!refusedAtAdmission) {
      await waitFor(async () => (await storeReady(ns, "vault"))?.status === "False", { what: "tenant store with another namespace's password refused" });
      expect((await storeReady(ns, "vault"))?.reason).toBe("InvalidProviderConfig");
      expect((await storeReady(ns, "vault"))?.message).toContain("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
      const es = await waitForReady(env, ns, "steal", (r) => r.status === "False", "tenant ExternalSecret refused");
      expect(ready(es).message ?? "").not.toContain(CANARY);
    }
    expect(await env.client.get(secretsPath(ns, "steal"))).toBeUndefined();
    // With the victim's (right) password a login would have succeeded: none did.
    expect(await logins("ok")).toBe(before);
  });
});
