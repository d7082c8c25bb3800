// The controller with AWS Systems Manager Parameter Store (`service: ParameterStore`) against
// moto's SSM on a real kube-apiserver: value types, versions, properties, tags, find, batching,
// deletion behaviour, and a tenant trying to use the store against the model.
import { AddTagsToResourceCommand, DeleteParameterCommand, PutParameterCommand, SSMClient, type ParameterType } from "@aws-sdk/client-ssm";
import { apiVersion, type ExternalSecret, type SecretStore } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
import { requirePeer, waitFor } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindTenant, clientAs, createEs, decoded, esPath, events, getEs, getSecret, ready, startEnv, waitForReady, waitForSecret, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const tenant = "bob@team-ssm";

const storePath = (ns: string, name?: string) => resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns, ...(name ? { name } : {}) });

/** Sum of `hush_provider_calls_total` for one AWS operation (all results). */
async function calls(env: Env, operation: string): Promise<number> {
  const text = await env.registry.metrics();
  const re = new RegExp(`^hush_provider_calls_total\\{provider="aws",operation="${operation}",result="[a-z-]+"\\} ([0-9.]+)$`, "gm");
  return [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
}

describe.skipIf(!peers.every((p) => p.ok))("sync controller with AWS Parameter Store (moto)", () => {
  let env: Env;
  let ssm: SSMClient;
  let ns: string;
  /** Every value written to moto, so the logs can be checked for none of them. */
  const values: string[] = [];

  const put = async (name: string, value: string, type: ParameterType = "String", tags?: Record<string, string>) => {
    values.push(value);
    await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
    if (tags) await ssm.send(new AddTagsToResourceCommand({ ResourceType: "Parameter", ResourceId: name, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  };
  const store = (name: string, spec: Record<string, unknown>): SecretStore => ({ apiVersion, kind: "SecretStore", metadata: { name }, spec: { provider: { aws: spec } } } as SecretStore);
  const storeReady = async (namespace: string, name: string) => {
    let last: { status?: string; reason?: string; message?: string } = {};
    await waitFor(async () => {
      const s = await env.client.get<{ status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }>(storePath(namespace, name));
      last = s?.status?.conditions?.find((c) => c.type === "Ready") ?? {};
      return last.status === "True" || last.status === "False";
    }, { what: `SecretStore ${name} validated` });
    return last;
  };

  beforeAll(async () => {
    env = await startEnv();
    ssm = new SSMClient({ endpoint: env.moto.endpoint, region: env.moto.region, credentials: env.moto.credentials });
    ns = await env.kube.createNamespace("ssm");
    await env.client.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), {
      body: { metadata: { name: "aws-creds" }, stringData: { id: env.moto.credentials.accessKeyId, secret: env.moto.credentials.secretAccessKey } },
    });
    const auth = { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } };
    await env.client.request("POST", storePath(ns), { body: store("ssm", { service: "ParameterStore", region: env.moto.region, auth }) });
    await env.client.request("POST", storePath(ns), { body: store("ssm-prefixed", { service: "ParameterStore", region: env.moto.region, auth, prefix: "/prod/" }) });
  });
  afterAll(async () => {
    ssm?.destroy();
    await env?.stop();
  });

  it("a ParameterStore SecretStore is accepted by the API server and validated Ready", async () => {
    expect(await storeReady(ns, "ssm")).toMatchObject({ status: "True" });
    expect(await storeReady(ns, "ssm-prefixed")).toMatchObject({ status: "True" });
  });

  it("String, SecureString (decrypted), StringList, a version, a JSON property, tags, and the store prefix", async () => {
    await put("/app/db", JSON.stringify({ user: "admin", pass: "pw-1", nested: { port: 5432 } }), "SecureString", { team: "payments", env: "prod" });
    await put("/app/plain", "plain-1");
    await put("/app/plain", "plain-2");
    await put("/app/hosts", "a.example,b.example", "StringList");
    await put("/prod/api-key", "k-ssm-42", "SecureString");
    await createEs(env, ns, "types", {
      secretStoreRef: { name: "ssm" },
      data: [
        { secretKey: "user", remoteRef: { key: "/app/db", property: "user" } },
        { secretKey: "port", remoteRef: { key: "/app/db", property: "nested.port" } },
        { secretKey: "plain", remoteRef: { key: "/app/plain" } },
        { secretKey: "plain-v1", remoteRef: { key: "/app/plain", version: "1" } },
        { secretKey: "hosts", remoteRef: { key: "/app/hosts" } },
        { secretKey: "tags", remoteRef: { key: "/app/db", metadataPolicy: "Fetch" } },
        { secretKey: "team", remoteRef: { key: "/app/db", metadataPolicy: "Fetch", property: "team" } },
      ],
      dataFrom: [{ extract: { key: "/app/db" } }],
    });
    const s = await waitForSecret(env, ns, "types", (d) => d["user"] === "admin", "types synced");
    expect(decoded(s)).toEqual({
      user: "admin",
      pass: "pw-1",
      nested: JSON.stringify({ port: 5432 }),
      port: "5432",
      plain: "plain-2",
      "plain-v1": "plain-1",
      hosts: "a.example,b.example",
      tags: JSON.stringify({ env: "prod", team: "payments" }),
      team: "payments",
    });
    await createEs(env, ns, "prefixed", { secretStoreRef: { name: "ssm-prefixed" }, data: [{ secretKey: "key", remoteRef: { key: "api-key" } }] });
    expect(decoded(await waitForSecret(env, ns, "prefixed", (d) => "key" in d, "prefixed synced"))).toEqual({ key: "k-ssm-42" });
  });

  it("web identity: the same AWS session as Secrets Manager (TokenRequest exchanged with STS for the role)", async () => {
    await put("/irsa/value", "ssm-via-web-identity");
    await env.client.request("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns }), { body: { metadata: { name: "reader" } } });
    await env.client.request("POST", storePath(ns), {
      body: store("ssm-jwt", { service: "ParameterStore", region: env.moto.region, role: "arn:aws:iam::123456789012:role/ssm-reader", auth: { jwt: { serviceAccountRef: { name: "reader" } } } }),
    });
    await createEs(env, ns, "irsa", { secretStoreRef: { name: "ssm-jwt" }, data: [{ secretKey: "v", remoteRef: { key: "/irsa/value" } }] });
    expect(decoded(await waitForSecret(env, ns, "irsa", (d) => "v" in d, "synced with web-identity credentials"))).toEqual({ v: "ssm-via-web-identity" });
    expect(await calls(env, "AssumeRoleWithWebIdentity")).toBeGreaterThanOrEqual(1);
  });

  it("a version or property that does not exist is an error, never a deletion", async () => {
    await put("/app/versioned", "only-one");
    await createEs(env, ns, "bad-version", {
      secretStoreRef: { name: "ssm" },
      target: { deletionPolicy: "Delete" },
      data: [{ secretKey: "v", remoteRef: { key: "/app/versioned", version: "7" } }],
    });
    const es = await waitForReady(env, ns, "bad-version", (r) => r.status === "False", "bad version refused");
    expect(ready(es).message).toContain("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
    expect(ready(es).message).toContain("ParameterVersionNotFound");
  });

  it("find by name under a path, by a name pattern alone, and by tags (with a path)", async () => {
    await put("/svc/alpha/token", "alpha-t", "SecureString", { owner: "svc" });
    await put("/svc/beta/token", "beta-t", "String", { owner: "svc" });
    await put("/svc/beta/readme", "not-a-token", "String", { owner: "docs" });
    await put("/other/gamma/token", "gamma-t", "String", { owner: "svc" });
    await createEs(env, ns, "find-path", { secretStoreRef: { name: "ssm" }, dataFrom: [{ find: { path: "/svc", name: { regexp: "token$" } } }] });
    await createEs(env, ns, "find-name", { secretStoreRef: { name: "ssm" }, dataFrom: [{ find: { name: { regexp: "^/svc/.*/token$" } } }] });
    await createEs(env, ns, "find-tags", { secretStoreRef: { name: "ssm" }, dataFrom: [{ find: { path: "/svc", tags: { owner: "svc" } } }] });
    // Found parameters are keyed by full name, "/" converted to "_" as ESO does.
    const want = { _svc_alpha_token: "alpha-t", _svc_beta_token: "beta-t" };
    expect(decoded(await waitForSecret(env, ns, "find-path", (d) => Object.keys(d).length > 0, "find by path"))).toEqual(want);
    expect(decoded(await waitForSecret(env, ns, "find-name", (d) => Object.keys(d).length > 0, "find by name"))).toEqual(want);
    expect(decoded(await waitForSecret(env, ns, "find-tags", (d) => Object.keys(d).length > 0, "find by tags"))).toEqual(want);
  });

  it("reads of plain names go out in GetParameters batches of up to 10", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `/batch/p${i}`);
    for (const [i, n] of names.entries()) await put(n, `batch-${i}`);
    const [batchBefore, singleBefore] = [await calls(env, "GetParameters"), await calls(env, "GetParameter")];
    await createEs(env, ns, "batch", { secretStoreRef: { name: "ssm" }, data: names.map((n, i) => ({ secretKey: `k${i}`, remoteRef: { key: n } })) });
    const s = await waitForSecret(env, ns, "batch", (d) => Object.keys(d).length === 12, "batch synced");
    expect(decoded(s)).toEqual(Object.fromEntries(names.map((_, i) => [`k${i}`, `batch-${i}`])));
    const batches = (await calls(env, "GetParameters")) - batchBefore;
    const singles = (await calls(env, "GetParameter")) - singleBefore;
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(batches + singles).toBeLessThan(12);
  });

  it("a parameter deleted: deletionPolicy Delete removes the Secret, Merge drops its key, Retain keeps the Secret with Ready=False", async () => {
    await put("/gone/del", "d");
    await put("/gone/keep", "k");
    await put("/gone/drop", "x");
    await put("/gone/ret", "r");
    await createEs(env, ns, "del", { secretStoreRef: { name: "ssm" }, refreshInterval: "1s", target: { deletionPolicy: "Delete" }, data: [{ secretKey: "v", remoteRef: { key: "/gone/del" } }] });
    await createEs(env, ns, "merge", {
      secretStoreRef: { name: "ssm" },
      refreshInterval: "1s",
      target: { deletionPolicy: "Merge" },
      data: [
        { secretKey: "keep", remoteRef: { key: "/gone/keep" } },
        { secretKey: "drop", remoteRef: { key: "/gone/drop" } },
      ],
    });
    await createEs(env, ns, "ret", { secretStoreRef: { name: "ssm" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "/gone/ret" } }] });
    await waitForSecret(env, ns, "del", (d) => d["v"] === "d", "del synced");
    await waitForSecret(env, ns, "merge", (d) => d["drop"] === "x", "merge synced");
    await waitForSecret(env, ns, "ret", (d) => d["v"] === "r", "ret synced");
    for (const Name of ["/gone/del", "/gone/drop", "/gone/ret"]) await ssm.send(new DeleteParameterCommand({ Name }));

    await waitFor(async () => (await getSecret(env, ns, "del")) === undefined, { what: "del Secret deleted" });
    expect(ready(await getEs(env, ns, "del")).reason).toBe("SecretDeleted");
    expect(decoded(await waitForSecret(env, ns, "merge", (d) => !("drop" in d), "vanished key dropped"))).toEqual({ keep: "k" });
    await waitFor(async () => (await events(env, ns, "merge")).some((e) => e.reason === "MissingProviderSecret"), { what: "MissingProviderSecret event" });
    const ret = await waitForReady(env, ns, "ret", (r) => r.status === "False", "ret Ready=False");
    expect(ready(ret).message).toContain("HUSH_ERR_PROVIDERS_NOT_FOUND");
    expect(decoded(await getSecret(env, ns, "ret"))).toEqual({ v: "r" });
  });

  it("no parameter value reaches a log line or a condition", async () => {
    const conditions = (await env.client.list<ExternalSecret>(esPath(ns))).items.map((es) => JSON.stringify(es.status ?? {}));
    const text = [...env.logs.lines, ...conditions].join("\n");
    for (const v of values.filter((v) => v.length >= 7)) expect(text).not.toContain(v);
  });

  it("tenant: a ParameterStore store cannot borrow the controller's identity or another namespace's keys, and a backtracking pattern cannot stall a find", async () => {
    const teamNs = await env.kube.createNamespace("team-ssm");
    await bindTenant(env, teamNs, tenant);
    const { client: bob, dispose } = clientAs(env, tenant);
    try {
      await bob.request("POST", storePath(teamNs), { body: store("ambient", { service: "ParameterStore", region: env.moto.region }) });
      const stolen = { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id", namespace: ns }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret", namespace: ns } } };
      await bob.request("POST", storePath(teamNs), { body: store("stolen", { service: "ParameterStore", region: env.moto.region, auth: stolen }) });
      const ambient = await storeReady(teamNs, "ambient");
      expect(ambient.status).toBe("False");
      expect(ambient.message).toContain("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
      // Both stores validated first, so each ExternalSecret below meets a store already refused.
      const borrowed = await storeReady(teamNs, "stolen");
      expect(borrowed.status).toBe("False");
      expect(borrowed.message).toContain("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
      // The store condition names the code only (as ESO's): refused as a configuration error,
      // and nothing is read through either store.
      const viaAmbient = { secretStoreRef: { name: "ambient" }, data: [{ secretKey: "v", remoteRef: { key: "/app/plain" } }] };
      await bob.request("POST", esPath(teamNs), { body: { apiVersion, kind: "ExternalSecret", metadata: { name: "via-ambient" }, spec: viaAmbient } });
      const viaBorrowed = { secretStoreRef: { name: "stolen" }, data: [{ secretKey: "v", remoteRef: { key: "/app/plain" } }] };
      await bob.request("POST", esPath(teamNs), { body: { apiVersion, kind: "ExternalSecret", metadata: { name: "via-stolen" }, spec: viaBorrowed } });
      for (const name of ["via-ambient", "via-stolen"]) {
        const es = await waitForReady(env, teamNs, name, (r) => r.status === "False", `${name} refused`);
        expect(ready(es).message).toContain("HUSH_ERR_CONTROLLER_STORE_NOT_READY");
        expect(await getSecret(env, teamNs, name)).toBeUndefined();
      }

      // A store of the tenant's own (keys in its own namespace), and a pattern that is
      // exponential for a backtracking engine on the name that does not match.
      await env.client.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: teamNs }), {
        body: { metadata: { name: "aws-creds" }, stringData: { id: env.moto.credentials.accessKeyId, secret: env.moto.credentials.secretAccessKey } },
      });
      const own = { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } };
      await bob.request("POST", storePath(teamNs), { body: store("own", { service: "ParameterStore", region: env.moto.region, auth: own }) });
      expect(await storeReady(teamNs, "own")).toMatchObject({ status: "True" });
      await put(`/redos/${"a".repeat(48)}!`, "no-match");
      await put("/redos/aaa", "match");
      const started = Date.now();
      await bob.request("POST", esPath(teamNs), {
        body: { apiVersion, kind: "ExternalSecret", metadata: { name: "redos" }, spec: { secretStoreRef: { name: "own" }, dataFrom: [{ find: { name: { regexp: "^/redos/(a+)+$" } } }] } },
      });
      expect(decoded(await waitForSecret(env, teamNs, "redos", (d) => Object.keys(d).length > 0, "redos find synced"))).toEqual({ _redos_aaa: "match" });
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      dispose();
    }
  });
});
