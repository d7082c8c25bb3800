// A tenant's store settings that ESO takes at face value (retrySettings, refreshInterval) must
// not let one namespace hold the controller: hostile values against a real API server, with
// another tenant's Secret refreshing throughout.
import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { apiVersion, type ExternalSecret } from "@hush/kube";
import { resourcePath, type KubeClient } from "@hush/kube/client";
import { freePort, requirePeer, waitFor } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsNamespace, bindTenant, clientAs, esPath, putRemote, ready, secretPath, startEnv, waitForReady, waitForSecret, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const tenant = "mallory@team-r";

describe.skipIf(!peers.every((p) => p.ok))("hostile store retry and refresh settings (real kube-apiserver, impersonated tenant)", () => {
  let env: Env;
  let teamR: string;
  let teamB: string;
  let mallory: KubeClient;
  let dispose: () => void;

  beforeAll(async () => {
    env = await startEnv();
    teamR = await awsNamespace(env, "team-r");
    teamB = await awsNamespace(env, "team-b");
    await bindTenant(env, teamR, tenant);
    ({ client: mallory, dispose } = clientAs(env, tenant));
    await putRemote(env, "steady/b", "b-0");
    await env.client.request("POST", esPath(teamB), {
      body: { apiVersion, kind: "ExternalSecret", metadata: { name: "steady" }, spec: { secretStoreRef: { name: "aws" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "steady/b" } }] } },
    });
    await waitForSecret(env, teamB, "steady", (d) => d["v"] === "b-0", "team-b synced");
    // A token for the hostile Vault store, put there by the namespace's admin.
    await env.client.request("POST", secretPath(teamR), { body: { metadata: { name: "vault-token" }, stringData: { token: "s.not-a-real-token" } } });
  });

  afterAll(async () => {
    dispose?.();
    await env?.stop();
  });

  it("maxRetries 2^31-1 with a 1000 h retryInterval against a refusing server: the store and its ExternalSecret fail within the retry budget, the other tenant keeps refreshing", async () => {
    // A port nothing listens on: every call is refused at once, which counts as retryable.
    const closed = await freePort();
    const started = Date.now();
    await mallory.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: teamR }), {
      body: {
        apiVersion,
        kind: "SecretStore",
        metadata: { name: "hostile" },
        spec: {
          refreshInterval: 1,
          retrySettings: { maxRetries: 2_147_483_647, retryInterval: "1000h" },
          provider: { vault: { server: `http://127.0.0.1:${closed}`, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } },
        },
      },
    });
    await mallory.request<ExternalSecret>("POST", esPath(teamR), {
      body: { apiVersion, kind: "ExternalSecret", metadata: { name: "via-hostile" }, spec: { secretStoreRef: { name: "hostile" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "app" } }] } },
    });
    // Meanwhile team-b's value changes and must be followed.
    await env.sm.send(new PutSecretValueCommand({ SecretId: "steady/b", SecretString: "b-1" }));
    await waitForSecret(env, teamB, "steady", (d) => d["v"] === "b-1", "team-b refreshed while team-r's store retries", 30_000);

    await waitFor(
      async () => {
        const st = await env.client.get<{ status?: { conditions?: { type: string; status: string; reason: string }[] } }>(resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: teamR, name: "hostile" }));
        return st?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "False" && c.reason === "InvalidProviderConfig") ?? false;
      },
      { what: "hostile store judged invalid", timeoutMs: 60_000 },
    );
    const es = await waitForReady(env, teamR, "via-hostile", (r) => r.status === "False", "via-hostile failed", 60_000);
    expect(ready(es).reason).toBe("SecretSyncedError");
    // Uncapped, the first retry alone would wait 1000 hours; capped, every call gives up after
    // at most 20 s of waiting.
    expect(Date.now() - started).toBeLessThan(60_000);
    // The settings cost a bounded number of calls: per validation or read, 1 + at most 5 retries.
    const text = await env.registry.metrics();
    const vaultCalls = [...text.matchAll(/^hush_provider_calls_total\{[^}]*provider="vault"[^}]*\} ([0-9.]+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
    const elapsedS = (Date.now() - started) / 1000;
    // Attempts are spaced by the capped waits (≥ 10 s apart after the first), so calls grow with
    // time, not with maxRetries; generously: a few per started 10 s, per object.
    expect(vaultCalls).toBeLessThanOrEqual(2 * 6 * Math.ceil(elapsedS / 10 + 1));
  });
});
