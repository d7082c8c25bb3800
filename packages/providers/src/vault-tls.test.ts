// The Vault provider's own credentials and TLS material: the controller's own ServiceAccount
// token (an ambient credential), CA bundles from Secrets or ConfigMaps, client certificates, and
// when rotated material is read again. Driven with a client double and an injected clock; the
// real Vault and API server run in test/controller/auth.test.ts.
import type { VaultClient, VaultClientOptions } from "@hush/cloud/vault";
import { createCertAuthority } from "@hush/testkit";
import { describe, expect, it } from "vitest";
import type { ProviderContext } from "./provider.js";
import { createVaultProvider, VAULT_TLS_REREAD_MS } from "./vault-provider.js";

interface Recorder {
  built: VaultClientOptions[];
  writes: { path: string; body: unknown }[];
  /** Makes the next read fail as a TLS failure would. */
  failNextRead: boolean;
}

function recorder(): { rec: Recorder; factory: (o: VaultClientOptions) => VaultClient } {
  const rec: Recorder = { built: [], writes: [], failNextRead: false };
  const factory = (o: VaultClientOptions): VaultClient => {
    rec.built.push(o);
    let n = 0;
    return {
      read: async (path) => {
        if (rec.failNextRead) {
          rec.failNextRead = false;
          throw Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
        }
        return path.startsWith("auth/token/lookup-self") ? { data: { ttl: 0 } } : { data: { data: { k: "v" } } };
      },
      list: async () => ({ data: { keys: [] } }),
      write: async (path, body) => {
        rec.writes.push({ path, body });
        return path.endsWith("/login") ? { auth: { client_token: `hvs.${rec.built.length}.${++n}`, lease_duration: 3600, renewable: true } } : undefined;
      },
      close: () => undefined,
    };
  };
  return { rec, factory };
}

const ca = createCertAuthority("vault-test-ca");
const leaf1 = ca.issue({ commonName: "hush-client", usage: "client" });
const leaf2 = ca.issue({ commonName: "hush-client", usage: "client" });

function context(over: Partial<ProviderContext> & { secrets?: Map<string, string>; configMaps?: Map<string, string>; clock?: { t: number } } = {}): ProviderContext {
  const secrets = over.secrets ?? new Map<string, string>();
  const clock = over.clock ?? { t: 0 };
  return {
    namespace: "team-a",
    storeKind: "SecretStore",
    now: () => clock.t,
    readSecret: async (ns, name, key) => {
      const v = secrets.get(`${ns}/${name}/${key}`);
      if (v === undefined) throw new Error("missing");
      return new TextEncoder().encode(v);
    },
    readConfigMap: async (ns, name, key) => {
      const v = over.configMaps?.get(`${ns}/${name}/${key}`);
      if (v === undefined) throw new Error("missing");
      return v;
    },
    ...over,
  };
}

describe("vault kubernetes auth with the controller's own token", () => {
  const spec = { server: "http://vault:8200", path: "secret", auth: { kubernetes: { role: "controller" } } };

  it("is refused to a namespaced SecretStore before any call or token read", async () => {
    let tokenReads = 0;
    const { rec, factory } = recorder();
    const ctx = context({ ownServiceAccountToken: async () => (tokenReads++, "own-jwt") });
    await expect(createVaultProvider(spec, ctx, { factory })).rejects.toMatchObject({
      code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG",
      message: expect.stringContaining("spec.provider.vault.auth.kubernetes.serviceAccountRef is required on a namespaced SecretStore"),
    });
    expect(tokenReads).toBe(0);
    expect(rec.built).toEqual([]);
  });

  it("logs in with the pod's token for a ClusterSecretStore, and for a SecretStore when ambient credentials are allowed", async () => {
    for (const over of [{ storeKind: "ClusterSecretStore" as const, namespace: "" }, { allowAmbientCredentials: true }]) {
      const { rec, factory } = recorder();
      let token = "own-jwt-1\n";
      const p = await createVaultProvider(spec, context({ ...over, ownServiceAccountToken: async () => token }), { factory });
      await p.getSecret({ key: "app", property: "k" });
      expect(rec.writes[0]).toEqual({ path: "auth/kubernetes/login", body: { role: "controller", jwt: "own-jwt-1" } });
      await p.close();
      // Read at each login: the kubelet rotates the mounted token.
      token = "own-jwt-2";
      const again = await createVaultProvider(spec, context({ ...over, ownServiceAccountToken: async () => token }), { factory });
      await again.getSecret({ key: "app", property: "k" });
      expect(rec.writes.filter((w) => w.path === "auth/kubernetes/login").at(-1)?.body).toEqual({ role: "controller", jwt: "own-jwt-2" });
      await again.close();
    }
  });
});

describe("vault TLS material from the cluster", () => {
  it("reads the CA from a ConfigMap in the store's namespace; a tenant store cannot name another namespace, a ClusterSecretStore must", async () => {
    const configMaps = new Map([["team-a/vault-ca/ca.crt", ca.cert], ["shared/vault-ca/ca.crt", ca.cert]]);
    const secrets = new Map([["team-a/t/token", "hvs.static"], ["shared/t/token", "hvs.static"]]);
    const base = { server: "https://vault:8200", path: "secret", auth: { tokenSecretRef: { name: "t", key: "token" } } };
    const { rec, factory } = recorder();
    const p = await createVaultProvider({ ...base, caProvider: { type: "ConfigMap", name: "vault-ca", key: "ca.crt" } }, context({ configMaps, secrets }), { factory });
    await p.getSecret({ key: "app" });
    expect(rec.built[0]?.ca).toBe(ca.cert.trim());
    await p.close();

    const other = await createVaultProvider({ ...base, caProvider: { type: "ConfigMap", name: "vault-ca", key: "ca.crt", namespace: "shared" } }, context({ configMaps, secrets }), { factory });
    await expect(other.getSecret({ key: "app" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG", message: expect.stringContaining("caProvider.namespace must be empty on a namespaced SecretStore") });

    const cluster = { storeKind: "ClusterSecretStore" as const, namespace: "" };
    const clusterBase = { ...base, auth: { tokenSecretRef: { name: "t", key: "token", namespace: "shared" } } };
    const noNs = await createVaultProvider({ ...clusterBase, caProvider: { type: "ConfigMap", name: "vault-ca", key: "ca.crt" } }, context({ ...cluster, configMaps, secrets }), { factory });
    await expect(noNs.getSecret({ key: "app" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG", message: expect.stringContaining("caProvider.namespace is required on a ClusterSecretStore") });
    const withNs = await createVaultProvider({ ...clusterBase, caProvider: { type: "ConfigMap", name: "vault-ca", key: "ca.crt", namespace: "shared" } }, context({ ...cluster, configMaps, secrets }), { factory });
    await expect(withNs.getSecret({ key: "app" })).resolves.toBeDefined();
  });

  it("refuses a CA or key pair Node cannot use, naming the field and not the value", async () => {
    const secrets = new Map([["team-a/t/token", "hvs.static"], ["team-a/client/tls.crt", leaf1.cert], ["team-a/client/tls.key", leaf2.key]]);
    const { factory } = recorder();
    const mismatched = await createVaultProvider(
      { server: "https://vault:8200", path: "secret", tls: { certSecretRef: { name: "client" }, keySecretRef: { name: "client" } }, auth: { tokenSecretRef: { name: "t", key: "token" } } },
      context({ secrets }),
      { factory },
    );
    const err = await mismatched.getSecret({ key: "app" }).catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG", message: expect.stringContaining("client certificate and key") });
    expect(JSON.stringify(err)).not.toContain("PRIVATE KEY");
  });

  it("cert auth: a rotated client certificate is read again after the re-read period, or at once after a failed call, and logs in anew", async () => {
    const clock = { t: 1_000_000 };
    const secrets = new Map([["team-a/client/tls.crt", leaf1.cert], ["team-a/client/tls.key", leaf1.key]]);
    const { rec, factory } = recorder();
    const p = await createVaultProvider(
      { server: "https://vault:8200", path: "secret", caBundle: ca.cert, auth: { cert: { clientCert: { name: "client", key: "tls.crt" }, secretRef: { name: "client", key: "tls.key" } } } },
      context({ secrets, clock }),
      { factory },
    );
    await p.getSecret({ key: "app" });
    expect(rec.built.map((b) => b.clientCert?.cert)).toEqual([leaf1.cert.trim()]);
    expect(rec.writes.filter((w) => w.path === "auth/cert/login")).toHaveLength(1);

    secrets.set("team-a/client/tls.crt", leaf2.cert);
    secrets.set("team-a/client/tls.key", leaf2.key);
    clock.t += VAULT_TLS_REREAD_MS - 1;
    await p.getSecret({ key: "app" });
    expect(rec.built).toHaveLength(1); // within the period: the old client, no read
    clock.t += 1;
    await p.getSecret({ key: "app" });
    expect(rec.built.map((b) => b.clientCert?.cert)).toEqual([leaf1.cert.trim(), leaf2.cert.trim()]);
    expect(rec.writes.filter((w) => w.path === "auth/cert/login")).toHaveLength(2); // new identity, new token

    // Unchanged material after the period: read again, client kept.
    clock.t += VAULT_TLS_REREAD_MS;
    await p.getSecret({ key: "app" });
    expect(rec.built).toHaveLength(2);

    // A failed call: the next use reads the material at once (no period to wait out).
    secrets.set("team-a/client/tls.crt", leaf1.cert);
    secrets.set("team-a/client/tls.key", leaf1.key);
    rec.failNextRead = true;
    await expect(p.getSecret({ key: "app" })).rejects.toMatchObject({ code: expect.stringMatching(/^HUSH_ERR_PROVIDERS_/) });
    await p.getSecret({ key: "app" });
    expect(rec.built.map((b) => b.clientCert?.cert).at(-1)).toBe(leaf1.cert.trim());
    await p.close();
  });

  it("a store whose TLS material is all inline builds its client once", async () => {
    const clock = { t: 0 };
    const { rec, factory } = recorder();
    const p = await createVaultProvider(
      { server: "https://vault:8200", path: "secret", caBundle: ca.cert, auth: { tokenSecretRef: { name: "t", key: "token" } } },
      context({ secrets: new Map([["team-a/t/token", "hvs.static"]]), clock }),
      { factory },
    );
    for (let i = 0; i < 3; i++) {
      clock.t += VAULT_TLS_REREAD_MS * 2;
      await p.getSecret({ key: "app" });
    }
    expect(rec.built).toHaveLength(1);
    await p.close();
  });
});
