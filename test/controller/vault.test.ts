import { apiVersion } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
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
});
