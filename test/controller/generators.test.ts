// Password and UUID generators (dataFrom[].sourceRef.generatorRef) against a real kube-apiserver,
// in both API flavours: hush.dev (the controller runs as deploy/controller's ServiceAccount, so
// its RBAC is exercised) and external-secrets.io (ESO's manifests, ESO's generator group).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runController } from "@hush/controller";
import { esoFlavour, forceSyncAnnotation, type ExternalSecret, type Secret } from "@hush/kube";
import { KubeClient, loadKubeConfig, resourcePath } from "@hush/kube/client";
import { repoRoot, requirePeer, startKube, waitFor, type KubeHarness } from "@hush/testkit";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const peers = ["etcd", "kube-apiserver", "kubectl"].map((n) => requirePeer(n, "run `bash scripts/peers kube`"));
const sa = "system:serviceaccount:hush-system:hush-controller";

const flavours = {
  hush: { group: "hush.dev", version: "v1", generators: "generators.hush.dev/v1alpha1" },
  eso: { group: "external-secrets.io", version: "v1", generators: "generators.external-secrets.io/v1alpha1" },
} as const;
type Flavour = (typeof flavours)[keyof typeof flavours];

const esPath = (f: Flavour, ns: string, name: string) => resourcePath({ group: f.group, version: f.version, plural: "externalsecrets", namespace: ns, name });
const readyOf = (es: ExternalSecret | undefined) => es?.status?.conditions?.find((c) => c.type === "Ready");
const value = (s: Secret | undefined, key: string) => (s?.data?.[key] === undefined ? undefined : Buffer.from(s.data[key]!, "base64").toString("utf8"));
const count = (s: string, set: string) => [...s].filter((c) => set.includes(c)).length;
const lower = "abcdefghijklmnopqrstuvwxyz";
const upper = lower.toUpperCase();
const digits = "0123456789";
const esoSymbols = "~!@#$%^&*()_+`-={}|[]\\:\"<>?,./";
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.skipIf(!peers.every((p) => p.ok))("generators: Password and UUID through dataFrom[].sourceRef.generatorRef", () => {
  let kube: KubeHarness;
  let admin: KubeClient;
  let dir: string;
  let hushNs: string;
  let otherNs: string;
  let esoNs: string;
  const abort = new AbortController();
  const done: Promise<unknown>[] = [];

  const create = async (ns: string, doc: object) => {
    const r = await kube.kubectl(["create", "-n", ns, "-f", "-"], { input: JSON.stringify(doc) });
    return r;
  };
  const mustCreate = async (ns: string, doc: object) => {
    const r = await create(ns, doc);
    expect(r.code, r.stderr).toBe(0);
  };
  const secret = (ns: string, name: string) => admin.get<Secret>(resourcePath({ version: "v1", plural: "secrets", namespace: ns, name }));
  const es = (f: Flavour, ns: string, name: string) => admin.get<ExternalSecret>(esPath(f, ns, name));
  const externalSecret = (f: Flavour, name: string, spec: object) => ({ apiVersion: `${f.group}/${f.version}`, kind: "ExternalSecret", metadata: { name }, spec });
  const createClusterScoped = async (doc: object) => kube.kubectl(["create", "-f", "-"], { input: JSON.stringify(doc) });
  const clusterGenerator = (f: Flavour, name: string, spec: object) => ({ apiVersion: f.generators, kind: "ClusterGenerator", metadata: { name }, spec });
  const generator = (f: Flavour, kind: "Password" | "UUID" | "Fake", name: string, spec: object = {}) => ({ apiVersion: f.generators, kind, metadata: { name }, spec });
  const settled = async (f: Flavour, ns: string, name: string) => {
    await waitFor(async () => readyOf(await es(f, ns, name)) !== undefined, { timeoutMs: 30_000, what: `${ns}/${name} to report Ready` });
    return readyOf(await es(f, ns, name))!;
  };

  beforeAll(async () => {
    kube = await startKube();
    // hush.dev: deploy/controller exactly as a user applies it (CRDs, generator CRDs, RBAC).
    const built = await kube.kubectl(["kustomize", join(repoRoot, "deploy", "controller")]);
    expect(built.code, built.stderr).toBe(0);
    const applied = await kube.kubectl(["apply", "--server-side", "-f", "-"], { input: built.stdout });
    expect(applied.code, applied.stderr).toBe(0);
    // external-secrets.io: the generated CRDs of deploy/crds-eso (ESO's group and generator group).
    const esoCrds = await kube.kubectl(["kustomize", join(repoRoot, "deploy", "crds-eso")]);
    expect(esoCrds.code, esoCrds.stderr).toBe(0);
    expect((await kube.kubectl(["apply", "--server-side", "-f", "-"], { input: esoCrds.stdout })).code).toBe(0);
    for (const crd of ["passwords.generators.hush.dev", "uuids.generators.hush.dev", "fakes.generators.hush.dev", "clustergenerators.generators.hush.dev", "passwords.generators.external-secrets.io", "uuids.generators.external-secrets.io", "fakes.generators.external-secrets.io", "clustergenerators.generators.external-secrets.io", "externalsecrets.external-secrets.io"]) {
      const w = await kube.kubectl(["wait", "--for=condition=Established", `crd/${crd}`, "--timeout=30s"]);
      expect(w.code, w.stderr).toBe(0);
    }
    await waitFor(async () => (await kube.kubectl(["--as", sa, "auth", "can-i", "get", "passwords.generators.hush.dev", "-n", "default"])).stdout.trim() === "yes", { what: "RBAC in effect" });
    dir = mkdtempSync(join(tmpdir(), "hush-generators-"));
    const cfg = parse(readFileSync(kube.kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
    for (const u of cfg.users) u.user["as"] = sa;
    const saKubeconfig = join(dir, "kubeconfig");
    writeFileSync(saKubeconfig, stringify(cfg), { mode: 0o600 });
    admin = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
    hushNs = await kube.createNamespace("gen");
    otherNs = await kube.createNamespace("gen-other");
    esoNs = await kube.createNamespace("gen-eso");

    const common = { signal: abort.signal, opsAddress: "127.0.0.1:0", metricsAuth: "none" as const, leaderElection: false as const, backoff: { baseMs: 200, maxMs: 2_000 }, logger: { level: "silent" as const } };
    // hush.dev as the deployed ServiceAccount; every namespace (the tenant test needs two).
    done.push(runController({ ...common, kubeconfigPath: saKubeconfig }));
    // external-secrets.io in its own namespace (the ClusterRole of deploy/controller is hush.dev's).
    done.push(runController({ ...common, kubeconfigPath: kube.kubeconfigPath, namespace: esoNs, flavour: esoFlavour }));
  });

  afterAll(async () => {
    abort.abort();
    await Promise.all(done.map((d) => d.catch(() => undefined)));
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("hush.dev: a Password and a UUID generator fill the Secret with ESO's keys, rewritten, of the requested shape", async () => {
    const f = flavours.hush;
    await mustCreate(hushNs, generator(f, "Password", "pw", { length: 32, digits: 5, symbols: 3, symbolCharacters: "-_", noUpper: true, allowRepeat: true }));
    await mustCreate(hushNs, generator(f, "UUID", "id"));
    await mustCreate(hushNs, externalSecret(f, "app", {
      refreshInterval: "1h",
      target: { name: "app-secret" },
      dataFrom: [
        { sourceRef: { generatorRef: { apiVersion: f.generators, kind: "Password", name: "pw" } } },
        { sourceRef: { generatorRef: { kind: "UUID", name: "id" } }, rewrite: [{ regexp: { source: "^uuid$", target: "instance-id" } }] },
      ],
    }));
    await waitFor(async () => (await secret(hushNs, "app-secret")) !== undefined, { timeoutMs: 30_000, what: "generated Secret" });
    const s = (await secret(hushNs, "app-secret"))!;
    expect(Object.keys(s.data ?? {}).sort()).toEqual(["instance-id", "password"]);
    const pw = value(s, "password")!;
    expect(pw).toHaveLength(32);
    expect(count(pw, digits)).toBe(5);
    expect(count(pw, "-_")).toBe(3);
    expect(count(pw, lower)).toBe(24);
    expect(count(pw, upper)).toBe(0);
    expect(value(s, "instance-id")).toMatch(uuidShape);
    expect(readyOf(await es(f, hushNs, "app"))).toMatchObject({ status: "True", reason: "SecretSynced" });
    // The stored generatorRef got the flavour's apiVersion as its default.
    const stored = (await es(f, hushNs, "app"))!;
    expect(stored.spec.dataFrom?.[1]?.sourceRef?.generatorRef?.apiVersion).toBe(f.generators);
  });

  it("hush.dev: a new value on every refresh; refreshInterval 0 generates once and never again (as ESO)", async () => {
    const f = flavours.hush;
    await mustCreate(hushNs, generator(f, "Password", "rotating"));
    await mustCreate(hushNs, externalSecret(f, "rotating", { refreshInterval: "1s", dataFrom: [{ sourceRef: { generatorRef: { kind: "Password", name: "rotating" } } }] }));
    await mustCreate(hushNs, externalSecret(f, "once", { refreshInterval: "0", dataFrom: [{ sourceRef: { generatorRef: { kind: "Password", name: "rotating" } } }] }));
    await waitFor(async () => value(await secret(hushNs, "rotating"), "password") !== undefined && value(await secret(hushNs, "once"), "password") !== undefined, { timeoutMs: 30_000, what: "both Secrets" });
    const first = value(await secret(hushNs, "once"), "password")!;
    // Ask for a refresh of the zero-interval one: ESO does not refresh it again once synced.
    const patched = await kube.kubectl(["annotate", "-n", hushNs, `externalsecrets.${f.group}/once`, `${forceSyncAnnotation}=1`]);
    expect(patched.code, patched.stderr).toBe(0);
    // The periodic one must change at least twice after that, so the controller has been busy
    // reconciling long enough to have handled the annotation change too.
    const seen = new Set<string>([value(await secret(hushNs, "rotating"), "password")!]);
    await waitFor(async () => {
      seen.add(value(await secret(hushNs, "rotating"), "password")!);
      return seen.size >= 3;
    }, { timeoutMs: 30_000, what: "the 1s ExternalSecret to regenerate twice" });
    for (const p of seen) expect(p).toHaveLength(24);
    expect(value(await secret(hushNs, "once"), "password")).toBe(first);
  });

  it("hush.dev: an unsupported kind is refused by the API server, naming the supported ones", async () => {
    const f = flavours.hush;
    const r = await create(hushNs, externalSecret(f, "gcr", { dataFrom: [{ sourceRef: { generatorRef: { kind: "GCRAccessToken", name: "x" } } }] }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("only Password, UUID, VaultDynamicSecret, Fake, ECRAuthorizationToken, STSSessionToken and ClusterGenerator generators are supported by hush yet");
    const mixed = await create(hushNs, externalSecret(f, "mixed", { secretStoreRef: { name: "s" }, dataFrom: [{ extract: { key: "k" }, sourceRef: { generatorRef: { kind: "Password", name: "pw" } } }] }));
    expect(mixed.code).not.toBe(0);
    expect(mixed.stderr).toMatch(/maxProperties|cannot be combined with extract or find/);
    const otherGroup = await create(hushNs, externalSecret(f, "eso-group", { dataFrom: [{ sourceRef: { generatorRef: { apiVersion: flavours.eso.generators, kind: "Password", name: "pw" } } }] }));
    expect(otherGroup.code).not.toBe(0);
    expect(otherGroup.stderr).toContain(`generatorRef.apiVersion must be ${f.generators}`);
  });

  it("hush.dev: a generator that cannot produce a value is Ready=False with the reason; one past the length bound is refused", async () => {
    const f = flavours.hush;
    await mustCreate(hushNs, generator(f, "Password", "impossible", { length: 24, digits: 20, symbols: 20 }));
    await mustCreate(hushNs, externalSecret(f, "impossible", { dataFrom: [{ sourceRef: { generatorRef: { kind: "Password", name: "impossible" } } }] }));
    const bad = await settled(f, hushNs, "impossible");
    expect(bad).toMatchObject({ status: "False", reason: "SecretSyncedError" });
    expect(bad.message).toContain("number of digits and symbols must be less than total length");
    expect(bad.message).toContain("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(await secret(hushNs, "impossible")).toBeUndefined();
    // Past the bound the API server refuses the generator itself.
    const huge = await create(hushNs, generator(f, "Password", "huge", { length: 5000 }));
    expect(huge.code).not.toBe(0);
    expect(huge.stderr).toContain("4096");
  });

  it("hush.dev: a tenant cannot reach a generator in another namespace", async () => {
    const f = flavours.hush;
    // The generator exists, but in another namespace.
    await mustCreate(otherNs, generator(f, "Password", "theirs"));
    await mustCreate(hushNs, externalSecret(f, "cross", { dataFrom: [{ sourceRef: { generatorRef: { kind: "Password", name: "theirs" } } }] }));
    const ready = await settled(f, hushNs, "cross");
    expect(ready).toMatchObject({ status: "False", reason: "SecretSyncedError" });
    expect(ready.message).toContain(`not found in namespace ${hushNs}`);
    expect(ready.message).toContain("HUSH_ERR_CONTROLLER_GENERATOR_NOT_FOUND");
    // generatorRef has no namespace field: the API server refuses one (strict field validation).
    const withNs = await create(hushNs, externalSecret(f, "cross-ns", { dataFrom: [{ sourceRef: { generatorRef: { kind: "Password", name: "theirs", namespace: otherNs } } }] }));
    expect(withNs.code).not.toBe(0);
    expect(withNs.stderr).toContain("unknown field");
    // Created once the generator exists in the ExternalSecret's own namespace, the retry syncs.
    await mustCreate(hushNs, generator(f, "Password", "theirs"));
    await waitFor(async () => readyOf(await es(f, hushNs, "cross"))?.status === "True", { timeoutMs: 30_000, what: "cross to sync from its own namespace" });
    expect(value(await secret(hushNs, "cross"), "password")).toHaveLength(24);
  });

  it("hush.dev: a Fake generator's spec.data lands in the Secret unchanged (as the controller's ServiceAccount)", async () => {
    const f = flavours.hush;
    const data = { username: "app", "db.password": "s3cr3t with spaces", empty: "", unicode: "pässwörd ✓" };
    await mustCreate(hushNs, generator(f, "Fake", "static", { data }));
    await mustCreate(hushNs, externalSecret(f, "fake", { refreshInterval: "1h", dataFrom: [{ sourceRef: { generatorRef: { kind: "Fake", name: "static" } } }] }));
    await waitFor(async () => readyOf(await es(f, hushNs, "fake"))?.status === "True", { timeoutMs: 30_000, what: "Fake ExternalSecret Ready" });
    const s = (await secret(hushNs, "fake"))!;
    expect(Object.keys(s.data ?? {}).sort()).toEqual(Object.keys(data).sort());
    for (const [k, v] of Object.entries(data)) expect(value(s, k), k).toBe(v);
    // controller (generator controller classes) is refused, not ignored.
    const withController = await create(hushNs, generator(f, "Fake", "classed", { controller: "dev", data }));
    expect(withController.code).not.toBe(0);
    expect(withController.stderr).toContain("spec.controller is not supported by hush yet");
  });

  it("hush.dev: a ClusterGenerator (admin-written, cluster-scoped) serves Password and Fake to ExternalSecrets of any namespace", async () => {
    const f = flavours.hush;
    for (const doc of [
      clusterGenerator(f, "shared-pw", { kind: "Password", generator: { passwordSpec: { length: 40, digits: 4, symbols: 0 } } }),
      clusterGenerator(f, "shared-fake", { kind: "Fake", generator: { fakeSpec: { data: { region: "eu-1" } } } }),
    ]) {
      const r = await createClusterScoped(doc);
      expect(r.code, r.stderr).toBe(0);
    }
    const spec = { refreshInterval: "1h", dataFrom: [{ sourceRef: { generatorRef: { kind: "ClusterGenerator", name: "shared-pw" } } }, { sourceRef: { generatorRef: { kind: "ClusterGenerator", name: "shared-fake" } } }] };
    await mustCreate(hushNs, externalSecret(f, "from-cluster", spec));
    await mustCreate(otherNs, externalSecret(f, "from-cluster", spec));
    for (const ns of [hushNs, otherNs]) {
      await waitFor(async () => readyOf(await es(f, ns, "from-cluster"))?.status === "True", { timeoutMs: 30_000, what: `${ns}/from-cluster Ready` });
      const s = (await secret(ns, "from-cluster"))!;
      expect(Object.keys(s.data ?? {}).sort()).toEqual(["password", "region"]);
      const pw = value(s, "password")!;
      expect(pw).toHaveLength(40);
      expect(count(pw, digits)).toBe(4);
      expect(count(pw, lower + upper)).toBe(36);
      expect(value(s, "region")).toBe("eu-1");
    }
    // A missing ClusterGenerator is reported by name.
    await mustCreate(hushNs, externalSecret(f, "no-cluster-gen", { dataFrom: [{ sourceRef: { generatorRef: { kind: "ClusterGenerator", name: "absent" } } }] }));
    const missing = await settled(f, hushNs, "no-cluster-gen");
    expect(missing).toMatchObject({ status: "False", reason: "SecretSyncedError" });
    expect(missing.message).toContain('ClusterGenerator "absent" not found');
  });

  it("hush.dev: a ClusterGenerator cannot wrap a VaultDynamicSecret (tenant credentials) nor a kind without its settings", async () => {
    const f = flavours.hush;
    const vds = await createClusterScoped(clusterGenerator(f, "vault", { kind: "VaultDynamicSecret", generator: { vaultDynamicSecretSpec: { path: "database/creds/app", provider: { server: "http://vault:8200", auth: { tokenSecretRef: { name: "t", key: "token" } } } } } }));
    expect(vds.code).not.toBe(0);
    expect(vds.stderr).toContain("VaultDynamicSecret is not allowed in a ClusterGenerator by hush");
    expect(vds.stderr).toContain("spec.generator.vaultDynamicSecretSpec is not supported by hush yet");
    const mismatched = await createClusterScoped(clusterGenerator(f, "mismatch", { kind: "Password", generator: { fakeSpec: { data: { a: "b" } } } }));
    expect(mismatched.code).not.toBe(0);
    expect(mismatched.stderr).toContain("spec.generator.passwordSpec must be set when spec.kind is Password");
    const two = await createClusterScoped(clusterGenerator(f, "two", { kind: "Fake", generator: { fakeSpec: {}, uuidSpec: {} } }));
    expect(two.code).not.toBe(0);
    // Neither was stored.
    expect((await kube.kubectl(["get", "clustergenerators.generators.hush.dev", "vault"])).code).not.toBe(0);
  });

  it("external-secrets.io: Fake and a ClusterGenerator in ESO's generator group", async () => {
    const f = flavours.eso;
    await mustCreate(esoNs, generator(f, "Fake", "static", { data: { token: "abc" } }));
    const r = await createClusterScoped(clusterGenerator(f, "eso-uuid", { kind: "UUID", generator: { uuidSpec: {} } }));
    expect(r.code, r.stderr).toBe(0);
    await mustCreate(esoNs, externalSecret(f, "fake-and-cluster", {
      refreshInterval: "1h",
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion: f.generators, kind: "Fake", name: "static" } } }, { sourceRef: { generatorRef: { apiVersion: f.generators, kind: "ClusterGenerator", name: "eso-uuid" } } }],
    }));
    await waitFor(async () => readyOf(await es(f, esoNs, "fake-and-cluster"))?.status === "True", { timeoutMs: 30_000, what: "ESO-flavour Fake + ClusterGenerator Ready" });
    const s = (await secret(esoNs, "fake-and-cluster"))!;
    expect(value(s, "token")).toBe("abc");
    expect(value(s, "uuid")).toMatch(uuidShape);
  });

  it("external-secrets.io: an ESO manifest with ESO's generator group syncs ESO's default password shape", async () => {
    const f = flavours.eso;
    await mustCreate(esoNs, generator(f, "Password", "pw"));
    await mustCreate(esoNs, generator(f, "UUID", "id"));
    await mustCreate(esoNs, { ...externalSecret(f, "app", {
      refreshInterval: "1h",
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion: f.generators, kind: "Password", name: "pw" } } }, { sourceRef: { generatorRef: { apiVersion: f.generators, kind: "UUID", name: "id" } } }],
    }), apiVersion: "external-secrets.io/v1beta1" });
    await waitFor(async () => readyOf(await es(f, esoNs, "app"))?.status === "True", { timeoutMs: 30_000, what: "ESO-flavour ExternalSecret Ready" });
    const s = (await secret(esoNs, "app"))!;
    const pw = value(s, "password")!;
    expect(pw).toHaveLength(24);
    expect(count(pw, digits)).toBe(6);
    expect(count(pw, esoSymbols)).toBe(6);
    expect(count(pw, lower + upper)).toBe(12);
    expect(new Set(pw).size).toBe(24); // allowRepeat defaults to false
    expect(value(s, "uuid")).toMatch(uuidShape);
    expect(s.metadata.labels?.["reconcile.external-secrets.io/managed"]).toBe("true");
    // hush's own generator group is not ESO's.
    const r = await create(esoNs, externalSecret(f, "hush-group", { dataFrom: [{ sourceRef: { generatorRef: { apiVersion: flavours.hush.generators, kind: "Password", name: "pw" } } }] }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`generatorRef.apiVersion must be ${f.generators}`);
  });
});
