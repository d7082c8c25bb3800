// VaultDynamicSecret against the real External Secrets Operator (v0.16.2): one kube-apiserver,
// one Vault dev server; ESO reconciles one namespace with its own CRDs, hush another. The same
// generator manifests (only the groups rewritten for hush) must give the same keys; values that
// Vault makes anew per request (certificates, tokens) are compared by what they must share,
// values read twice from the same place (a KV entry, the issuing CA) byte for byte.
import { X509Certificate } from "node:crypto";
import type { KubeClient } from "@hush/kube/client";
import { startVault, type KubeHarness, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatorCrdPaths } from "../controller/harness.js";
import { comparePeers, esoSide, hushSide, kubectlCreate, startCompareKube, startSideBySide, syncGeneratorOnBothSides, type SideBySide } from "./harness.js";

const peersOk = comparePeers("vault");
const esoGen = "generators.external-secrets.io/v1alpha1";
const hushGen = "generators.hush.dev/v1alpha1";

describe.skipIf(!peersOk)("VaultDynamicSecret: hush produces the keys and values ESO produces", () => {
  let kube: KubeHarness;
  let vault: VaultHarness;
  let pair: SideBySide;
  let client: KubeClient;
  let esoNs: string;
  let hushNs: string;

  const sides = () => [
    { ...esoSide, ns: esoNs, gen: esoGen },
    { ...hushSide, ns: hushNs, gen: hushGen },
  ] as const;
  const vaultApi = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${vault.address}/v1/${path}`, { method, headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.status === 204 ? undefined : ((await res.json()) as { auth: { client_token: string } });
  };
  const create = (ns: string, doc: unknown) => kubectlCreate(kube, ns, doc);

  /** Creates the generator and an ExternalSecret on both sides and returns each side's Secret data. */
  const sync = (name: string, spec: Record<string, unknown>) =>
    syncGeneratorOnBothSides({ kube, client, pair, sides: sides() }, "VaultDynamicSecret", name, {
      provider: { server: vault.address, auth: { tokenSecretRef: { name: "vault-token", key: "token" } } },
      ...spec,
    });

  beforeAll(async () => {
    vault = await startVault();
    ({ kube, client } = await startCompareKube(generatorCrdPaths("passwords", "uuids", "vaultdynamicsecrets")));
    await vaultApi("POST", "sys/mounts/pki", { type: "pki", config: { max_lease_ttl: "24h" } });
    await vaultApi("POST", "pki/root/generate/internal", { common_name: "hush compare root", ttl: "24h" });
    await vaultApi("POST", "pki/roles/web", { allowed_domains: "example.com", allow_subdomains: true, max_ttl: "2h" });
    // A KV entry both read: nested values, characters Go's JSON escapes, numbers and booleans.
    await vaultApi("POST", "secret/data/app", { data: { user: "app", limits: { b: 2, a: "x<y&z>" }, ports: [80, 443], tls: true, ratio: 0.25 } });
    esoNs = await kube.createNamespace("eso-vds");
    hushNs = await kube.createNamespace("hush-vds");
    for (const ns of [esoNs, hushNs]) await create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "vault-token" }, stringData: { token: vault.token } });
    pair = await startSideBySide(kube, {
      eso: { namespace: esoNs, concurrent: 2 },
      hush: { namespace: hushNs, backoff: { baseMs: 200, maxMs: 2_000 }, silent: true },
    });
  });

  afterAll(async () => {
    await pair?.stop();
    await kube?.stop();
    await vault?.stop();
  });

  it("Data of a read: the same keys and the same bytes (Go JSON for nested values)", async () => {
    const { eso: e, hush: h } = await sync("kv", { path: "secret/data/app" });
    expect(Object.keys(e).sort()).toEqual(["data", "metadata"]);
    expect(h).toEqual(e);
  });

  it("Data of a write: a certificate from pki/issue/web, same keys, subject, issuer and CA bytes", async () => {
    const { eso: e, hush: h } = await sync("cert", { path: "pki/issue/web", method: "POST", parameters: { common_name: "app.example.com", ttl: "1h" } });
    expect(Object.keys(h).sort()).toEqual(Object.keys(e).sort());
    expect(Object.keys(e)).toContain("certificate");
    const [ce, ch] = [new X509Certificate(e["certificate"]!), new X509Certificate(h["certificate"]!)];
    expect(ch.subject).toBe(ce.subject);
    expect(ch.issuer).toBe(ce.issuer);
    expect(ch.serialNumber).not.toBe(ce.serialNumber); // each issued its own
    for (const k of ["issuing_ca", "ca_chain", "private_key_type"]) expect(h[k], k).toBe(e[k]);
    expect(h["expiration"]).toMatch(/^[0-9]+$/);
    expect(e["expiration"]).toMatch(/^[0-9]+$/);
  });

  it("Auth: a child token, the same fields with the same policies, TTL and flags", async () => {
    const { eso: e, hush: h } = await sync("token", { path: "auth/token/create", method: "POST", parameters: { policies: ["default"], ttl: "10m", meta: { team: "a&b" } }, resultType: "Auth" });
    expect(Object.keys(h).sort()).toEqual(Object.keys(e).sort());
    for (const k of ["policies", "token_policies", "identity_policies", "metadata", "orphan", "renewable", "lease_duration", "entity_id", "mfa_requirement"]) expect(h[k], k).toBe(e[k]);
    expect(h["client_token"]).not.toBe(e["client_token"]);
  });

  it("Raw: the same response fields", async () => {
    const { eso: e, hush: h } = await sync("raw", { path: "auth/token/create", method: "POST", parameters: { policies: ["default"], ttl: "10m" }, resultType: "Raw" });
    expect(Object.keys(h).sort()).toEqual(Object.keys(e).sort());
    for (const k of ["lease_id", "lease_duration", "renewable", "data", "warnings"]) expect(h[k], k).toBe(e[k]);
    const auth = (s: Record<string, string>) => Object.keys(JSON.parse(s["auth"]!) as object).sort();
    expect(auth(h)).toEqual(auth(e));
  });
});
