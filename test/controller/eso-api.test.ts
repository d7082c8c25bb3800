import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { esoFlavour, type ExternalSecret, type Secret } from "@hush/kube";
import { KubeClient, loadKubeConfig, resourcePath } from "@hush/kube/client";
import { findBinary, freePort, repoRoot, requirePeer, startKube, startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { parseAllDocuments, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsCreds, kubeconfigAs, runTestController } from "./harness.js";

// hush serving ESO's API (deploy/controller-eso): manifests written for ESO apply unchanged
// and are synced with ESO's labels, annotations, condition reasons and metric names, while
// ESO fields hush does not implement are refused by the API server instead of pruned.
const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const sa = "system:serviceaccount:hush-system:hush-controller";
const helmPeer = requirePeer("helm", "run `bash scripts/peers helm`");

const esPath = (ns: string, version: string, name?: string) => resourcePath({ group: "external-secrets.io", version, plural: "externalsecrets", namespace: ns, ...(name ? { name } : {}) });
const secretPath = (ns: string, name?: string) => resourcePath({ version: "v1", plural: "secrets", namespace: ns, ...(name ? { name } : {}) });
const readyOf = (es: ExternalSecret | undefined) => es?.status?.conditions?.find((c) => c.type === "Ready");
const text = (s: Secret | undefined, key: string) => (s?.data?.[key] === undefined ? undefined : Buffer.from(s.data[key]!, "base64").toString("utf8"));

/** Every sample of a metric in Prometheus text format, with its labels. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const brace = line.indexOf("}");
    const labels: Record<string, string> = {};
    if (brace > 0) for (const pair of line.slice(name.length + 1, brace).split('",')) {
      const eq = pair.indexOf("=");
      if (eq > 0) labels[pair.slice(0, eq)] = pair.slice(eq + 2).replace(/"$/, "");
    }
    out.push({ labels, value: Number(line.slice(line.lastIndexOf(" ") + 1)) });
  }
  return out;
}

/** The value of the one sample whose labels are exactly `labels`, if any. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  return samples(text, name).find((s) => JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
}

describe.skipIf(!peers.every((p) => p.ok))("external-secrets.io flavour: hush replaces ESO", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let admin: KubeClient;
  let ns: string;
  let saKubeconfig: string;
  let disposeKubeconfig: (() => void) | undefined;
  let address = "";
  const abort = new AbortController();
  let done: Promise<unknown> | undefined;
  const apply = (manifest: string) => kube.kubectl(["apply", "-n", ns, "-f", "-"], { input: manifest });
  const metrics = async () => (await fetch(`${address}/metrics`)).text();

  beforeAll(async () => {
    kube = await startKube();
    moto = await startMoto();
    // The overlay exactly as a user applies it: ESO's CRDs, the RBAC on external-secrets.io.
    const built = await kube.kubectl(["kustomize", join(repoRoot, "deploy", "controller-eso")]);
    expect(built.code, built.stderr).toBe(0);
    const r = await kube.kubectl(["apply", "--server-side", "-f", "-"], { input: built.stdout });
    expect(r.code, r.stderr).toBe(0);
    for (const crd of ["externalsecrets", "secretstores", "clustersecretstores", "clusterexternalsecrets"]) {
      const w = await kube.kubectl(["wait", "--for=condition=Established", `crd/${crd}.external-secrets.io`, "--timeout=30s"]);
      expect(w.code, w.stderr).toBe(0);
    }
    await waitFor(async () => (await kube.kubectl(["--as", sa, "auth", "can-i", "watch", "externalsecrets.external-secrets.io", "-A"])).stdout.trim() === "yes", { what: "RBAC in effect" });
    // The controller runs in-process as the overlay's ServiceAccount, so its grants are tested too.
    ({ path: saKubeconfig, dispose: disposeKubeconfig } = kubeconfigAs(kube.kubeconfigPath, sa));
    admin = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));

    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    await sm.send(new CreateSecretCommand({ Name: "eso/db", SecretString: JSON.stringify({ username: "app", password: "s3cret" }) }));
    await sm.send(new CreateSecretCommand({ Name: "eso/api", SecretString: "api-token" }));
    sm.destroy();
    ns = await kube.createNamespace("eso");
    await createAwsCreds(admin, ns, moto);

    done = runTestController(saKubeconfig, abort.signal, { flavour: esoFlavour, clientOverrides: { aws: { endpoint: moto.endpoint } }, onListening: (a) => (address = a) });
    await waitFor(async () => address !== "", { what: "ops server listening" });

    // An ESO SecretStore, as ESO's docs write it (v1beta1).
    const store = await apply(`
apiVersion: external-secrets.io/v1beta1
kind: SecretStore
metadata:
  name: aws
spec:
  provider:
    aws:
      service: SecretsManager
      region: ${moto.region}
      auth:
        secretRef:
          accessKeyIDSecretRef: { name: aws-creds, key: id }
          secretAccessKeySecretRef: { name: aws-creds, key: secret }
`);
    expect(store.code, store.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    abort.abort();
    await done?.catch(() => undefined);
    await moto?.stop();
    await kube?.stop();
    disposeKubeconfig?.();
  });

  it.for([
    ["v1beta1", "from-v1beta1"],
    ["v1", "from-v1"],
  ])("an ESO manifest with apiVersion external-secrets.io/%s applies unchanged and is synced with ESO's labels, annotations and reasons", async ([version, name]) => {
    const r = await apply(`
apiVersion: external-secrets.io/${version}
kind: ExternalSecret
metadata:
  name: ${name}
spec:
  refreshInterval: 1h
  secretStoreRef:
    name: aws
    kind: SecretStore
  target:
    name: ${name}
    creationPolicy: Owner
  data:
    - secretKey: password
      remoteRef:
        key: eso/db
        property: password
  dataFrom:
    - extract:
        key: eso/db
`);
    expect(r.code, r.stderr).toBe(0);
    let secret: Secret | undefined;
    await waitFor(async () => (secret = await admin.get<Secret>(secretPath(ns, name!))) !== undefined, { what: `Secret ${name}`, timeoutMs: 30_000 });
    expect(text(secret, "password")).toBe("s3cret");
    expect(text(secret, "username")).toBe("app");
    expect(secret!.metadata.labels?.[esoFlavour.managedLabel]).toBe("true");
    expect(secret!.metadata.annotations?.[esoFlavour.dataHashAnnotation]).toMatch(/\S/);
    expect(Object.keys({ ...secret!.metadata.labels, ...secret!.metadata.annotations }).filter((k) => k.includes("hush.dev"))).toEqual([]);
    // ESO's field manager, so managedFields read the same as under ESO.
    const managers = ((secret!.metadata as { managedFields?: { manager: string }[] }).managedFields ?? []).map((f) => f.manager);
    expect(managers).toContain(`externalsecrets.external-secrets.io/${name}`);
    // ESO's created-by label (Owner): SHA3-224 of "<namespace>/<name>", as ESO computes it.
    expect(secret!.metadata.labels?.["reconcile.external-secrets.io/created-by"]).toBe(createHash("sha3-224").update(`${ns}/${name}`).digest("hex"));
    const es = await admin.get<ExternalSecret>(esPath(ns, version!, name!));
    expect(secret!.metadata.ownerReferences).toEqual([expect.objectContaining({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", name, uid: es!.metadata.uid, controller: true })]);
    let ready: ReturnType<typeof readyOf>;
    await waitFor(async () => (ready = readyOf(await admin.get<ExternalSecret>(esPath(ns, version!, name!))))?.status === "True", { what: `${name} Ready` });
    expect(ready?.reason).toBe("SecretSynced");
    // Status is written under ESO's controller name, as ESO's own status writes appear.
    const esFields = ((await admin.get<ExternalSecret>(esPath(ns, version!, name!)))!.metadata as { managedFields?: { manager: string; subresource?: string }[] }).managedFields ?? [];
    expect(esFields.filter((f) => f.subresource === "status").map((f) => f.manager)).toEqual(["external-secrets"]);
    // Both versions are views of the one stored object.
    const other = version === "v1" ? "v1beta1" : "v1";
    expect(readyOf(await admin.get<ExternalSecret>(esPath(ns, other, name!)))?.reason).toBe("SecretSynced");
    await waitFor(
      async () => {
        const list = await admin.list<{ reason: string; involvedObject: { name: string; apiVersion?: string }; source?: { component?: string } }>(resourcePath({ version: "v1", plural: "events", namespace: ns }));
        return list.items.some((e) => e.involvedObject.name === name && e.reason === "Created" && e.involvedObject.apiVersion === "external-secrets.io/v1");
      },
      { what: `Created event on ${name}` },
    );
    const m = await metrics();
    expect(m).toMatch(new RegExp(`^externalsecret_status_condition\\{[^}]*name="${name}"[^}]*condition="Ready",status="True"\\} 1$`, "m"));
    expect(m).toMatch(new RegExp(`^externalsecret_status_condition\\{[^}]*name="${name}"[^}]*condition="Ready",status="False"\\} 0$`, "m"));
    expect(m).toMatch(new RegExp(`^externalsecret_sync_calls_total\\{name="${name}",namespace="${ns}"\\} [1-9]`, "m"));
    expect(m).toMatch(new RegExp(`^externalsecret_reconcile_duration\\{name="${name}",namespace="${ns}"\\} [1-9]`, "m"));
  });

  it("a failing ExternalSecret reports ESO's SecretSyncedError and counts in externalsecret_sync_calls_error", async () => {
    const r = await apply(`
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: missing
spec:
  secretStoreRef: { name: aws }
  data:
    - secretKey: x
      remoteRef: { key: eso/does-not-exist }
`);
    expect(r.code, r.stderr).toBe(0);
    let ready: ReturnType<typeof readyOf>;
    await waitFor(async () => (ready = readyOf(await admin.get<ExternalSecret>(esPath(ns, "v1", "missing"))))?.status === "False", { what: "missing not Ready" });
    expect(ready?.reason).toBe("SecretSyncedError");
    await waitFor(async () => /^externalsecret_sync_calls_error\{name="missing",namespace="[^"]+"\} [1-9]/m.test(await metrics()), { what: "sync error counted" });
    expect(await metrics()).toMatch(/^externalsecret_status_condition\{[^}]*name="missing"[^}]*condition="Ready",status="False"\} 1$/m);
  });

  it("stores report ESO's secretstore_* and clustersecretstore_* metrics (Ready gauge, duration in ns); a deleted store's series are removed", async () => {
    // The condition is set when the validation ends, the duration once its status write is done.
    await waitFor(async () => {
      const text = await metrics();
      return sample(text, "secretstore_status_condition", { name: "aws", namespace: ns, condition: "Ready", status: "True" }) === 1 && (sample(text, "secretstore_reconcile_duration", { name: "aws", namespace: ns }) ?? 0) > 0;
    }, { what: "SecretStore aws Ready and duration gauges" });
    let m = await metrics();
    expect(sample(m, "secretstore_status_condition", { name: "aws", namespace: ns, condition: "Ready", status: "False" })).toBe(0);
    expect(sample(m, "secretstore_reconcile_duration", { name: "aws", namespace: ns })).toBeGreaterThan(0);
    expect(m).toContain("# HELP secretstore_status_condition The status condition of a specific Secret Store");

    // A ClusterSecretStore whose credentials Secret does not exist: Ready=False.
    const r = await kube.kubectl(["apply", "-f", "-"], {
      input: `
apiVersion: external-secrets.io/v1beta1
kind: ClusterSecretStore
metadata:
  name: eso-broken
spec:
  provider:
    aws:
      service: SecretsManager
      region: ${moto.region}
      auth:
        secretRef:
          accessKeyIDSecretRef: { name: no-such-creds, key: id, namespace: ${ns} }
          secretAccessKeySecretRef: { name: no-such-creds, key: secret, namespace: ${ns} }
`,
    });
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => {
      const text = await metrics();
      return sample(text, "clustersecretstore_status_condition", { name: "eso-broken", namespace: "", condition: "Ready", status: "False" }) === 1 && (sample(text, "clustersecretstore_reconcile_duration", { name: "eso-broken", namespace: "" }) ?? 0) > 0;
    }, { what: "ClusterSecretStore eso-broken not-Ready and duration gauges" });
    m = await metrics();
    expect(sample(m, "clustersecretstore_status_condition", { name: "eso-broken", namespace: "", condition: "Ready", status: "True" })).toBe(0);
    expect(sample(m, "clustersecretstore_reconcile_duration", { name: "eso-broken", namespace: "" })).toBeGreaterThan(0);

    const del = await kube.kubectl(["delete", "clustersecretstores.external-secrets.io", "eso-broken"]);
    expect(del.code, del.stderr).toBe(0);
    await waitFor(async () => !(await metrics()).includes('name="eso-broken"'), { what: "eso-broken series removed" });
  });

  it("provider calls are counted in externalsecret_provider_api_calls_count under ESO's provider and call names, the same calls as hush_provider_calls_total", async () => {
    const m = await metrics();
    const calls = samples(m, "externalsecret_provider_api_calls_count");
    expect(calls.length).toBeGreaterThan(0);
    const esoCalls = new Set(["GetSecretValue", "BatchGetSecretValue", "DescribeSecret", "ListSecrets", "CreateSecret", "PutSecretValue", "DeleteSecret"]);
    for (const c of calls) {
      expect(c.labels["provider"]).toBe("AWS/SecretsManager");
      expect(esoCalls, c.labels["call"]).toContain(c.labels["call"]);
      expect(["success", "error"]).toContain(c.labels["status"]);
    }
    // The earlier tests read eso/db and eso/api.
    expect(calls.filter((c) => c.labels["status"] === "success").reduce((a, c) => a + c.value, 0)).toBeGreaterThan(0);
    // Every AWS call here is a Secrets Manager call ESO counts too (no role to assume).
    const total = (xs: { value: number }[]) => xs.reduce((a, c) => a + c.value, 0);
    expect(total(calls)).toBe(total(samples(m, "hush_provider_calls_total").filter((c) => c.labels["provider"] === "aws")));
  });

  it("a deleted ExternalSecret's Ready series are removed and condition=\"Deleted\",status=\"False\" is 1, as ESO reports it", async () => {
    const r = await apply(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: short-lived
spec:
  secretStoreRef: { name: aws }
  data:
    - secretKey: token
      remoteRef: { key: eso/api }
`);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => sample(await metrics(), "externalsecret_status_condition", { name: "short-lived", namespace: ns, condition: "Ready", status: "True" }) === 1, { what: "short-lived Ready gauge" });
    const del = await kube.kubectl(["delete", "-n", ns, "externalsecrets.external-secrets.io", "short-lived"]);
    expect(del.code, del.stderr).toBe(0);
    await waitFor(async () => sample(await metrics(), "externalsecret_status_condition", { name: "short-lived", namespace: ns, condition: "Deleted", status: "False" }) === 1, { what: "short-lived Deleted gauge" });
    const left = samples(await metrics(), "externalsecret_status_condition").filter((c) => c.labels["name"] === "short-lived" && c.labels["namespace"] === ns);
    expect(left).toEqual([{ labels: { name: "short-lived", namespace: ns, condition: "Deleted", status: "False" }, value: 1 }]);
  });

  it.for([
    ["spec.target.manifest", { target: { manifest: { apiVersion: "v1", kind: "ConfigMap" } } }],
    ["spec.syncWindows", { syncWindows: { kind: "Allow", windows: [{ schedule: "0 * * * *", duration: "1h" }] } }],
    // Under dataFrom[] Password, UUID and VaultDynamicSecret are served (test/controller/generators.test.ts); under data[] ESO has none.
    ["sourceRef.generatorRef", { data: [{ secretKey: "x", remoteRef: { key: "eso/api" }, sourceRef: { generatorRef: { apiVersion: "generators.external-secrets.io/v1alpha1", kind: "Password", name: "pw" } } }] }],
  ] as const)("an ExternalSecret using %s is refused by the API server, not pruned", async ([field, extra]) => {
    const manifest = stringify({
      apiVersion: "external-secrets.io/v1beta1",
      kind: "ExternalSecret",
      metadata: { name: "unsupported" },
      spec: { secretStoreRef: { name: "aws" }, data: [{ secretKey: "x", remoteRef: { key: "eso/api" } }], ...extra },
    });
    // kubectl asks for strict field validation by default; --validate=false asks the API server
    // to ignore unknown fields (a raw API client's default is only a warning). Refused either way.
    for (const flags of [[], ["--validate=false"]]) {
      const r = await kube.kubectl(["apply", ...flags, "-n", ns, "-f", "-"], { input: manifest });
      expect(r.code, `${flags.join(" ")}: ${r.stdout}`).not.toBe(0);
      expect(r.stderr).toContain(`${field} is not supported by hush yet`);
    }
    expect(await admin.get(esPath(ns, "v1", "unsupported"))).toBeUndefined();
  });

  it.for([
    ["spec.provider.azurekv", { azurekv: { vaultUrl: "https://example.vault.azure.net" } }],
    ["spec.provider.kubernetes", { kubernetes: { remoteNamespace: "default" } }],
    ["spec.provider.aws.sessionTags", { aws: { service: "SecretsManager", region: "us-east-1", sessionTags: [{ key: "team", value: "a" }] } }],
  ] as const)("a SecretStore using %s is refused by the API server with that name, not pruned", async ([field, provider]) => {
    const manifest = stringify({ apiVersion: "external-secrets.io/v1beta1", kind: "SecretStore", metadata: { name: "unsupported-store" }, spec: { provider } });
    for (const flags of [[], ["--validate=false"]]) {
      const r = await kube.kubectl(["apply", ...flags, "-n", ns, "-f", "-"], { input: manifest });
      expect(r.code, `${flags.join(" ")}: ${r.stdout}`).not.toBe(0);
      expect(r.stderr).toContain(`${field} is not supported by hush yet`);
    }
    expect(await admin.get(resourcePath({ group: "external-secrets.io", version: "v1", plural: "secretstores", namespace: ns, name: "unsupported-store" }))).toBeUndefined();
  });

  it("a field no ESO version defines (a typo) is refused under kubectl's default strict field validation", async () => {
    const manifest = stringify({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: "typo" },
      spec: { secretStoreRef: { name: "aws" }, refreshIntervall: "1m", data: [{ secretKey: "x", remoteRef: { key: "eso/api" } }] },
    });
    const r = await kube.kubectl(["apply", "-n", ns, "-f", "-"], { input: manifest });
    expect(r.code, r.stdout).not.toBe(0);
    expect(r.stderr).toContain('unknown field "spec.refreshIntervall"');
    expect(await admin.get(esPath(ns, "v1", "typo"))).toBeUndefined();
  });

  it("takes over a Secret ESO created for the same ExternalSecret (ESO uninstalled, CRs kept)", async () => {
    // The ExternalSecret first points at a store that does not exist yet, so hush cannot sync
    // it before the Secret "left by ESO" is in place.
    const r = await apply(`
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: migrated
spec:
  secretStoreRef: { name: later }
  data:
    - secretKey: token
      remoteRef: { key: eso/api }
`);
    expect(r.code, r.stderr).toBe(0);
    const es = await admin.get<ExternalSecret>(esPath(ns, "v1beta1", "migrated"));
    await admin.request("POST", secretPath(ns), {
      body: {
        metadata: {
          name: "migrated",
          labels: { "reconcile.external-secrets.io/managed": "true", "reconcile.external-secrets.io/created-by": "eso-hash" },
          annotations: { "reconcile.external-secrets.io/data-hash": "written-by-eso" },
          ownerReferences: [{ apiVersion: "external-secrets.io/v1beta1", kind: "ExternalSecret", name: "migrated", uid: es!.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        stringData: { token: "stale" },
      },
    });
    const store = await apply(`
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata:
  name: later
spec:
  provider:
    aws:
      service: SecretsManager
      region: ${moto.region}
      auth:
        secretRef:
          accessKeyIDSecretRef: { name: aws-creds, key: id }
          secretAccessKeySecretRef: { name: aws-creds, key: secret }
`);
    expect(store.code, store.stderr).toBe(0);
    let secret: Secret | undefined;
    await waitFor(async () => text((secret = await admin.get<Secret>(secretPath(ns, "migrated"))), "token") === "api-token", { what: "migrated Secret refreshed by hush", timeoutMs: 30_000 });
    expect(secret!.metadata.ownerReferences?.filter((o) => o.controller).map((o) => o.uid)).toEqual([es!.metadata.uid]);
    await waitFor(async () => readyOf(await admin.get<ExternalSecret>(esPath(ns, "v1", "migrated")))?.reason === "SecretSynced", { what: "migrated Ready" });
  });

  it("keeps ESO's cleanup finalizer and removes it once a deleted ExternalSecret is handled, so the deletion completes (test/controller/eso-main-features.test.ts covers the cleanup)", async () => {
    const r = await apply(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: finalized
  finalizers: [${esoFlavour.finalizer}]
spec:
  secretStoreRef: { name: aws }
  data:
    - secretKey: token
      remoteRef: { key: eso/api }
`);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => (await admin.get<Secret>(secretPath(ns, "finalized"))) !== undefined, { what: "finalized Secret" });
    const del = await kube.kubectl(["delete", "-n", ns, "externalsecrets.external-secrets.io", "finalized", "--wait=false"]);
    expect(del.code, del.stderr).toBe(0);
    await waitFor(async () => (await admin.get(esPath(ns, "v1", "finalized"))) === undefined, { what: "ExternalSecret deleted", timeoutMs: 20_000 });
  });

  it("a ClusterExternalSecret written for ESO (v1beta1) applies unchanged: the controller, as its ServiceAccount, stamps the owned ExternalSecret and it syncs", async () => {
    const r = await kube.kubectl(["apply", "-f", "-"], {
      input: `
apiVersion: external-secrets.io/v1beta1
kind: ClusterExternalSecret
metadata:
  name: eso-ces
spec:
  externalSecretName: from-ces
  namespaces: [${ns}]
  refreshTime: 1m
  externalSecretSpec:
    secretStoreRef: { name: aws, kind: SecretStore }
    data:
      - secretKey: token
        remoteRef: { key: eso/api }
`,
    });
    expect(r.code, r.stderr).toBe(0);
    let ces: { metadata: { uid: string }; status?: { provisionedNamespaces?: string[]; conditions?: { type: string; status: string }[] } } | undefined;
    await waitFor(async () => (ces = await admin.get(resourcePath({ group: "external-secrets.io", version: "v1", plural: "clusterexternalsecrets", name: "eso-ces" })))?.status?.conditions?.[0]?.status === "True", { what: "ClusterExternalSecret Ready", timeoutMs: 20_000 });
    expect(ces?.status?.provisionedNamespaces).toEqual([ns]);
    const es = await admin.get<ExternalSecret>(esPath(ns, "v1", "from-ces"));
    expect(es?.metadata.ownerReferences).toEqual([{ apiVersion: "external-secrets.io/v1", kind: "ClusterExternalSecret", name: "eso-ces", uid: ces?.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    await waitFor(async () => text(await admin.get<Secret>(secretPath(ns, "from-ces")), "token") === "api-token", { what: "Secret from the stamped ExternalSecret", timeoutMs: 20_000 });
    const del = await kube.kubectl(["delete", "clusterexternalsecrets.external-secrets.io", "eso-ces"]);
    expect(del.code, del.stderr).toBe(0);
    await waitFor(async () => (await admin.get(esPath(ns, "v1", "from-ces"))) === undefined, { what: "stamped ExternalSecret removed", timeoutMs: 20_000 });
  });

  it.skipIf(!helmPeer.ok)("the Helm chart with controller.apiGroup=external-secrets.io renders the overlay's CRDs, ClusterRole and controller flag", async () => {
    const { execFile } = await import("node:child_process");
    const helm = await new Promise<string>((resolve, reject) =>
      execFile(findBinary("helm")!, ["template", "hush", join(repoRoot, "deploy", "charts", "hush"), "-n", "hush-system", "--set", "controller.apiGroup=external-secrets.io"], { maxBuffer: 64 << 20 }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    const kustomized = await kube.kubectl(["kustomize", join(repoRoot, "deploy", "controller-eso")]);
    const objects = (y: string) => parseAllDocuments(y).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec?: any; rules?: unknown }).filter((o) => o?.kind);
    const pick = (all: ReturnType<typeof objects>) => ({
      crds: Object.fromEntries(all.filter((o) => o.kind === "CustomResourceDefinition").map((o) => [o.metadata.name, o.spec])),
      rules: all.find((o) => o.kind === "ClusterRole" && o.metadata.name === "hush-controller")?.rules,
      cesRules: all.find((o) => o.kind === "ClusterRole" && o.metadata.name === "hush-controller-cluster-external-secrets")?.rules,
      args: all.find((o) => o.kind === "Deployment")?.spec.template.spec.containers[0].args.filter((a: string) => a.startsWith("--api-group")),
    });
    const fromChart = pick(objects(helm));
    // At least these (other kinds join them); the overlay must render exactly the chart's set.
    expect(Object.keys(fromChart.crds)).toEqual(expect.arrayContaining(["clusterexternalsecrets.external-secrets.io", "clustersecretstores.external-secrets.io", "externalsecrets.external-secrets.io", "secretstores.external-secrets.io"]));
    expect(fromChart).toEqual(pick(objects(kustomized.stdout)));
    expect(fromChart.args).toEqual(["--api-group=external-secrets.io"]);
    expect(JSON.stringify(fromChart.cesRules)).not.toContain("hush.dev");
  });

  // Last: the in-process controller stops and the built CLI takes over with the flag.
  it("`hush controller --api-group=external-secrets.io` (the built CLI) serves ESO's group; an unknown group is refused", async () => {
    abort.abort();
    await done;
    const bin = join(repoRoot, "packages/cli/bin/hush.js");
    const run = (args: string[]) => {
      const child = spawn(process.execPath, [bin, "controller", ...args], { stdio: ["ignore", "pipe", "pipe"] });
      const out = { stdout: "", stderr: "" };
      child.stdout.setEncoding("utf8").on("data", (c: string) => (out.stdout += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (out.stderr += c));
      return { child, out, exited: new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code))) };
    };
    const bad = run(["--api-group=example.com", "--kubeconfig", saKubeconfig]);
    expect(await bad.exited).not.toBe(0);
    expect(bad.out.stderr).toContain("external-secrets.io");

    const port = await freePort();
    const cli = run(["--api-group=external-secrets.io", "--kubeconfig", saKubeconfig, "--no-leader-elect", `--metrics-addr=127.0.0.1:${port}`, "--metrics-auth=none", `--aws-endpoint=${moto.endpoint}`, "--log-level=warn"]);
    try {
      const r = await apply(`
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: from-cli
spec:
  secretStoreRef: { name: aws }
  data:
    - secretKey: token
      remoteRef: { key: eso/api }
`);
      expect(r.code, r.stderr).toBe(0);
      let secret: Secret | undefined;
      await waitFor(async () => (secret = await admin.get<Secret>(secretPath(ns, "from-cli"))) !== undefined, { what: `Secret from the CLI controller (${cli.out.stderr.slice(-300)})`, timeoutMs: 30_000 });
      expect(text(secret, "token")).toBe("api-token");
      expect(secret!.metadata.labels?.["reconcile.external-secrets.io/managed"]).toBe("true");
      await waitFor(async () => /^externalsecret_status_condition\{[^}]*name="from-cli"[^}]*status="True"\} 1$/m.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()), { what: "CLI metrics" });
    } finally {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
  });
});
