// PushSecret, hush against the real External Secrets Operator v0.16.2: one kube-apiserver, one
// moto. ESO (its PushSecret reconciler on) pushes a Secret of one namespace, hush the same Secret
// of another; the manifests differ only in apiVersion and a remote-key prefix. The remote secrets
// must agree: value bytes, string or binary, tags (hush adds only its owner tag), description;
// and the PushSecret status (Ready reason and message, syncedPushSecrets keys).
import { join } from "node:path";
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Controller, createControllerMetrics } from "@hush/controller";
import { createMetricsRegistry } from "@hush/server";
import { type KubeClient, resourcePath } from "@hush/kube/client";
import { createProvider } from "@hush/providers";
import { repoRoot, startEso, startMoto, waitFor, type EsoHarness, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogCollector } from "../controller/harness.js";
import { comparePeers, createAwsStores, esoSide, hushSide, kubectlCreate, readyCondition, startCompareKube, waitSettled, watched, type Watched } from "./harness.js";

const peersOk = comparePeers("moto_server");
const ownerTag = "hush.dev/pushed-from-namespace";

interface Ps {
  metadata: { finalizers?: string[] };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[]; syncedPushSecrets?: Record<string, Record<string, unknown>> };
}

/** The source Secret both tools push (test data only). */
const source = { user: "admin", password: "pa$$w0rd <&>", "config.json": '{"a":1}', "dot_U002E_key": "unicode-key" };

/** One PushSecret spec, with remote keys under `prefix`. */
const spec = (prefix: string) => ({
  secretStoreRefs: [{ name: "aws", kind: "SecretStore" }],
  selector: { secret: { name: "src" } },
  refreshInterval: "1h",
  data: [
    { match: { secretKey: "password", remoteRef: { remoteKey: `${prefix}/password` } } },
    { match: { secretKey: "user", remoteRef: { remoteKey: `${prefix}/merged`, property: "user" } } },
    { match: { secretKey: "password", remoteRef: { remoteKey: `${prefix}/merged`, property: "password" } } },
    { match: { remoteRef: { remoteKey: `${prefix}/whole` } } },
    { match: { secretKey: "dot.key", remoteRef: { remoteKey: `${prefix}/unicode` } }, conversionStrategy: "ReverseUnicode" },
    {
      match: { secretKey: "config.json", remoteRef: { remoteKey: `${prefix}/as-string` } },
      metadata: { apiVersion: "kubernetes.external-secrets.io/v1alpha1", kind: "PushSecretMetadata", spec: { secretPushFormat: "string", description: "pushed config", tags: { team: "payments" } } },
    },
  ],
});
const remoteNames = ["password", "merged", "whole", "unicode", "as-string"];

describe.skipIf(!peersOk)("PushSecret: hush pushes what ESO pushes (moto)", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let eso: EsoHarness;
  let oracle: Watched;
  let client: KubeClient;
  let sm: SecretsManagerClient;
  let esoNs: string;
  let hushNs: string;
  const abort = new AbortController();
  let hushDone: Promise<void> | undefined;
  const logs = new LogCollector();
  const registry = createMetricsRegistry();

  const sides = () => [
    { ...esoSide, ns: esoNs, prefix: "eso" },
    { ...hushSide, ns: hushNs, prefix: "hush" },
  ] as const;
  const psPath = (side: ReturnType<typeof sides>[number], name?: string) => resourcePath({ group: side.group, version: "v1alpha1", plural: "pushsecrets", namespace: side.ns, ...(name ? { name } : {}) });

  async function remote(id: string) {
    const v = await sm.send(new GetSecretValueCommand({ SecretId: id }));
    const d = await sm.send(new DescribeSecretCommand({ SecretId: id }));
    return {
      string: v.SecretString,
      binary: v.SecretBinary ? Buffer.from(v.SecretBinary).toString("utf8") : undefined,
      tags: Object.fromEntries((d.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""]).filter(([k]) => k !== ownerTag).sort()),
      ownerTag: (d.Tags ?? []).find((t) => t.Key === ownerTag)?.Value,
      description: d.Description,
    };
  }

  beforeAll(async () => {
    ({ kube, client } = await startCompareKube([join(repoRoot, "deploy", "crds", "hush.dev_pushsecrets.yaml")]));
    moto = await startMoto();
    sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    esoNs = await kube.createNamespace("eso-push");
    hushNs = await kube.createNamespace("hush-push");
    for (const side of sides()) {
      await kubectlCreate(kube, side.ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "src" }, stringData: source });
      await createAwsStores(kube, side.ns, side, { region: moto.region, keys: moto.credentials });
    }
    eso = await startEso({ kubeconfigPath: kube.kubeconfigPath, namespace: esoNs, awsEndpoint: moto.endpoint, pushSecrets: true });
    oracle = watched(eso, logs.lines);
    // A Controller rather than runController: the test reads its metrics registry directly.
    const controller = new Controller({ client, createProvider, clientOverrides: { aws: { endpoint: moto.endpoint, stsEndpoint: moto.endpoint } }, log: logs, metrics: createControllerMetrics(registry), namespace: hushNs, backoff: { baseMs: 200, maxMs: 2_000 } });
    hushDone = controller.run(abort.signal);
    await waitFor(async () => controller.ready(), { what: "hush controller ready", timeoutMs: 30_000 });
  });

  afterAll(async () => {
    abort.abort();
    await hushDone?.catch(() => undefined);
    await eso?.stop();
    sm?.destroy();
    await moto?.stop();
    await kube?.stop();
  });

  it("pushes the same values, formats, tags and description, and reports the same status", async () => {
    for (const side of sides()) {
      await client.request("POST", psPath(side), { body: { apiVersion: `${side.group}/v1alpha1`, kind: "PushSecret", metadata: { name: "push" }, spec: spec(side.prefix) } });
    }
    const settled: Record<string, Ps> = {};
    for (const side of sides()) {
      settled[side.tool] = (await waitSettled(oracle, side.tool, () => client.get<Ps>(psPath(side, "push")), (ps) => readyCondition(ps)?.status === "True", `${side.tool} PushSecret Ready`))!;
    }
    const readyOf = (ps: Ps) => {
      const c = ps.status?.conditions?.find((x) => x.type === "Ready");
      return { status: c?.status, reason: c?.reason, message: c?.message };
    };
    expect(readyOf(settled["hush"]!)).toEqual(readyOf(settled["eso"]!));
    const keys = (ps: Ps, prefix: string) => Object.entries(ps.status?.syncedPushSecrets ?? {}).map(([store, e]) => [store, Object.keys(e).map((k) => k.replace(`${prefix}/`, "")).sort()]);
    expect(keys(settled["hush"]!, "hush")).toEqual(keys(settled["eso"]!, "eso"));
    expect(settled["eso"]!.metadata.finalizers ?? []).toEqual([]);
    expect(settled["hush"]!.metadata.finalizers ?? []).toEqual([]);

    for (const name of remoteNames) {
      const [e, h] = [await remote(`eso/${name}`), await remote(`hush/${name}`)];
      expect({ ...h, ownerTag: undefined }, name).toEqual({ ...e, ownerTag: undefined });
      expect(e.ownerTag).toBeUndefined();
      expect(h.ownerTag).toBe(hushNs);
    }
    // What both wrote, spelled out (so the equality above is not between two empty reads).
    const e = await remote("eso/password");
    expect([e.binary, e.string, e.tags, e.description]).toEqual([source.password, undefined, { "managed-by": "external-secrets" }, "secret 'managed-by:external-secrets'"]);
    expect((await remote("eso/as-string")).string).toBe(source["config.json"]);
    expect((await remote("eso/as-string")).tags).toEqual({ "managed-by": "external-secrets", team: "payments" });
    expect((await remote("eso/unicode")).binary).toBe("unicode-key");
    expect(JSON.parse((await remote("eso/whole")).binary!)).toEqual(source);
    // Provider calls for the same six entries (one sync each): hush makes no more than ESO.
    const sum = (text: string, re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
    const esoCalls = sum(await (await fetch(`${eso.metricsUrl}/metrics`)).text(), /^externalsecret_provider_api_calls_count\{[^}]*provider="AWS\/SecretsManager"[^}]*\} (\d+)/gm);
    const hushCalls = sum(await registry.metrics(), /^hush_provider_calls_total\{provider="aws"[^}]*\} (\d+)/gm);
    if (process.env["HUSH_REPORT"]) console.info(`AWS calls for one push of 6 entries: ESO ${esoCalls}, hush ${hushCalls}`);
    expect(esoCalls).toBeGreaterThan(0);
    expect(hushCalls).toBeGreaterThan(0);
    expect(hushCalls).toBeLessThanOrEqual(esoCalls);
    // The merged object: both wrote the two properties into one JSON document.
    expect(JSON.parse((await remote("hush/merged")).binary!)).toEqual({ user: source.user, password: source.password });
  });

  it("deletes the same remote secrets when an entry is dropped and when the PushSecret is deleted (deletionPolicy Delete)", async () => {
    // No two entries share a remote key here: ESO v0.16 deletes the whole AWS secret for a
    // property entry (next test), so deleting a second property of it reads a secret marked
    // for deletion; hush removes only the property (docs/controller.md).
    const delSpec = (prefix: string, keep: string[]) => ({
      secretStoreRefs: [{ name: "aws", kind: "SecretStore" }],
      selector: { secret: { name: "src" } },
      deletionPolicy: "Delete",
      data: [
        { match: { secretKey: "password", remoteRef: { remoteKey: `${prefix}/del-a` } } },
        { match: { remoteRef: { remoteKey: `${prefix}/del-b` } } },
        { match: { secretKey: "user", remoteRef: { remoteKey: `${prefix}/del-c` } } },
      ].filter((d) => keep.some((k) => d.match.remoteRef.remoteKey.endsWith(`/${k}`))),
    });
    const gone = async (id: string) => (await sm.send(new DescribeSecretCommand({ SecretId: id }))).DeletedDate !== undefined;
    for (const side of sides()) {
      await client.request("POST", psPath(side), { body: { apiVersion: `${side.group}/v1alpha1`, kind: "PushSecret", metadata: { name: "del" }, spec: delSpec(side.prefix, ["del-a", "del-b", "del-c"]) } });
    }
    for (const side of sides()) {
      await waitSettled(oracle, side.tool, () => client.get<Ps>(psPath(side, "del")), (ps) => readyCondition(ps)?.status === "True" && Object.keys(ps?.status?.syncedPushSecrets?.["SecretStore/aws"] ?? {}).length === 3, `${side.tool} PushSecret del Ready`);
    }
    const finalizers = await Promise.all(sides().map(async (side) => (await client.get<Ps>(psPath(side, "del")))?.metadata.finalizers));
    expect(finalizers).toEqual([["pushsecret.externalsecrets.io/finalizer"], ["pushsecret.hush.dev/finalizer"]]);
    for (const side of sides()) {
      await client.request("PATCH", psPath(side, "del"), { body: { spec: { data: delSpec(side.prefix, ["del-a", "del-c"]).data } }, contentType: "application/merge-patch+json" });
    }
    for (const side of sides()) await waitFor(async () => gone(`${side.prefix}/del-b`), { what: `${side.tool} deleted the dropped entry`, timeoutMs: 60_000 });
    expect([await gone("eso/del-a"), await gone("hush/del-a")]).toEqual([false, false]);
    for (const side of sides()) await client.request("DELETE", psPath(side, "del"));
    for (const side of sides()) {
      await waitFor(async () => (await client.get(psPath(side, "del"))) === undefined, { what: `${side.tool} PushSecret gone`, timeoutMs: 60_000 });
    }
    for (const name of ["del-a", "del-c"]) expect([await gone(`eso/${name}`), await gone(`hush/${name}`)], name).toEqual([true, true]);
    // What the first test pushed without deletionPolicy is left alone by both.
    expect([await gone("eso/password"), await gone("hush/password")]).toEqual([false, false]);
  });

  it("known difference: dropping one of two pushed properties of one AWS secret: ESO deletes the whole secret (the kept property with it), hush removes just that property", async () => {
    const propSpec = (prefix: string, props: string[]) => ({
      secretStoreRefs: [{ name: "aws", kind: "SecretStore" }],
      selector: { secret: { name: "src" } },
      deletionPolicy: "Delete",
      data: props.map((p) => ({ match: { secretKey: p, remoteRef: { remoteKey: `${prefix}/props`, property: p } } })),
    });
    for (const side of sides()) {
      await client.request("POST", psPath(side), { body: { apiVersion: `${side.group}/v1alpha1`, kind: "PushSecret", metadata: { name: "props" }, spec: propSpec(side.prefix, ["user", "password"]) } });
    }
    for (const side of sides()) {
      await waitSettled(oracle, side.tool, () => client.get<Ps>(psPath(side, "props")), (ps) => readyCondition(ps)?.status === "True", `${side.tool} props Ready`);
    }
    for (const side of sides()) {
      await client.request("PATCH", psPath(side, "props"), { body: { spec: { data: propSpec(side.prefix, ["user"]).data } }, contentType: "application/merge-patch+json" });
    }
    const deleted = async (id: string) => (await sm.send(new DescribeSecretCommand({ SecretId: id }))).DeletedDate !== undefined;
    await waitFor(async () => deleted("eso/props"), { what: "ESO deleted the whole secret", timeoutMs: 60_000 });
    await waitFor(async () => JSON.stringify(JSON.parse((await remote("hush/props")).binary ?? "{}")) === JSON.stringify({ user: source.user }), { what: "hush removed only the dropped property", timeoutMs: 60_000 });
    expect(await deleted("hush/props")).toBe(false);
  });
});
