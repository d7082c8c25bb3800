import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { apiVersion } from "@hush/kube";
import { KubeClient, loadKubeConfig, resourcePath } from "@hush/kube/client";
import {
  repoRoot,
  requirePeer,
  startGcpSecretManager,
  startGcpTokenService,
  startKube,
  waitFor,
  type GcpSecretManagerHarness,
  type GcpTokenServiceFake,
  type KubeHarness,
} from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindTenant, clientAs, crdPaths, createEs, kubeconfigAs, ready, runTestController, startEnv, waitForReady, waitForSecret, type Env } from "./harness.js";

const kubePeers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));

const CLUSTER = { clusterProjectID: "hush-cluster", clusterLocation: "europe-west1", clusterName: "prod" };
const POOL = "hush-cluster.svc.id.goog";
const AUDIENCE = `identitynamespace:${POOL}:https://container.googleapis.com/v1/projects/hush-cluster/locations/europe-west1/clusters/prod`;
const GSA = "secret-reader@hush-cluster.iam.gserviceaccount.com";

async function createServiceAccount(env: Env, ns: string, name: string, annotations: Record<string, string>): Promise<void> {
  await env.client.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns }), { body: { metadata: { name, annotations } } });
}

async function createStore(client: KubeClient, ns: string | undefined, name: string, spec: Record<string, unknown>): Promise<void> {
  await client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: ns ? "secretstores" : "clustersecretstores", ...(ns ? { namespace: ns } : {}) }), {
    body: { apiVersion, kind: ns ? "SecretStore" : "ClusterSecretStore", metadata: { name }, spec },
  });
}

/** Asks the API server whether `token` is its own, for `audience`: proves the subject token is a real kube-issued JWT. */
async function tokenReview(env: Env, token: string, audience: string): Promise<{ authenticated?: boolean; user?: { username?: string }; audiences?: string[] }> {
  const review = (await env.client.request("POST", resourcePath({ group: "authentication.k8s.io", version: "v1", plural: "tokenreviews" }), {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token, audiences: [audience] } },
  })) as { status?: { authenticated?: boolean; user?: { username?: string }; audiences?: string[] } };
  return review.status ?? {};
}

describe.skipIf(!kubePeers.every((p) => p.ok))("GCP workload identity against the real API server, the STS / IAM Credentials fake and the TLS Secret Manager fake", () => {
  let env: Env;
  let sts: GcpTokenServiceFake;
  let gcp: GcpSecretManagerHarness;

  beforeAll(async () => {
    sts = await startGcpTokenService({ audience: AUDIENCE, serviceAccounts: [GSA] });
    // Secret Manager takes only what generateAccessToken issued: the impersonated GSA's token.
    gcp = await startGcpSecretManager({ tls: true, authorize: (t) => sts.isServiceAccountToken(t) });
    env = await startEnv({
      gcpsm: { apiEndpoint: "127.0.0.1", port: gcp.clientOptions.port, caPem: gcp.caPem!, stsEndpoint: sts.endpoint, iamCredentialsEndpoint: sts.endpoint },
    });
    const sm = new SecretManagerServiceClient(gcp.clientOptions);
    const parent = `projects/${gcp.projectId}`;
    await sm.createSecret({ parent, secretId: "wi-db", secret: { replication: { automatic: {} } } });
    await sm.addSecretVersion({ parent: `${parent}/secrets/wi-db`, payload: { data: Buffer.from(JSON.stringify({ password: "via-workload-identity" })) } });
    await sm.close();
  });
  afterAll(async () => {
    await env?.stop();
    await gcp?.stop();
    await sts?.stop();
  });

  it("syncs with a kube-issued ServiceAccount token exchanged at STS and the annotated GSA's access token", async () => {
    const ns = await env.kube.createNamespace("gcp-wi");
    await createServiceAccount(env, ns, "app", { "iam.gke.io/gcp-service-account": GSA });
    await createStore(env.client, ns, "gcp-wi", { provider: { gcpsm: { projectID: gcp.projectId, auth: { workloadIdentity: { ...CLUSTER, serviceAccountRef: { name: "app" } } } } } });
    await createEs(env, ns, "db", { secretStoreRef: { name: "gcp-wi" }, data: [{ secretKey: "password", remoteRef: { key: "wi-db", property: "password" } }] });
    await waitForSecret(env, ns, "db", (d) => d["password"] === "via-workload-identity", "synced through workload identity");

    const exchange = sts.exchanges.find((e) => e.subjectClaims["sub"] === `system:serviceaccount:${ns}:app`);
    expect(exchange, JSON.stringify(sts.refused)).toBeDefined();
    expect(exchange!.audience).toBe(AUDIENCE);
    expect(exchange!.subjectClaims["aud"]).toEqual([POOL]);
    const review = await tokenReview(env, exchange!.subjectToken, POOL);
    expect(review.authenticated).toBe(true);
    expect(review.user?.username).toBe(`system:serviceaccount:${ns}:app`);
    const generated = sts.generated.find((g) => g.bearer === exchange!.issued);
    expect(generated?.serviceAccount).toBe(GSA);
    expect(generated?.scope).toEqual(["https://www.googleapis.com/auth/cloud-platform"]);
    const access = gcp.calls.filter((c) => c.method === "AccessSecretVersion" && c.bearer === generated!.issued);
    expect(access.length).toBeGreaterThan(0);
    // Nothing reached Secret Manager with the controller's own (absent) identity or a federated token.
    expect(gcp.calls.filter((c) => c.method === "AccessSecretVersion" && c.bearer !== gcp.adminToken).every((c) => sts.isServiceAccountToken(c.bearer))).toBe(true);
    const logs = JSON.stringify(env.logs);
    for (const t of [exchange!.subjectToken, exchange!.issued, generated!.issued]) expect(logs).not.toContain(t);
  });

  it("a ClusterSecretStore names the ServiceAccount's namespace", async () => {
    const ns = await env.kube.createNamespace("gcp-wi-sa");
    await createServiceAccount(env, ns, "shared", { "iam.gke.io/gcp-service-account": GSA });
    const consumer = await env.kube.createNamespace("gcp-wi-use");
    await createStore(env.client, undefined, "gcp-wi-cluster", {
      provider: { gcpsm: { projectID: gcp.projectId, auth: { workloadIdentity: { ...CLUSTER, serviceAccountRef: { name: "shared", namespace: ns } } } } },
    });
    await createEs(env, consumer, "db", { secretStoreRef: { kind: "ClusterSecretStore", name: "gcp-wi-cluster" }, data: [{ secretKey: "p", remoteRef: { key: "wi-db", property: "password" } }] });
    await waitForSecret(env, consumer, "db", (d) => d["p"] === "via-workload-identity", "synced through a ClusterSecretStore");
    expect(sts.exchanges.some((e) => e.subjectClaims["sub"] === `system:serviceaccount:${ns}:shared`)).toBe(true);
  });

  it("a tenant store cannot borrow another namespace's ServiceAccount, nor impersonate with a malformed annotation", async () => {
    const victim = await env.kube.createNamespace("gcp-wi-victim");
    await createServiceAccount(env, victim, "privileged", { "iam.gke.io/gcp-service-account": GSA });
    const ns = await env.kube.createNamespace("gcp-wi-tenant");
    await createServiceAccount(env, ns, "odd", { "iam.gke.io/gcp-service-account": `${GSA}/../../v1/token` });
    await bindTenant(env, ns, "tenant-gcp-wi");
    const tenant = clientAs(env, "tenant-gcp-wi");
    const exchangesBefore = sts.exchanges.length;
    try {
      await createStore(tenant.client, ns, "borrow", {
        provider: { gcpsm: { projectID: gcp.projectId, auth: { workloadIdentity: { ...CLUSTER, serviceAccountRef: { name: "privileged", namespace: victim } } } } },
      });
      await createStore(tenant.client, ns, "odd", { provider: { gcpsm: { projectID: gcp.projectId, auth: { workloadIdentity: { ...CLUSTER, serviceAccountRef: { name: "odd" } } } } } });
      for (const name of ["borrow", "odd"]) {
        await tenant.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
          body: { apiVersion, kind: "ExternalSecret", metadata: { name }, spec: { secretStoreRef: { name }, data: [{ secretKey: "p", remoteRef: { key: "wi-db", property: "password" } }] } },
        });
      }
    } finally {
      tenant.dispose();
    }
    const borrowed = await waitForReady(env, ns, "borrow", (r) => r.status === "False", "cross-namespace ServiceAccount refused");
    expect(ready(borrowed).message).toMatch(/serviceAccountRef\.namespace must be empty on a namespaced SecretStore|HUSH_ERR_CONTROLLER_STORE_NOT_READY|HUSH_ERR_PROVIDERS_INVALID_CONFIG/);
    const odd = await waitForReady(env, ns, "odd", (r) => r.status === "False", "malformed annotation refused");
    expect(ready(odd).message).toMatch(/not a Google service-account email|HUSH_ERR_CONTROLLER_STORE_NOT_READY|HUSH_ERR_PROVIDERS_INVALID_CONFIG/);
    const after = sts.exchanges.slice(exchangesBefore);
    expect(after.some((e) => String(e.subjectClaims["sub"]).startsWith(`system:serviceaccount:${victim}:`))).toBe(false);
    expect(after.some((e) => e.subjectClaims["sub"] === `system:serviceaccount:${ns}:odd`)).toBe(false);
    expect(sts.refused.filter((r) => r.path.includes("generateAccessToken"))).toEqual([]);
  });
});

describe.skipIf(!kubePeers.every((p) => p.ok))("GCP workload identity with the shipped RBAC (controller runs as its ServiceAccount)", () => {
  let kube: KubeHarness;
  let sts: GcpTokenServiceFake;
  let gcp: GcpSecretManagerHarness;
  const controllerSa = "system:serviceaccount:hush-system:hush-controller";

  beforeAll(async () => {
    kube = await startKube();
    await kube.applyCrds(crdPaths);
    for (const f of ["namespace.yaml", "serviceaccount.yaml", "rbac.yaml"]) {
      const r = await kube.kubectl(["apply", "-f", join(repoRoot, "deploy", "controller", f)]);
      expect(r.code, r.stderr).toBe(0);
    }
    sts = await startGcpTokenService({ audience: AUDIENCE, serviceAccounts: [GSA] });
    gcp = await startGcpSecretManager({ tls: true, authorize: (t) => sts.isServiceAccountToken(t) });
    const sm = new SecretManagerServiceClient(gcp.clientOptions);
    await sm.createSecret({ parent: `projects/${gcp.projectId}`, secretId: "rbac", secret: { replication: { automatic: {} } } });
    await sm.addSecretVersion({ parent: `projects/${gcp.projectId}/secrets/rbac`, payload: { data: Buffer.from("granted") } });
    await sm.close();
  });
  afterAll(async () => {
    await gcp?.stop();
    await sts?.stop();
    await kube?.stop();
  });

  it("syncs where hush-controller-token-requester is bound, and is refused (no exchange) where it is not", async () => {
    const admin = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
    const setUp = async (prefix: string): Promise<string> => {
      const ns = await kube.createNamespace(prefix);
      await admin.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns }), { body: { metadata: { name: "app", annotations: { "iam.gke.io/gcp-service-account": GSA } } } });
      await createStore(admin, ns, "gcp", { provider: { gcpsm: { projectID: gcp.projectId, auth: { workloadIdentity: { ...CLUSTER, serviceAccountRef: { name: "app" } } } } } });
      await admin.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
        body: { apiVersion, kind: "ExternalSecret", metadata: { name: "v" }, spec: { secretStoreRef: { name: "gcp" }, data: [{ secretKey: "v", remoteRef: { key: "rbac" } }] } },
      });
      return ns;
    };
    const bound = await setUp("gcp-wi-bound");
    const unbound = await setUp("gcp-wi-unbound");
    const example = readFileSync(join(repoRoot, "deploy", "controller", "rolebinding-token-requester.example.yaml"), "utf8").replace("namespace: team-a", `namespace: ${bound}`);
    const r = await kube.kubectl(["apply", "-f", "-"], { input: example });
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => (await kube.kubectl(["--as", controllerSa, "auth", "can-i", "create", "serviceaccounts", "--subresource=token", "-n", bound])).stdout.trim() === "yes", {
      what: "token-requester binding in effect",
    });

    const as = kubeconfigAs(kube.kubeconfigPath, controllerSa);
    const abort = new AbortController();
    const done = runTestController(as.path, abort.signal, {
      clientOverrides: { gcpsm: { apiEndpoint: "127.0.0.1", port: gcp.clientOptions.port, caPem: gcp.caPem!, stsEndpoint: sts.endpoint, iamCredentialsEndpoint: sts.endpoint } },
    });
    try {
      await waitFor(
        async () => (await admin.get<{ data?: Record<string, string> }>(resourcePath({ version: "v1", plural: "secrets", namespace: bound, name: "v" })))?.data?.["v"] === Buffer.from("granted").toString("base64"),
        { what: `Secret synced by the ServiceAccount through workload identity; sts refused: ${JSON.stringify(sts.refused)}`, timeoutMs: 30_000 },
      );
      await waitFor(async () => {
        const es = await admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>(resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: unbound, name: "v" }));
        return es?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "False") ?? false;
      }, { what: "unbound namespace refused" });
      expect(sts.exchanges.some((e) => e.subjectClaims["sub"] === `system:serviceaccount:${bound}:app`)).toBe(true);
      expect(sts.exchanges.some((e) => String(e.subjectClaims["sub"]).startsWith(`system:serviceaccount:${unbound}:`))).toBe(false);
      expect(await admin.get(resourcePath({ version: "v1", plural: "secrets", namespace: unbound, name: "v" }))).toBeUndefined();
    } finally {
      abort.abort();
      await done;
      as.dispose();
    }
  });
});
