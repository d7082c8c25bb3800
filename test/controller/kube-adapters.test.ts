import type { KubeObject } from "@hush/kube";
import { EventRecorder, Informer, KubeClient, LeaderElector, loadKubeConfig, resourcePath } from "@hush/kube/client";
import { requirePeer, startKube, waitFor, type KubeHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Outage } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl"].map((n) => requirePeer(n, "run `bash scripts/peers kube`"));

describe.skipIf(!peers.every((p) => p.ok))("kube client adapters against a real kube-apiserver", () => {
  let kube: KubeHarness;
  let client: KubeClient;
  const informers: Informer<KubeObject>[] = [];

  beforeAll(async () => {
    kube = await startKube();
    client = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
  });
  afterAll(async () => {
    for (const i of informers) await i.stop();
    await kube?.stop();
  });

  const cm = (ns: string, name: string) =>
    client.request("POST", resourcePath({ version: "v1", plural: "configmaps", namespace: ns }), { body: { metadata: { name }, data: { k: "v" } } });

  function track(c: KubeClient, ns: string, options: { livenessTimeoutMs?: number; relistIntervalMs?: number } = {}) {
    const seen = { added: new Set<string>(), resyncs: 0 };
    const inf = new Informer<KubeObject>({
      client: c,
      path: resourcePath({ version: "v1", plural: "configmaps", namespace: ns }),
      ...options,
      onAdd: (o) => seen.added.add(o.metadata.name ?? ""),
      onUpdate: (old, o) => {
        if (old === o) seen.resyncs++;
      },
    });
    informers.push(inf);
    return { inf, seen };
  }

  it("restarts a watch that went silent, and still delivers events afterwards", async () => {
    const ns = await kube.createNamespace("quiet");
    const { inf, seen } = track(client, ns, { livenessTimeoutMs: 1_000 });
    await inf.start();
    await waitFor(async () => inf.stats.livenessRestarts >= 2, { what: "liveness restarts of a silent watch", timeoutMs: 15_000 });
    await cm(ns, "after-restart");
    await waitFor(async () => seen.added.has("after-restart"), { what: "event after liveness restarts" });
    expect(inf.healthy()).toBe(true);
  });

  it("re-lists periodically and resyncs every cached object", async () => {
    const ns = await kube.createNamespace("relist");
    await cm(ns, "a");
    const { inf, seen } = track(client, ns, { relistIntervalMs: 1_000 });
    await inf.start();
    const lists = inf.stats.lists;
    await waitFor(async () => inf.stats.lists >= lists + 2 && seen.resyncs >= 2, { what: `two periodic re-lists with resync (stats ${JSON.stringify(inf.stats)}, resyncs ${seen.resyncs})`, timeoutMs: 15_000 });
    expect(inf.get(`${ns}/a`)?.metadata.name).toBe("a");
  });

  it("recovers when the connection to the API server is cut, catching up on changes made meanwhile", async () => {
    const relay = await Outage.start(kube.server.replace("https://", "http://"));
    try {
      const relayed = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath, serverOverride: `https://127.0.0.1:${relay.port}` }));
      const ns = await kube.createNamespace("cut");
      const { inf, seen } = track(relayed, ns, { livenessTimeoutMs: 5_000 });
      await inf.start();
      await cm(ns, "before");
      await waitFor(async () => seen.added.has("before"), { what: "event before the cut" });
      await relay.cut();
      await cm(ns, "during");
      await waitFor(async () => inf.stats.errors >= 1, { what: "informer noticed the cut", timeoutMs: 15_000 });
      expect(seen.added.has("during")).toBe(false);
      await relay.restore();
      await waitFor(async () => seen.added.has("during"), { what: "change made during the cut delivered", timeoutMs: 30_000 });
    } finally {
      await relay.cut();
    }
  });

  it("aggregates repeated events into one Event with a count", async () => {
    const ns = await kube.createNamespace("events");
    const obj = (await client.request<KubeObject>("POST", resourcePath({ version: "v1", plural: "configmaps", namespace: ns }), { body: { metadata: { name: "target" } } })) as KubeObject;
    const recorder = new EventRecorder(client, { component: "hush-test" });
    const target = { apiVersion: "v1", kind: "ConfigMap", metadata: obj.metadata };
    for (let i = 0; i < 3; i++) await recorder.record(target, { type: "Warning", reason: "UpdateFailed", message: "same message" });
    await recorder.record(target, { type: "Normal", reason: "Updated", message: "other" });
    const list = await client.list<{ reason: string; count: number; source: { component: string }; involvedObject: { uid: string } }>(resourcePath({ version: "v1", plural: "events", namespace: ns }));
    const failed = list.items.filter((e) => e.reason === "UpdateFailed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ count: 3, source: { component: "hush-test" }, involvedObject: { uid: obj.metadata.uid } });
    expect(list.items.filter((e) => e.reason === "Updated")).toHaveLength(1);
  });

  it("leader election: one holder at a time; a released lease is taken at once", async () => {
    const ns = await kube.createNamespace("lease");
    const opts = { namespace: ns, name: "l", leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };
    const a = new LeaderElector(client, { ...opts, identity: "a" });
    const b = new LeaderElector(client, { ...opts, identity: "b" });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    const stopA = new AbortController();
    let aLeading = false;
    const runA = a.run(stopA.signal, async (leading) => {
      aLeading = true;
      await new Promise<void>((r) => leading.addEventListener("abort", () => r(), { once: true }));
    });
    await waitFor(async () => aLeading, { what: "a leads" });
    stopA.abort();
    expect(await runA).toBe("stopped");
    // Released (holder cleared): b takes over without waiting out the lease duration.
    const started = Date.now();
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
