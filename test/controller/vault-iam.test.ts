import { apiVersion } from "@hush/kube";
import { resourcePath, type KubeClient } from "@hush/kube/client";
import { requirePeer, startVault, waitFor, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindTenant, clientAs, createEs, ready, startEnv, waitForReady, waitForSecret, type Env } from "./harness.js";

/**
 * Vault iam auth through the controller: Vault's aws auth method forwards the STS
 * GetCallerIdentity the controller signs to moto, which names the IAM user whose keys signed it.
 */
const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server", "vault"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto vault`"));
const CANARY = "iam-e2e-canary-4b8a2f";
const SERVER_ID = "vault.hush.e2e";

const secretsPath = (ns: string, name?: string) => resourcePath({ version: "v1", plural: "secrets", namespace: ns, ...(name ? { name } : {}) });
const storePath = (ns: string) => resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns });

async function createStore(client: KubeClient, ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await client.request("POST", storePath(ns), { body: { apiVersion, kind: "SecretStore", metadata: { name }, spec } });
}

describe.skipIf(!peers.every((p) => p.ok))("vault iam auth through the controller, against the real API server, Vault and moto", () => {
  let env: Env;
  let vault: VaultHarness;
  let accessKeyId: string;
  let secretAccessKey: string;
  const root = async (method: string, path: string, body?: unknown): Promise<void> => {
    const res = await fetch(`${vault.address}/v1/${path}`, { method, headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect(res.status, `${method} ${path}: ${res.status >= 300 ? await res.text() : ""}`).toBeLessThan(300);
  };
  /** moto's IAM query API (seeding; moto does not check the signature). */
  const iam = async (params: Record<string, string>): Promise<string> => {
    const res = await fetch(`${env.moto.endpoint}/`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `AWS4-HMAC-SHA256 Credential=${env.moto.credentials.accessKeyId}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0` },
      body: new URLSearchParams({ ...params, Version: "2010-05-08" }).toString(),
    });
    const out = await res.text();
    expect(res.status, `moto ${params["Action"]}`).toBeLessThan(300);
    return out;
  };
  const tag = (xml: string, name: string): string => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)![1]!;
  const iamStore = (secretRefNamespace?: string) => ({
    provider: {
      vault: {
        server: vault.address,
        path: "secret",
        version: "v2",
        auth: {
          iam: {
            vaultRole: "app",
            vaultAwsIamServerID: SERVER_ID,
            secretRef: {
              accessKeyIDSecretRef: { name: "aws-keys", key: "id", ...(secretRefNamespace ? { namespace: secretRefNamespace } : {}) },
              secretAccessKeySecretRef: { name: "aws-keys", key: "secret", ...(secretRefNamespace ? { namespace: secretRefNamespace } : {}) },
            },
          },
        },
      },
    },
  });
  const logins = (result: string) =>
    env.registry.metrics().then((m) => Number(new RegExp(`hush_provider_calls_total\\{provider="vault",operation="login",result="${result}"\\} (\\d+)`).exec(m)?.[1] ?? "0"));

  beforeAll(async () => {
    [vault, env] = await Promise.all([startVault(), startEnv()]);
    if (vault.kind === "fake") throw new Error("the vault peer is a fake; iam auth needs a real Vault");
    await iam({ Action: "CreateUser", UserName: "syncer" });
    const key = await iam({ Action: "CreateAccessKey", UserName: "syncer" });
    accessKeyId = tag(key, "AccessKeyId");
    secretAccessKey = tag(key, "SecretAccessKey");
    await root("POST", "secret/data/app/db", { data: { password: CANARY } });
    await root("PUT", "sys/policies/acl/reader", { policy: 'path "secret/data/*" { capabilities = ["read"] }' });
    await root("POST", "sys/auth/aws", { type: "aws" });
    await root("POST", "auth/aws/config/client", {
      access_key: env.moto.credentials.accessKeyId,
      secret_key: env.moto.credentials.secretAccessKey,
      sts_endpoint: env.moto.endpoint,
      iam_endpoint: env.moto.endpoint,
      sts_region: "us-east-1",
      iam_server_id_header_value: SERVER_ID,
    });
    await root("POST", "auth/aws/role/app", { auth_type: "iam", bound_iam_principal_arn: ["arn:aws:iam::123456789012:user/syncer"], token_policies: ["reader"], token_ttl: "1h" });
  }, 180_000);
  afterAll(async () => {
    await env?.stop();
    await vault?.stop();
  });

  it("a SecretStore with iam auth (keys from a Secret in its namespace) syncs a KV secret", async () => {
    const ns = await env.kube.createNamespace("iam-app");
    await env.client.request("POST", secretsPath(ns), { body: { metadata: { name: "aws-keys" }, stringData: { id: accessKeyId, secret: secretAccessKey } } });
    await createStore(env.client, ns, "vault-iam", iamStore());
    await createEs(env, ns, "db", { secretStoreRef: { name: "vault-iam" }, data: [{ secretKey: "password", remoteRef: { key: "app/db", property: "password" } }] });
    await waitForSecret(env, ns, "db", (d) => d["password"] === CANARY, "KV secret synced through an iam login", 30_000);
    expect(await logins("ok")).toBeGreaterThanOrEqual(1);
  });

  it("a tenant's store cannot sign with another namespace's AWS keys; no login is attempted", async () => {
    const victim = await env.kube.createNamespace("iam-victim");
    await env.client.request("POST", secretsPath(victim), { body: { metadata: { name: "aws-keys" }, stringData: { id: accessKeyId, secret: secretAccessKey } } });
    const ns = await env.kube.createNamespace("iam-tenant");
    await bindTenant(env, ns, "tenant-iam");
    const before = { ok: await logins("ok"), denied: await logins("access-denied") };
    const tenant = clientAs(env, "tenant-iam");
    let refusedAtAdmission = false;
    try {
      await createStore(tenant.client, ns, "vault", iamStore(victim)).catch((err: unknown) => {
        // The API server may refuse the cross-namespace reference itself.
        if ((err as { status?: number }).status !== 422) throw err;
        refusedAtAdmission = true;
      });
      if (!refusedAtAdmission) {
        await tenant.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
          body: { apiVersion, kind: "ExternalSecret", metadata: { name: "steal" }, spec: { secretStoreRef: { name: "vault" }, data: [{ secretKey: "password", remoteRef: { key: "app/db", property: "password" } }] } },
        });
      }
    } finally {
      tenant.dispose();
    }
    if (!refusedAtAdmission) {
      const es = await waitForReady(env, ns, "steal", (r) => r.status === "False", "tenant store with another namespace's keys refused");
      expect(ready(es).message ?? "").not.toContain(CANARY);
    }
    expect(await env.client.get(secretsPath(ns, "steal"))).toBeUndefined();
    expect(await logins("ok")).toBe(before.ok);
    expect(await logins("access-denied")).toBe(before.denied);
  });

  it("no AWS key, signature or synced value reaches the controller's logs", async () => {
    // Something was logged by the runs above (reconciles, refusals), so the check is not vacuous.
    await waitFor(async () => env.logs.lines.length > 0, { what: "controller log lines" });
    const all = env.logs.lines.join("\n");
    expect(all).not.toContain(secretAccessKey);
    expect(all).not.toContain(CANARY);
    expect(all).not.toMatch(/Signature=[0-9a-f]{64}/);
    expect(all).not.toContain("iam_request_headers");
  });
});
