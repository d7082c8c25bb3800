import { writeFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { runController } from "@hush/controller";
import { apiVersion } from "@hush/kube";
import { KubeClient, loadKubeConfig, resourcePath } from "@hush/kube/client";
import { repoRoot, requirePeer, startKube, startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crdPaths } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const sa = "system:serviceaccount:hush-system:hush-controller";
const manifests = ["namespace.yaml", "serviceaccount.yaml", "rbac.yaml"].map((f) => join(repoRoot, "deploy", "controller", f));

describe.skipIf(!peers.every((p) => p.ok))("deploy/controller RBAC is enough, and no more", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let dir: string;
  let saKubeconfig: string;

  beforeAll(async () => {
    kube = await startKube();
    await kube.applyCrds(crdPaths);
    moto = await startMoto();
    for (const m of manifests) {
      const r = await kube.kubectl(["apply", "-f", m]);
      expect(r.code, r.stderr).toBe(0);
    }
    // The authorizer reads RBAC from an informer: wait until the binding is in effect.
    await waitFor(async () => (await kube.kubectl(["--as", sa, "auth", "can-i", "watch", "externalsecrets.hush.dev", "-A"])).stdout.trim() === "yes", { what: "RBAC in effect" });
    dir = mkdtempSync(join(tmpdir(), "hush-rbac-"));
    const cfg = parse(readFileSync(kube.kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
    for (const u of cfg.users) u.user["as"] = sa;
    saKubeconfig = join(dir, "kubeconfig");
    writeFileSync(saKubeconfig, stringify(cfg), { mode: 0o600 });
  });
  afterAll(async () => {
    await moto?.stop();
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("grants exactly the verbs the controller needs", async () => {
    const can = async (verb: string, resource: string, ns = "default", extra: string[] = []) => (await kube.kubectl(["--as", sa, "auth", "can-i", verb, resource, "-n", ns, ...extra])).stdout.trim();
    expect(await can("patch", "externalsecrets.hush.dev", "default", ["--subresource=status"])).toBe("yes");
    // ExternalSecrets: created, patched (JSON patch guarded by resourceVersion) and deleted only
    // on behalf of ClusterExternalSecrets (role hush-controller-cluster-external-secrets); never PUT.
    for (const verb of ["create", "patch", "delete"]) expect(await can(verb, "externalsecrets.hush.dev"), `${verb} externalsecrets`).toBe("yes");
    expect(await can("update", "externalsecrets.hush.dev")).toBe("no");
    // ClusterExternalSecrets: read and watched, status written; never written otherwise.
    for (const verb of ["get", "list", "watch"]) expect(await can(verb, "clusterexternalsecrets.hush.dev"), `${verb} clusterexternalsecrets`).toBe("yes");
    for (const verb of ["create", "update", "patch", "delete"]) expect(await can(verb, "clusterexternalsecrets.hush.dev"), `${verb} clusterexternalsecrets`).toBe("no");
    expect(await can("patch", "clusterexternalsecrets.hush.dev", "default", ["--subresource=status"])).toBe("yes");
    expect(await can("update", "clusterexternalsecrets.hush.dev", "default", ["--subresource=finalizers"])).toBe("yes");
    // Namespaces: listed and watched for ClusterExternalSecret selectors; never written.
    for (const verb of ["get", "list", "watch"]) expect(await can(verb, "namespaces"), `${verb} namespaces`).toBe("yes");
    for (const verb of ["create", "update", "patch", "delete"]) expect(await can(verb, "namespaces"), `${verb} namespaces`).toBe("no");
    expect(await can("create", "leases.coordination.k8s.io", "hush-system")).toBe("yes");
    expect(await can("create", "leases.coordination.k8s.io", "default")).toBe("no");
    // templateFrom ConfigMaps: read, never listed, watched or written.
    expect(await can("get", "configmaps")).toBe("yes");
    expect(await can("list", "configmaps")).toBe("no");
    expect(await can("update", "configmaps")).toBe("no");
    // Generators (dataFrom[].sourceRef.generatorRef): read live, never listed, watched or written.
    await kube.applyCrds(["passwords", "uuids", "vaultdynamicsecrets", "fakes", "ecrauthorizationtokens", "stssessiontokens", "clustergenerators"].map((p) => join(repoRoot, "deploy", "crds", `generators.hush.dev_${p}.yaml`)));
    for (const kind of ["passwords.generators.hush.dev", "uuids.generators.hush.dev", "vaultdynamicsecrets.generators.hush.dev", "fakes.generators.hush.dev", "ecrauthorizationtokens.generators.hush.dev", "stssessiontokens.generators.hush.dev", "clustergenerators.generators.hush.dev"]) {
      expect(await can("get", kind), `get ${kind}`).toBe("yes");
      for (const verb of ["list", "watch", "create", "update", "delete"]) expect(await can(verb, kind), `${verb} ${kind}`).toBe("no");
    }
    expect(await can("create", "pods")).toBe("no");
    // Secrets are written by server-side apply (PATCH) and created with POST; never PUT.
    expect(await can("patch", "secrets")).toBe("yes");
    expect(await can("update", "secrets")).toBe("no");
    // OwnerReferencesPermissionEnforcement: blockOwnerDeletion on Owner Secrets needs this.
    expect(await can("update", "externalsecrets.hush.dev", "default", ["--subresource=finalizers"])).toBe("yes");
  });

  it("grants PushSecrets read, status and a finalizer patch, create and delete only for ClusterPushSecrets; never update (Secrets stay get)", async () => {
    await kube.applyCrds(["pushsecrets", "clusterpushsecrets"].map((p) => join(repoRoot, "deploy", "crds", `hush.dev_${p}.yaml`)));
    const can = async (verb: string, extra: string[] = [], resource = "pushsecrets.hush.dev") => (await kube.kubectl(["--as", sa, "auth", "can-i", verb, resource, "-n", "default", ...extra])).stdout.trim();
    // create and delete come from hush-controller-cluster-push-secrets (the PushSecrets a ClusterPushSecret stamps).
    for (const verb of ["get", "list", "watch", "patch", "create", "delete"]) expect(await can(verb), `${verb} pushsecrets`).toBe("yes");
    expect(await can("update")).toBe("no");
    expect(await can("patch", ["--subresource=status"])).toBe("yes");
    // ClusterPushSecrets: read and watched, status written; never written otherwise.
    const cps = "clusterpushsecrets.hush.dev";
    for (const verb of ["get", "list", "watch"]) expect(await can(verb, [], cps), `${verb} clusterpushsecrets`).toBe("yes");
    for (const verb of ["create", "update", "patch", "delete"]) expect(await can(verb, [], cps), `${verb} clusterpushsecrets`).toBe("no");
    expect(await can("patch", ["--subresource=status"], cps)).toBe("yes");
    expect(await can("update", ["--subresource=finalizers"], cps)).toBe("yes");
  });

  it("grants TokenRequest (and reading ServiceAccounts, for the IRSA annotation) only in namespaces that bind it, never cluster-wide", async () => {
    const can = async (ns: string) => (await kube.kubectl(["--as", sa, "auth", "can-i", "create", "serviceaccounts", "--subresource=token", "-n", ns])).stdout.trim();
    const canRead = async (verb: string, ns: string) => (await kube.kubectl(["--as", sa, "auth", "can-i", verb, "serviceaccounts", "-n", ns])).stdout.trim();
    const ns = await kube.createNamespace("tokens");
    expect(await can("kube-system")).toBe("no");
    expect(await can(ns)).toBe("no");
    expect(await canRead("get", ns)).toBe("no");
    const example = readFileSync(join(repoRoot, "deploy", "controller", "rolebinding-token-requester.example.yaml"), "utf8").replace("namespace: team-a", `namespace: ${ns}`);
    const r = await kube.kubectl(["apply", "-f", "-"], { input: example });
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => (await can(ns)) === "yes", { what: "per-namespace token binding in effect" });
    expect(await can("kube-system")).toBe("no");
    expect(await canRead("get", ns)).toBe("yes");
    expect(await canRead("get", "kube-system")).toBe("no");
    for (const verb of ["list", "watch", "update", "patch"]) expect(await canRead(verb, ns), `${verb} serviceaccounts`).toBe("no");
  });

  it("serves /metrics only to a token allowed to get /metrics (TokenReview + SubjectAccessReview)", async () => {
    const admin = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
    const ns = await kube.createNamespace("scrape");
    const token = async (name: string) => {
      await admin.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns }), { body: { metadata: { name } } });
      const res = await admin.request<{ status: { token: string } }>("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns, name, subresource: "token" }), {
        body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 600 } },
      });
      return res.status.token;
    };
    const [prometheus, nosy] = [await token("prometheus"), await token("nosy")];
    await admin.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      body: { metadata: { name: "scrape-hush" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "hush-controller-metrics-reader" }, subjects: [{ kind: "ServiceAccount", name: "prometheus", namespace: ns }] },
    });
    await waitFor(async () => (await kube.kubectl(["--as", `system:serviceaccount:${ns}:prometheus`, "auth", "can-i", "get", "/metrics"])).stdout.trim() === "yes", { what: "metrics-reader binding in effect" });
    let address = "";
    const abort = new AbortController();
    const done = runController({
      kubeconfigPath: saKubeconfig,
      signal: abort.signal,
      opsAddress: "127.0.0.1:0",
      leaderElection: false,
      namespace: ns,
      onListening: (a) => (address = a),
      logger: { level: "silent" },
    });
    try {
      await waitFor(async () => address !== "", { what: "ops server listening" });
      const get = (path: string, bearer?: string) => fetch(`${address}${path}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});
      expect((await get("/metrics")).status).toBe(401);
      expect((await get("/metrics", "not-a-token")).status).toBe(401);
      expect((await get("/metrics", nosy)).status).toBe(403);
      const ok = await get("/metrics", prometheus);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("hush_controller_reconcile_total");
      // Probes stay open for the kubelet.
      expect((await get("/healthz")).status).toBe(200);
    } finally {
      abort.abort();
      expect(await done).toBe("stopped");
    }
  });

  it("refuses unauthenticated /metrics on a non-loopback address", async () => {
    await expect(runController({ kubeconfigPath: saKubeconfig, signal: new AbortController().signal, opsAddress: "0.0.0.0:0", metricsAuth: "none", leaderElection: false })).rejects.toMatchObject({ code: "HUSH_ERR_CONTROLLER_CONFIG" });
  });

  it("runs the controller as its ServiceAccount: store validated, Secret synced, Lease held", async () => {
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    await sm.send(new CreateSecretCommand({ Name: "rbac/value", SecretString: "granted" }));
    sm.destroy();
    const admin = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
    const ns = await kube.createNamespace("rbac");
    await admin.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { body: { metadata: { name: "aws-creds" }, stringData: { id: moto.credentials.accessKeyId, secret: moto.credentials.secretAccessKey } } });
    await admin.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "aws" }, spec: { provider: { aws: { region: moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } } } } } },
    });
    await admin.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
      body: { apiVersion, kind: "ExternalSecret", metadata: { name: "v" }, spec: { secretStoreRef: { name: "aws" }, data: [{ secretKey: "v", remoteRef: { key: "rbac/value" } }] } },
    });

    const lines: string[] = [];
    const abort = new AbortController();
    const done = runController({
      kubeconfigPath: saKubeconfig,
      signal: abort.signal,
      opsAddress: "127.0.0.1:0",
      clientOverrides: { aws: { endpoint: moto.endpoint } },
      leaderElection: { namespace: "hush-system", leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 },
      logger: { level: "info", sink: { write: (l: string) => lines.push(l) } },
    });
    try {
      await waitFor(
        async () => {
          const s = await admin.get<{ data?: Record<string, string> }>(resourcePath({ version: "v1", plural: "secrets", namespace: ns, name: "v" }));
          return s?.data?.["v"] === Buffer.from("granted").toString("base64");
        },
        { what: `Secret synced by the ServiceAccount; log:\n${lines.slice(-5).join("")}`, timeoutMs: 30_000 },
      );
      await waitFor(async () => {
        const es = await admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>(resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns, name: "v" }));
        return es?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      }, { what: "Ready=True written by the ServiceAccount" });
      await waitFor(async () => {
        const st = await admin.get<{ status?: { conditions?: { type: string; status: string; reason: string }[] } }>(resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns, name: "aws" }));
        return st?.status?.conditions?.some((c) => c.type === "Ready" && c.reason === "Valid") ?? false;
      }, { what: "store status written by the ServiceAccount" });
      const lease = await admin.get<{ spec?: { holderIdentity?: string } }>(resourcePath({ group: "coordination.k8s.io", version: "v1", plural: "leases", namespace: "hush-system", name: "hush-controller" }));
      expect(lease?.spec?.holderIdentity).toBeTruthy();
      expect(lines.join("\n")).not.toMatch(/HUSH_ERR_KUBE_FORBIDDEN/);
    } finally {
      abort.abort();
      expect(await done).toBe("stopped");
    }
  });

  it("keeps refreshing on its own schedule even when every status write is forbidden", async () => {
    // A ServiceAccount with the shipped ClusterRole minus the status rule: the controller can
    // sync Secrets but never record status, so its schedule cannot come from status writes.
    const admin = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
    const role = parse(readFileSync(manifests[2]!, "utf8").split("\n---\n")[0]!) as { rules: { resources: string[] }[] };
    const rules = role.rules.filter((r) => !r.resources.some((x) => x.endsWith("/status")));
    await admin.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", { body: { metadata: { name: "hush-nostatus" }, rules } });
    await admin.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      body: { metadata: { name: "hush-nostatus" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "hush-nostatus" }, subjects: [{ kind: "ServiceAccount", name: "nostatus", namespace: "hush-system" }] },
    });
    const nostatus = "system:serviceaccount:hush-system:nostatus";
    await waitFor(async () => (await kube.kubectl(["--as", nostatus, "auth", "can-i", "create", "secrets", "-A"])).stdout.trim() === "yes", { what: "nostatus RBAC in effect" });
    const cfg = parse(readFileSync(kube.kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
    for (const u of cfg.users) u.user["as"] = nostatus;
    const path = join(dir, "nostatus-kubeconfig");
    writeFileSync(path, stringify(cfg), { mode: 0o600 });

    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    await sm.send(new CreateSecretCommand({ Name: "rbac/ticking", SecretString: "t1" }));
    const ns = await kube.createNamespace("nostatus");
    await admin.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { body: { metadata: { name: "aws-creds" }, stringData: { id: moto.credentials.accessKeyId, secret: moto.credentials.secretAccessKey } } });
    await admin.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "aws" }, spec: { provider: { aws: { region: moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } } } } } },
    });
    await admin.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
      body: { apiVersion, kind: "ExternalSecret", metadata: { name: "ticking" }, spec: { secretStoreRef: { name: "aws" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "rbac/ticking" } }] } },
    });
    const value = async () => {
      const s = await admin.get<{ data?: Record<string, string> }>(resourcePath({ version: "v1", plural: "secrets", namespace: ns, name: "ticking" }));
      return s?.data?.["v"] ? Buffer.from(s.data["v"], "base64").toString() : undefined;
    };
    const lines: string[] = [];
    const abort = new AbortController();
    const done = runController({
      kubeconfigPath: path,
      namespace: ns,
      signal: abort.signal,
      opsAddress: "127.0.0.1:0",
      clientOverrides: { aws: { endpoint: moto.endpoint } },
      leaderElection: false,
      logger: { level: "info", sink: { write: (l: string) => lines.push(l) } },
    });
    try {
      await waitFor(async () => (await value()) === "t1", { what: "first sync without status", timeoutMs: 30_000 });
      await sm.send(new PutSecretValueCommand({ SecretId: "rbac/ticking", SecretString: "t2" }));
      await waitFor(async () => (await value()) === "t2", { what: "refresh without any status write", timeoutMs: 30_000 });
      const es = await admin.get<{ status?: unknown }>(resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns, name: "ticking" }));
      expect(es?.status).toBeUndefined();
      expect(lines.join("\n")).toContain("HUSH_ERR_KUBE_FORBIDDEN");
    } finally {
      sm.destroy();
      abort.abort();
      expect(await done).toBe("stopped");
    }
  });

  it("the Deployment and NetworkPolicy manifests pass server-side validation", async () => {
    for (const f of ["deployment.yaml", "networkpolicy.yaml"]) {
      const r = await kube.kubectl(["apply", "--dry-run=server", "-f", join(repoRoot, "deploy", "controller", f)]);
      expect(r.code, r.stderr).toBe(0);
    }
  });
});
