// ESO v0.16.2's refresh, store and class semantics, observed on ESO itself and on hush side by
// side: one kube-apiserver, one moto with IAM authentication on (so wrong keys are refused),
// ESO reconciling external-secrets.io cluster-wide with controller class `eso`, hush reconciling
// hush.dev. Each step is applied to both, and both must behave the same.
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { esoFlavour } from "@hush/kube";
import { type KubeClient, resourcePath } from "@hush/kube/client";
import { startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSecrets, formatDiff, secretView } from "./diff.js";
import { awsAuth, awsCredsSecret, awsStore, comparePeers, createAwsStores, decodedData as decoded, esoSide, hushSide, kubectlCreate, readyCondition as readyOf, runHush, startCompareKube, startSideBySide, waitReady as waitReadyOf, type Condition, type SideBySide } from "./harness.js";

const peersOk = comparePeers("moto_server");

interface Obj {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
  status?: { conditions?: Condition[] };
  data?: Record<string, string>;
}

/** Sum of a Prometheus counter's samples whose labels include `labels`. */
function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const brace = line.indexOf("}");
    const labelText = brace > 0 ? line.slice(name.length + 1, brace) : "";
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/**
 * An IAM user with an allow-all policy, created while moto still accepts unsigned calls, then
 * moto's IAM authentication switched on (`/moto-api/reset-auth`): from then on every AWS call
 * must be signed with these keys, and any other keys are refused with 403.
 */
async function motoIamKeys(endpoint: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const iam = async (params: Record<string, string>): Promise<string> => {
    const r = await fetch(`${endpoint}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        // Names the service for moto's router; the signature is not checked before auth is on.
        authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: new URLSearchParams({ Version: "2010-05-08", ...params }),
    });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`moto IAM ${params["Action"]} answered ${r.status}`);
    return text;
  };
  await iam({ Action: "CreateUser", UserName: "sync" });
  const key = await iam({ Action: "CreateAccessKey", UserName: "sync" });
  const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
  await iam({ Action: "PutUserPolicy", UserName: "sync", PolicyName: "all", PolicyDocument: JSON.stringify(policy) });
  const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(key)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(key)?.[1];
  if (!accessKeyId || !secretAccessKey) throw new Error("moto CreateAccessKey returned no key");
  const on = await fetch(`${endpoint}/moto-api/reset-auth`, { method: "POST", body: "0" });
  if (on.status !== 200) throw new Error(`moto reset-auth answered ${on.status}`);
  return { accessKeyId, secretAccessKey };
}

describe.skipIf(!peersOk)("ESO v0.16.2 semantics: hush does what ESO does", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let pair: SideBySide;
  let client: KubeClient;
  let sm: SecretsManagerClient;
  let keys: { accessKeyId: string; secretAccessKey: string };
  let esoNs: string;
  let hushNs: string;
  let credsNs: string;

  const sides = () =>
    [
      { ...esoSide, ns: esoNs, metricsUrl: () => pair.eso.metricsUrl },
      { ...hushSide, ns: hushNs, metricsUrl: () => pair.hush.address() },
    ] as const;
  type Side = ReturnType<typeof sides>[number];

  const create = (ns: string | undefined, doc: unknown) => kubectlCreate(kube, ns, doc);
  const path = (side: { group: string; version: string }, plural: string, ns: string | undefined, name?: string) =>
    resourcePath({ group: side.group, version: side.version, plural, ...(ns ? { namespace: ns } : {}), ...(name ? { name } : {}) });
  const patch = (p: string, body: unknown) => client.request("PATCH", p, { body, contentType: "application/merge-patch+json" });
  const secretOf = (ns: string, name: string) => client.get<Obj>(resourcePath({ version: "v1", plural: "secrets", namespace: ns, name }));
  const metrics = async (side: Side) => (await fetch(`${side.metricsUrl()}/metrics`)).text();
  /** How many times the side's controller has reconciled ExternalSecrets (ESO: this one; hush: any, skips included). */
  const reconciles = async (side: Side, name: string) => {
    const text = await metrics(side);
    return side.tool === "eso" ? metricSum(text, "externalsecret_sync_calls_total", { name, namespace: side.ns }) : metricSum(text, "hush_controller_reconcile_total");
  };
  /** Provider calls the side's controller has made so far. */
  const providerCalls = async (side: Side) => {
    const text = await metrics(side);
    return side.tool === "eso" ? metricSum(text, "externalsecret_provider_api_calls_count") : metricSum(text, "hush_provider_calls_total");
  };
  const waitReady = async (side: Side, plural: string, ns: string | undefined, name: string, want: (c: Condition | undefined) => boolean, what: string, timeoutMs = 60_000) => {
    await waitReadyOf(pair, client, side, { plural, ...(ns ? { namespace: ns } : {}), name }, want, `${side.tool}: ${what}`, { timeoutMs });
  };
  const credsSecret = (name: string) => awsCredsSecret(name, keys);
  const externalSecret = (side: { group: string; version: string }, name: string, spec: Record<string, unknown>) => ({
    apiVersion: `${side.group}/${side.version}`,
    kind: "ExternalSecret",
    metadata: { name },
    spec: { secretStoreRef: { name: "aws", kind: "SecretStore" }, ...spec },
  });

  beforeAll(async () => {
    ({ kube, client } = await startCompareKube());
    moto = await startMoto();
    keys = await motoIamKeys(moto.endpoint);
    sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: keys, maxAttempts: 1 });
    esoNs = await kube.createNamespace("eso-sem");
    hushNs = await kube.createNamespace("hush-sem");
    credsNs = await kube.createNamespace("sem-creds");
    await create(credsNs, credsSecret("aws-creds"));
    for (const side of sides()) {
      await createAwsStores(kube, side.ns, side, { region: moto.region, keys });
    }
    // Cluster-wide (ClusterSecretStore conditions span namespaces); class `eso`, so stores of
    // another class are left to their controller. Stores without a class are everyone's.
    pair = await startSideBySide(kube, {
      eso: { awsEndpoint: moto.endpoint, concurrent: 2, extraArgs: ["--controller-class=eso"] },
      hush: { clientOverrides: { aws: { endpoint: moto.endpoint } } },
    });
    for (const side of sides()) await waitReady(side, "secretstores", side.ns, "aws", (c) => c?.status === "True", "SecretStore aws Ready");
  });

  afterAll(async () => {
    await pair?.stop();
    sm?.destroy();
    await moto?.stop();
    await kube?.stop();
  });

  it("the harness enforces AWS credentials: keys other than the IAM user's are refused", async () => {
    const wrong = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: "wrong" }, maxAttempts: 1 });
    try {
      const err = await wrong.send(new CreateSecretCommand({ Name: "sem/never", SecretString: "x" })).catch((e: unknown) => e);
      expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
    } finally {
      wrong.destroy();
    }
  });

  it("refreshInterval 0: neither re-fetches after a label bump, an annotation bump or a spec edit; both re-fetch to repair a deleted Secret", async () => {
    await sm.send(new CreateSecretCommand({ Name: "sem/zero", SecretString: "one" }));
    const spec = { refreshInterval: "0", data: [{ secretKey: "v", remoteRef: { key: "sem/zero" } }] };
    for (const side of sides()) await create(side.ns, externalSecret(side, "zero", spec));
    for (const side of sides()) {
      await waitReady(side, "externalsecrets", side.ns, "zero", (c) => c?.status === "True", "zero synced");
      expect(decoded(await secretOf(side.ns, "zero"))).toEqual({ v: "one" });
    }
    await sm.send(new PutSecretValueCommand({ SecretId: "sem/zero", SecretString: "two" }));
    const callsBefore = await Promise.all(sides().map(providerCalls));

    const changes: { what: string; body: unknown }[] = [
      { what: "a label bump", body: { metadata: { labels: { bump: "1" } } } },
      { what: "an annotation bump (force-sync)", body: { metadata: { annotations: { "force-sync": String(Date.now()) } } } },
      { what: "a spec edit", body: { spec: { data: [...spec.data, { secretKey: "w", remoteRef: { key: "sem/zero" } }] } } },
    ];
    for (const change of changes) {
      const before = await Promise.all(sides().map((s) => reconciles(s, "zero")));
      for (const side of sides()) await patch(path(side, "externalsecrets", side.ns, "zero"), change.body);
      // Each controller has looked at the changed object (its reconcile counter moved on).
      await waitFor(async () => (await Promise.all(sides().map((s) => reconciles(s, "zero")))).every((n, i) => n > before[i]!), { what: `both reconciled after ${change.what}`, timeoutMs: 30_000 });
      for (const side of sides()) expect(decoded(await secretOf(side.ns, "zero")), `${side.tool} after ${change.what}`).toEqual({ v: "one" });
    }
    expect(await Promise.all(sides().map(providerCalls)), "provider calls after the three changes").toEqual(callsBefore);

    // The Secret is repaired from a fresh read, with the spec as it is now.
    for (const side of sides()) await client.request("DELETE", resourcePath({ version: "v1", plural: "secrets", namespace: side.ns, name: "zero" }));
    for (const side of sides()) {
      await waitFor(async () => decoded(await secretOf(side.ns, "zero"))["v"] === "two", { what: `${side.tool} repaired zero`, timeoutMs: 30_000 });
    }
    const [esoSecret, hushSecret] = await Promise.all(sides().map((s) => secretOf(s.ns, "zero")));
    const diffs = diffSecrets(secretView(esoSecret as never), secretView(hushSecret as never));
    expect(diffs, formatDiff(diffs)).toEqual([]);
    expect(decoded(hushSecret)).toEqual({ v: "two", w: "two" });
  });

  it("a label bump re-fetches on both sides when refreshInterval is set (the control for the test above)", async () => {
    await sm.send(new CreateSecretCommand({ Name: "sem/hourly", SecretString: "one" }));
    for (const side of sides()) await create(side.ns, externalSecret(side, "hourly", { refreshInterval: "1h", data: [{ secretKey: "v", remoteRef: { key: "sem/hourly" } }] }));
    for (const side of sides()) await waitFor(async () => decoded(await secretOf(side.ns, "hourly"))["v"] === "one", { what: `${side.tool} hourly synced`, timeoutMs: 60_000 });
    await sm.send(new PutSecretValueCommand({ SecretId: "sem/hourly", SecretString: "two" }));
    for (const side of sides()) await patch(path(side, "externalsecrets", side.ns, "hourly"), { metadata: { labels: { bump: "1" } } });
    for (const side of sides()) await waitFor(async () => decoded(await secretOf(side.ns, "hourly"))["v"] === "two", { what: `${side.tool} re-fetched hourly after a label bump`, timeoutMs: 30_000 });
  });

  it("ClusterSecretStore conditions: every field of an entry is OR-ed, and an empty entry admits nothing", async () => {
    await sm.send(new CreateSecretCommand({ Name: "sem/shared", SecretString: "s" }));
    const named = await kube.createNamespace("sem-named");
    const gold = await kube.createNamespace("sem-gold");
    const regex = await kube.createNamespace("sem-rx");
    const neither = await kube.createNamespace("sem-neither");
    for (const ns of [named, regex, neither]) await patch(resourcePath({ version: "v1", plural: "namespaces", name: ns }), { metadata: { labels: { tier: "bronze" } } });
    await patch(resourcePath({ version: "v1", plural: "namespaces", name: gold }), { metadata: { labels: { tier: "gold" } } });
    const stores = {
      "sem-or": [{ namespaces: [named], namespaceSelector: { matchLabels: { tier: "gold" } }, namespaceRegexes: [`^${regex}$`] }],
      "sem-empty": [{}],
    };
    for (const side of sides()) {
      for (const [name, conditions] of Object.entries(stores)) {
        await create(undefined, awsStore(side, `${name}-${side.tool}`, { service: "SecretsManager", region: moto.region, auth: awsAuth("aws-creds", credsNs) }, { conditions }, "ClusterSecretStore"));
        await waitReady(side, "clustersecretstores", undefined, `${name}-${side.tool}`, (c) => c?.status === "True", `ClusterSecretStore ${name} Ready`);
      }
    }
    const cases = [
      { ns: named, store: "sem-or", admitted: true },
      { ns: gold, store: "sem-or", admitted: true },
      { ns: regex, store: "sem-or", admitted: true },
      { ns: neither, store: "sem-or", admitted: false },
      { ns: named, store: "sem-empty", admitted: false },
    ];
    for (const c of cases) {
      for (const side of sides()) {
        const name = `${c.store}-${side.tool}`;
        await create(c.ns, { ...externalSecret(side, name, { refreshInterval: "1h", data: [{ secretKey: "v", remoteRef: { key: "sem/shared" } }] }), spec: { secretStoreRef: { name, kind: "ClusterSecretStore" }, refreshInterval: "1h", data: [{ secretKey: "v", remoteRef: { key: "sem/shared" } }] } });
      }
    }
    const seen: string[] = [];
    for (const c of cases) {
      for (const side of sides()) {
        const name = `${c.store}-${side.tool}`;
        let last: Condition | undefined;
        await waitReady(side, "externalsecrets", c.ns, name, (r) => ((last = r), r?.status === "True" || r?.status === "False"), `${name} in ${c.ns} settled`);
        seen.push(`${side.tool} ${c.store} ${c.ns}: ${last?.status}`);
      }
    }
    expect(seen).toEqual(cases.flatMap((c) => sides().map((s) => `${s.tool} ${c.store} ${c.ns}: ${c.admitted ? "True" : "False"}`)));
  });

  it("credential rotation: wrong keys in the credentials Secret fail the next sync on both sides, the right keys bring it back, no restart", async () => {
    await sm.send(new CreateSecretCommand({ Name: "sem/rotate", SecretString: "one" }));
    for (const side of sides()) await create(side.ns, externalSecret(side, "rotate", { refreshInterval: "1h", data: [{ secretKey: "v", remoteRef: { key: "sem/rotate" } }] }));
    for (const side of sides()) await waitReady(side, "externalsecrets", side.ns, "rotate", (c) => c?.status === "True", "rotate synced");
    const creds = (side: Side) => resourcePath({ version: "v1", plural: "secrets", namespace: side.ns, name: "aws-creds" });
    const setKey = (side: Side, secret: string) => patch(creds(side), { data: { secret: Buffer.from(secret).toString("base64") } });
    const forceSync = (side: Side) => patch(path(side, "externalsecrets", side.ns, "rotate"), { metadata: { annotations: { "force-sync": String(Date.now()) } } });

    for (const side of sides()) await setKey(side, "wrong-secret-key");
    for (const side of sides()) await forceSync(side);
    for (const side of sides()) await waitReady(side, "externalsecrets", side.ns, "rotate", (c) => c?.status === "False", "rotate fails with the wrong keys", 30_000);
    for (const side of sides()) expect(decoded(await secretOf(side.ns, "rotate")), `${side.tool} keeps the last good Secret`).toEqual({ v: "one" });

    await sm.send(new PutSecretValueCommand({ SecretId: "sem/rotate", SecretString: "two" }));
    for (const side of sides()) await setKey(side, keys.secretAccessKey);
    for (const side of sides()) await forceSync(side);
    for (const side of sides()) {
      await waitReady(side, "externalsecrets", side.ns, "rotate", (c) => c?.status === "True", "rotate back with the right keys", 60_000);
      await waitFor(async () => decoded(await secretOf(side.ns, "rotate"))["v"] === "two", { what: `${side.tool} read with the rotated keys`, timeoutMs: 30_000 });
    }
    // Same hush process throughout: it never stopped.
    expect(await Promise.race([pair.hush.done, Promise.resolve("running")])).toBe("running");
  });

  it("store refreshInterval: a store is validated again at its own interval (a deleted credentials Secret shows), one without keeps the 5 min default", async () => {
    for (const side of sides()) {
      for (const [store, refresh] of [["short", 10], ["long", undefined]] as const) {
        await create(side.ns, credsSecret(`${store}-creds`));
        await create(side.ns, awsStore(side, store, { service: "SecretsManager", region: moto.region, auth: awsAuth(`${store}-creds`) }, refresh ? { refreshInterval: refresh } : {}));
      }
    }
    for (const side of sides()) for (const store of ["short", "long"]) await waitReady(side, "secretstores", side.ns, store, (c) => c?.status === "True", `${store} Ready`);
    for (const side of sides()) for (const store of ["short", "long"]) await client.request("DELETE", resourcePath({ version: "v1", plural: "secrets", namespace: side.ns, name: `${store}-creds` }));
    const t0 = Date.now();
    for (const side of sides()) await waitReady(side, "secretstores", side.ns, "short", (c) => c?.status === "False", "short re-validated without its credentials", 45_000);
    const elapsed = Date.now() - t0;
    // Well inside the 5 minute default: "long" was not validated again in that time on either side.
    expect(elapsed).toBeLessThan(60_000);
    for (const side of sides()) expect(readyOf(await client.get<Obj>(path(side, "secretstores", side.ns, "long")))?.status, `${side.tool} long`).toBe("True");
    for (const side of sides()) await create(side.ns, credsSecret("short-creds"));
    for (const side of sides()) await waitReady(side, "secretstores", side.ns, "short", (c) => c?.status === "True", "short valid again once the Secret is back", 120_000);
  });

  it("controller classes (external-secrets.io): ESO class `eso` and hush class `hush` share a namespace; each syncs only its own stores, an ExternalSecret naming both classes is left alone by both", async () => {
    const ns = await kube.createNamespace("sem-classes");
    const group = { group: "external-secrets.io", version: "v1" };
    await create(ns, credsSecret("aws-creds"));
    await sm.send(new CreateSecretCommand({ Name: "sem/classes", SecretString: "c" }));
    const classHush = runHush(kube.kubeconfigPath, { namespace: ns, flavour: esoFlavour, controllerClass: "hush", clientOverrides: { aws: { endpoint: moto.endpoint } } });
    const address = classHush.address;
    try {
      const store = (name: string, controller: string) => ({ apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name }, spec: { controller, provider: { aws: { service: "SecretsManager", region: moto.region, auth: awsAuth("aws-creds") } } } });
      const es = (name: string, storeName: string, extra: Record<string, unknown> = {}) => ({ ...externalSecret(group, name, { refreshInterval: "1h", data: [{ secretKey: "v", remoteRef: { key: "sem/classes" } }], ...extra }), spec: { secretStoreRef: { name: storeName, kind: "SecretStore" }, refreshInterval: "1h", data: [{ secretKey: "v", remoteRef: { key: "sem/classes" } }], ...extra } });
      await create(ns, store("by-eso", "eso"));
      await create(ns, store("by-hush", "hush"));
      const esoSide = { ...group, tool: "eso" } as unknown as Side;
      for (const s of ["by-eso", "by-hush"]) await waitReady(esoSide, "secretstores", ns, s, (c) => c?.status === "True", `${s} validated by its controller`);
      await create(ns, es("via-eso", "by-eso"));
      await create(ns, es("via-hush", "by-hush"));
      for (const e of ["via-eso", "via-hush"]) await waitReady(esoSide, "externalsecrets", ns, e, (c) => c?.status === "True", `${e} synced`);
      // Who wrote each Secret: hush records its ExternalSecret in a bookkeeping annotation ESO does not write.
      const writer = async (name: string) => ((await secretOf(ns, name))?.metadata.annotations?.["reconcile.external-secrets.io/external-secret"] ? "hush" : "eso");
      expect(await writer("via-eso")).toBe("eso");
      expect(await writer("via-hush")).toBe("hush");

      // An ExternalSecret whose data[] names the other class's store: both controllers skip it.
      const skippedBefore = metricSum(await (await fetch(`${address()}/metrics`)).text(), "hush_controller_reconcile_total", { result: "skipped" });
      await create(ns, es("mixed", "by-hush", { data: [{ secretKey: "v", remoteRef: { key: "sem/classes" } }, { secretKey: "w", remoteRef: { key: "sem/classes" }, sourceRef: { storeRef: { name: "by-eso", kind: "SecretStore" } } }] }));
      await waitFor(async () => {
        const esoSeen = metricSum(await (await fetch(`${pair.eso.metricsUrl}/metrics`)).text(), "externalsecret_sync_calls_total", { name: "mixed", namespace: ns });
        const hushSkipped = metricSum(await (await fetch(`${address()}/metrics`)).text(), "hush_controller_reconcile_total", { result: "skipped" });
        return esoSeen >= 1 && hushSkipped > skippedBefore;
      }, { what: "both controllers looked at mixed", timeoutMs: 30_000 });
      const mixed = await client.get<Obj>(path(group, "externalsecrets", ns, "mixed"));
      expect(mixed?.status?.conditions ?? []).toEqual([]);
      expect(await secretOf(ns, "mixed")).toBeUndefined();

      // A store of a third class is validated by neither. hush validates stores one at a time in
      // arrival order, so once a later store of its own class is Ready it has seen this one.
      await create(ns, store("by-nobody", "third"));
      await create(ns, store("by-hush-later", "hush"));
      await waitReady(esoSide, "secretstores", ns, "by-hush-later", (c) => c?.status === "True", "by-hush-later validated");
      // ESO sets its store duration gauge on every store reconcile, a skipped one too.
      await waitFor(async () => metricSum(await (await fetch(`${pair.eso.metricsUrl}/metrics`)).text(), "secretstore_reconcile_duration", { name: "by-nobody", namespace: ns }) > 0, { what: "ESO reconciled by-nobody", timeoutMs: 30_000 });
      expect((await client.get<Obj>(path(group, "secretstores", ns, "by-nobody")))?.status?.conditions ?? []).toEqual([]);
    } finally {
      await classHush.stop();
    }
  });
});
