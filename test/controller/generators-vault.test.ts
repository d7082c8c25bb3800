// VaultDynamicSecret against a real Vault dev server and kube-apiserver: PKI certificates issued
// on every refresh (resultType Data), child tokens (resultType Auth), and the tenant rules of a
// namespaced SecretStore (credential refs only in the ExternalSecret's namespace, no ambient
// identity of the controller).
import { X509Certificate } from "node:crypto";
import { forceSyncAnnotation, type ExternalSecret, type Secret } from "@hush/kube";
import { KubeClient, loadKubeConfig, resourcePath } from "@hush/kube/client";
import { requirePeer, startKube, startVault, waitFor, type KubeHarness, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crdPaths, generatorCrdPaths, runTestController } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "vault"].map((n) => requirePeer(n, "run `bash scripts/peers kube vault`"));
const generatorCrds = generatorCrdPaths("passwords", "uuids", "vaultdynamicsecrets");
const gen = "generators.hush.dev/v1alpha1";

const readyOf = (es: ExternalSecret | undefined) => es?.status?.conditions?.find((c) => c.type === "Ready");
const value = (s: Secret | undefined, key: string) => (s?.data?.[key] === undefined ? undefined : Buffer.from(s.data[key]!, "base64").toString("utf8"));

describe.skipIf(!peers.every((p) => p.ok))("VaultDynamicSecret generator with a real Vault dev server", () => {
  let kube: KubeHarness;
  let vault: VaultHarness;
  let admin: KubeClient;
  let ns: string;
  let otherNs: string;
  let issuerToken: string;
  const abort = new AbortController();
  let done: Promise<unknown> | undefined;

  const vaultApi = async <T = unknown>(method: string, path: string, body?: unknown, token = vault.token): Promise<T> => {
    const res = await fetch(`${vault.address}/v1/${path}`, { method, headers: { "X-Vault-Token": token, "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect(res.status, `${method} ${path}: ${res.status}`).toBeLessThan(300);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  const create = (namespace: string, doc: object) => kube.kubectl(["create", "-n", namespace, "-f", "-"], { input: JSON.stringify(doc) });
  const mustCreate = async (namespace: string, doc: object) => {
    const r = await create(namespace, doc);
    expect(r.code, r.stderr).toBe(0);
  };
  const secret = (namespace: string, name: string) => admin.get<Secret>(resourcePath({ version: "v1", plural: "secrets", namespace, name }));
  const es = (namespace: string, name: string) => admin.get<ExternalSecret>(resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace, name }));
  const provider = (tokenRef: Record<string, string> = { name: "vault-token", key: "token" }) => ({ server: vault.address, auth: { tokenSecretRef: tokenRef } });
  const externalSecret = (name: string, generator: string, extra: object = {}) => ({
    apiVersion: "hush.dev/v1",
    kind: "ExternalSecret",
    metadata: { name },
    spec: { refreshInterval: "1h", dataFrom: [{ sourceRef: { generatorRef: { apiVersion: gen, kind: "VaultDynamicSecret", name: generator } } }], ...extra },
  });

  beforeAll(async () => {
    vault = await startVault();
    kube = await startKube();
    await kube.applyCrds([...crdPaths, ...generatorCrds]);
    admin = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
    // A PKI engine issuing certificates for *.example.com, and a token allowed only to issue
    // them and to create child tokens with the default policy.
    await vaultApi("POST", "sys/mounts/pki", { type: "pki", config: { max_lease_ttl: "24h" } });
    await vaultApi("POST", "pki/root/generate/internal", { common_name: "hush test root", ttl: "24h" });
    await vaultApi("POST", "pki/roles/web", { allowed_domains: "example.com", allow_subdomains: true, max_ttl: "2h" });
    await vaultApi("PUT", "sys/policies/acl/issuer", { policy: 'path "pki/issue/web" { capabilities = ["update"] }\npath "auth/token/create" { capabilities = ["update"] }\npath "secret/data/*" { capabilities = ["read"] }' });
    issuerToken = (await vaultApi<{ auth: { client_token: string } }>("POST", "auth/token/create", { policies: ["issuer"], ttl: "2h" })).auth.client_token;
    ns = await kube.createNamespace("vds");
    otherNs = await kube.createNamespace("vds-other");
    for (const n of [ns, otherNs]) await admin.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: n }), { body: { metadata: { name: "vault-token" }, stringData: { token: issuerToken } } });
    done = runTestController(kube.kubeconfigPath, abort.signal);
  });

  afterAll(async () => {
    abort.abort();
    await done?.catch(() => undefined);
    await kube?.stop();
    await vault?.stop();
  });

  it("Data: a certificate from pki/issue/web with ESO's keys, and a new one on every refresh", async () => {
    await mustCreate(ns, { apiVersion: gen, kind: "VaultDynamicSecret", metadata: { name: "web-cert" }, spec: { provider: provider(), path: "pki/issue/web", method: "POST", parameters: { common_name: "app.example.com", ttl: "1h" } } });
    await mustCreate(ns, externalSecret("web-cert", "web-cert"));
    await waitFor(async () => readyOf(await es(ns, "web-cert"))?.status === "True", { timeoutMs: 30_000, what: "certificate synced" });
    const s = (await secret(ns, "web-cert"))!;
    expect(Object.keys(s.data ?? {}).sort()).toEqual(["ca_chain", "certificate", "expiration", "issuing_ca", "private_key", "private_key_type", "serial_number"]);
    const cert = new X509Certificate(value(s, "certificate")!);
    expect(cert.subject).toContain("CN=app.example.com");
    expect(cert.checkIssued(new X509Certificate(value(s, "issuing_ca")!))).toBe(true);
    expect(value(s, "private_key")).toContain("PRIVATE KEY-----");
    expect(value(s, "expiration")).toMatch(/^[0-9]+$/); // a JSON number, printed in full
    expect(JSON.parse(value(s, "ca_chain")!)).toEqual([value(s, "issuing_ca")]); // an array, as Go JSON
    const firstSerial = value(s, "serial_number");
    const patched = await kube.kubectl(["annotate", "-n", ns, "externalsecrets.hush.dev/web-cert", `${forceSyncAnnotation}=1`]);
    expect(patched.code, patched.stderr).toBe(0);
    await waitFor(async () => {
      const v = value(await secret(ns, "web-cert"), "serial_number");
      return v !== undefined && v !== firstSerial;
    }, { timeoutMs: 30_000, what: "a new certificate after the refresh" });
  });

  it("Auth: a child token from auth/token/create, usable against Vault", async () => {
    await mustCreate(ns, { apiVersion: gen, kind: "VaultDynamicSecret", metadata: { name: "child" }, spec: { provider: provider(), path: "auth/token/create", method: "POST", parameters: { policies: ["default"], ttl: "10m" }, resultType: "Auth" } });
    await mustCreate(ns, externalSecret("child", "child", { target: { name: "child-token" } }));
    await waitFor(async () => readyOf(await es(ns, "child"))?.status === "True", { timeoutMs: 30_000, what: "child token synced" });
    const s = (await secret(ns, "child-token"))!;
    expect(Object.keys(s.data ?? {}).sort()).toEqual(["accessor", "client_token", "entity_id", "identity_policies", "lease_duration", "metadata", "mfa_requirement", "orphan", "policies", "renewable", "token_policies"]);
    expect(JSON.parse(value(s, "policies")!)).toEqual(["default"]);
    expect(value(s, "lease_duration")).toBe("600");
    const self = await vaultApi<{ data: { accessor: string } }>("GET", "auth/token/lookup-self", undefined, value(s, "client_token")!);
    expect(self.data.accessor).toBe(value(s, "accessor"));
  });

  it("a tenant cannot use another namespace's credentials nor the controller's own identity", async () => {
    // tokenSecretRef naming another namespace: refused, as for a namespaced SecretStore.
    await mustCreate(ns, { apiVersion: gen, kind: "VaultDynamicSecret", metadata: { name: "borrowed" }, spec: { provider: provider({ name: "vault-token", key: "token", namespace: otherNs }), path: "pki/issue/web", method: "POST", parameters: { common_name: "x.example.com" } } });
    await mustCreate(ns, externalSecret("borrowed", "borrowed"));
    await waitFor(async () => readyOf(await es(ns, "borrowed"))?.status === "False", { timeoutMs: 30_000, what: "borrowed refused" });
    expect(readyOf(await es(ns, "borrowed"))!.message).toMatch(/namespace/i);
    expect(await secret(ns, "borrowed")).toBeUndefined();
    // Kubernetes auth with neither serviceAccountRef nor secretRef would be the controller's own token.
    await mustCreate(ns, { apiVersion: gen, kind: "VaultDynamicSecret", metadata: { name: "ambient" }, spec: { provider: { server: vault.address, auth: { kubernetes: { mountPath: "kubernetes", role: "any" } } }, path: "pki/issue/web", method: "POST" } });
    await mustCreate(ns, externalSecret("ambient", "ambient"));
    await waitFor(async () => readyOf(await es(ns, "ambient"))?.status === "False", { timeoutMs: 30_000, what: "ambient refused" });
    expect(readyOf(await es(ns, "ambient"))!.message).toContain("allow-ambient-credentials");
  });

  it("an empty answer fails unless allowEmptyResponse; a denied path is reported", async () => {
    const vds = (name: string, spec: object) => ({ apiVersion: gen, kind: "VaultDynamicSecret", metadata: { name }, spec: { provider: provider(), ...spec } });
    // Nothing at secret/data/missing: Vault answers 404, the Go client an empty response.
    await mustCreate(ns, vds("nothing", { path: "secret/data/missing" }));
    await mustCreate(ns, externalSecret("nothing", "nothing"));
    await waitFor(async () => readyOf(await es(ns, "nothing"))?.status === "False", { timeoutMs: 30_000, what: "empty response reported" });
    expect(readyOf(await es(ns, "nothing"))!.message).toContain("empty response from Vault");
    await mustCreate(ns, vds("nothing-ok", { path: "secret/data/missing", allowEmptyResponse: true }));
    await mustCreate(ns, externalSecret("nothing-ok", "nothing-ok"));
    await waitFor(async () => readyOf(await es(ns, "nothing-ok"))?.status === "True", { timeoutMs: 30_000, what: "allowed empty response synced" });
    expect(Object.keys((await secret(ns, "nothing-ok"))?.data ?? {})).toEqual([]);
    // The token may not read pki/issue/web (update only).
    await mustCreate(ns, vds("denied", { path: "pki/issue/web" }));
    await mustCreate(ns, externalSecret("denied", "denied"));
    await waitFor(async () => readyOf(await es(ns, "denied"))?.status === "False", { timeoutMs: 30_000, what: "denied read reported" });
    expect(readyOf(await es(ns, "denied"))!.message).toContain("HUSH_ERR_PROVIDERS_ACCESS_DENIED");
  });
});
