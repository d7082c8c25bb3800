// ClusterExternalSecret against a real kube-apiserver (no kube-controller-manager, so no garbage
// collector: every deletion seen here is the controller's own). hush.dev through the shared
// harness, external-secrets.io through a second controller serving ESO's group.
import { join } from "node:path";
import { Controller, clashReason, createControllerMetrics, namespacesFailedMessage, type ClusterExternalSecret } from "@hush/controller";
import { esoFlavour, type ExternalSecret, type Secret } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
import { createProvider } from "@hush/providers";
import { createMetricsRegistry } from "@hush/server";
import { repoRoot, requirePeer, waitFor } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogCollector, decoded, esPath, getEs, putRemote, ready, secretPath, startEnv, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));

const cesPath = (name?: string, group = "hush.dev", version = "v1") => resourcePath({ group, version, plural: "clusterexternalsecrets", ...(name ? { name } : {}) });

describe.skipIf(!peers.every((p) => p.ok))("ClusterExternalSecret", () => {
  let env: Env;
  let creds: string;
  /** A label value unique to one test, so each test's selector sees only its own namespaces. */
  let seq = 0;
  const label = () => `ces-${++seq}`;

  beforeAll(async () => {
    env = await startEnv();
    await putRemote(env, "ces/db", "from-ces");
    creds = await env.kube.createNamespace("ces-creds");
    await env.client.request("POST", secretPath(creds), { body: { metadata: { name: "aws-creds" }, stringData: { id: env.moto.credentials.accessKeyId, secret: env.moto.credentials.secretAccessKey } } });
    await store("aws-ces");
  });
  afterAll(async () => env?.stop());

  async function store(name: string, conditions?: unknown[], group = "hush.dev"): Promise<void> {
    const secretRef = { accessKeyIDSecretRef: { name: "aws-creds", key: "id", namespace: creds }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret", namespace: creds } };
    await env.client.request("POST", resourcePath({ group, version: "v1", plural: "clustersecretstores" }), {
      body: { apiVersion: `${group}/v1`, kind: "ClusterSecretStore", metadata: { name }, spec: { ...(conditions ? { conditions } : {}), provider: { aws: { region: env.moto.region, auth: { secretRef } } } } },
    });
  }

  async function namespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
    const ns = await env.kube.createNamespace(prefix);
    if (Object.keys(labels).length > 0) await relabel(ns, labels);
    return ns;
  }

  async function relabel(ns: string, labels: Record<string, string | null>): Promise<void> {
    await env.client.request("PATCH", resourcePath({ version: "v1", plural: "namespaces", name: ns }), { body: { metadata: { labels } }, contentType: "application/merge-patch+json" });
  }

  const esSpec = (storeName = "aws-ces") => ({ secretStoreRef: { name: storeName, kind: "ClusterSecretStore" as const }, refreshInterval: "1h", data: [{ secretKey: "password", remoteRef: { key: "ces/db" } }] });

  async function createCes(name: string, spec: Partial<ClusterExternalSecret["spec"]>, group = "hush.dev", version = "v1"): Promise<ClusterExternalSecret> {
    return env.client.request<ClusterExternalSecret>("POST", cesPath(undefined, group, version), {
      body: { apiVersion: `${group}/${version}`, kind: "ClusterExternalSecret", metadata: { name }, spec: { externalSecretSpec: esSpec(), refreshTime: "1m", ...spec } },
    });
  }

  const getCes = (name: string, group = "hush.dev") => env.client.get<ClusterExternalSecret>(cesPath(name, group));

  async function waitForStatus(name: string, pred: (c: ClusterExternalSecret) => boolean, what: string, group = "hush.dev"): Promise<ClusterExternalSecret> {
    let last: ClusterExternalSecret | undefined;
    try {
      await waitFor(async () => (last = await getCes(name, group)) !== undefined && pred(last), { what, timeoutMs: 30_000 });
    } catch (err) {
      throw new Error(`${(err as Error).message}; last status ${JSON.stringify(last?.status)}`);
    }
    return last!;
  }

  it("provisions an owned ExternalSecret into every selected namespace, and the ExternalSecrets sync", async () => {
    const team = label();
    const a = await namespace("ces-a", { team });
    const b = await namespace("ces-b", { team });
    const byName = await namespace("ces-byname");
    const other = await namespace("ces-other", { team: "someone-else" });
    const ces = await createCes("provision", { namespaceSelectors: [{ matchLabels: { team } }], namespaces: [byName], externalSecretMetadata: { labels: { app: "db" }, annotations: { note: "stamped" } } });

    const done = await waitForStatus("provision", (c) => c.status?.conditions?.[0]?.status === "True" && c.status.provisionedNamespaces?.length === 3, "provisioned in three namespaces");
    expect(done.status?.externalSecretName).toBe("provision");
    expect(done.status?.provisionedNamespaces).toEqual([a, b, byName].sort());
    expect(done.status?.failedNamespaces).toBeUndefined();

    for (const ns of [a, b, byName]) {
      const es = await getEs(env, ns, "provision");
      expect(es?.metadata.ownerReferences).toEqual([{ apiVersion: "hush.dev/v1", kind: "ClusterExternalSecret", name: "provision", uid: ces.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(es?.metadata.labels).toEqual({ app: "db" });
      expect(es?.metadata.annotations).toEqual({ note: "stamped" });
      expect(es?.spec.secretStoreRef).toEqual({ name: "aws-ces", kind: "ClusterSecretStore" });
      let secret: Secret | undefined;
      await waitFor(async () => decoded((secret = await env.client.get<Secret>(secretPath(ns, "provision"))))["password"] === "from-ces", { what: `Secret in ${ns}`, timeoutMs: 30_000 });
      expect(decoded(secret)).toEqual({ password: "from-ces" });
    }
    expect(await getEs(env, other, "provision")).toBeUndefined();
    const metrics = await env.registry.metrics();
    expect(metrics).toContain('hush_clusterexternalsecret_status_condition{name="provision",namespace="",condition="Ready",status="True"} 1');
    expect(metrics).toContain('hush_clusterexternalsecret_status_condition{name="provision",namespace="",condition="Ready",status="False"} 0');
    expect(metrics).toMatch(/hush_clusterexternalsecret_reconcile_duration\{name="provision",namespace=""\} [1-9]/);
  });

  it("follows namespace labels: a relabelled namespace loses its ExternalSecret, a newly labelled one gets it", async () => {
    const team = label();
    const keep = await namespace("ces-keep", { team });
    const leave = await namespace("ces-leave", { team });
    const join_ = await namespace("ces-join");
    // refreshTime 1h: only the namespace watch can explain changes within the test.
    await createCes("relabel", { namespaceSelectors: [{ matchLabels: { team } }], refreshTime: "1h" });
    await waitForStatus("relabel", (c) => c.status?.provisionedNamespaces?.length === 2, "provisioned in two namespaces");
    expect(await getEs(env, leave, "relabel")).toBeDefined();

    await relabel(leave, { team: null });
    await relabel(join_, { team });
    await waitFor(async () => (await getEs(env, leave, "relabel")) === undefined, { what: "ExternalSecret removed from the relabelled namespace", timeoutMs: 30_000 });
    await waitFor(async () => (await getEs(env, join_, "relabel")) !== undefined, { what: "ExternalSecret created in the newly labelled namespace", timeoutMs: 30_000 });
    const status = await waitForStatus("relabel", (c) => c.status?.provisionedNamespaces?.includes(join_) === true && !c.status.provisionedNamespaces.includes(leave), "status follows");
    expect(status.status?.provisionedNamespaces).toEqual([keep, join_].sort());
  });

  it("drops a terminating namespace from the selection without reporting it as failed", async () => {
    const team = label();
    const stays = await namespace("ces-stays", { team });
    const goes = await namespace("ces-goes", { team });
    await createCes("terminating", { namespaceSelectors: [{ matchLabels: { team } }], refreshTime: "1h" });
    await waitForStatus("terminating", (c) => c.status?.provisionedNamespaces?.length === 2, "provisioned in two namespaces");
    // No namespace controller runs here: the namespace stays Terminating, as one does while its content drains.
    await env.client.request("DELETE", resourcePath({ version: "v1", plural: "namespaces", name: goes }));
    const status = await waitForStatus("terminating", (c) => c.status?.provisionedNamespaces?.length === 1, "terminating namespace dropped");
    expect(status.status?.provisionedNamespaces).toEqual([stays]);
    expect(status.status?.failedNamespaces).toBeUndefined();
    expect(status.status?.conditions?.[0]?.status).toBe("True");
  });

  it("puts back an ExternalSecret a tenant edited or deleted", async () => {
    const team = label();
    const ns = await namespace("ces-drift", { team });
    await createCes("drift", { namespaceSelectors: [{ matchLabels: { team } }], refreshTime: "1h" });
    await waitFor(async () => (await getEs(env, ns, "drift")) !== undefined, { what: "ExternalSecret created", timeoutMs: 30_000 });
    await env.client.request("PATCH", esPath(ns, "drift"), { body: { spec: { refreshInterval: "5s" }, metadata: { labels: { tenant: "was-here" } } }, contentType: "application/merge-patch+json" });
    await waitFor(async () => {
      const es = await getEs(env, ns, "drift");
      return es?.spec.refreshInterval === "1h0m0s" && es.metadata.labels === undefined;
    }, { what: "edited ExternalSecret restored", timeoutMs: 30_000 });
    await env.client.request("DELETE", esPath(ns, "drift"));
    await waitFor(async () => (await getEs(env, ns, "drift"))?.metadata.ownerReferences?.[0]?.name === "drift", { what: "deleted ExternalSecret recreated", timeoutMs: 30_000 });
  });

  it("never takes over a foreign ExternalSecret of the same name: failedNamespaces says so and the foreign one is untouched", async () => {
    const team = label();
    const mine = await namespace("ces-mine", { team });
    const clash = await namespace("ces-clash");
    const foreignSpec = { secretStoreRef: { name: "elsewhere", kind: "SecretStore" }, refreshInterval: "5m", data: [{ secretKey: "k", remoteRef: { key: "tenant/own" } }] };
    const foreign = await env.client.request<ExternalSecret>("POST", esPath(clash), { body: { apiVersion: "hush.dev/v1", kind: "ExternalSecret", metadata: { name: "clash", labels: { owner: "tenant" } }, spec: foreignSpec } });
    await relabel(clash, { team });
    await createCes("clash", { namespaceSelectors: [{ matchLabels: { team } }], refreshTime: "1h" });

    const status = await waitForStatus("clash", (c) => (c.status?.failedNamespaces?.length ?? 0) > 0 && (c.status?.provisionedNamespaces?.length ?? 0) > 0, "clash reported");
    expect(status.status?.failedNamespaces).toEqual([{ namespace: clash, reason: clashReason }]);
    expect(status.status?.provisionedNamespaces).toEqual([mine]);
    expect(status.status?.conditions).toEqual([{ type: "Ready", status: "False", message: namespacesFailedMessage }]);
    const after = await getEs(env, clash, "clash");
    // Its own controller may write its status (its store does not exist); nothing else changes.
    expect(after?.metadata.generation).toBe(foreign.metadata.generation);
    expect(after?.metadata.labels).toEqual({ owner: "tenant" });
    expect(after?.metadata.ownerReferences).toBeUndefined();
    expect(after?.spec.secretStoreRef).toEqual(foreignSpec.secretStoreRef);

    // The foreign one gone, the namespace is provisioned at once (its deletion requeues the ClusterExternalSecret).
    await env.client.request("DELETE", esPath(clash, "clash"));
    const healed = await waitForStatus("clash", (c) => c.status?.conditions?.[0]?.status === "True", "clash resolved");
    expect(healed.status?.provisionedNamespaces).toEqual([mine, clash].sort());
    expect((await getEs(env, clash, "clash"))?.metadata.ownerReferences?.[0]?.name).toBe("clash");
  });

  it("cannot make a namespace use a ClusterSecretStore whose conditions exclude it", async () => {
    const team = label();
    const admitted = await namespace("ces-admitted", { team });
    const excluded = await namespace("ces-excluded", { team });
    await store("aws-ces-restricted", [{ namespaces: [admitted] }]);
    await createCes("restricted", { namespaceSelectors: [{ matchLabels: { team } }], externalSecretSpec: esSpec("aws-ces-restricted") });
    // The ClusterExternalSecret provisions both: creating an ExternalSecret grants nothing.
    await waitForStatus("restricted", (c) => c.status?.provisionedNamespaces?.length === 2, "provisioned in both namespaces");
    let es: ExternalSecret | undefined;
    await waitFor(async () => ready((es = await getEs(env, excluded, "restricted"))).status === "False", { what: "excluded namespace refused", timeoutMs: 30_000 });
    expect(ready(es).message).toContain("HUSH_ERR_CONTROLLER_STORE_NOT_ALLOWED");
    expect(await env.client.get<Secret>(secretPath(excluded, "restricted"))).toBeUndefined();
    await waitFor(async () => decoded(await env.client.get<Secret>(secretPath(admitted, "restricted")))["password"] === "from-ces", { what: "admitted namespace synced", timeoutMs: 30_000 });
  });

  it("renaming externalSecretName replaces the ExternalSecrets; deleting the ClusterExternalSecret removes them", async () => {
    const team = label();
    const a = await namespace("ces-del-a", { team });
    const b = await namespace("ces-del-b", { team });
    await createCes("cleanup", { namespaceSelectors: [{ matchLabels: { team } }] });
    await waitForStatus("cleanup", (c) => c.status?.provisionedNamespaces?.length === 2, "provisioned");
    await env.client.request("PATCH", cesPath("cleanup"), { body: { spec: { externalSecretName: "renamed" } }, contentType: "application/merge-patch+json" });
    await waitForStatus("cleanup", (c) => c.status?.externalSecretName === "renamed" && c.status.provisionedNamespaces?.length === 2, "renamed");
    for (const ns of [a, b]) {
      await waitFor(async () => (await getEs(env, ns, "cleanup")) === undefined, { what: `old name removed from ${ns}`, timeoutMs: 30_000 });
      expect(await getEs(env, ns, "renamed")).toBeDefined();
    }
    await env.client.request("DELETE", cesPath("cleanup"));
    for (const ns of [a, b]) await waitFor(async () => (await getEs(env, ns, "renamed")) === undefined, { what: `ExternalSecret removed from ${ns}`, timeoutMs: 30_000 });
  });

  describe("external-secrets.io (ESO's group, v1beta1 and v1)", () => {
    let eso: Controller;
    const registry = createMetricsRegistry();
    const abort = new AbortController();
    let running: Promise<void> | undefined;

    const esoCrd = (p: string) => join(repoRoot, "deploy", "crds-eso", `external-secrets.io_${p}.yaml`);

    beforeAll(async () => {
      // The ClusterExternalSecret CRD only after the controller runs: it must notice it by itself.
      await env.kube.applyCrds(["externalsecrets", "secretstores", "clustersecretstores"].map(esoCrd));
      await store("aws-ces", undefined, "external-secrets.io");
      eso = new Controller({
        client: env.client,
        createProvider,
        clientOverrides: { aws: { endpoint: env.relay.endpoint, stsEndpoint: env.relay.endpoint } },
        log: new LogCollector(),
        metrics: createControllerMetrics(registry, esoFlavour),
        flavour: esoFlavour,
        workers: 2,
        backoff: { baseMs: 200, maxMs: 2_000 },
        clusterExternalSecrets: { discoveryRetryMs: 300 },
      });
      running = eso.run(abort.signal);
      await waitFor(async () => eso.ready(), { what: "ESO-flavour controller synced", timeoutMs: 30_000 });
      await env.kube.applyCrds([esoCrd("clusterexternalsecrets")]);
    });
    afterAll(async () => {
      abort.abort();
      await running;
    });

    it("a v1beta1 ClusterExternalSecret (CRD installed after the controller started) provisions owned v1 ExternalSecrets that sync, and its deletion removes them", async () => {
      const team = label();
      const ns = await namespace("ces-eso", { team });
      const outside = await namespace("ces-eso-out");
      const ces = await createCes("eso-shared", { namespaceSelector: { matchLabels: { team } } }, "external-secrets.io", "v1beta1");
      const done = await waitForStatus("eso-shared", (c) => c.status?.conditions?.[0]?.status === "True" && c.status.provisionedNamespaces?.length === 1, "ESO-flavour provisioned", "external-secrets.io");
      expect(done.status?.provisionedNamespaces).toEqual([ns]);
      const esoEsPath = (n: string, name?: string) => resourcePath({ group: "external-secrets.io", version: "v1", plural: "externalsecrets", namespace: n, ...(name ? { name } : {}) });
      const es = await env.client.get<ExternalSecret>(esoEsPath(ns, "eso-shared"));
      expect(es?.metadata.ownerReferences).toEqual([{ apiVersion: "external-secrets.io/v1", kind: "ClusterExternalSecret", name: "eso-shared", uid: ces.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      await waitFor(async () => decoded(await env.client.get<Secret>(secretPath(ns, "eso-shared")))["password"] === "from-ces", { what: "ESO-flavour Secret", timeoutMs: 30_000 });
      const secret = await env.client.get<Secret>(secretPath(ns, "eso-shared"));
      expect(secret?.metadata.labels?.["reconcile.external-secrets.io/managed"]).toBe("true");
      // The hush.dev controller ignores it: no hush.dev ExternalSecret appears anywhere for it.
      expect(await getEs(env, ns, "eso-shared")).toBeUndefined();
      expect(await env.client.get(esoEsPath(outside, "eso-shared"))).toBeUndefined();

      // ESO's metric names (cesmetrics).
      expect(await registry.metrics()).toContain('clusterexternalsecret_status_condition{name="eso-shared",namespace="",condition="Ready",status="True"} 1');

      await env.client.request("DELETE", cesPath("eso-shared", "external-secrets.io", "v1"));
      await waitFor(async () => (await env.client.get(esoEsPath(ns, "eso-shared"))) === undefined, { what: "ESO-flavour ExternalSecret removed", timeoutMs: 30_000 });
      const cesLines = async () => (await registry.metrics()).split("\n").filter((l) => l.startsWith("clusterexternalsecret_") && l.includes('name="eso-shared"'));
      await waitFor(async () => (await cesLines()).length === 0, { what: "metrics of the deleted ClusterExternalSecret removed", timeoutMs: 10_000 });
    });
  });
});
