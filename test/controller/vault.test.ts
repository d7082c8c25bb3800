import { apiVersion } from "@hush/kube";
import { loadKubeConfig, resourcePath } from "@hush/kube/client";
import { requirePeer, startVault, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEs, startEnv, waitForSecret, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server", "vault"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto vault`"));

describe.skipIf(!peers.every((p) => p.ok))("sync controller with a real Vault dev server", () => {
  let env: Env;
  let vault: VaultHarness;

  beforeAll(async () => {
    vault = await startVault();
    env = await startEnv();
  });
  afterAll(async () => {
    await env?.stop();
    await vault?.stop();
  });

  it("syncs KV v2 with token auth, and picks up a new version within the refresh interval", async () => {
    const write = async (data: Record<string, string>) => {
      const res = await fetch(`${vault.address}/v1/secret/data/app/db`, {
        method: "POST",
        headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" },
        body: JSON.stringify({ data }),
      });
      expect(res.status).toBe(200);
    };
    await write({ user: "vault-user", password: "vault-pw" });
    const ns = await env.kube.createNamespace("vault");
    await env.client.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { body: { metadata: { name: "vault-token" }, stringData: { token: vault.token } } });
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "vault" }, spec: { provider: { vault: { server: vault.address, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } } } },
    });
    await createEs(env, ns, "db", { secretStoreRef: { name: "vault" }, refreshInterval: "1s", dataFrom: [{ extract: { key: "app/db" } }], data: [{ secretKey: "pw-copy", remoteRef: { key: "app/db", property: "password" } }] });
    await waitForSecret(env, ns, "db", (d) => d["user"] === "vault-user" && d["password"] === "vault-pw" && d["pw-copy"] === "vault-pw", "Vault secret synced");
    await write({ user: "vault-user", password: "rotated" });
    await waitForSecret(env, ns, "db", (d) => d["password"] === "rotated" && d["pw-copy"] === "rotated", "rotated Vault value synced");
  });

  it("logs in with Vault kubernetes auth: a TokenRequest from the controller, reviewed by Vault against the same API server", async () => {
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${vault.address}/v1/${path}`, { method, headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      expect(res.status, `${method} ${path}: ${res.status}`).toBeLessThan(300);
    };
    const ns = await env.kube.createNamespace("vault-k8s");
    for (const name of ["app", "vault-reviewer"]) {
      await env.client.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns }), { body: { metadata: { name } } });
    }
    // The token the controller presents is bound to the audience "vault", so the API server
    // would not accept it as Vault's own credential: Vault reviews it with a reviewer token
    // (the auth-delegator role), as a production Vault outside the cluster does.
    await env.client.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      body: { metadata: { name: `vault-review-${ns}` }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" }, subjects: [{ kind: "ServiceAccount", name: "vault-reviewer", namespace: ns }] },
    });
    const reviewer = await env.client.request<{ status: { token: string } }>("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns, name: "vault-reviewer", subresource: "token" }), {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
    });
    const ca = loadKubeConfig({ kubeconfigPath: env.kube.kubeconfigPath }).ca?.toString("utf8");
    await api("POST", "sys/auth/kubernetes", { type: "kubernetes" });
    await api("POST", "auth/kubernetes/config", { kubernetes_host: env.kube.server, kubernetes_ca_cert: ca, disable_local_ca_jwt: true, token_reviewer_jwt: reviewer.status.token });
    await api("POST", "sys/policies/acl/k8s-reader", { policy: 'path "secret/data/k8s/*" { capabilities = ["read"] }' });
    await api("POST", "auth/kubernetes/role/hush", { bound_service_account_names: ["app"], bound_service_account_namespaces: [ns], policies: ["k8s-reader"], ttl: "1h", audience: "vault" });
    await api("POST", "secret/data/k8s/app", { data: { password: "from-k8s-auth" } });
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "vault" }, spec: { provider: { vault: { server: vault.address, path: "secret", version: "v2", auth: { kubernetes: { mountPath: "kubernetes", role: "hush", serviceAccountRef: { name: "app" } } } } } } },
    });
    await createEs(env, ns, "k8s", { secretStoreRef: { name: "vault" }, data: [{ secretKey: "password", remoteRef: { key: "k8s/app", property: "password" } }] });
    await waitForSecret(env, ns, "k8s", (d) => d["password"] === "from-k8s-auth", "synced with Vault kubernetes auth", 30_000);
    const metrics = await env.registry.metrics();
    expect(metrics).toMatch(/hush_provider_calls_total\{provider="vault",operation="login",result="ok"\} [1-9]/);
  });
});
