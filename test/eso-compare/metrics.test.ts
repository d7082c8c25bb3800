// ESO v0.16.2's store, condition and provider-call metrics, scraped from ESO's /metrics and
// hush's for the same stores and ExternalSecrets: ESO reconciles external-secrets.io, hush
// hush.dev (its names carry a `hush_` prefix there), one API server, one moto. Metric names,
// label sets and values must be the same, with hush's names unprefixed and each side's
// namespace read as "<ns>".
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { KubeClient } from "@hush/kube/client";
import { startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsAuth, awsStore, comparePeers, createAwsStores, esoSide, hushSide, kubectlCreate, startCompareKube, startSideBySide, waitReady, type SideBySide } from "./harness.js";

const peersOk = comparePeers("moto_server");

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Every sample of a metric in Prometheus text format, with its labels. */
function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const brace = line.indexOf("}");
    const labels: Record<string, string> = {};
    if (brace > 0) {
      for (const pair of line.slice(name.length + 1, brace).split('",')) {
        const eq = pair.indexOf("=");
        if (eq > 0) labels[pair.slice(0, eq)] = pair.slice(eq + 2).replace(/"$/, "");
      }
    }
    out.push({ labels, value: Number(line.slice(line.lastIndexOf(" ") + 1)) });
  }
  return out;
}

/** One sample as a comparable line: sorted labels (the side's namespace as `<ns>`) and value. */
const line = (s: Sample, ns: string, value: string = String(s.value)) =>
  `${Object.entries(s.labels)
    .map(([k, v]) => `${k}=${k === "namespace" && v === ns ? "<ns>" : v}`)
    .sort()
    .join(",")} ${value}`;

describe.skipIf(!peersOk)("ESO v0.16.2 metrics: hush reports stores, conditions and provider calls as ESO does", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let pair: SideBySide;
  let client: KubeClient;
  let esoNs: string;
  let hushNs: string;
  let credsNs: string;

  const sides = () =>
    [
      { ...esoSide, ns: esoNs, prefix: "", metricsUrl: () => pair.eso.metricsUrl },
      { ...hushSide, ns: hushNs, prefix: "hush_", metricsUrl: () => pair.hush.address() },
    ] as const;
  type Side = ReturnType<typeof sides>[number];
  const metrics = async (side: Side) => (await fetch(`${side.metricsUrl()}/metrics`)).text();
  const externalSecret = (side: Side, name: string, store: string, key: string) => ({
    apiVersion: `${side.group}/${side.version}`,
    kind: "ExternalSecret",
    metadata: { name },
    spec: { refreshInterval: "1h", secretStoreRef: { name: store, kind: "SecretStore" }, data: [{ secretKey: "v", remoteRef: { key } }] },
  });
  /** The side's samples of `family` (ESO's name) for objects named in `names`, as comparable lines. */
  const view = async (side: Side, family: string, names: readonly string[], value?: (s: Sample) => string) =>
    samples(await metrics(side), `${side.prefix}${family}`)
      .filter((s) => names.includes(s.labels["name"] ?? ""))
      .filter((s) => s.labels["namespace"] === side.ns || s.labels["namespace"] === "")
      .map((s) => line(s, side.ns, value?.(s)))
      .sort();

  beforeAll(async () => {
    ({ kube, client } = await startCompareKube());
    moto = await startMoto();
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    await sm.send(new CreateSecretCommand({ Name: "cmp-metrics/one", SecretString: "one" }));
    sm.destroy();
    esoNs = await kube.createNamespace("eso-metrics");
    hushNs = await kube.createNamespace("hush-metrics");
    credsNs = await kube.createNamespace("metrics-creds");
    await createAwsStores(kube, credsNs, hushSide, { region: moto.region, keys: moto.credentials }, {});
    for (const side of sides()) {
      await createAwsStores(kube, side.ns, side, { region: moto.region, keys: moto.credentials });
      // Its credentials Secret does not exist: validation fails on both sides.
      await kubectlCreate(kube, side.ns, awsStore(side, "broken", { service: "SecretsManager", region: moto.region, auth: awsAuth("no-such-creds") }));
      await kubectlCreate(kube, undefined, awsStore(side, "metrics-cluster", { service: "SecretsManager", region: moto.region, auth: awsAuth("aws-creds", credsNs) }, {}, "ClusterSecretStore"));
    }
    // ESO cluster-wide (ClusterSecretStores too), flood gate on as by default.
    pair = await startSideBySide(kube, { eso: { awsEndpoint: moto.endpoint, concurrent: 2 }, hush: { clientOverrides: { aws: { endpoint: moto.endpoint } } } });
  }, 180_000);

  afterAll(async () => {
    await pair?.stop();
    await moto?.stop();
    await kube?.stop();
  });

  it("store metrics: secretstore_* and clustersecretstore_* with the same series and Ready values; durations on both", async () => {
    for (const side of sides()) {
      await waitReady(pair, client, side, { plural: "secretstores", namespace: side.ns, name: "aws" }, (c) => c?.status === "True", `${side.tool}: aws Ready`);
      await waitReady(pair, client, side, { plural: "secretstores", namespace: side.ns, name: "broken" }, (c) => c?.status === "False", `${side.tool}: broken not Ready`);
      await waitReady(pair, client, side, { plural: "clustersecretstores", name: "metrics-cluster" }, (c) => c?.status === "True", `${side.tool}: metrics-cluster Ready`);
    }
    const stores = ["aws", "broken"];
    const [eso, hush] = await Promise.all(sides().map((s) => view(s, "secretstore_status_condition", stores)));
    expect(eso).toEqual([
      "condition=Ready,name=aws,namespace=<ns>,status=False 0",
      "condition=Ready,name=aws,namespace=<ns>,status=True 1",
      "condition=Ready,name=broken,namespace=<ns>,status=False 1",
      "condition=Ready,name=broken,namespace=<ns>,status=True 0",
    ]);
    expect(hush).toEqual(eso);
    const [esoCluster, hushCluster] = await Promise.all(sides().map((s) => view(s, "clustersecretstore_status_condition", ["metrics-cluster"])));
    expect(esoCluster).toEqual(["condition=Ready,name=metrics-cluster,namespace=,status=False 0", "condition=Ready,name=metrics-cluster,namespace=,status=True 1"]);
    expect(hushCluster).toEqual(esoCluster);
    // Durations: one series per store, a positive number of nanoseconds.
    const positive = (s: Sample) => (s.value > 0 ? "positive" : String(s.value));
    const [esoDur, hushDur] = await Promise.all(sides().map((s) => view(s, "secretstore_reconcile_duration", stores, positive)));
    expect(esoDur).toEqual(["name=aws,namespace=<ns> positive", "name=broken,namespace=<ns> positive"]);
    expect(hushDur).toEqual(esoDur);
    const [esoCDur, hushCDur] = await Promise.all(sides().map((s) => view(s, "clustersecretstore_reconcile_duration", ["metrics-cluster"], positive)));
    expect(esoCDur).toEqual(["name=metrics-cluster,namespace= positive"]);
    expect(hushCDur).toEqual(esoCDur);
  });

  it("externalsecret_status_condition: synced, held by the flood gate, failing, and deleted ExternalSecrets report the same series", async () => {
    for (const side of sides()) {
      await kubectlCreate(kube, side.ns, externalSecret(side, "synced", "aws", "cmp-metrics/one"));
      await kubectlCreate(kube, side.ns, externalSecret(side, "gated", "broken", "cmp-metrics/one"));
      await kubectlCreate(kube, side.ns, externalSecret(side, "missing", "aws", "cmp-metrics/none"));
      await kubectlCreate(kube, side.ns, externalSecret(side, "gone", "aws", "cmp-metrics/one"));
    }
    for (const side of sides()) {
      await waitReady(pair, client, side, { plural: "externalsecrets", namespace: side.ns, name: "synced" }, (c) => c?.status === "True", `${side.tool}: synced`);
      await waitReady(pair, client, side, { plural: "externalsecrets", namespace: side.ns, name: "missing" }, (c) => c?.status === "False", `${side.tool}: missing fails`);
      const gated = await waitReady(pair, client, side, { plural: "externalsecrets", namespace: side.ns, name: "gated" }, (c) => c?.status === "False", `${side.tool}: gated held`);
      expect(gated, side.tool).toMatchObject({ reason: "SecretSyncedError" });
      expect(gated?.message, side.tool).toContain("could not get secret data from provider");
      await waitReady(pair, client, side, { plural: "externalsecrets", namespace: side.ns, name: "gone" }, (c) => c?.status === "True", `${side.tool}: gone synced`);
      const del = await kube.kubectl(["delete", "-n", side.ns, `externalsecrets.${side.group}`, "gone"]);
      expect(del.code, del.stderr).toBe(0);
    }
    for (const side of sides()) {
      await waitFor(async () => (await view(side, "externalsecret_status_condition", ["gone"])).length === 1, { what: `${side.tool}: gone's Ready series replaced by Deleted` });
    }
    const names = ["synced", "gated", "missing", "gone"];
    const [eso, hush] = await Promise.all(sides().map((s) => view(s, "externalsecret_status_condition", names)));
    expect(eso).toEqual([
      "condition=Deleted,name=gone,namespace=<ns>,status=False 1",
      "condition=Ready,name=gated,namespace=<ns>,status=False 1",
      "condition=Ready,name=gated,namespace=<ns>,status=True 0",
      "condition=Ready,name=missing,namespace=<ns>,status=False 1",
      "condition=Ready,name=missing,namespace=<ns>,status=True 0",
      "condition=Ready,name=synced,namespace=<ns>,status=False 0",
      "condition=Ready,name=synced,namespace=<ns>,status=True 1",
    ]);
    expect(hush).toEqual(eso);
  });

  it("externalsecret_provider_api_calls_count: ESO's provider, call and status vocabulary on both sides", async () => {
    const tuples = async (side: Side) =>
      [...new Set(samples(await metrics(side), `${side.prefix}externalsecret_provider_api_calls_count`).filter((s) => s.value > 0).map((s) => `${s.labels["provider"]}|${s.labels["call"]}|${s.labels["status"]}`))].sort();
    const [eso, hush] = await Promise.all(sides().map(tuples));
    // ESO reads each key with GetSecretValue; a missing secret is a failed call.
    expect(eso).toEqual(["AWS/SecretsManager|GetSecretValue|error", "AWS/SecretsManager|GetSecretValue|success"]);
    // hush reads current values with BatchGetSecretValue (ESO's name for that call too), where
    // a missing secret is an entry of a successful call; every label value is one of ESO's.
    const esoCalls = ["GetSecretValue", "BatchGetSecretValue", "DescribeSecret", "ListSecrets", "CreateSecret", "PutSecretValue", "DeleteSecret"];
    expect(hush.length).toBeGreaterThan(0);
    for (const t of hush) {
      const [provider, call, status] = t.split("|");
      expect(provider, t).toBe("AWS/SecretsManager");
      expect(esoCalls, t).toContain(call);
      expect(["success", "error"], t).toContain(status);
    }
    expect(hush.some((t) => t.endsWith("|success"))).toBe(true);
    const help = (text: string, name: string) => text.split("\n").find((l) => l.startsWith(`# HELP ${name} `))?.slice(`# HELP ${name} `.length);
    const [esoText, hushText] = await Promise.all(sides().map(metrics));
    expect(help(hushText, "hush_externalsecret_provider_api_calls_count")).toBe(help(esoText, "externalsecret_provider_api_calls_count"));
    for (const family of ["secretstore_status_condition", "secretstore_reconcile_duration", "clustersecretstore_status_condition", "clustersecretstore_reconcile_duration"]) {
      expect(help(hushText, `hush_${family}`), family).toBe(help(esoText, family));
    }
  });

  it("a deleted store's series are removed on both sides", async () => {
    for (const side of sides()) {
      const del = await kube.kubectl(["delete", "-n", side.ns, `secretstores.${side.group}`, "broken"]);
      expect(del.code, del.stderr).toBe(0);
    }
    for (const side of sides()) {
      await waitFor(async () => (await view(side, "secretstore_status_condition", ["broken"])).length === 0, { what: `${side.tool}: broken's condition series removed` });
    }
    // ESO sets the duration again after removing the series (its deferred observation runs
    // last); hush removes it with the store, as it does for every other kind.
    expect(await view(sides()[1], "secretstore_reconcile_duration", ["broken"])).toEqual([]);
  });
});
