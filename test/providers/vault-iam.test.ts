import { createProvider, type SecretProvider } from "@hush/providers";
import { requirePeer, startMoto, startVault, type MotoHarness, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exposed, testContext, text, type TestContext } from "./context.js";

/**
 * Vault's aws auth method, iam flavour, against moto: Vault forwards the STS GetCallerIdentity
 * hush signs to moto (`sts_endpoint`) and resolves the bound principal there (`iam_endpoint`).
 */
const vaultPeer = requirePeer("vault", "run `bash scripts/peers vault`");
const motoPeer = requirePeer("moto_server", "run `bash scripts/peers moto`");
const CANARY = "iam-canary-7c1f0e9d";
const SERVER_ID = "vault.hush.test";

async function api(vault: VaultHarness, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${vault.address}/v1/${path}`, {
    method,
    headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 400) throw new Error(`seed ${method} ${path}: http ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/** moto's IAM query API (seeding only; moto does not check the signature). */
async function iam(moto: MotoHarness, params: Record<string, string>): Promise<string> {
  const res = await fetch(`${moto.endpoint}/`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `AWS4-HMAC-SHA256 Credential=${moto.credentials.accessKeyId}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ ...params, Version: "2010-05-08" }).toString(),
  });
  const out = await res.text();
  if (res.status >= 400) throw new Error(`moto ${params["Action"]}: http ${res.status} ${out}`);
  return out;
}
/** The AWS principals of the live tokens Vault's aws method issued (token metadata `client_arn`). */
async function loginArns(vault: VaultHarness): Promise<string[]> {
  const accessors: string[] = (await api(vault, "LIST", "auth/token/accessors")).data.keys;
  const out: string[] = [];
  for (const accessor of accessors) {
    const meta = (await api(vault, "POST", "auth/token/lookup-accessor", { accessor })).data.meta as Record<string, string> | null;
    if (meta?.["client_arn"]) out.push(meta["client_arn"]);
  }
  return out;
}
const tag = (xml: string, name: string): string => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)![1]!;

describe.skipIf(!vaultPeer.ok || !motoPeer.ok)("vault iam auth against a real Vault and moto", () => {
  let vault: VaultHarness;
  let moto: MotoHarness;
  let accessKeyId: string;
  let secretAccessKey: string;

  const store = (iamBlock: Record<string, unknown>) => ({
    vault: { server: vault.address, path: "secret", version: "v2", auth: { iam: { vaultRole: "app", vaultAwsIamServerID: SERVER_ID, ...iamBlock } } },
  });
  const keysRef = (ns?: string) => ({
    accessKeyIDSecretRef: { name: "aws", key: "id", ...(ns ? { namespace: ns } : {}) },
    secretAccessKeySecretRef: { name: "aws", key: "secret", ...(ns ? { namespace: ns } : {}) },
  });
  function ctxFor(overrides: Parameters<typeof testContext>[0] = {}): TestContext {
    const ctx = testContext({ now: () => Date.now(), clients: { aws: { stsEndpoint: moto.endpoint } }, ...overrides });
    ctx.secrets.set("team-a/aws/id", accessKeyId);
    ctx.secrets.set("team-a/aws/secret", secretAccessKey);
    return ctx;
  }
  async function withProvider<T>(spec: unknown, ctx: TestContext, fn: (p: SecretProvider) => Promise<T>): Promise<T> {
    const p = await createProvider(spec, ctx);
    try {
      return await fn(p);
    } finally {
      await p.close();
    }
  }

  beforeAll(async () => {
    if (vault === undefined) [vault, moto] = await Promise.all([startVault(), startMoto()]);
    if (vault.kind === "fake") throw new Error("the vault peer is a fake; iam auth needs a real Vault");
    await iam(moto, { Action: "CreateUser", UserName: "syncer" });
    const key = await iam(moto, { Action: "CreateAccessKey", UserName: "syncer" });
    accessKeyId = tag(key, "AccessKeyId");
    secretAccessKey = tag(key, "SecretAccessKey");
    await iam(moto, {
      Action: "CreateRole",
      RoleName: "vault-login",
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }),
    });
    await api(vault, "POST", "secret/data/app/db", { data: { password: CANARY } });
    await api(vault, "PUT", "sys/policies/acl/reader", { policy: 'path "secret/*" { capabilities = ["read", "list"] }' });
    await api(vault, "POST", "sys/auth/aws", { type: "aws" });
    await api(vault, "POST", "auth/aws/config/client", {
      access_key: moto.credentials.accessKeyId,
      secret_key: moto.credentials.secretAccessKey,
      sts_endpoint: moto.endpoint,
      iam_endpoint: moto.endpoint,
      sts_region: "us-east-1",
      iam_server_id_header_value: SERVER_ID,
    });
    // Token metadata names the principal STS (moto) answered with.
    await api(vault, "POST", "auth/aws/config/identity", { iam_metadata: ["client_arn", "canonical_arn"] });
    await api(vault, "POST", "auth/aws/role/app", {
      auth_type: "iam",
      bound_iam_principal_arn: ["arn:aws:iam::123456789012:user/syncer", "arn:aws:iam::123456789012:role/vault-login"],
      token_policies: ["reader"],
      token_ttl: "1h",
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([vault?.stop(), moto?.stop()]);
  });

  it("logs in with keys from a Secret in the store's namespace and reads KV; the Vault token's identity is the moto user", async () => {
    const ctx = ctxFor();
    await withProvider(store({ secretRef: keysRef() }), ctx, async (p) => {
      expect(text(await p.getSecret({ key: "app/db", property: "password" }))).toBe(CANARY);
      expect(await loginArns(vault)).toContain("arn:aws:iam::123456789012:user/syncer");
    });
    expect(ctx.count("login")).toBe(1);
  });

  it("assumes `role` (with moto's STS) before signing, so Vault sees the role", async () => {
    const ctx = ctxFor();
    await withProvider(store({ secretRef: keysRef(), role: "arn:aws:iam::123456789012:role/vault-login" }), ctx, async (p) => {
      expect(text(await p.getSecret({ key: "app/db", property: "password" }))).toBe(CANARY);
      expect((await loginArns(vault)).some((arn) => arn.startsWith("arn:aws:sts::123456789012:assumed-role/vault-login/"))).toBe(true);
    });
  });

  it("jwt.serviceAccountRef (IRSA): assumes the ServiceAccount's annotated role with a TokenRequest token for sts.amazonaws.com, then signs", async () => {
    const asked: { ns: string; sa: string; audiences: string[] }[] = [];
    const ctx = ctxFor({
      serviceAccountAnnotations: async () => ({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/vault-login" }),
      // moto does not verify the web identity token; the API server's own signing is tested in test/controller/auth.test.ts.
      serviceAccountToken: async (ns, sa, audiences) => {
        asked.push({ ns, sa, audiences });
        return "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dGVhbS1hOmlyc2EifQ.";
      },
    });
    await withProvider(store({ jwt: { serviceAccountRef: { name: "irsa" } } }), ctx, async (p) => {
      expect(text(await p.getSecret({ key: "app/db", property: "password" }))).toBe(CANARY);
      expect((await loginArns(vault)).some((arn) => arn.startsWith("arn:aws:sts::123456789012:assumed-role/vault-login/"))).toBe(true);
    });
    expect(asked).toEqual([{ ns: "team-a", sa: "irsa", audiences: ["sts.amazonaws.com"] }]);
  });

  it("is refused by Vault with a wrong server ID header, as access-denied and without the secret key", async () => {
    const ctx = ctxFor();
    const err = await withProvider(store({ secretRef: keysRef(), vaultAwsIamServerID: "other.server" }), ctx, (p) => p.getSecret({ key: "app/db" })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "HUSH_ERR_PROVIDERS_ACCESS_DENIED" });
    expect(exposed(err)).not.toContain(secretAccessKey);
    expect(exposed(err)).not.toContain(CANARY);
  });

  it("is refused by Vault for a principal its role does not bind", async () => {
    await iam(moto, { Action: "CreateUser", UserName: "stranger" });
    const key = await iam(moto, { Action: "CreateAccessKey", UserName: "stranger" });
    const ctx = ctxFor();
    ctx.secrets.set("team-a/aws/id", tag(key, "AccessKeyId"));
    ctx.secrets.set("team-a/aws/secret", tag(key, "SecretAccessKey"));
    const err = await withProvider(store({ secretRef: keysRef() }), ctx, (p) => p.getSecret({ key: "app/db" })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "HUSH_ERR_PROVIDERS_ACCESS_DENIED" });
    expect(exposed(err)).not.toContain(CANARY);
  });

  it("refuses, before any call, a namespaced store reading keys from another namespace or using the controller's own identity", async () => {
    const ctx = ctxFor();
    ctx.secrets.set("team-b/aws/id", accessKeyId);
    ctx.secrets.set("team-b/aws/secret", secretAccessKey);
    const cross = await withProvider(store({ secretRef: keysRef("team-b") }), ctx, (p) => p.getSecret({ key: "app/db" })).catch((e: unknown) => e);
    expect(cross).toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    const ambient = await createProvider(store({}), ctxFor()).catch((e: unknown) => e);
    expect(ambient).toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    expect(String((ambient as Error).message)).toContain("spec.provider.vault.auth.iam");
    expect(ctx.count("login")).toBe(0);
    // A ClusterSecretStore may name the namespace of its keys.
    const cluster = ctxFor({ storeKind: "ClusterSecretStore" });
    cluster.secrets.set("team-b/aws/id", accessKeyId);
    cluster.secrets.set("team-b/aws/secret", secretAccessKey);
    await withProvider(store({ secretRef: keysRef("team-b") }), cluster, async (p) => {
      expect(text(await p.getSecret({ key: "app/db", property: "password" }))).toBe(CANARY);
    });
  });
});
