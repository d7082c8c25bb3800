// ECRAuthorizationToken and STSSessionToken generators against moto's ECR and STS on a real
// kube-apiserver: ESO's keys and values (the ECR token decoded to AWS:<password>), a new call on
// every refresh, requestParameters passed through, the identity from a Secret or an IRSA
// ServiceAccount, and the tenant rules of a namespaced AWS SecretStore (credential refs in the
// ExternalSecret's namespace only, no ambient identity of the controller).
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { forceSyncAnnotation, type ExternalSecret } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
import { requirePeer, waitFor } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsCreds, createEs, esPath, generatorCrdPaths, getEs, getSecret, decoded, ready, startEnv, waitForReady, waitForSecret, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const gen = "generators.hush.dev/v1alpha1";
const keysAuth = (namespace?: string) => ({
  secretRef: {
    accessKeyIDSecretRef: { name: "aws-creds", key: "id", ...(namespace ? { namespace } : {}) },
    secretAccessKeySecretRef: { name: "aws-creds", key: "secret", ...(namespace ? { namespace } : {}) },
  },
});

describe.skipIf(!peers.every((p) => p.ok))("ECRAuthorizationToken and STSSessionToken generators against moto", () => {
  let env: Env;
  let ns: string;
  let otherNs: string;

  const generatorPath = (plural: string, namespace: string) => resourcePath({ group: "generators.hush.dev", version: "v1alpha1", plural, namespace });
  const createGenerator = (namespace: string, kind: "ECRAuthorizationToken" | "STSSessionToken", name: string, spec: object) =>
    env.client.request("POST", generatorPath(kind === "ECRAuthorizationToken" ? "ecrauthorizationtokens" : "stssessiontokens", namespace), { body: { apiVersion: gen, kind, metadata: { name }, spec } });
  const fromGenerator = (kind: string, name: string): ExternalSecret["spec"] => ({ refreshInterval: "1h", dataFrom: [{ sourceRef: { generatorRef: { apiVersion: gen, kind, name } } }] } as ExternalSecret["spec"]);
  /** Sum of `hush_provider_calls_total` for one AWS operation with result ok. */
  const okCalls = async (operation: string): Promise<number> => {
    const text = await env.registry.metrics();
    const m = new RegExp(`^hush_provider_calls_total\\{provider="aws",operation="${operation}",result="ok"\\} ([0-9.]+)$`, "m").exec(text);
    return m ? Number(m[1]) : 0;
  };
  const forceSync = (namespace: string, name: string, value: string) =>
    env.client.request("PATCH", esPath(namespace, name), { body: { metadata: { annotations: { [forceSyncAnnotation]: value } } }, contentType: "application/merge-patch+json" });

  beforeAll(async () => {
    env = await startEnv({ crds: generatorCrdPaths("ecrauthorizationtokens", "stssessiontokens", "clustergenerators") });
    ns = await env.kube.createNamespace("gen-aws");
    otherNs = await env.kube.createNamespace("gen-aws-other");
    await createAwsCreds(env.client, ns, env.moto);
    await createAwsCreds(env.client, otherNs, env.moto);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("ECRAuthorizationToken: username, password, proxy_endpoint, expires_at as moto's token decodes, and a new call on every refresh", async () => {
    await createGenerator(ns, "ECRAuthorizationToken", "ecr", { region: env.moto.region, auth: keysAuth() });
    await createEs(env, ns, "ecr", fromGenerator("ECRAuthorizationToken", "ecr"));
    const s = await waitForSecret(env, ns, "ecr", (d) => d["password"] !== undefined, "ECR token synced", 30_000);
    const data = decoded(s);
    expect(Object.keys(data).sort()).toEqual(["expires_at", "password", "proxy_endpoint", "username"]);
    // The same call made directly: the token is base64 of "AWS:<password>".
    const ecr = new ECRClient({ endpoint: env.moto.endpoint, region: env.moto.region, credentials: env.moto.credentials });
    try {
      const direct = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!;
      expect(Buffer.from(direct.authorizationToken!, "base64").toString("utf8")).toBe(`AWS:${data["password"]}`);
      expect(data["username"]).toBe("AWS");
      expect(data["proxy_endpoint"]).toBe(direct.proxyEndpoint);
      expect(data["proxy_endpoint"]).toMatch(new RegExp(`^https://\\d{12}\\.dkr\\.ecr\\.${env.moto.region}\\.amazonaws\\.com$`));
      expect(data["expires_at"]).toBe(String(Math.floor(direct.expiresAt!.getTime() / 1000)));
    } finally {
      ecr.destroy();
    }
    expect(ready(await getEs(env, ns, "ecr"))).toMatchObject({ status: "True" });

    // Refresh: the generator runs again (one more GetAuthorizationToken), the sync is recorded.
    const before = await okCalls("GetAuthorizationToken");
    const refreshed = (await getEs(env, ns, "ecr"))!.status!.refreshTime!;
    await forceSync(ns, "ecr", "1");
    await waitFor(async () => (await okCalls("GetAuthorizationToken")) > before && (await getEs(env, ns, "ecr"))?.status?.refreshTime !== refreshed, { what: "ECR token regenerated", timeoutMs: 30_000 });
    expect(decoded(await getSecret(env, ns, "ecr"))["password"]).toBe(data["password"]);
  });

  it("STSSessionToken: ESO's keys, sessionDuration passed to GetSessionToken, credentials moto accepts, regenerated on refresh", async () => {
    await createGenerator(ns, "STSSessionToken", "sts", { region: env.moto.region, auth: keysAuth(), requestParameters: { sessionDuration: 900 } });
    const start = Math.floor(Date.now() / 1000);
    await createEs(env, ns, "sts", fromGenerator("STSSessionToken", "sts"));
    const s = await waitForSecret(env, ns, "sts", (d) => d["session_token"] !== undefined, "STS session synced", 30_000);
    const end = Math.ceil(Date.now() / 1000);
    const data = decoded(s);
    expect(Object.keys(data).sort()).toEqual(["access_key_id", "expiration", "secret_access_key", "session_token"]);
    // moto's expiry is now + DurationSeconds: 900 reached STS.
    expect(Number(data["expiration"])).toBeGreaterThanOrEqual(start + 900 - 1);
    expect(Number(data["expiration"])).toBeLessThanOrEqual(end + 900 + 1);
    // The generated credentials are accepted by moto.
    const sts = new STSClient({ endpoint: env.moto.endpoint, region: env.moto.region, credentials: { accessKeyId: data["access_key_id"]!, secretAccessKey: data["secret_access_key"]!, sessionToken: data["session_token"]! } });
    try {
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toMatch(/^\d{12}$/);
    } finally {
      sts.destroy();
    }
    // Every refresh makes a new session: its expiry moves forward.
    let n = 0;
    await waitFor(
      async () => {
        await forceSync(ns, "sts", String(++n));
        return Number(decoded(await getSecret(env, ns, "sts"))["expiration"]) > Number(data["expiration"]);
      },
      { what: "STS session regenerated with a later expiry", timeoutMs: 30_000 },
    );
  });

  it("auth.jwt: the IRSA role of the ServiceAccount is the identity (ECR answers for the role's account)", async () => {
    const role = "arn:aws:iam::210987654321:role/ecr-pull";
    await env.client.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns }), { body: { metadata: { name: "puller", annotations: { "eks.amazonaws.com/role-arn": role } } } });
    await createGenerator(ns, "ECRAuthorizationToken", "ecr-irsa", { region: env.moto.region, auth: { jwt: { serviceAccountRef: { name: "puller" } } } });
    await createEs(env, ns, "ecr-irsa", fromGenerator("ECRAuthorizationToken", "ecr-irsa"));
    const s = await waitForSecret(env, ns, "ecr-irsa", (d) => d["proxy_endpoint"] !== undefined, "ECR token via IRSA", 30_000);
    expect(decoded(s)["proxy_endpoint"]).toBe(`https://210987654321.dkr.ecr.${env.moto.region}.amazonaws.com`);
    expect(decoded(s)["password"]).toBe("210987654321-auth-token");
  });

  it("refuses credential refs in another namespace, a ServiceAccount of another namespace, and the controller's own identity", async () => {
    const refused: [string, "ECRAuthorizationToken" | "STSSessionToken", object, RegExp][] = [
      ["cross-secret", "ECRAuthorizationToken", { region: env.moto.region, auth: keysAuth(otherNs) }, /spec\.auth\.secretRef\.accessKeyIDSecretRef\.namespace must be empty/],
      ["cross-sa", "STSSessionToken", { region: env.moto.region, auth: { jwt: { serviceAccountRef: { name: "puller", namespace: otherNs } } } }, /spec\.auth\.jwt\.serviceAccountRef\.namespace must be empty/],
      ["ambient", "STSSessionToken", { region: env.moto.region }, /spec\.auth is required on a namespaced SecretStore/],
    ];
    const before = { ecr: await okCalls("GetAuthorizationToken"), sts: await okCalls("GetSessionToken") };
    for (const [name, kind, spec] of refused) {
      await createGenerator(ns, kind, name, spec);
      await createEs(env, ns, name, fromGenerator(kind, name));
    }
    for (const [name, , , message] of refused) {
      const es = await waitForReady(env, ns, name, (r) => r.status === "False", `${name} refused`, 30_000);
      expect(ready(es).message).toMatch(message);
      expect(await getSecret(env, ns, name)).toBeUndefined();
    }
    expect({ ecr: await okCalls("GetAuthorizationToken"), sts: await okCalls("GetSessionToken") }).toEqual(before);
  });

  it("a ClusterGenerator of ECRAuthorizationToken serves every namespace with the credentials of the ExternalSecret's own namespace", async () => {
    const cg = { apiVersion: gen, kind: "ClusterGenerator", metadata: { name: "ecr-shared" }, spec: { kind: "ECRAuthorizationToken", generator: { ecrAuthorizationTokenSpec: { region: env.moto.region, auth: keysAuth() } } } };
    await env.client.request("POST", resourcePath({ group: "generators.hush.dev", version: "v1alpha1", plural: "clustergenerators" }), { body: cg });
    const bare = await env.kube.createNamespace("gen-aws-nocreds");
    for (const n of [ns, otherNs, bare]) await createEs(env, n, "ecr-shared", fromGenerator("ClusterGenerator", "ecr-shared"));
    for (const n of [ns, otherNs]) {
      const s = await waitForSecret(env, n, "ecr-shared", (d) => d["password"] !== undefined, `ECR token via the ClusterGenerator in ${n}`, 30_000);
      expect(Object.keys(decoded(s)).sort()).toEqual(["expires_at", "password", "proxy_endpoint", "username"]);
    }
    // No aws-creds in this namespace: the refs are never read from another one.
    const es = await waitForReady(env, bare, "ecr-shared", (r) => r.status === "False", "no credentials in the tenant's namespace", 30_000);
    expect(ready(es).message).toMatch(new RegExp(`cannot read key "(id|secret)" of secret ${bare}/aws-creds`));
    expect(await getSecret(env, bare, "ecr-shared")).toBeUndefined();
    // STSSessionToken is not run inside a ClusterGenerator: the API server refuses it.
    const sts = { apiVersion: gen, kind: "ClusterGenerator", metadata: { name: "sts-shared" }, spec: { kind: "STSSessionToken", generator: { stsSessionTokenSpec: { region: env.moto.region } } } };
    const refused = await env.kube.kubectl(["create", "-f", "-"], { input: JSON.stringify(sts) });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/only Password, UUID, Fake, ECRAuthorizationToken are supported in a ClusterGenerator/);
  });

  it("a ClusterGenerator without auth uses the controller's own identity (admin-written, as a ClusterSecretStore); a namespaced generator still may not", async () => {
    // The controller runs in this process: its ambient identity is this environment's keys.
    const saved = { id: process.env["AWS_ACCESS_KEY_ID"], secret: process.env["AWS_SECRET_ACCESS_KEY"] };
    process.env["AWS_ACCESS_KEY_ID"] = env.moto.credentials.accessKeyId;
    process.env["AWS_SECRET_ACCESS_KEY"] = env.moto.credentials.secretAccessKey;
    try {
      const cg = { apiVersion: gen, kind: "ClusterGenerator", metadata: { name: "ecr-ambient" }, spec: { kind: "ECRAuthorizationToken", generator: { ecrAuthorizationTokenSpec: { region: env.moto.region } } } };
      await env.client.request("POST", resourcePath({ group: "generators.hush.dev", version: "v1alpha1", plural: "clustergenerators" }), { body: cg });
      await createEs(env, otherNs, "ecr-ambient", fromGenerator("ClusterGenerator", "ecr-ambient"));
      const s = await waitForSecret(env, otherNs, "ecr-ambient", (d) => d["password"] !== undefined, "ECR token with the controller's identity", 30_000);
      expect(decoded(s)["username"]).toBe("AWS");
      await createGenerator(otherNs, "ECRAuthorizationToken", "ecr-ambient-ns", { region: env.moto.region });
      await createEs(env, otherNs, "ecr-ambient-ns", fromGenerator("ECRAuthorizationToken", "ecr-ambient-ns"));
      const es = await waitForReady(env, otherNs, "ecr-ambient-ns", (r) => r.status === "False", "namespaced generator without auth refused", 30_000);
      expect(ready(es).message).toMatch(/spec\.auth is required/);
    } finally {
      for (const [k, v] of [["AWS_ACCESS_KEY_ID", saved.id], ["AWS_SECRET_ACCESS_KEY", saved.secret]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("no generated value reaches the logs or conditions", async () => {
    const values = [...Object.values(decoded(await getSecret(env, ns, "ecr"))), ...Object.values(decoded(await getSecret(env, ns, "sts")))].filter((v) => v.length >= 12 && !v.startsWith("https://"));
    expect(values.length).toBeGreaterThan(2);
    const conditions = await Promise.all(["ecr", "sts", "cross-secret", "ambient"].map(async (n) => JSON.stringify((await getEs(env, ns, n))?.status ?? {})));
    const text = [...env.logs.lines, ...conditions].join("\n");
    for (const v of values) expect(text).not.toContain(v);
  });
});
