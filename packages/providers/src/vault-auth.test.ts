import type { VaultClient } from "@hush/cloud/vault";
import { describe, expect, it } from "vitest";
import { createVaultProvider } from "./vault-provider.js";

/** A Vault client double that accepts any login and records what was sent. */
function fakeVault(): { client: VaultClient; writes: { path: string; body: unknown }[] } {
  const writes: { path: string; body: unknown }[] = [];
  const client: VaultClient = {
    read: async () => ({ data: { data: { k: "v" } } }),
    list: async () => ({ data: { keys: [] } }),
    write: async (path, body) => {
      writes.push({ path, body });
      return path.endsWith("/login") || path.includes("/login/") ? { auth: { client_token: "hvs.x", lease_duration: 3600, renewable: true } } : undefined;
    },
    close: () => undefined,
  };
  return { client, writes };
}

describe("vault kubernetes auth: service-account token audience", () => {
  const run = async (serviceAccountRef: Record<string, unknown>) => {
    const asked: { ns: string; sa: string; audiences: string[] }[] = [];
    const { client, writes } = fakeVault();
    const p = await createVaultProvider(
      { server: "http://vault:8200", path: "secret", auth: { kubernetes: { role: "sync", serviceAccountRef } } },
      {
        namespace: "team-a",
        storeKind: "SecretStore",
        now: () => 0,
        readSecret: async () => new Uint8Array(),
        serviceAccountToken: async (ns, sa, audiences) => {
          asked.push({ ns, sa, audiences });
          return "jwt-for-vault";
        },
      },
      { factory: () => client },
    );
    await p.getSecret({ key: "app", property: "k" });
    await p.close();
    return { asked, writes };
  };

  it("defaults to the audience `vault`, so the token is not valid against the API server", async () => {
    const { asked, writes } = await run({ name: "app" });
    expect(asked).toEqual([{ ns: "team-a", sa: "app", audiences: ["vault"] }]);
    expect(writes[0]).toEqual({ path: "auth/kubernetes/login", body: { role: "sync", jwt: "jwt-for-vault" } });
  });

  it("uses the audiences the store names", async () => {
    const { asked } = await run({ name: "app", audiences: ["https://vault.example.com"] });
    expect(asked[0]?.audiences).toEqual(["https://vault.example.com"]);
  });
});

describe("vault iam auth", () => {
  const keys = { accessKeyIDSecretRef: { name: "aws", key: "id" }, secretAccessKeySecretRef: { name: "aws", key: "secret" } };
  const ctx = (over: Record<string, unknown> = {}) => ({
    namespace: "team-a",
    storeKind: "SecretStore" as const,
    now: () => Date.UTC(2026, 11, 6),
    readSecret: async (ns: string, name: string, key: string) => {
      reads.push(`${ns}/${name}/${key}`);
      return new TextEncoder().encode(key === "id" ? "AKIDUNIT" : "unit-secret-key");
    },
    ...over,
  });
  let reads: string[] = [];

  it("logs in at auth/<path>/login with the signed request, keys read from the store's namespace", async () => {
    reads = [];
    const { client, writes } = fakeVault();
    const p = await createVaultProvider({ server: "http://vault:8200", path: "secret", auth: { iam: { path: "aws-team", vaultRole: "app", secretRef: keys } } }, ctx(), { factory: () => client });
    await p.getSecret({ key: "app", property: "k" });
    await p.close();
    expect(reads.sort()).toEqual(["team-a/aws/id", "team-a/aws/secret"]);
    const login = writes.find((w) => w.path.endsWith("/login"))!;
    expect(login.path).toBe("auth/aws-team/login");
    const body = login.body as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(["iam_http_request_method", "iam_request_body", "iam_request_headers", "iam_request_url", "role"]);
    expect(body["role"]).toBe("app");
    const headers = Buffer.from(body["iam_request_headers"]!, "base64").toString("utf8");
    expect(headers).toContain("Credential=AKIDUNIT/20261206/us-east-1/sts/aws4_request");
    expect(JSON.stringify(writes)).not.toContain("unit-secret-key");
  });

  it("refuses the controller's own AWS identity to a namespaced store before any call; allows it to a ClusterSecretStore or with the opt-in", async () => {
    const { client, writes } = fakeVault();
    const spec = { server: "http://vault:8200", path: "secret", auth: { iam: { vaultRole: "app" } } };
    await expect(createVaultProvider(spec, ctx(), { factory: () => client })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    expect(writes).toEqual([]);
    for (const over of [{ storeKind: "ClusterSecretStore" }, { allowAmbientCredentials: true }]) {
      const p = await createVaultProvider(spec, ctx(over), { factory: () => client });
      await p.close();
    }
  });

  it("refuses keys from another namespace in a namespaced store, without a login", async () => {
    reads = [];
    const { client, writes } = fakeVault();
    const ref = (key: string) => ({ name: "aws", key, namespace: "team-b" });
    const p = await createVaultProvider(
      { server: "http://vault:8200", path: "secret", auth: { iam: { secretRef: { accessKeyIDSecretRef: ref("id"), secretAccessKeySecretRef: ref("secret") } } } },
      ctx(),
      { factory: () => client },
    );
    await expect(p.getSecret({ key: "app", property: "k" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    await p.close();
    expect(reads).toEqual([]);
    expect(writes.filter((w) => w.path.endsWith("/login"))).toEqual([]);
  });
});

describe("vault ldap auth (the userpass login call on the ldap mount)", () => {
  const ctx = (reads: string[]) => ({
    namespace: "team-a",
    storeKind: "SecretStore" as const,
    now: () => 0,
    readSecret: async (ns: string, name: string, key: string) => {
      reads.push(`${ns}/${name}/${key}`);
      return new TextEncoder().encode("ldap-unit-password\n");
    },
  });

  it("posts the password to auth/<path>/login/<username>, read from the store's namespace", async () => {
    const reads: string[] = [];
    const { client, writes } = fakeVault();
    const p = await createVaultProvider(
      { server: "http://vault:8200", path: "secret", auth: { ldap: { path: "corp-ldap", username: "jane doe", secretRef: { name: "ldap", key: "password" } } } },
      ctx(reads),
      { factory: () => client },
    );
    expect(await p.getSecret({ key: "app", property: "k" })).toEqual(new TextEncoder().encode("v"));
    await p.close();
    expect(reads).toEqual(["team-a/ldap/password"]);
    expect(writes[0]).toEqual({ path: "auth/corp-ldap/login/jane%20doe", body: { password: "ldap-unit-password" } });
  });

  it("defaults the mount to ldap, as ESO", async () => {
    const { client, writes } = fakeVault();
    const p = await createVaultProvider({ server: "http://vault:8200", path: "secret", auth: { ldap: { username: "alice", secretRef: { name: "ldap", key: "password" } } } }, ctx([]), { factory: () => client });
    await p.getSecret({ key: "app", property: "k" });
    await p.close();
    expect(writes[0]?.path).toBe("auth/ldap/login/alice");
  });

  it("refuses a password Secret in another namespace to a namespaced store, without a login", async () => {
    const reads: string[] = [];
    const { client, writes } = fakeVault();
    const p = await createVaultProvider(
      { server: "http://vault:8200", path: "secret", auth: { ldap: { username: "alice", secretRef: { name: "ldap", key: "password", namespace: "team-b" } } } },
      ctx(reads),
      { factory: () => client },
    );
    await expect(p.getSecret({ key: "app", property: "k" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    await p.close();
    expect(reads).toEqual([]);
    expect(writes).toEqual([]);
  });
});
