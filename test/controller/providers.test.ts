import { generateKeyPairSync } from "node:crypto";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { apiVersion } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
import { requirePeer, startGcpSecretManager, type GcpSecretManagerHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEs, decoded, putRemote, ready, startEnv, waitForReady, waitForSecret, type Env } from "./harness.js";

const kubePeers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));

async function createSecret(env: Env, ns: string, name: string, stringData: Record<string, string>): Promise<void> {
  await env.client.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { body: { metadata: { name }, stringData } });
}

async function createStore(env: Env, ns: string | undefined, name: string, spec: Record<string, unknown>): Promise<void> {
  const kind = ns ? "SecretStore" : "ClusterSecretStore";
  await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: ns ? "secretstores" : "clustersecretstores", ...(ns ? { namespace: ns } : {}) }), {
    body: { apiVersion, kind, metadata: { name }, spec },
  });
}

describe.skipIf(!kubePeers.every((p) => p.ok))("sync controller with Google Secret Manager and a ClusterSecretStore", () => {
  let env: Env;
  let gcp: GcpSecretManagerHarness;

  beforeAll(async () => {
    gcp = await startGcpSecretManager();
    const [host, port] = gcp.endpoint.split(":");
    env = await startEnv({ gcpsm: { apiEndpoint: host === "localhost" ? "127.0.0.1" : host!, port: Number(port), insecure: true } });
  });
  afterAll(async () => {
    await env?.stop();
    await gcp?.stop();
  });

  it("syncs from Google Secret Manager (gRPC fake) with a service-account key from a Secret", async () => {
    const sm = new SecretManagerServiceClient(gcp.clientOptions);
    const parent = `projects/${gcp.projectId}`;
    await sm.createSecret({ parent, secretId: "api", secret: { replication: { automatic: {} }, labels: { team: "a" } } });
    await sm.addSecretVersion({ parent: `${parent}/secrets/api`, payload: { data: Buffer.from(JSON.stringify({ token: "gcp-token-1" })) } });
    await sm.close();
    const ns = await env.kube.createNamespace("gcp");
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    await createSecret(env, ns, "gcp-sa", { "key.json": JSON.stringify({ type: "service_account", project_id: gcp.projectId, client_email: "sync@hush-test.iam.gserviceaccount.com", private_key: privateKey }) });
    await createStore(env, ns, "gcp", { provider: { gcpsm: { projectID: gcp.projectId, auth: { secretRef: { secretAccessKeySecretRef: { name: "gcp-sa", key: "key.json" } } } } } });
    await createEs(env, ns, "api", { secretStoreRef: { name: "gcp" }, data: [{ secretKey: "token", remoteRef: { key: "api", property: "token" } }] });
    await waitForSecret(env, ns, "api", (d) => d["token"] === "gcp-token-1", "GCP secret synced");
  });

  it("AWS web identity: a real TokenRequest for a ServiceAccount, exchanged with STS (moto) for the role", async () => {
    await putRemote(env, "irsa/value", "via-web-identity");
    const ns = await env.kube.createNamespace("irsa");
    await env.client.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns }), { body: { metadata: { name: "app" } } });
    await createStore(env, ns, "aws-jwt", {
      provider: { aws: { region: env.moto.region, role: "arn:aws:iam::123456789012:role/hush-reader", auth: { jwt: { serviceAccountRef: { name: "app" } } } } },
    });
    await createEs(env, ns, "irsa", { secretStoreRef: { name: "aws-jwt" }, data: [{ secretKey: "v", remoteRef: { key: "irsa/value" } }] });
    await waitForSecret(env, ns, "irsa", (d) => d["v"] === "via-web-identity", "synced with web-identity credentials");
    const metrics = await env.registry.metrics();
    expect(metrics).toMatch(/hush_provider_calls_total\{provider="aws",operation="AssumeRoleWithWebIdentity",result="ok"\} [1-9]/);
  });

  it("a ClusterSecretStore serves only the namespaces its conditions admit", async () => {
    await putRemote(env, "shared/config", "cluster-wide");
    const creds = await env.kube.createNamespace("creds");
    await createSecret(env, creds, "aws-creds", { id: env.moto.credentials.accessKeyId, secret: env.moto.credentials.secretAccessKey });
    const allowed = await env.kube.createNamespace("allowed");
    const denied = await env.kube.createNamespace("denied");
    await createStore(env, undefined, `aws-${allowed}`, {
      conditions: [{ namespaces: [allowed] }],
      provider: {
        aws: {
          region: env.moto.region,
          auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id", namespace: creds }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret", namespace: creds } } },
        },
      },
    });
    const spec = { secretStoreRef: { name: `aws-${allowed}`, kind: "ClusterSecretStore" as const }, data: [{ secretKey: "v", remoteRef: { key: "shared/config" } }] };
    await createEs(env, allowed, "cfg", spec);
    await createEs(env, denied, "cfg", spec);
    const s = await waitForSecret(env, allowed, "cfg", (d) => d["v"] === "cluster-wide", "allowed namespace synced");
    expect(decoded(s)).toEqual({ v: "cluster-wide" });
    const es = await waitForReady(env, denied, "cfg", (r) => r.status === "False", "denied namespace refused");
    expect(ready(es).message).toContain("HUSH_ERR_CONTROLLER_STORE_NOT_ALLOWED");
  });
});
