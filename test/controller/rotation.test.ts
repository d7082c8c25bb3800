// Credential rotation without a store edit or a restart, against a real Vault dev server: the
// token Secret a store reads is replaced, and the next sync uses what it now holds, even while
// the old token is still valid (a provider that kept its token would go on succeeding).
import { apiVersion, forceSyncAnnotation } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
import { createCertAuthority, requirePeer, startVault, type CertAuthority, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEs, esPath, ready, startEnv, waitForReady, waitForSecret, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server", "vault"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto vault`"));

describe.skipIf(!peers.every((p) => p.ok))("credential rotation (real Vault dev server)", () => {
  let env: Env;
  let vault: VaultHarness;
  let serverCa: CertAuthority;

  const vaultApi = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${vault.address}/v1/${path}`, { method, headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return (res.status === 204 ? {} : await res.json()) as T;
  };
  /** A fresh child token that may read `secret/` (the dev server's root token creates it). */
  const childToken = async () => (await vaultApi<{ auth: { client_token: string } }>("POST", "auth/token/create", { policies: ["reader"], ttl: "1h" })).auth.client_token;

  beforeAll(async () => {
    serverCa = createCertAuthority("rotation-vault-ca");
    vault = await startVault({ tlsListeners: [serverCa.issue({ commonName: "127.0.0.1", hosts: ["127.0.0.1"], usage: "server" })] });
    env = await startEnv();
    await vaultApi("PUT", "sys/policies/acl/reader", { policy: 'path "secret/*" { capabilities = ["read", "list"] }' });
  });
  afterAll(async () => {
    await env?.stop();
    await vault?.stop();
  });

  it("a replaced Vault token Secret is used by the next forced sync, while the old token is still valid; a valid new token brings it back", async () => {
    await vaultApi("POST", "secret/data/app/rotation", { data: { v: "one" } });
    const ns = await env.kube.createNamespace("rotation");
    const tokenPath = resourcePath({ version: "v1", plural: "secrets", namespace: ns, name: "vault-token" });
    const first = await childToken();
    await env.client.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { body: { metadata: { name: "vault-token" }, stringData: { token: first } } });
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "vault" }, spec: { provider: { vault: { server: vault.address, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } } } },
    });
    await createEs(env, ns, "app", { secretStoreRef: { name: "vault" }, refreshInterval: "1h", data: [{ secretKey: "v", remoteRef: { key: "app/rotation", property: "v" } }] });
    await waitForSecret(env, ns, "app", (d) => d["v"] === "one", "synced with the first token");

    const setToken = (token: string) => env.client.request("PATCH", tokenPath, { body: { data: { token: Buffer.from(token).toString("base64") } }, contentType: "application/merge-patch+json" });
    const forceSync = (n: string) => env.client.request("PATCH", esPath(ns, "app"), { body: { metadata: { annotations: { [forceSyncAnnotation]: n } } }, contentType: "application/merge-patch+json" });

    // A token Vault does not know; the first one stays valid throughout this step.
    await setToken("hvs.not-a-token-vault-issued");
    await forceSync("1");
    const failed = await waitForReady(env, ns, "app", (r) => r.status === "False", "the next sync uses the replaced (bad) token", 30_000);
    expect(ready(failed).reason).toBe("SecretSyncedError");
    await vaultApi("POST", "auth/token/lookup", { token: first }); // still valid: the failure came from the rotation

    const second = await childToken();
    await vaultApi("POST", "secret/data/app/rotation", { data: { v: "two" } });
    await setToken(second);
    await vaultApi("POST", "auth/token/revoke", { token: first });
    await forceSync("2");
    await waitForReady(env, ns, "app", (r) => r.status === "True", "back with the second token", 60_000);
    await waitForSecret(env, ns, "app", (d) => d["v"] === "two", "read with the second token");
  });

  it("a replaced Vault CA (caProvider Secret) is used by the next forced sync: a wrong CA fails it, the right one brings it back", async () => {
    await vaultApi("POST", "secret/data/app/ca", { data: { v: "tls" } });
    const ns = await env.kube.createNamespace("rotation-ca");
    const secrets = resourcePath({ version: "v1", plural: "secrets", namespace: ns });
    await env.client.request("POST", secrets, { body: { metadata: { name: "vault-token" }, stringData: { token: vault.token } } });
    await env.client.request("POST", secrets, { body: { metadata: { name: "vault-ca" }, stringData: { "ca.crt": serverCa.cert } } });
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: {
        apiVersion,
        kind: "SecretStore",
        metadata: { name: "vault" },
        spec: { provider: { vault: { server: vault.tlsAddresses[0], path: "secret", version: "v2", caProvider: { type: "Secret", name: "vault-ca", key: "ca.crt" }, auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } } },
      },
    });
    await createEs(env, ns, "app", { secretStoreRef: { name: "vault" }, refreshInterval: "1h", data: [{ secretKey: "v", remoteRef: { key: "app/ca", property: "v" } }] });
    await waitForSecret(env, ns, "app", (d) => d["v"] === "tls", "synced over TLS with the CA from the Secret");

    const setCa = (pem: string) => env.client.request("PATCH", resourcePath({ version: "v1", plural: "secrets", namespace: ns, name: "vault-ca" }), { body: { data: { "ca.crt": Buffer.from(pem).toString("base64") } }, contentType: "application/merge-patch+json" });
    const forceSync = (n: string) => env.client.request("PATCH", esPath(ns, "app"), { body: { metadata: { annotations: { [forceSyncAnnotation]: n } } }, contentType: "application/merge-patch+json" });
    await setCa(createCertAuthority("some-other-ca").cert);
    await forceSync("1");
    const failed = await waitForReady(env, ns, "app", (r) => r.status === "False", "the next sync trusts only the replaced CA", 30_000);
    expect(ready(failed).message).toMatch(/tls|certificate/i);
    await setCa(serverCa.cert);
    await forceSync("2");
    await waitForReady(env, ns, "app", (r) => r.status === "True", "the right CA back", 60_000);
  });
});
