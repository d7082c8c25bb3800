import { describe, expect, it } from "vitest";
import { parseVaultConfig } from "./vault-config.js";
import { mapVaultError, vaultStatusKind } from "./vault-errors.js";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("vault config", () => {
  it("parses ESO's vault block for each supported auth method", () => {
    const base = { server: "https://vault.example:8200/", path: "secret", version: "v2", namespace: "team-a" };
    expect(parseVaultConfig({ ...base, auth: { tokenSecretRef: { name: "t", key: "token" } } })).toMatchObject({
      server: "https://vault.example:8200",
      path: "secret",
      version: "v2",
      namespace: "team-a",
      auth: { kind: "token", tokenSecretRef: { name: "t", key: "token" } },
    });
    expect(parseVaultConfig({ ...base, auth: { appRole: { roleId: "r", secretRef: { name: "s", key: "id" } } } }).auth).toEqual({
      kind: "appRole",
      path: "approle",
      roleId: "r",
      secretRef: { name: "s", key: "id" },
    });
    expect(parseVaultConfig({ server: "http://v:8200", auth: { namespace: "root", kubernetes: { role: "r", serviceAccountRef: { name: "sa" } } } })).toMatchObject({
      version: "v2",
      authNamespace: "root",
      auth: { kind: "kubernetes", mountPath: "kubernetes", role: "r", serviceAccountRef: { name: "sa" } },
    });
  });

  it("parses jwt (token from a Secret or a ServiceAccount) and userPass auth", () => {
    expect(parseVaultConfig({ server: "http://v", auth: { jwt: { role: "r", secretRef: { name: "j", key: "jwt" } } } }).auth).toEqual({
      kind: "jwt",
      path: "jwt",
      role: "r",
      secretRef: { name: "j", key: "jwt" },
      audiences: ["vault"],
    });
    expect(
      parseVaultConfig({
        server: "http://v",
        auth: { jwt: { path: "oidc", kubernetesServiceAccountToken: { serviceAccountRef: { name: "sa" }, audiences: ["sts"] } } },
      }).auth,
    ).toEqual({ kind: "jwt", path: "oidc", serviceAccountRef: { name: "sa" }, audiences: ["sts"] });
    expect(parseVaultConfig({ server: "http://v", auth: { userPass: { username: "sync", secretRef: { name: "u", key: "pw" } } } }).auth).toEqual({
      kind: "userPass",
      path: "userpass",
      username: "sync",
      secretRef: { name: "u", key: "pw" },
    });
    for (const auth of [{ jwt: { role: "r" } }, { userPass: { username: "a/b", secretRef: { name: "u", key: "pw" } } }, { userPass: { username: "..", secretRef: { name: "u", key: "pw" } } }]) {
      expect(() => parseVaultConfig({ server: "http://v", auth })).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    }
  });

  it("parses ldap auth as ESO: path defaults to ldap, the username is trimmed, LDAP-style names pass", () => {
    const secretRef = { name: "ldap-pw", key: "password" };
    expect(parseVaultConfig({ server: "http://v", auth: { ldap: { username: " alice ", secretRef } } }).auth).toEqual({ kind: "ldap", path: "ldap", username: "alice", secretRef });
    expect(parseVaultConfig({ server: "http://v", auth: { ldap: { path: "corp/ldap", username: "Jane Doe, Ops\\x", secretRef } } }).auth).toEqual({
      kind: "ldap",
      path: "corp/ldap",
      username: "Jane Doe, Ops\\x",
      secretRef,
    });
    const bad = [
      { username: "a/b", secretRef }, // a second path segment
      { username: ".", secretRef },
      { username: "..", secretRef }, // resolved away from login/
      { username: "   ", secretRef },
      { username: "a\nb", secretRef },
      { username: "x".repeat(257), secretRef },
      { username: "alice" }, // no password
      { path: "../sys", username: "alice", secretRef },
    ];
    for (const ldap of bad) {
      expect(() => parseVaultConfig({ server: "http://v", auth: { ldap } }), JSON.stringify(ldap)).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    }
  });

  it("accepts caBundle as base64 (ESO's []byte) or PEM", () => {
    const auth = { tokenSecretRef: { name: "t", key: "k" } };
    expect(parseVaultConfig({ server: "https://v", caBundle: Buffer.from(PEM).toString("base64"), auth }).caBundle).toBe(PEM);
    expect(parseVaultConfig({ server: "https://v", caBundle: PEM, auth }).caBundle).toBe(PEM);
    expect(() => parseVaultConfig({ server: "https://v", caBundle: "bm90IGEgY2VydA==", auth })).toThrow(
      expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }),
    );
  });

  it("parses ESO's caProvider (Secret or ConfigMap), tls client certificates (tls.crt/tls.key by default), cert auth and kubernetes auth without a ref", () => {
    const token = { tokenSecretRef: { name: "t", key: "k" } };
    expect(parseVaultConfig({ server: "https://v", caProvider: { type: "ConfigMap", name: "ca", key: "ca.crt", namespace: "shared" }, auth: token }).caProvider).toEqual({
      type: "ConfigMap", name: "ca", key: "ca.crt", namespace: "shared",
    });
    expect(parseVaultConfig({ server: "https://v", caProvider: { type: "Secret", name: "ca", key: "ca.crt" }, auth: token }).caProvider).toEqual({ type: "Secret", name: "ca", key: "ca.crt" });
    expect(parseVaultConfig({ server: "https://v", tls: { certSecretRef: { name: "client" }, keySecretRef: { name: "client", key: "private.pem" } }, auth: token }).clientTls).toEqual({
      certSecretRef: { name: "client", key: "tls.crt" },
      keySecretRef: { name: "client", key: "private.pem" },
    });
    // An empty tls block is ESO's zero value: no client certificate.
    expect(parseVaultConfig({ server: "https://v", tls: {}, auth: token }).clientTls).toBeUndefined();
    expect(parseVaultConfig({ server: "https://v", auth: { cert: { clientCert: { name: "c", key: "tls.crt" }, secretRef: { name: "c", key: "tls.key" } } } }).auth).toEqual({
      kind: "cert", clientCert: { name: "c", key: "tls.crt" }, secretRef: { name: "c", key: "tls.key" },
    });
    expect(parseVaultConfig({ server: "https://v", auth: { kubernetes: { role: "r" } } }).auth).toEqual({ kind: "kubernetes", mountPath: "kubernetes", role: "r" });
  });

  it("parses iam auth with ESO's defaults (path aws, region us-east-1) and prefers jwt over secretRef", () => {
    const keys = { accessKeyIDSecretRef: { name: "aws", key: "id" }, secretAccessKeySecretRef: { name: "aws", key: "secret" } };
    expect(parseVaultConfig({ server: "http://v", auth: { iam: { vaultRole: "app", secretRef: keys } } }).auth).toEqual({
      kind: "iam",
      path: "aws",
      region: "us-east-1",
      vaultRole: "app",
      secretRef: { accessKeyId: { name: "aws", key: "id" }, secretAccessKey: { name: "aws", key: "secret" } },
    });
    const full = parseVaultConfig({
      server: "http://v",
      auth: {
        iam: {
          path: "aws-east",
          region: "eu-west-1",
          role: "arn:aws:iam::123456789012:role/vault-login",
          externalID: "ext-1",
          vaultRole: "app",
          vaultAwsIamServerID: "vault.example.com",
          secretRef: { ...keys, sessionTokenSecretRef: { name: "aws", key: "token" } },
          jwt: { serviceAccountRef: { name: "irsa" } },
        },
      },
    }).auth;
    expect(full).toEqual({
      kind: "iam",
      path: "aws-east",
      region: "eu-west-1",
      role: "arn:aws:iam::123456789012:role/vault-login",
      externalID: "ext-1",
      vaultRole: "app",
      serverId: "vault.example.com",
      serviceAccountRef: { name: "irsa" },
    });
  });

  it("rejects unsupported or ambiguous blocks", () => {
    const token = { tokenSecretRef: { name: "t", key: "k" } };
    const bad: unknown[] = [
      { server: "ftp://v", auth: token },
      { server: "http://v", version: "v3", auth: token },
      { server: "http://v", auth: {} },
      { server: "http://v", auth: { ...token, appRole: { roleId: "r", secretRef: { name: "s", key: "k" } } } },
      { server: "http://v", auth: { ldap: {} } }, // no username
      { server: "http://v", auth: { gcp: {} } },
      { server: "http://v", auth: { iam: { region: "US EAST" } } },
      { server: "http://v", auth: { iam: { role: "not-an-arn" } } },
      { server: "http://v", auth: { iam: { vaultAwsIamServerID: "a b\r\nX-Evil: 1" } } }, // header smuggling
      { server: "http://v", auth: { iam: { vaultRole: "r/../x" } } },
      { server: "http://v", auth: { iam: { jwt: {} } } }, // no serviceAccountRef
      { server: "http://v", auth: { iam: { secretRef: { accessKeyIDSecretRef: { name: "k", key: "id" } } } } }, // no secret key
      { server: "http://v", auth: { iam: { path: "../sys" } } },
      { server: "http://v", auth: { kubernetes: {} } }, // no role
      { server: "http://v", auth: { cert: { clientCert: { name: "c", key: "tls.crt" } } } }, // no key ref
      { server: "http://v", tls: { certSecretRef: { name: "c" } }, auth: token }, // cert without key
      { server: "http://v", caProvider: { type: "Vault", name: "ca", key: "ca.crt" }, auth: token },
      { server: "http://v", caProvider: { type: "ConfigMap", name: "ca" }, auth: token }, // no key
      { server: "http://v", headers: { "X-Vault-Token": "x" }, auth: token },
      { server: "http://v", auth: { appRole: { path: "../x", roleId: "r", secretRef: { name: "s", key: "k" } } } },
    ];
    for (const spec of bad) {
      expect(() => parseVaultConfig(spec)).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    }
  });
});

describe("vault error mapping", () => {
  it("maps statuses and network failures, never keeping the axios error (it holds the token)", () => {
    expect([404, 403, 401, 429, 400, 503, 500, 412].map(vaultStatusKind)).toEqual([
      "not-found", "access-denied", "access-denied", "throttled", "invalid-config", "unavailable", "unavailable", "unavailable",
    ]);
    const api = Object.assign(new Error("permission denied"), { response: { statusCode: 403, body: { errors: ["permission denied"] } } });
    const mapped = mapVaultError(api, 'read "app"');
    expect(mapped.code).toBe("HUSH_ERR_PROVIDERS_ACCESS_DENIED");
    expect(mapped.cause).not.toBe(api);
    const axios = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED", config: { headers: { "X-Vault-Token": "hvs.canary" } } });
    const net = mapVaultError(axios, "read");
    expect(net.code).toBe("HUSH_ERR_PROVIDERS_UNAVAILABLE");
    expect(JSON.stringify(net.cause, Object.getOwnPropertyNames(net.cause as object))).not.toContain("hvs.canary");
    expect(mapVaultError(Object.assign(new Error("x"), { code: "SELF_SIGNED_CERT_IN_CHAIN" }), "read").code).toBe("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
  });
});
