import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiVersion } from "@hush/kube";
import { loadKubeConfig, resourcePath, type KubeClient } from "@hush/kube/client";
import { createCertAuthority, requirePeer, startVault, waitFor, type CertAuthority, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindTenant, clientAs, createEs, putRemote, ready, startEnv, startRelay, waitForReady, waitForSecret, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server", "vault"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto vault`"));

/** One AWS STS/Secrets Manager request as moto received it through the recording proxy. */
interface StsCall {
  action: string;
  roleArn: string;
  /** Claims of the web identity token (its signature is the API server's business). */
  claims: { aud?: string[] | string; sub?: string } | undefined;
}

/**
 * An HTTP proxy in front of moto that records STS calls (Action, RoleArn, token claims). Its
 * target is set once moto runs (the controller is built with the proxy's address first).
 */
async function recordingProxy(): Promise<{ endpoint: string; calls: StsCall[]; target(url: string): void; close(): Promise<void> }> {
  const calls: StsCall[] = [];
  const relay = await startRelay((_req, body, forward) => {
    const form = new URLSearchParams(body.toString("utf8"));
    const action = form.get("Action");
    if (action) {
      const token = form.get("WebIdentityToken");
      const payload = token?.split(".")[1];
      calls.push({
        action,
        roleArn: form.get("RoleArn") ?? "",
        claims: payload ? (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as StsCall["claims"]) : undefined,
      });
    }
    forward();
  });
  return { ...relay, calls };
}

const secretsPath = (ns: string, name?: string) => resourcePath({ version: "v1", plural: "secrets", namespace: ns, ...(name ? { name } : {}) });
const configMapsPath = (ns: string, name?: string) => resourcePath({ version: "v1", plural: "configmaps", namespace: ns, ...(name ? { name } : {}) });
const storePath = (ns: string | undefined) =>
  resourcePath({ group: "hush.dev", version: "v1", plural: ns ? "secretstores" : "clustersecretstores", ...(ns ? { namespace: ns } : {}) });

async function createStore(client: KubeClient, ns: string | undefined, name: string, spec: Record<string, unknown>): Promise<void> {
  await client.request("POST", storePath(ns), { body: { apiVersion, kind: ns ? "SecretStore" : "ClusterSecretStore", metadata: { name }, spec } });
}

/** The `Ready` condition of a store once the controller has written one. */
async function storeCondition(client: KubeClient, ns: string | undefined, name: string): Promise<{ status?: string; reason?: string; message?: string }> {
  let found: { status?: string; reason?: string; message?: string } | undefined;
  await waitFor(
    async () => {
      const store = await client.get<{ status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }>(`${storePath(ns)}/${name}`);
      const c = store?.status?.conditions?.find((x) => x.type === "Ready");
      found = c ? { status: c.status, reason: c.reason, message: c.message } : undefined;
      return found !== undefined;
    },
    { what: `store ${name} condition` },
  );
  return found!;
}

async function putSecret(env: Env, ns: string, name: string, stringData: Record<string, string>): Promise<void> {
  await env.client.request("POST", secretsPath(ns), { body: { metadata: { name }, stringData } });
}

async function patchSecret(env: Env, ns: string, name: string, stringData: Record<string, string>): Promise<void> {
  await env.client.request("PATCH", secretsPath(ns, name), { body: { stringData }, contentType: "application/merge-patch+json" });
}

describe.skipIf(!peers.every((p) => p.ok))("provider authentication as ESO v0.16.2 does it, against the real API server, moto and Vault", () => {
  let env: Env;
  let vault: VaultHarness;
  let sts: Awaited<ReturnType<typeof recordingProxy>>;
  let serverCa: CertAuthority;
  let clientCa: CertAuthority;
  let tokenDir: string;
  let tokenFile: string;
  const root = (method: string, path: string, body?: unknown) =>
    fetch(`${vault.address}/v1/${path}`, { method, headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }).then((res) => {
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
    });

  beforeAll(async () => {
    serverCa = createCertAuthority("vault-server-ca");
    clientCa = createCertAuthority("vault-client-ca");
    const server = serverCa.issue({ commonName: "127.0.0.1", hosts: ["127.0.0.1"], usage: "server" });
    vault = await startVault({
      tlsListeners: [
        { ...server, clientCa: clientCa.cert },
        { ...server, clientCa: clientCa.cert, requireClientCert: true },
      ],
    });
    // The controller's own ServiceAccount token file (a pod's mounted token): written below,
    // once the API server can issue it.
    tokenDir = mkdtempSync(join(tmpdir(), "hush-own-token-"));
    tokenFile = join(tokenDir, "token");
    // AWS calls go through the recording proxy to moto.
    sts = await recordingProxy();
    env = await startEnv({
      controller: { serviceAccountTokenPath: tokenFile, clientOverrides: { aws: { endpoint: sts.endpoint, stsEndpoint: sts.endpoint } } },
    });
    sts.target(env.moto.endpoint);
  }, 180_000);
  afterAll(async () => {
    await env?.stop();
    await sts?.close();
    await vault?.stop();
    if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
  });

  it("AWS IRSA: auth.jwt without role assumes the ServiceAccount's eks.amazonaws.com/role-arn with a TokenRequest token for sts.amazonaws.com", async () => {
    await putRemote(env, "irsa/annotated", "via-annotation");
    const ns = await env.kube.createNamespace("irsa");
    const role = "arn:aws:iam::123456789012:role/from-annotation";
    await env.client.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns }), {
      body: { metadata: { name: "app", annotations: { "eks.amazonaws.com/role-arn": role } } },
    });
    await createStore(env.client, ns, "aws", { provider: { aws: { region: env.moto.region, auth: { jwt: { serviceAccountRef: { name: "app" } } } } } });
    await createEs(env, ns, "irsa", { secretStoreRef: { name: "aws" }, data: [{ secretKey: "v", remoteRef: { key: "irsa/annotated" } }] });
    await waitForSecret(env, ns, "irsa", (d) => d["v"] === "via-annotation", "synced with the annotated role");
    const call = sts.calls.find((c) => c.action === "AssumeRoleWithWebIdentity" && c.claims?.sub === `system:serviceaccount:${ns}:app`);
    expect(call?.roleArn).toBe(role);
    expect([call?.claims?.aud].flat()).toEqual(["sts.amazonaws.com"]);
    // The store's role, when set too, is assumed on top of the annotated one (ESO's order).
    await putRemote(env, "irsa/chained", "via-chain");
    const chained = "arn:aws:iam::123456789012:role/chained";
    await createStore(env.client, ns, "aws-chained", { provider: { aws: { region: env.moto.region, role: chained, auth: { jwt: { serviceAccountRef: { name: "app" } } } } } });
    await createEs(env, ns, "chained", { secretStoreRef: { name: "aws-chained" }, data: [{ secretKey: "v", remoteRef: { key: "irsa/chained" } }] });
    await waitForSecret(env, ns, "chained", (d) => d["v"] === "via-chain", "synced through the chained role");
    expect(sts.calls.some((c) => c.action === "AssumeRole" && c.roleArn === chained)).toBe(true);
  });

  it("AWS IRSA: no annotation and no role is refused; a tenant store cannot borrow another namespace's annotated ServiceAccount", async () => {
    const victim = await env.kube.createNamespace("irsa-victim");
    await env.client.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: victim }), {
      body: { metadata: { name: "privileged", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/victim-admin" } } },
    });
    const ns = await env.kube.createNamespace("irsa-tenant");
    await env.client.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns }), { body: { metadata: { name: "plain" } } });
    await bindTenant(env, ns, "tenant-irsa");
    const tenant = clientAs(env, "tenant-irsa");
    try {
      await createStore(tenant.client, ns, "borrow", { provider: { aws: { region: env.moto.region, auth: { jwt: { serviceAccountRef: { name: "privileged", namespace: victim } } } } } });
      await createStore(tenant.client, ns, "plain", { provider: { aws: { region: env.moto.region, auth: { jwt: { serviceAccountRef: { name: "plain" } } } } } });
      await tenant.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
        body: { apiVersion, kind: "ExternalSecret", metadata: { name: "borrow" }, spec: { secretStoreRef: { name: "borrow" }, data: [{ secretKey: "v", remoteRef: { key: "irsa/annotated" } }] } },
      });
      await tenant.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
        body: { apiVersion, kind: "ExternalSecret", metadata: { name: "plain" }, spec: { secretStoreRef: { name: "plain" }, data: [{ secretKey: "v", remoteRef: { key: "irsa/annotated" } }] } },
      });
    } finally {
      tenant.dispose();
    }
    // The reason reaches the ExternalSecret when it is reconciled before the store is marked
    // invalid; after that it says the store is not ready, and the store carries the code.
    const borrowed = await waitForReady(env, ns, "borrow", (r) => r.status === "False", "cross-namespace ServiceAccount refused");
    expect(ready(borrowed).message).toMatch(/serviceAccountRef\.namespace must be empty on a namespaced SecretStore|HUSH_ERR_CONTROLLER_STORE_NOT_READY/);
    const plain = await waitForReady(env, ns, "plain", (r) => r.status === "False", "ServiceAccount without a role refused");
    expect(ready(plain).message).toMatch(/eks\.amazonaws\.com\/role-arn|HUSH_ERR_CONTROLLER_STORE_NOT_READY/);
    for (const name of ["borrow", "plain"]) expect(await storeCondition(env.client, ns, name)).toEqual({ status: "False", reason: "InvalidProviderConfig", message: "unable to validate store [HUSH_ERR_PROVIDERS_INVALID_CONFIG]" });
    expect(sts.calls.some((c) => c.roleArn.endsWith("/victim-admin"))).toBe(false);
    expect(sts.calls.some((c) => c.claims?.sub?.startsWith(`system:serviceaccount:${victim}:`))).toBe(false);
  });

  describe("Vault", () => {
    const kv = (path: string, data: Record<string, string>) => root("POST", `secret/data/${path}`, { data });

    beforeAll(async () => {
      await root("POST", "sys/policies/acl/reader", { policy: 'path "secret/data/*" { capabilities = ["read"] }' });
      await root("POST", "sys/auth/cert", { type: "cert" });
      await root("POST", "auth/cert/certs/hush", { certificate: clientCa.cert, token_policies: ["reader"], allowed_common_names: ["hush-client"] });
    });

    it("kubernetes auth with the controller's own token: served to a ClusterSecretStore, refused to a tenant's SecretStore before any login", async () => {
      const system = await env.kube.createNamespace("hush-system");
      for (const name of ["hush-controller", "vault-reviewer"]) {
        await env.client.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: system }), { body: { metadata: { name } } });
      }
      await env.client.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
        body: { metadata: { name: `vault-review-${system}` }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" }, subjects: [{ kind: "ServiceAccount", name: "vault-reviewer", namespace: system }] },
      });
      const mint = async (name: string) =>
        (await env.client.request<{ status: { token: string } }>("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: system, name, subresource: "token" }), {
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
        })).status.token;
      // What the kubelet mounts into the controller pod: a token for the controller's own account.
      writeFileSync(tokenFile, `${await mint("hush-controller")}\n`, { mode: 0o600 });
      const ca = loadKubeConfig({ kubeconfigPath: env.kube.kubeconfigPath }).ca?.toString("utf8");
      await root("POST", "sys/auth/kubernetes", { type: "kubernetes" });
      await root("POST", "auth/kubernetes/config", { kubernetes_host: env.kube.server, kubernetes_ca_cert: ca, disable_local_ca_jwt: true, token_reviewer_jwt: await mint("vault-reviewer") });
      await root("POST", "auth/kubernetes/role/controller", { bound_service_account_names: ["hush-controller"], bound_service_account_namespaces: [system], token_policies: ["reader"], ttl: "1h" });
      await kv("own/app", { password: "from-own-token" });
      const spec = { provider: { vault: { server: vault.address, path: "secret", version: "v2", auth: { kubernetes: { mountPath: "kubernetes", role: "controller" } } } } };
      await createStore(env.client, undefined, "vault-own-token", spec);
      const app = await env.kube.createNamespace("own-token-app");
      await createEs(env, app, "own", { secretStoreRef: { name: "vault-own-token", kind: "ClusterSecretStore" }, data: [{ secretKey: "password", remoteRef: { key: "own/app", property: "password" } }] });
      await waitForSecret(env, app, "own", (d) => d["password"] === "from-own-token", "ClusterSecretStore logged in with the controller's own token", 30_000);

      // A tenant writes the same store in its namespace: it would act as the controller.
      const logins = () => env.registry.metrics().then((m) => m.match(/hush_provider_calls_total\{provider="vault",operation="login",result="ok"\} (\d+)/)?.[1] ?? "0");
      const before = await logins();
      const ns = await env.kube.createNamespace("own-token-tenant");
      await bindTenant(env, ns, "tenant-vault");
      const tenant = clientAs(env, "tenant-vault");
      try {
        await createStore(tenant.client, ns, "vault", spec);
        await tenant.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
          body: { apiVersion, kind: "ExternalSecret", metadata: { name: "steal" }, spec: { secretStoreRef: { name: "vault" }, data: [{ secretKey: "password", remoteRef: { key: "own/app", property: "password" } }] } },
        });
      } finally {
        tenant.dispose();
      }
      const es = await waitForReady(env, ns, "steal", (r) => r.status === "False", "tenant store with the controller's token refused");
      expect(ready(es).message).toMatch(/serviceAccountRef is required on a namespaced SecretStore|HUSH_ERR_CONTROLLER_STORE_NOT_READY/);
      expect(await storeCondition(env.client, ns, "vault")).toEqual({ status: "False", reason: "InvalidProviderConfig", message: "unable to validate store [HUSH_ERR_PROVIDERS_INVALID_CONFIG]" });
      expect(await env.client.get(secretsPath(ns, "steal"))).toBeUndefined();
      expect(await logins()).toBe(before);
    });

    it("CA from a ConfigMap (namespaced store) and from a Secret in a named namespace (ClusterSecretStore); a rotated CA is used without a restart", async () => {
      await kv("ca/app", { value: "over-tls" });
      const ns = await env.kube.createNamespace("vault-ca");
      await putSecret(env, ns, "vault-token", { token: vault.token });
      // First the wrong CA: TLS verification fails, the ExternalSecret is not ready.
      const wrong = createCertAuthority("not-the-vault-ca").cert;
      await env.client.request("POST", configMapsPath(ns), { body: { metadata: { name: "vault-ca" }, data: { "ca.crt": wrong } } });
      await createStore(env.client, ns, "vault", {
        provider: { vault: { server: vault.tlsAddresses[0], path: "secret", version: "v2", caProvider: { type: "ConfigMap", name: "vault-ca", key: "ca.crt" }, auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } },
      });
      await createEs(env, ns, "ca", { secretStoreRef: { name: "vault" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "ca/app", property: "value" } }] });
      await waitForReady(env, ns, "ca", (r) => r.status === "False", "wrong CA refused");
      await env.client.request("PATCH", configMapsPath(ns, "vault-ca"), { body: { data: { "ca.crt": serverCa.cert } }, contentType: "application/merge-patch+json" });
      await waitForSecret(env, ns, "ca", (d) => d["v"] === "over-tls", "synced once the ConfigMap holds the right CA", 30_000);

      const caNs = await env.kube.createNamespace("vault-ca-shared");
      await putSecret(env, caNs, "vault-ca", { "ca.crt": serverCa.cert });
      await putSecret(env, caNs, "vault-token", { token: vault.token });
      await createStore(env.client, undefined, "vault-ca-secret", {
        provider: { vault: { server: vault.tlsAddresses[0], path: "secret", version: "v2", caProvider: { type: "Secret", name: "vault-ca", key: "ca.crt", namespace: caNs }, auth: { tokenSecretRef: { name: "vault-token", key: "token", namespace: caNs } } } },
      });
      const app = await env.kube.createNamespace("vault-ca-app");
      await createEs(env, app, "ca", { secretStoreRef: { name: "vault-ca-secret", kind: "ClusterSecretStore" }, data: [{ secretKey: "v", remoteRef: { key: "ca/app", property: "value" } }] });
      await waitForSecret(env, app, "ca", (d) => d["v"] === "over-tls", "ClusterSecretStore with a CA Secret synced", 30_000);
    });

    it("a tenant store cannot read its CA from another namespace's ConfigMap", async () => {
      const other = await env.kube.createNamespace("vault-ca-other");
      await env.client.request("POST", configMapsPath(other), { body: { metadata: { name: "vault-ca" }, data: { "ca.crt": serverCa.cert } } });
      const ns = await env.kube.createNamespace("vault-ca-tenant");
      await putSecret(env, ns, "vault-token", { token: vault.token });
      await bindTenant(env, ns, "tenant-ca");
      const tenant = clientAs(env, "tenant-ca");
      try {
        await createStore(tenant.client, ns, "vault", {
          provider: { vault: { server: vault.tlsAddresses[0], path: "secret", version: "v2", caProvider: { type: "ConfigMap", name: "vault-ca", key: "ca.crt", namespace: other }, auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } },
        });
        await tenant.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
          body: { apiVersion, kind: "ExternalSecret", metadata: { name: "ca" }, spec: { secretStoreRef: { name: "vault" }, data: [{ secretKey: "v", remoteRef: { key: "ca/app", property: "value" } }] } },
        });
      } finally {
        tenant.dispose();
      }
      const es = await waitForReady(env, ns, "ca", (r) => r.status === "False", "cross-namespace CA refused");
      expect(ready(es).message).toMatch(/caProvider\.namespace must be empty on a namespaced SecretStore|HUSH_ERR_CONTROLLER_STORE_NOT_READY/);
      expect(await storeCondition(env.client, ns, "vault")).toEqual({ status: "False", reason: "InvalidProviderConfig", message: "unable to validate store [HUSH_ERR_PROVIDERS_INVALID_CONFIG]" });
      expect(await env.client.get(secretsPath(ns, "ca"))).toBeUndefined();
    });

    it("cert auth: the client certificate from a Secret logs in; a rotated certificate is used at the next reconcile", async () => {
      await kv("cert/app", { value: "by-certificate" });
      const ns = await env.kube.createNamespace("vault-cert");
      // First a certificate from a CA Vault does not trust.
      const rogue = createCertAuthority("rogue-ca").issue({ commonName: "hush-client", usage: "client" });
      await putSecret(env, ns, "client", { "tls.crt": rogue.cert, "tls.key": rogue.key });
      await putSecret(env, ns, "vault-ca", { "ca.crt": serverCa.cert });
      await createStore(env.client, ns, "vault", {
        provider: {
          vault: {
            server: vault.tlsAddresses[0], path: "secret", version: "v2",
            caProvider: { type: "Secret", name: "vault-ca", key: "ca.crt" },
            auth: { cert: { clientCert: { name: "client", key: "tls.crt" }, secretRef: { name: "client", key: "tls.key" } } },
          },
        },
      });
      await createEs(env, ns, "cert", { secretStoreRef: { name: "vault" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "cert/app", property: "value" } }] });
      await waitForReady(env, ns, "cert", (r) => r.status === "False", "untrusted client certificate refused");
      const good = clientCa.issue({ commonName: "hush-client", usage: "client" });
      await patchSecret(env, ns, "client", { "tls.crt": good.cert, "tls.key": good.key });
      await waitForSecret(env, ns, "cert", (d) => d["v"] === "by-certificate", "synced with the rotated client certificate", 30_000);
    });

    it("mutual TLS (tls.certSecretRef/keySecretRef, keys tls.crt/tls.key by default) to a listener that requires a client certificate", async () => {
      await kv("mtls/app", { value: "mutual" });
      const ns = await env.kube.createNamespace("vault-mtls");
      const leaf = clientCa.issue({ commonName: "hush-client", usage: "client" });
      await putSecret(env, ns, "client", { "tls.crt": leaf.cert, "tls.key": leaf.key });
      await putSecret(env, ns, "vault-token", { token: vault.token });
      const vaultSpec = { server: vault.tlsAddresses[1], path: "secret", version: "v2", caBundle: Buffer.from(serverCa.cert).toString("base64"), auth: { tokenSecretRef: { name: "vault-token", key: "token" } } };
      await createStore(env.client, ns, "no-cert", { provider: { vault: vaultSpec } });
      await createStore(env.client, ns, "mtls", { provider: { vault: { ...vaultSpec, tls: { certSecretRef: { name: "client" }, keySecretRef: { name: "client" } } } } });
      await createEs(env, ns, "no-cert", { secretStoreRef: { name: "no-cert" }, data: [{ secretKey: "v", remoteRef: { key: "mtls/app", property: "value" } }] });
      await createEs(env, ns, "mtls", { secretStoreRef: { name: "mtls" }, data: [{ secretKey: "v", remoteRef: { key: "mtls/app", property: "value" } }] });
      await waitForSecret(env, ns, "mtls", (d) => d["v"] === "mutual", "synced over mutual TLS", 30_000);
      await waitForReady(env, ns, "no-cert", (r) => r.status === "False", "the listener refuses a client without a certificate");
      expect(await env.client.get(secretsPath(ns, "no-cert"))).toBeUndefined();
    });
  });
});
