import { describe, expect, it } from "vitest";
import { ecrTokenKeys, parseAwsGeneratorSpec, runAwsGenerator, stsSessionKeys } from "./aws-generators.js";
import type { ProviderCall, ProviderContext } from "./provider.js";

type Command = { constructor: { name: string }; input: Record<string, unknown> };
const text = (m: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, new TextDecoder().decode(v)]));
const b64 = (s: string) => Buffer.from(s).toString("base64");
const expires = new Date("2030-01-02T03:04:05.678Z");

/** A fake SDK client answering each operation with `answers[op]` (a value, or an Error to throw); records commands and configs. */
function fakeClient(answers: Record<string, unknown>) {
  const sent: Command[] = [];
  const configs: Record<string, unknown>[] = [];
  let destroyed = 0;
  const client = {
    async send(cmd: Command) {
      sent.push(cmd);
      const op = cmd.constructor.name.replace(/Command$/, "");
      const a = answers[op];
      if (a instanceof Error) throw a;
      if (a === undefined) throw new Error(`unexpected ${op}`);
      return a;
    },
    destroy() {
      destroyed++;
    },
  };
  const factory = (config: Record<string, unknown>) => {
    configs.push(config);
    return client as never;
  };
  return { client, factory, sent, configs, destroyed: () => destroyed };
}

function ctx(over: Partial<ProviderContext> = {}, secrets: Record<string, string> = {}): ProviderContext & { reads: string[]; calls: ProviderCall[] } {
  const reads: string[] = [];
  const calls: ProviderCall[] = [];
  return {
    namespace: "team-a",
    storeKind: "SecretStore",
    now: () => 1_000,
    readSecret: async (ns, name, key) => {
      reads.push(`${ns}/${name}/${key}`);
      const v = secrets[`${ns}/${name}/${key}`];
      if (v === undefined) throw new Error("no such secret");
      return new TextEncoder().encode(v);
    },
    observe: (c) => calls.push(c),
    clients: { aws: { endpoint: "http://127.0.0.1:5000" } },
    ...over,
    reads,
    calls,
  };
}

const keysAuth = { secretRef: { accessKeyIDSecretRef: { name: "aws", key: "id" }, secretAccessKeySecretRef: { name: "aws", key: "secret" } } };
const keys = { "team-a/aws/id": "AKIDEXAMPLE", "team-a/aws/secret": "SECRETEXAMPLE" };

describe("parseAwsGeneratorSpec", () => {
  it("reads region, auth, role and the kind's own fields as ESO v0.16.2 names them", () => {
    const ecr = parseAwsGeneratorSpec("ECRAuthorizationToken", { region: "eu-west-1", auth: keysAuth, role: "arn:aws:iam::123456789012:role/pull", scope: "public" });
    expect(ecr.scope).toBe("public");
    expect(ecr.config).toMatchObject({ region: "eu-west-1", role: "arn:aws:iam::123456789012:role/pull", field: "spec", auth: { kind: "secretRef", accessKeyId: { name: "aws", key: "id" } } });
    // ESO: any scope other than "public" is the private registry.
    expect(parseAwsGeneratorSpec("ECRAuthorizationToken", { region: "eu-west-1", scope: "Public" }).scope).toBe("private");
    const sts = parseAwsGeneratorSpec("STSSessionToken", { region: "us-east-1", auth: { jwt: { serviceAccountRef: { name: "app" } } }, requestParameters: { sessionDuration: 900, serialNumber: "GAHT1", tokenCode: "123456" } });
    expect(sts.config.auth).toEqual({ kind: "jwt", serviceAccount: { name: "app" } });
    expect(sts.requestParameters).toEqual({ sessionDuration: 900, serialNumber: "GAHT1", tokenCode: "123456" });
  });

  it("uses secretRef when both secretRef and jwt are set (ESO's precedence); no auth is the ambient identity", () => {
    const both = parseAwsGeneratorSpec("STSSessionToken", { region: "us-east-1", auth: { ...keysAuth, jwt: { serviceAccountRef: { name: "app" } } } });
    expect(both.config.auth.kind).toBe("secretRef");
    expect(parseAwsGeneratorSpec("STSSessionToken", { region: "us-east-1" }).config.auth).toEqual({ kind: "ambient" });
  });

  it("refuses a spec without region, a bad region or role, a malformed auth or duration", () => {
    const bad: [unknown, RegExp][] = [
      [undefined, /no config spec provided/],
      [{}, /spec\.region is required/],
      [{ region: "EU WEST" }, /spec\.region is not a region name/],
      [{ region: "us-east-1", role: "admin" }, /spec\.role must be an IAM role ARN/],
      [{ region: "us-east-1", auth: { secretRef: { accessKeyIDSecretRef: { name: "aws", key: "id" } } } }, /secretAccessKeySecretRef is required/],
      [{ region: "us-east-1", auth: { jwt: {} } }, /spec\.auth\.jwt\.serviceAccountRef is required/],
      [{ region: "us-east-1", requestParameters: { sessionDuration: "1h" } }, /sessionDuration must be an integer/],
    ];
    for (const [spec, message] of bad) {
      expect(() => parseAwsGeneratorSpec("STSSessionToken", spec)).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG", message: expect.stringMatching(message) }));
    }
  });
});

describe("ecrTokenKeys / stsSessionKeys", () => {
  it("splits the token into username and password and gives the expiry in Unix seconds", () => {
    const data = [{ authorizationToken: b64("AWS:pa55word"), expiresAt: expires, proxyEndpoint: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com" }];
    expect(text(ecrTokenKeys("private", data))).toEqual({ username: "AWS", password: "pa55word", proxy_endpoint: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com", expires_at: "1893553445" });
    // ECR Public has no proxy endpoint key.
    expect(text(ecrTokenKeys("public", data))).toEqual({ username: "AWS", password: "pa55word", expires_at: "1893553445" });
  });

  it("fails as ESO on a token count other than one, bad base64, or a token without exactly one colon", () => {
    const ok = { authorizationToken: b64("AWS:p"), expiresAt: expires, proxyEndpoint: "x" };
    expect(() => ecrTokenKeys("private", [])).toThrow(/unexpected number of authorization tokens. expected 1, found 0/);
    expect(() => ecrTokenKeys("private", [ok, ok])).toThrow(/expected 1, found 2/);
    expect(() => ecrTokenKeys("private", [{ ...ok, authorizationToken: "not base64!" }])).toThrow(/illegal base64/);
    for (const t of ["AWS", "AWS:a:b"]) {
      let err: unknown;
      try {
        ecrTokenKeys("private", [{ ...ok, authorizationToken: b64(t) }]);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: "HUSH_ERR_PROVIDERS_UNAVAILABLE", message: "unexpected token format" });
    }
  });

  it("names STS credentials as ESO does, and fails when none came back", () => {
    expect(text(stsSessionKeys({ AccessKeyId: "ASIA1", SecretAccessKey: "s3cr3t", SessionToken: "tok", Expiration: expires }))).toEqual({
      access_key_id: "ASIA1",
      expiration: "1893553445",
      secret_access_key: "s3cr3t",
      session_token: "tok",
    });
    expect(() => stsSessionKeys(undefined)).toThrow(/no credentials found/);
  });
});

describe("runAwsGenerator", () => {
  it("ECR: one GetAuthorizationToken with keys read from the generator's namespace, endpoint override applied, clients closed", async () => {
    const ecr = fakeClient({ GetAuthorizationToken: { authorizationData: [{ authorizationToken: b64("AWS:pw"), expiresAt: expires, proxyEndpoint: "https://1.dkr.ecr.eu-west-1.amazonaws.com" }] } });
    const sts = fakeClient({});
    const c = ctx({}, keys);
    const out = await runAwsGenerator("ECRAuthorizationToken", { region: "eu-west-1", auth: keysAuth }, c, { ecr: ecr.factory, sts: sts.factory });
    expect(text(out)).toEqual({ username: "AWS", password: "pw", proxy_endpoint: "https://1.dkr.ecr.eu-west-1.amazonaws.com", expires_at: "1893553445" });
    expect(ecr.sent.map((s) => s.constructor.name)).toEqual(["GetAuthorizationTokenCommand"]);
    expect(ecr.configs[0]).toMatchObject({ region: "eu-west-1", endpoint: "http://127.0.0.1:5000" });
    const creds = await (ecr.configs[0]!["credentials"] as () => Promise<{ accessKeyId: string; secretAccessKey: string }>)();
    expect(creds).toMatchObject({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "SECRETEXAMPLE" });
    expect(c.reads.sort()).toEqual(["team-a/aws/id", "team-a/aws/secret"]);
    expect(c.calls).toEqual([{ provider: "aws", operation: "GetAuthorizationToken", result: "ok", durationMs: 0 }]);
    expect(ecr.destroyed()).toBe(1);
  });

  it("ECR public scope asks ECR Public and has no proxy_endpoint", async () => {
    const pub = fakeClient({ GetAuthorizationToken: { authorizationData: { authorizationToken: b64("AWS:pub"), expiresAt: expires } } });
    const out = await runAwsGenerator("ECRAuthorizationToken", { region: "us-east-1", auth: keysAuth, scope: "public" }, ctx({}, keys), { ecrPublic: pub.factory, sts: fakeClient({}).factory });
    expect(text(out)).toEqual({ username: "AWS", password: "pub", expires_at: "1893553445" });
    expect(pub.sent).toHaveLength(1);
  });

  it("STS: GetSessionToken with requestParameters, against the STS endpoint override", async () => {
    const sts = fakeClient({ GetSessionToken: { Credentials: { AccessKeyId: "ASIA1", SecretAccessKey: "sk", SessionToken: "st", Expiration: expires } } });
    const c = ctx({ clients: { aws: { endpoint: "http://127.0.0.1:5000", stsEndpoint: "http://127.0.0.1:5001" } } }, keys);
    const out = await runAwsGenerator("STSSessionToken", { region: "us-east-1", auth: keysAuth, requestParameters: { sessionDuration: 3600, serialNumber: "GAHT1", tokenCode: "123456" } }, c, { sts: sts.factory });
    expect(text(out)).toEqual({ access_key_id: "ASIA1", expiration: "1893553445", secret_access_key: "sk", session_token: "st" });
    expect(sts.sent[0]!.input).toEqual({ DurationSeconds: 3600, SerialNumber: "GAHT1", TokenCode: "123456" });
    expect(sts.configs.at(-1)).toMatchObject({ region: "us-east-1", endpoint: "http://127.0.0.1:5001" });
  });

  it("assumes spec.role with the keys before the call", async () => {
    const sts = fakeClient({
      AssumeRole: { Credentials: { AccessKeyId: "ASIAROLE", SecretAccessKey: "rk", SessionToken: "rt", Expiration: expires } },
      GetSessionToken: { Credentials: { AccessKeyId: "ASIA2", SecretAccessKey: "sk", SessionToken: "st", Expiration: expires } },
    });
    const role = "arn:aws:iam::123456789012:role/gen";
    const c = ctx({}, keys);
    await runAwsGenerator("STSSessionToken", { region: "us-east-1", auth: keysAuth, role }, c, { sts: sts.factory });
    expect(sts.sent.map((s) => s.constructor.name)).toEqual(["AssumeRoleCommand", "GetSessionTokenCommand"]);
    expect(sts.sent[0]!.input).toMatchObject({ RoleArn: role, RoleSessionName: "hush-team-a" });
  });

  it("refuses the controller's own identity in a namespace unless the controller allows it", async () => {
    const sts = fakeClient({ GetSessionToken: { Credentials: { AccessKeyId: "A", SecretAccessKey: "s", SessionToken: "t", Expiration: expires } } });
    await expect(runAwsGenerator("STSSessionToken", { region: "us-east-1" }, ctx(), { sts: sts.factory })).rejects.toMatchObject({
      code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG",
      message: expect.stringContaining("spec.auth is required"),
    });
    expect(sts.sent).toHaveLength(0);
    const out = await runAwsGenerator("STSSessionToken", { region: "us-east-1" }, ctx({ allowAmbientCredentials: true }), { sts: sts.factory });
    expect(text(out)["access_key_id"]).toBe("A");
  });

  it("refuses credential refs that name another namespace, before any call", async () => {
    const ecr = fakeClient({ GetAuthorizationToken: { authorizationData: [] } });
    const auth = { secretRef: { accessKeyIDSecretRef: { name: "aws", key: "id", namespace: "team-b" }, secretAccessKeySecretRef: { name: "aws", key: "secret", namespace: "team-b" } } };
    const c = ctx({}, { "team-b/aws/id": "x", "team-b/aws/secret": "y" });
    await expect(runAwsGenerator("ECRAuthorizationToken", { region: "us-east-1", auth }, c, { ecr: ecr.factory, sts: fakeClient({}).factory })).rejects.toMatchObject({
      code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG",
      message: expect.stringContaining("namespace must be empty"),
    });
    expect(c.reads).toEqual([]);
    // A ServiceAccount in another namespace is refused the same way.
    const jwt = { jwt: { serviceAccountRef: { name: "app", namespace: "team-b" } } };
    const tokens: string[] = [];
    const c2 = ctx({ serviceAccountToken: async (ns, sa) => (tokens.push(`${ns}/${sa}`), "jwt"), serviceAccountAnnotations: async () => ({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/x" }) });
    await expect(runAwsGenerator("ECRAuthorizationToken", { region: "us-east-1", auth: jwt }, c2, { ecr: ecr.factory, sts: fakeClient({}).factory })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    expect(tokens).toEqual([]);
  });

  it("jwt: the role comes from the ServiceAccount's IRSA annotation (AssumeRoleWithWebIdentity with its token)", async () => {
    const sts = fakeClient({
      AssumeRoleWithWebIdentity: { Credentials: { AccessKeyId: "ASIAWEB", SecretAccessKey: "wk", SessionToken: "wt", Expiration: expires } },
      GetAuthorizationToken: { authorizationData: [{ authorizationToken: b64("AWS:x"), expiresAt: expires, proxyEndpoint: "p" }] },
    });
    const c = ctx({
      serviceAccountToken: async (ns, sa, aud) => `token-${ns}-${sa}-${aud.join(",")}`,
      serviceAccountAnnotations: async () => ({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/irsa" }),
    });
    const ecr = fakeClient({ GetAuthorizationToken: { authorizationData: [{ authorizationToken: b64("AWS:x"), expiresAt: expires, proxyEndpoint: "p" }] } });
    const out = await runAwsGenerator("ECRAuthorizationToken", { region: "us-east-1", auth: { jwt: { serviceAccountRef: { name: "app" } } } }, c, { ecr: ecr.factory, sts: sts.factory });
    expect(text(out)["password"]).toBe("x");
    // The SDK resolves credentials lazily; ask the ECR client's provider as the SDK would.
    const creds = await (ecr.configs[0]!["credentials"] as () => Promise<{ accessKeyId: string }>)();
    expect(creds.accessKeyId).toBe("ASIAWEB");
    expect(sts.sent[0]!.input).toMatchObject({ RoleArn: "arn:aws:iam::123456789012:role/irsa", WebIdentityToken: "token-team-a-app-sts.amazonaws.com" });
  });

  it("maps an AWS failure to a typed error that names the operation, never a value", async () => {
    const ecr = fakeClient({ GetAuthorizationToken: Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } }) });
    const c = ctx({}, keys);
    await expect(runAwsGenerator("ECRAuthorizationToken", { region: "us-east-1", auth: keysAuth }, c, { ecr: ecr.factory, sts: fakeClient({}).factory })).rejects.toMatchObject({
      code: "HUSH_ERR_PROVIDERS_ACCESS_DENIED",
      message: expect.stringContaining("get authorization token"),
    });
    expect(c.calls).toEqual([{ provider: "aws", operation: "GetAuthorizationToken", result: "access-denied", durationMs: 0 }]);
  });
});
