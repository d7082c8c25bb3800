// ESO's flood gate (v0.16.2 `--enable-flood-gate`, on by default): an ExternalSecret reads
// through a store only once the store is Ready=True. A store still being validated holds its
// ExternalSecrets back without a provider call, and they sync as soon as it is Ready, woken by
// the store rather than by their own backoff (set to minutes here, so waiting on it would fail).
import { apiVersion, type SecretStore } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
import { requirePeer, waitFor } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsCreds, createEs, events, getEs, putRemote, ready, startEnv, startRelay, waitForReady, waitForSecret, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));

/**
 * An HTTP proxy in front of moto that records each AWS call (STS `Action`, Secrets Manager
 * `X-Amz-Target`) and, while `hold` is on, parks STS AssumeRole calls until `release()`.
 */
async function holdingProxy(): Promise<{ endpoint: string; calls: string[]; parked(): number; hold(on: boolean): void; target(url: string): void; close(): Promise<void> }> {
  const calls: string[] = [];
  let held = false;
  const parked: (() => void)[] = [];
  const relay = await startRelay((req, body, forward) => {
    const target = req.headers["x-amz-target"];
    const action = typeof target === "string" ? target : (new URLSearchParams(body.toString("utf8")).get("Action") ?? "other");
    calls.push(action);
    if (held && action === "AssumeRole") parked.push(forward);
    else forward();
  });
  return {
    ...relay,
    calls,
    parked: () => parked.length,
    hold: (on) => {
      held = on;
      if (!on) for (const go of parked.splice(0)) go();
    },
  };
}

const storePath = (ns: string, name?: string) => resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns, ...(name ? { name } : {}) });

describe.skipIf(!peers.every((p) => p.ok))("flood gate: ExternalSecrets wait for their store to be Ready", () => {
  let env: Env;
  let proxy: Awaited<ReturnType<typeof holdingProxy>>;

  beforeAll(async () => {
    proxy = await holdingProxy();
    // Backoff of minutes: an ExternalSecret that syncs within seconds was woken by its store.
    env = await startEnv({ controller: { clientOverrides: { aws: { endpoint: proxy.endpoint, stsEndpoint: proxy.endpoint } }, backoff: { baseMs: 300_000, maxMs: 300_000 } } });
    proxy.target(env.moto.endpoint);
  }, 120_000);

  afterAll(async () => {
    proxy?.hold(false);
    await env?.stop();
    await proxy?.close();
  });

  const awsStore = (ns: string, name: string, role?: string): SecretStore => ({
    apiVersion,
    kind: "SecretStore",
    metadata: { name, namespace: ns },
    spec: {
      provider: {
        aws: {
          service: "SecretsManager",
          region: env.moto.region,
          ...(role ? { role } : {}),
          auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } },
        },
      },
    },
  });
  const storeReady = async (ns: string, name: string) => (await env.client.get<SecretStore>(storePath(ns, name)))?.status?.conditions?.find((c) => c.type === "Ready");

  it("an ExternalSecret of a store still being validated is not synced and makes no provider call; it syncs as soon as the store is Ready", async () => {
    const ns = await env.kube.createNamespace("flood");
    await createAwsCreds(env.client, ns, env.moto);
    await putRemote(env, "flood/db", "gated");
    // Validating a store with a role assumes it (STS AssumeRole): held, so the store stays
    // without a Ready condition until released.
    proxy.hold(true);
    await env.client.request("POST", storePath(ns), { body: awsStore(ns, "slow", "arn:aws:iam::123456789012:role/reader") });
    await waitFor(async () => proxy.parked() > 0, { what: "store validation under way (AssumeRole parked)" });
    await createEs(env, ns, "gated", { refreshInterval: "1h", secretStoreRef: { name: "slow" }, data: [{ secretKey: "v", remoteRef: { key: "flood/db" } }] });

    const held = await waitForReady(env, ns, "gated", (r) => r.status === "False", "gated refused by the flood gate");
    expect(ready(held)).toMatchObject({ status: "False", reason: "SecretSyncedError", message: 'could not get secret data from provider: SecretStore "slow" is not ready [HUSH_ERR_CONTROLLER_STORE_NOT_READY]' });
    expect((await events(env, ns, "gated")).map((e) => [e.type, e.reason, e.message])).toContainEqual(["Warning", "UpdateFailed", ready(held).message]);
    expect(await storeReady(ns, "slow")).toBeUndefined();
    // The ExternalSecret never reached the provider: only the validation's AssumeRole was made.
    expect(proxy.calls.filter((c) => c.startsWith("secretsmanager."))).toEqual([]);
    expect(proxy.calls.filter((c) => c === "AssumeRole")).toHaveLength(1);

    const released = Date.now();
    proxy.hold(false);
    await waitForSecret(env, ns, "gated", (d) => d["v"] === "gated", "gated synced once its store is Ready", 30_000);
    expect(await storeReady(ns, "slow")).toMatchObject({ status: "True", reason: "Valid" });
    expect(ready(await getEs(env, ns, "gated"))).toMatchObject({ status: "True", reason: "SecretSynced" });
    // Far sooner than the five-minute backoff.
    expect(Date.now() - released).toBeLessThan(60_000);
  });

  it("an ExternalSecret created before its store syncs as soon as the store is created and validated", async () => {
    const ns = await env.kube.createNamespace("flood-late");
    await createAwsCreds(env.client, ns, env.moto);
    await putRemote(env, "flood/late", "later");
    await createEs(env, ns, "early", { refreshInterval: "1h", secretStoreRef: { name: "late" }, data: [{ secretKey: "v", remoteRef: { key: "flood/late" } }] });
    const missing = await waitForReady(env, ns, "early", (r) => r.status === "False", "early refused: no store yet");
    expect(ready(missing).message).toContain("HUSH_ERR_CONTROLLER_STORE_NOT_FOUND");
    await env.client.request("POST", storePath(ns), { body: awsStore(ns, "late") });
    await waitForSecret(env, ns, "early", (d) => d["v"] === "later", "early synced once its store exists and is Ready", 30_000);
    expect(await storeReady(ns, "late")).toMatchObject({ status: "True" });
  });

  it("hush's own store metrics: Ready gauge and duration per store, gone with the store", async () => {
    const ns = await env.kube.createNamespace("flood-metrics");
    await createAwsCreds(env.client, ns, env.moto);
    await env.client.request("POST", storePath(ns), { body: awsStore(ns, "m") });
    await waitFor(async () => (await storeReady(ns, "m"))?.status === "True", { what: "store m Ready" });
    const text = async () => env.registry.metrics();
    await waitFor(async () => (await text()).includes(`hush_secretstore_status_condition{name="m",namespace="${ns}",condition="Ready",status="True"} 1`), { what: "store m Ready gauge" });
    expect(await text()).toContain(`hush_secretstore_status_condition{name="m",namespace="${ns}",condition="Ready",status="False"} 0`);
    expect(await text()).toMatch(new RegExp(`^hush_secretstore_reconcile_duration\\{name="m",namespace="${ns}"\\} [1-9]`, "m"));
    await env.client.request("DELETE", storePath(ns, "m"));
    await waitFor(async () => !(await text()).includes(`name="m",namespace="${ns}"`), { what: "store m metrics removed" });
  });
});
