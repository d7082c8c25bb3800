// ClusterPushSecret against a real kube-apiserver and moto (no kube-controller-manager, so no
// garbage collector: every deletion seen here is the controller's own). The PushSecrets it
// stamps are pushed by the PushSecret controller like any tenant's: each namespace's own
// SecretStore and Secret, the remote tagged with the namespace it was pushed from.
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { join } from "node:path";
import { Controller, createControllerMetrics, namespacesFailedMessage, pushClashReason, type ClusterPushSecret } from "@hush/controller";
import { esoFlavour, type PushSecret } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
import { createProvider } from "@hush/providers";
import { createMetricsRegistry } from "@hush/server";
import { repoRoot, requirePeer, waitFor } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogCollector, createAwsCreds, secretPath, startEnv, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const crds = ["pushsecrets", "clusterpushsecrets"].map((p) => join(repoRoot, "deploy", "crds", `hush.dev_${p}.yaml`));
const ownerTag = "hush.dev/pushed-from-namespace";

const cpsPath = (name?: string) => resourcePath({ group: "hush.dev", version: "v1alpha1", plural: "clusterpushsecrets", ...(name ? { name } : {}) });
const psPath = (ns: string, name?: string) => resourcePath({ group: "hush.dev", version: "v1alpha1", plural: "pushsecrets", namespace: ns, ...(name ? { name } : {}) });

describe.skipIf(!peers.every((p) => p.ok))("ClusterPushSecret", () => {
  let env: Env;
  let seq = 0;
  const label = () => `cps-${++seq}`;

  beforeAll(async () => {
    env = await startEnv({ crds });
  });
  afterAll(async () => env?.stop());

  /** A namespace with its own AWS SecretStore "aws" (keys prefixed with the namespace) and Secret "src". */
  async function tenant(prefix: string, labels: Record<string, string>, value: string, group = "hush.dev"): Promise<string> {
    const ns = await env.kube.createNamespace(prefix);
    await createAwsCreds(env.client, ns, env.moto);
    await env.client.request("POST", resourcePath({ group, version: "v1", plural: "secretstores", namespace: ns }), {
      body: {
        apiVersion: `${group}/v1`,
        kind: "SecretStore",
        metadata: { name: "aws" },
        spec: { provider: { aws: { service: "SecretsManager", region: env.moto.region, prefix: `${ns}/`, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } } } } },
      },
    });
    await env.client.request("POST", secretPath(ns), { body: { metadata: { name: "src" }, stringData: { token: value } } });
    await relabel(ns, labels);
    return ns;
  }

  async function relabel(ns: string, labels: Record<string, string | null>): Promise<void> {
    await env.client.request("PATCH", resourcePath({ version: "v1", plural: "namespaces", name: ns }), { body: { metadata: { labels } }, contentType: "application/merge-patch+json" });
  }

  const pushSpec = (remoteKey: string): PushSecret["spec"] => ({
    secretStoreRefs: [{ name: "aws", kind: "SecretStore" }],
    selector: { secret: { name: "src" } },
    refreshInterval: "1h",
    data: [{ match: { secretKey: "token", remoteRef: { remoteKey } } }],
  });

  async function createCps(name: string, spec: Partial<ClusterPushSecret["spec"]>): Promise<ClusterPushSecret> {
    return env.client.request<ClusterPushSecret>("POST", cpsPath(), { body: { apiVersion: "hush.dev/v1alpha1", kind: "ClusterPushSecret", metadata: { name }, spec: { refreshTime: "1m", ...spec } } });
  }
  const getCps = (name: string) => env.client.get<ClusterPushSecret>(cpsPath(name));
  const getPs = (ns: string, name: string) => env.client.get<PushSecret>(psPath(ns, name));

  async function remote(id: string): Promise<{ value: string; tags: Record<string, string> } | undefined> {
    try {
      const d = await env.sm.send(new DescribeSecretCommand({ SecretId: id }));
      const v = await env.sm.send(new GetSecretValueCommand({ SecretId: id }));
      // PushSecrets write the Secret's bytes (SecretBinary); either form is read back as text.
      const value = v.SecretString ?? Buffer.from(v.SecretBinary ?? new Uint8Array()).toString("utf8");
      return { value, tags: Object.fromEntries((d.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""])) };
    } catch (err) {
      if ((err as { name?: string }).name === "ResourceNotFoundException") return undefined;
      throw err;
    }
  }

  async function waitStatus(name: string, pred: (c: ClusterPushSecret) => boolean, what: string): Promise<ClusterPushSecret> {
    let last: ClusterPushSecret | undefined;
    await waitFor(async () => {
      last = await getCps(name);
      return last !== undefined && pred(last);
    }, { what, timeoutMs: 20_000 });
    return last!;
  }

  it("stamps an owned PushSecret into every labelled namespace; each pushes its own Secret through its own store; a tenant's edit is put back", async () => {
    const l = label();
    const [a, b] = [await tenant("cps-a", { cps: l }, "value-a"), await tenant("cps-b", { cps: l }, "value-b")];
    const other = await tenant("cps-x", { cps: "elsewhere" }, "value-x");
    await createCps("fleet", { pushSecretSpec: pushSpec("token"), pushSecretMetadata: { labels: { team: "platform" } }, namespaceSelectors: [{ matchLabels: { cps: l } }] });

    const status = await waitStatus("fleet", (c) => c.status?.provisionedNamespaces?.length === 2, "both namespaces provisioned");
    expect(status.status?.provisionedNamespaces).toEqual([a, b].sort());
    expect(status.status?.pushSecretName).toBe("fleet");
    expect(status.status?.failedNamespaces).toBeUndefined();
    expect(status.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    const cps = (await getCps("fleet"))!;
    for (const ns of [a, b]) {
      const ps = (await getPs(ns, "fleet"))!;
      expect(ps.metadata.labels).toEqual({ team: "platform" });
      expect(ps.metadata.ownerReferences).toEqual([{ apiVersion: "hush.dev/v1alpha1", kind: "ClusterPushSecret", name: "fleet", uid: cps.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(ps.spec.data?.[0]?.match.remoteRef.remoteKey).toBe("token");
    }
    expect(await getPs(other, "fleet")).toBeUndefined();
    const metrics = await env.registry.metrics();
    expect(metrics).toContain('hush_clusterpushsecret_status_condition{name="fleet",namespace="",condition="Ready",status="True"} 1');
    expect(metrics).toMatch(/hush_clusterpushsecret_reconcile_duration\{name="fleet",namespace=""\} [1-9]/);

    // Pushed by the PushSecret controller, each from its own namespace.
    await waitFor(async () => (await remote(`${a}/token`))?.value === "value-a" && (await remote(`${b}/token`))?.value === "value-b", { what: "both remotes pushed", timeoutMs: 20_000 });
    expect((await remote(`${a}/token`))!.tags[ownerTag]).toBe(a);
    expect((await remote(`${b}/token`))!.tags[ownerTag]).toBe(b);
    expect(await remote(`${other}/token`)).toBeUndefined();

    // A tenant of namespace a re-points the stamped PushSecret: the ClusterPushSecret puts its spec back.
    const edited = (await getPs(a, "fleet"))!;
    await env.client.request("PATCH", psPath(a, "fleet"), { body: { spec: { data: [{ match: { secretKey: "token", remoteRef: { remoteKey: "hijacked" } } }] } }, contentType: "application/merge-patch+json" });
    await waitFor(async () => {
      const ps = await getPs(a, "fleet");
      return ps !== undefined && ps.metadata.resourceVersion !== edited.metadata.resourceVersion && ps.spec.data?.[0]?.match.remoteRef.remoteKey === "token";
    }, { what: "stamped spec restored" });
  });

  it("a namespace relabelled out of the selector loses its PushSecret; the status follows", async () => {
    const l = label();
    const [a, b] = [await tenant("cps-rl-a", { cps: l }, "va"), await tenant("cps-rl-b", { cps: l }, "vb")];
    await createCps("relabel", { pushSecretSpec: pushSpec("rl"), namespaceSelectors: [{ matchLabels: { cps: l } }] });
    await waitStatus("relabel", (c) => c.status?.provisionedNamespaces?.length === 2, "both provisioned");
    await relabel(b, { cps: null });
    await waitFor(async () => (await getPs(b, "relabel")) === undefined, { what: "PushSecret removed from the relabelled namespace" });
    const status = await waitStatus("relabel", (c) => c.status?.provisionedNamespaces?.length === 1, "status shows one namespace");
    expect(status.status?.provisionedNamespaces).toEqual([a]);
    expect(await getPs(a, "relabel")).toBeDefined();
    // Relabelled back: stamped again.
    await relabel(b, { cps: l });
    await waitFor(async () => (await getPs(b, "relabel")) !== undefined, { what: "PushSecret stamped again" });
  });

  it("leaves a foreign PushSecret of the same name untouched and reports its namespace failed; its deletion lets the ClusterPushSecret in", async () => {
    const l = label();
    const [a, b] = [await tenant("cps-f-a", { cps: l }, "fa"), await tenant("cps-f-b", { cps: l }, "fb")];
    const foreign = await env.client.request<PushSecret>("POST", psPath(b), { body: { apiVersion: "hush.dev/v1alpha1", kind: "PushSecret", metadata: { name: "clash", labels: { mine: "yes" } }, spec: pushSpec("tenant-own") } });
    await createCps("clash", { pushSecretSpec: pushSpec("clash"), namespaceSelectors: [{ matchLabels: { cps: l } }] });
    const status = await waitStatus("clash", (c) => (c.status?.failedNamespaces?.length ?? 0) === 1 && c.status?.provisionedNamespaces?.length === 1, "one provisioned, one failed");
    expect(status.status?.provisionedNamespaces).toEqual([a]);
    expect(status.status?.failedNamespaces).toEqual([{ namespace: b, reason: pushClashReason }]);
    expect(status.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "False", message: namespacesFailedMessage });
    const kept = (await getPs(b, "clash"))!;
    expect(kept.metadata.uid).toBe(foreign.metadata.uid);
    expect(kept.metadata.ownerReferences).toBeUndefined();
    expect(kept.metadata.labels).toEqual({ mine: "yes" });
    expect(kept.spec.data?.[0]?.match.remoteRef.remoteKey).toBe("tenant-own");

    expect(await env.registry.metrics()).toContain('hush_clusterpushsecret_status_condition{name="clash",namespace="",condition="Ready",status="False"} 1');
    await env.client.request("DELETE", psPath(b, "clash"));
    await waitStatus("clash", (c) => c.status?.provisionedNamespaces?.length === 2 && c.status?.failedNamespaces === undefined, "both provisioned after the foreign one went");
    expect((await getPs(b, "clash"))?.metadata.ownerReferences?.[0]?.kind).toBe("ClusterPushSecret");
  });

  it("deleting the ClusterPushSecret deletes the PushSecrets it stamped", async () => {
    const l = label();
    const a = await tenant("cps-d-a", { cps: l }, "da");
    await createCps("gone", { pushSecretSpec: pushSpec("gone"), namespaceSelectors: [{ matchLabels: { cps: l } }] });
    await waitFor(async () => (await getPs(a, "gone")) !== undefined, { what: "stamped" });
    await env.client.request("DELETE", cpsPath("gone"));
    await waitFor(async () => (await getPs(a, "gone")) === undefined, { what: "stamped PushSecret deleted with its ClusterPushSecret" });
    await waitFor(async () => !(await env.registry.metrics()).includes('clusterpushsecret_reconcile_duration{name="gone"'), { what: "its metrics removed" });
  });

  describe("external-secrets.io (ESO's group, v1alpha1)", () => {
    const abort = new AbortController();
    let running: Promise<void> | undefined;
    const esoCrd = (p: string) => join(repoRoot, "deploy", "crds-eso", `external-secrets.io_${p}.yaml`);
    const esoPath = (plural: string, ns?: string, name?: string) => resourcePath({ group: "external-secrets.io", version: "v1alpha1", plural, ...(ns ? { namespace: ns } : {}), ...(name ? { name } : {}) });

    beforeAll(async () => {
      await env.kube.applyCrds(["externalsecrets", "secretstores", "clustersecretstores", "pushsecrets", "clusterpushsecrets"].map(esoCrd));
      const eso = new Controller({
        client: env.client,
        createProvider,
        clientOverrides: { aws: { endpoint: env.relay.endpoint, stsEndpoint: env.relay.endpoint } },
        log: new LogCollector(),
        metrics: createControllerMetrics(createMetricsRegistry(), esoFlavour),
        flavour: esoFlavour,
        workers: 2,
        backoff: { baseMs: 200, maxMs: 2_000 },
      });
      running = eso.run(abort.signal);
      await waitFor(async () => eso.ready(), { what: "ESO-flavour controller synced", timeoutMs: 30_000 });
    });
    afterAll(async () => {
      abort.abort();
      await running;
    });

    it("an external-secrets.io/v1alpha1 ClusterPushSecret stamps owned PushSecrets that push with ESO's owner tag", async () => {
      const l = label();
      const ns = await tenant("cps-eso", { cps: l }, "eso-value", "external-secrets.io");
      const cps = await env.client.request<ClusterPushSecret>("POST", esoPath("clusterpushsecrets"), {
        body: { apiVersion: "external-secrets.io/v1alpha1", kind: "ClusterPushSecret", metadata: { name: "eso-fleet" }, spec: { pushSecretSpec: pushSpec("eso-token"), namespaceSelectors: [{ matchLabels: { cps: l } }] } },
      });
      await waitFor(async () => (await env.client.get<ClusterPushSecret>(esoPath("clusterpushsecrets", undefined, "eso-fleet")))?.status?.provisionedNamespaces?.[0] === ns, { what: "ESO-flavour provisioned" });
      const ps = (await env.client.get<PushSecret>(esoPath("pushsecrets", ns, "eso-fleet")))!;
      expect(ps.metadata.ownerReferences).toEqual([{ apiVersion: "external-secrets.io/v1alpha1", kind: "ClusterPushSecret", name: "eso-fleet", uid: cps.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      // The hush.dev controller does not see it.
      expect(await getPs(ns, "eso-fleet")).toBeUndefined();
      await waitFor(async () => (await remote(`${ns}/eso-token`))?.value === "eso-value", { what: "ESO-flavour remote pushed" });
      expect((await remote(`${ns}/eso-token`))!.tags["reconcile.external-secrets.io/pushed-from-namespace"]).toBe(ns);
    });
  });
});
