import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, TagResourceCommand } from "@aws-sdk/client-secrets-manager";
import { apiVersion, esoFlavour, type PushSecret } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
import { repoRoot, requirePeer, startGcpSecretManager, startVault, waitFor, type GcpSecretManagerHarness, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsNamespace, events, startEnv, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const vaultPeer = requirePeer("vault", "run `bash scripts/peers vault`");
const pushCrd = join(repoRoot, "deploy", "crds", "hush.dev_pushsecrets.yaml");
const ownerTag = "hush.dev/pushed-from-namespace";

const psPath = (ns: string, name?: string) => resourcePath({ group: "hush.dev", version: "v1alpha1", plural: "pushsecrets", namespace: ns, ...(name ? { name } : {}) });
const secretsPath = (ns: string) => resourcePath({ version: "v1", plural: "secrets", namespace: ns });

async function createPs(env: Env, ns: string, name: string, spec: PushSecret["spec"], metadata: Partial<PushSecret["metadata"]> = {}): Promise<PushSecret> {
  return env.client.request<PushSecret>("POST", psPath(ns), { body: { apiVersion: "hush.dev/v1alpha1", kind: "PushSecret", metadata: { name, ...metadata }, spec } });
}
const getPs = (env: Env, ns: string, name: string) => env.client.get<PushSecret>(psPath(ns, name));
function readyOf(ps: PushSecret | undefined) {
  const c = ps?.status?.conditions?.find((x) => x.type === "Ready");
  return { status: c?.status, reason: c?.reason, message: c?.message ?? "" };
}
async function waitPs(env: Env, ns: string, name: string, pred: (ps: PushSecret) => boolean, what: string, timeoutMs = 20_000): Promise<PushSecret> {
  let last: PushSecret | undefined;
  await waitFor(async () => {
    last = await getPs(env, ns, name);
    return last !== undefined && pred(last);
  }, { what, timeoutMs });
  return last!;
}
async function putSecret(env: Env, ns: string, name: string, data: Record<string, string>): Promise<void> {
  await env.client.request("POST", secretsPath(ns), { body: { metadata: { name }, stringData: data } });
}
async function remote(env: Env, id: string): Promise<{ value?: string; binary: boolean; tags: Record<string, string>; deleted: boolean } | undefined> {
  try {
    const d = await env.sm.send(new DescribeSecretCommand({ SecretId: id }));
    const tags = Object.fromEntries((d.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));
    if (d.DeletedDate) return { binary: false, tags, deleted: true };
    const v = await env.sm.send(new GetSecretValueCommand({ SecretId: id }));
    return { value: v.SecretString ?? Buffer.from(v.SecretBinary ?? new Uint8Array()).toString("utf8"), binary: v.SecretBinary !== undefined, tags, deleted: false };
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundException") return undefined;
    throw err;
  }
}

describe.skipIf(!peers.every((p) => p.ok))("PushSecret to AWS Secrets Manager (moto)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv({ crds: [pushCrd, ...["passwords", "uuids"].map((g) => join(repoRoot, "deploy", "crds", `generators.hush.dev_${g}.yaml`))] });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("pushes what a Password generator of its namespace generates, a new value at each push (ESO); IfNotExists keeps the first", async () => {
    const ns = await awsNamespace(env, "push-gen");
    await env.client.request("POST", resourcePath({ group: "generators.hush.dev", version: "v1alpha1", plural: "passwords", namespace: ns }), {
      body: { apiVersion: "generators.hush.dev/v1alpha1", kind: "Password", metadata: { name: "pw" }, spec: { length: 32, digits: 5, symbols: 0, noUpper: false, allowRepeat: true } },
    });
    const spec = (remoteKey: string, updatePolicy: "Replace" | "IfNotExists") => ({
      secretStoreRefs: [{ name: "aws" }],
      selector: { generatorRef: { apiVersion: "generators.hush.dev/v1alpha1", kind: "Password", name: "pw" } },
      updatePolicy,
      data: [{ match: { secretKey: "password", remoteRef: { remoteKey } } }],
    });
    await createPs(env, ns, "rotate", spec(`${ns}/rotating`, "Replace"));
    await createPs(env, ns, "once", spec(`${ns}/once`, "IfNotExists"));
    await waitFor(async () => (await remote(env, `${ns}/rotating`))?.value?.length === 32 && (await remote(env, `${ns}/once`))?.value?.length === 32, { what: "generated passwords pushed" });
    const [first, once] = [(await remote(env, `${ns}/rotating`))!.value!, (await remote(env, `${ns}/once`))!.value!];
    expect(first).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(first.replace(/[^0-9]/g, "").length).toBe(5);
    const onceBefore = (await getPs(env, ns, "once"))!.status?.syncedResourceVersion;
    for (const name of ["rotate", "once"]) await env.client.request("PATCH", psPath(ns, name), { body: { metadata: { annotations: { "hush.dev/force-sync": "1" } } }, contentType: "application/merge-patch+json" });
    await waitFor(async () => (await remote(env, `${ns}/rotating`))?.value !== first, { what: "a new password pushed" });
    await waitPs(env, ns, "once", (p) => readyOf(p).status === "True" && p.status?.syncedResourceVersion !== onceBefore, "IfNotExists resynced");
    expect((await remote(env, `${ns}/once`))?.value).toBe(once);
    // Never in status, events or logs.
    const seen = JSON.stringify([await getPs(env, ns, "rotate"), await events(env, ns), env.logs.lines]);
    expect(seen).not.toContain(first);
  });

  it("pushes a key and a merged property, tagged as ESO tags (managed-by) plus the owner namespace; status and events as ESO's", async () => {
    const ns = await awsNamespace(env, "push");
    await putSecret(env, ns, "src", { user: "admin", password: "pw-one" });
    await createPs(env, ns, "db", {
      secretStoreRefs: [{ name: "aws", kind: "SecretStore" }],
      selector: { secret: { name: "src" } },
      refreshInterval: "1h",
      data: [
        { match: { secretKey: "password", remoteRef: { remoteKey: `${ns}/password` } } },
        { match: { secretKey: "user", remoteRef: { remoteKey: `${ns}/json`, property: "user" } } },
        { match: { secretKey: "password", remoteRef: { remoteKey: `${ns}/json`, property: "password" } } },
      ],
    });
    const ps = await waitPs(env, ns, "db", (p) => readyOf(p).status === "True", "PushSecret Ready");
    expect(readyOf(ps)).toMatchObject({ status: "True", reason: "Synced", message: "PushSecret synced successfully" });
    expect(Object.keys(ps.status?.syncedPushSecrets?.["SecretStore/aws"] ?? {}).sort()).toEqual([`${ns}/json/password`, `${ns}/json/user`, `${ns}/password`]);
    expect(ps.status?.refreshTime).toBeTruthy();
    const pw = await remote(env, `${ns}/password`);
    expect(pw).toMatchObject({ value: "pw-one", binary: true, tags: { "managed-by": "external-secrets", [ownerTag]: ns } });
    expect(JSON.parse((await remote(env, `${ns}/json`))!.value!)).toEqual({ user: "admin", password: "pw-one" });
    await waitFor(async () => (await events(env, ns, "db")).some((e) => e.reason === "Synced"), { what: "Synced event" });
    const metrics = await env.registry.metrics();
    expect(metrics).toContain(`hush_pushsecret_status_condition{name="db",namespace="${ns}",condition="Ready",status="True"} 1`);
    expect(metrics).toMatch(new RegExp(`hush_pushsecret_reconcile_duration\\{name="db",namespace="${ns}"\\} [1-9]`));

    // A new Secret value is pushed when the PushSecret changes (or at its refresh interval).
    await env.client.request("PATCH", resourcePath({ version: "v1", plural: "secrets", namespace: ns, name: "src" }), { body: { stringData: { password: "pw-two" } }, contentType: "application/merge-patch+json" });
    await env.client.request("PATCH", psPath(ns, "db"), { body: { metadata: { annotations: { "hush.dev/force-sync": "1" } } }, contentType: "application/merge-patch+json" });
    await waitFor(async () => (await remote(env, `${ns}/password`))?.value === "pw-two", { what: "new value pushed" });
    await waitFor(async () => JSON.parse((await remote(env, `${ns}/json`))!.value!).password === "pw-two", { what: "new value merged" });
    expect(JSON.parse((await remote(env, `${ns}/json`))!.value!)).toEqual({ user: "admin", password: "pw-two" });

    // No secret value in status, events or logs.
    const evs = JSON.stringify(await events(env, ns, "db"));
    const status = JSON.stringify((await getPs(env, ns, "db"))?.status);
    for (const v of ["pw-one", "pw-two", "admin"]) {
      expect(evs).not.toContain(v);
      expect(status).not.toContain(v);
      expect(env.logs.lines.join("\n")).not.toContain(v);
    }
  });

  it("pushes the whole Secret as one JSON object, and with a template; IfNotExists leaves an existing secret alone", async () => {
    const ns = await awsNamespace(env, "push-all");
    await putSecret(env, ns, "src", { b: "2", a: "1" });
    await createPs(env, ns, "all", {
      secretStoreRefs: [{ name: "aws" }],
      selector: { secret: { name: "src" } },
      template: { data: { dsn: "db://{{ .a }}:{{ .b }}" } },
      data: [{ match: { secretKey: "dsn", remoteRef: { remoteKey: `${ns}/dsn` } } }],
    });
    await createPs(env, ns, "whole", { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "src" } }, data: [{ match: { remoteRef: { remoteKey: `${ns}/whole` } } }] });
    await waitFor(async () => (await remote(env, `${ns}/dsn`))?.value === "db://1:2", { what: "templated value pushed" });
    await waitFor(async () => (await remote(env, `${ns}/whole`))?.value === '{"a":"1","b":"2"}', { what: "whole Secret pushed" });

    await createPs(env, ns, "once", { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "src" } }, updatePolicy: "IfNotExists", data: [{ match: { secretKey: "b", remoteRef: { remoteKey: `${ns}/dsn` } } }] });
    const once = await waitPs(env, ns, "once", (p) => readyOf(p).status === "True", "IfNotExists Ready");
    expect(readyOf(once).message).toBe("PushSecret synced successfully. Existing secrets in providers unchanged.");
    expect((await remote(env, `${ns}/dsn`))?.value).toBe("db://1:2");
  });

  it("never overwrites a remote secret it did not push (no managed-by tag), and says so without values", async () => {
    const ns = await awsNamespace(env, "push-foreign");
    await env.sm.send(new CreateSecretCommand({ Name: `${ns}/foreign`, SecretString: "precious" }));
    await putSecret(env, ns, "src", { v: "intruder" });
    await createPs(env, ns, "clobber", { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "src" } }, data: [{ match: { secretKey: "v", remoteRef: { remoteKey: `${ns}/foreign` } } }] });
    const ps = await waitPs(env, ns, "clobber", (p) => readyOf(p).status === "False", "refused");
    expect(readyOf(ps)).toMatchObject({ reason: "Errored" });
    expect(readyOf(ps).message).toContain("HUSH_ERR_PROVIDERS_NOT_MANAGED");
    expect(readyOf(ps).message).not.toContain("intruder");
    expect((await remote(env, `${ns}/foreign`))?.value).toBe("precious");
  });

  it("tenant: cannot clobber or delete another namespace's pushed secret, through its own store or a shared ClusterSecretStore", async () => {
    const a = await awsNamespace(env, "push-team-a");
    const b = await awsNamespace(env, "push-team-b");
    const key = `shared/${a}/db`;
    await putSecret(env, a, "src", { v: "team-a-value" });
    await putSecret(env, b, "src", { v: "team-b-value" });
    // A ClusterSecretStore both namespaces may use (credentials in team A's namespace, read by the controller).
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "clustersecretstores" }), {
      body: {
        apiVersion,
        kind: "ClusterSecretStore",
        metadata: { name: `shared-${a}`, labels: { shared: a } },
        spec: { provider: { aws: { service: "SecretsManager", region: env.moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id", namespace: a }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret", namespace: a } } } } } },
      },
    });
    await createPs(env, a, "db", { secretStoreRefs: [{ kind: "ClusterSecretStore", labelSelector: { matchLabels: { shared: a } } }], selector: { secret: { name: "src" } }, data: [{ match: { secretKey: "v", remoteRef: { remoteKey: key } } }] });
    await waitFor(async () => (await remote(env, key))?.value === "team-a-value", { what: "team A pushed" });

    // Team B, through the shared store and through its own SecretStore: refused, and its Delete policy deletes nothing.
    await createPs(env, b, "via-shared", { secretStoreRefs: [{ name: `shared-${a}`, kind: "ClusterSecretStore" }], selector: { secret: { name: "src" } }, deletionPolicy: "Delete", data: [{ match: { secretKey: "v", remoteRef: { remoteKey: key } } }] });
    await createPs(env, b, "via-own", { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "src" } }, deletionPolicy: "Delete", data: [{ match: { secretKey: "v", remoteRef: { remoteKey: key, property: "x" } } }] });
    for (const name of ["via-shared", "via-own"]) {
      const ps = await waitPs(env, b, name, (p) => readyOf(p).status === "False", `${name} refused`);
      expect(readyOf(ps).message).toContain("HUSH_ERR_PROVIDERS_NOT_MANAGED");
      await env.client.request("DELETE", psPath(b, name));
      await waitFor(async () => (await getPs(env, b, name)) === undefined, { what: `${name} deleted` });
    }
    expect(await remote(env, key)).toMatchObject({ value: "team-a-value", deleted: false, tags: { [ownerTag]: a } });

    // Forging the owner tag through push metadata is refused.
    await createPs(env, b, "forge", {
      secretStoreRefs: [{ name: "aws" }],
      selector: { secret: { name: "src" } },
      data: [{ match: { secretKey: "v", remoteRef: { remoteKey: `${b}/forged` } }, metadata: { apiVersion: "kubernetes.external-secrets.io/v1alpha1", kind: "PushSecretMetadata", spec: { tags: { [ownerTag]: a } } } }],
    });
    const forged = await waitPs(env, b, "forge", (p) => readyOf(p).status === "False", "forged tag refused");
    expect(readyOf(forged).message).toContain("cannot specify");
    expect(await remote(env, `${b}/forged`)).toBeUndefined();
  });

  it("tenant: reads only Secrets of its own namespace and stores as ExternalSecrets may (store of another namespace, ClusterSecretStore conditions)", async () => {
    const a = await awsNamespace(env, "push-src-a");
    const b = await awsNamespace(env, "push-src-b");
    await putSecret(env, a, "only-a", { v: "a-secret" });
    // A namespace field is not part of the schema: with strict validation the API server refuses it.
    const strict = await env.client
      .request("POST", psPath(b), { query: { fieldValidation: "Strict" }, body: { apiVersion: "hush.dev/v1alpha1", kind: "PushSecret", metadata: { name: "x" }, spec: { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "only-a", namespace: a } }, data: [{ match: { secretKey: "v", remoteRef: { remoteKey: `${b}/stolen` } } }] } } })
      .then(() => "accepted", (err: Error) => err.message);
    expect(strict).toMatch(/400/);
    // Without strict validation the field is dropped: the Secret is looked up in b only.
    await createPs(env, b, "steal", { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "only-a", namespace: a } as never }, data: [{ match: { secretKey: "v", remoteRef: { remoteKey: `${b}/stolen` } } }] });
    const steal = await waitPs(env, b, "steal", (p) => readyOf(p).status === "False", "source not found in own namespace");
    expect(readyOf(steal).message).toContain("HUSH_ERR_CONTROLLER_PUSH_SOURCE_NOT_FOUND");
    expect(await remote(env, `${b}/stolen`)).toBeUndefined();

    // A SecretStore name resolves in the PushSecret's namespace only.
    const c = await env.kube.createNamespace("push-nostore");
    await putSecret(env, c, "src", { v: "c" });
    await createPs(env, c, "x", { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "src" } }, data: [{ match: { secretKey: "v", remoteRef: { remoteKey: `${c}/x` } } }] });
    expect(readyOf(await waitPs(env, c, "x", (p) => readyOf(p).status === "False", "store not found")).message).toContain("HUSH_ERR_CONTROLLER_STORE_NOT_FOUND");

    // A ClusterSecretStore whose conditions do not admit the namespace.
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "clustersecretstores" }), {
      body: { apiVersion, kind: "ClusterSecretStore", metadata: { name: `only-${a}` }, spec: { conditions: [{ namespaces: [a] }], provider: { aws: { service: "SecretsManager", region: env.moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id", namespace: a }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret", namespace: a } } } } } } },
    });
    await createPs(env, c, "y", { secretStoreRefs: [{ name: `only-${a}`, kind: "ClusterSecretStore" }], selector: { secret: { name: "src" } }, data: [{ match: { secretKey: "v", remoteRef: { remoteKey: `${c}/y` } } }] });
    expect(readyOf(await waitPs(env, c, "y", (p) => readyOf(p).status === "False", "namespace not admitted")).message).toContain("HUSH_ERR_CONTROLLER_STORE_NOT_ALLOWED");
    expect(await remote(env, `${c}/y`)).toBeUndefined();

    // A service-account token Secret of the namespace is never pushed out of the cluster.
    await env.client.request("POST", secretsPath(a), { body: { metadata: { name: "sa-token", annotations: { "kubernetes.io/service-account.name": "default" } }, type: "kubernetes.io/service-account-token", stringData: { token: "not-a-real-token" } } });
    await createPs(env, a, "tok", { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "sa-token" } }, data: [{ match: { secretKey: "token", remoteRef: { remoteKey: `${a}/tok` } } }] });
    expect(readyOf(await waitPs(env, a, "tok", (p) => readyOf(p).status === "False", "token Secret refused")).message).toContain("never pushed");
    expect(await remote(env, `${a}/tok`)).toBeUndefined();

    // A generator kind hush does not implement, or a Secret and a generator together, are refused by the API server.
    for (const selector of [{ generatorRef: { kind: "Fake", name: "p" } }, { secret: { name: "src" }, generatorRef: { kind: "Password", name: "p" } }]) {
      const gen = await env.client
        .request("POST", psPath(c), { body: { apiVersion: "hush.dev/v1alpha1", kind: "PushSecret", metadata: { name: "gen" }, spec: { secretStoreRefs: [{ name: "aws" }], selector } } })
        .then(() => "accepted", (err: Error) => err.message);
      expect(gen).toMatch(/422 Invalid.*spec\.selector/);
    }
  });

  it("deletionPolicy Delete: a removed entry and finally the PushSecret delete what it pushed; a provider outage deletes nothing and holds the finalizer", async () => {
    const ns = await awsNamespace(env, "push-del");
    await putSecret(env, ns, "src", { a: "va", b: "vb" });
    // Another secret with ESO's marker but pushed by nobody here: never deleted.
    await env.sm.send(new CreateSecretCommand({ Name: `${ns}/eso-made`, SecretString: "keep", Tags: [{ Key: "managed-by", Value: "external-secrets" }] }));
    await createPs(env, ns, "del", {
      secretStoreRefs: [{ name: "aws" }],
      selector: { secret: { name: "src" } },
      deletionPolicy: "Delete",
      data: [
        { match: { secretKey: "a", remoteRef: { remoteKey: `${ns}/a` } } },
        { match: { secretKey: "b", remoteRef: { remoteKey: `${ns}/b` } } },
      ],
    });
    const ps = await waitPs(env, ns, "del", (p) => readyOf(p).status === "True", "pushed");
    expect(ps.metadata.finalizers).toContain("pushsecret.hush.dev/finalizer");
    expect((await remote(env, `${ns}/b`))?.value).toBe("vb");

    // Drop entry b: its remote secret is deleted (AWS recovery window), a stays.
    await env.client.request("PATCH", psPath(ns, "del"), { body: { spec: { data: [{ match: { secretKey: "a", remoteRef: { remoteKey: `${ns}/a` } } }] } }, contentType: "application/merge-patch+json" });
    await waitFor(async () => (await remote(env, `${ns}/b`))?.deleted === true, { what: "dropped entry deleted remotely" });
    await waitPs(env, ns, "del", (p) => Object.keys(p.status?.syncedPushSecrets?.["SecretStore/aws"] ?? {}).join() === `${ns}/a`, "status lists a only");
    // Pushed again while in its recovery window: restored and updated, not stuck.
    await env.client.request("PATCH", psPath(ns, "del"), { body: { spec: { data: [{ match: { secretKey: "a", remoteRef: { remoteKey: `${ns}/a` } } }, { match: { secretKey: "a", remoteRef: { remoteKey: `${ns}/b` } } }] } }, contentType: "application/merge-patch+json" });
    await waitFor(async () => (await remote(env, `${ns}/b`))?.value === "va", { what: "deleted secret restored with the new value" }).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(readyOf(await getPs(env, ns, "del")))} ${JSON.stringify(await remote(env, `${ns}/b`))}`);
    });
    await env.client.request("PATCH", psPath(ns, "del"), { body: { spec: { data: [{ match: { secretKey: "a", remoteRef: { remoteKey: `${ns}/a` } } }] } }, contentType: "application/merge-patch+json" });
    await waitFor(async () => (await remote(env, `${ns}/b`))?.deleted === true, { what: "deleted again" });

    // Provider unreachable while the PushSecret is deleted: nothing deleted, the finalizer holds, status says why.
    await env.relay.cut();
    try {
      await env.client.request("DELETE", psPath(ns, "del"));
      const held = await waitPs(env, ns, "del", (p) => readyOf(p).status === "False", "delete failed while provider is down", 30_000);
      expect(held.metadata.deletionTimestamp).toBeTruthy();
      expect(held.metadata.finalizers).toContain("pushsecret.hush.dev/finalizer");
      expect(held.status?.syncedPushSecrets?.["SecretStore/aws"]?.[`${ns}/a`]).toBeTruthy();
    } finally {
      await env.relay.restore();
    }
    expect((await remote(env, `${ns}/a`))?.deleted).toBe(false);
    await waitFor(async () => (await getPs(env, ns, "del")) === undefined, { what: "PushSecret gone after the provider is back", timeoutMs: 30_000 });
    expect((await remote(env, `${ns}/a`))?.deleted).toBe(true);
    expect((await remote(env, `${ns}/eso-made`))?.deleted).toBe(false);
  });

  it("adopts a secret ESO pushed (managed-by, no owner tag) only through the namespace's own SecretStore", async () => {
    const ns = await awsNamespace(env, "push-adopt");
    await env.sm.send(new CreateSecretCommand({ Name: `${ns}/from-eso`, SecretBinary: Buffer.from("old"), Tags: [{ Key: "managed-by", Value: "external-secrets" }] }));
    await putSecret(env, ns, "src", { v: "new" });
    await createPs(env, ns, "adopt", { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "src" } }, data: [{ match: { secretKey: "v", remoteRef: { remoteKey: `${ns}/from-eso` } } }] });
    await waitFor(async () => (await remote(env, `${ns}/from-eso`))?.value === "new", { what: "ESO-pushed secret updated" });
    expect((await remote(env, `${ns}/from-eso`))?.tags[ownerTag]).toBe(ns);
    // Once owned by this namespace, the tag cannot be flipped by metadata; re-tagging is only for someone with AWS access.
    await env.sm.send(new TagResourceCommand({ SecretId: `${ns}/from-eso`, Tags: [{ Key: ownerTag, Value: "someone-else" }] }));
    await env.client.request("PATCH", resourcePath({ version: "v1", plural: "secrets", namespace: ns, name: "src" }), { body: { stringData: { v: "newer" } }, contentType: "application/merge-patch+json" });
    await env.client.request("PATCH", psPath(ns, "adopt"), { body: { metadata: { annotations: { bump: "1" } } }, contentType: "application/merge-patch+json" });
    await waitPs(env, ns, "adopt", (p) => readyOf(p).message.includes("HUSH_ERR_PROVIDERS_NOT_MANAGED"), "refused after re-tag");
    expect((await remote(env, `${ns}/from-eso`))?.value).toBe("new");
  });
});

describe.skipIf(!peers.every((p) => p.ok) || !vaultPeer.ok)("PushSecret to Vault KV v2 (dev server)", () => {
  let env: Env;
  let vault: VaultHarness;
  beforeAll(async () => {
    vault = await startVault();
    env = await startEnv({ crds: [pushCrd] });
  });
  afterAll(async () => {
    await env?.stop();
    await vault?.stop();
  });
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const res = await fetch(`${vault.address}/v1/${path}`, { method, headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  async function vaultNamespace(prefix: string): Promise<string> {
    const ns = await env.kube.createNamespace(prefix);
    await env.client.request("POST", secretsPath(ns), { body: { metadata: { name: "vault-token" }, stringData: { token: vault.token } } });
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "vault" }, spec: { provider: { vault: { server: vault.address, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } } } },
    });
    return ns;
  }

  it("writes custom_metadata managed-by and the owner, merges properties, refuses unmanaged secrets, deletes on Delete", async () => {
    const ns = await vaultNamespace("vpush");
    await putSecret(env, ns, "src", { user: "u1", password: "p1", json: '{"k":"v"}' });
    expect((await api("POST", `secret/data/${ns}/foreign`, { data: { mine: "yes" } })).status).toBe(200);
    await createPs(env, ns, "v", {
      secretStoreRefs: [{ name: "vault" }],
      selector: { secret: { name: "src" } },
      deletionPolicy: "Delete",
      data: [
        { match: { secretKey: "user", remoteRef: { remoteKey: `${ns}/app`, property: "user" } } },
        { match: { secretKey: "password", remoteRef: { remoteKey: `${ns}/app`, property: "password" } } },
        { match: { secretKey: "json", remoteRef: { remoteKey: `${ns}/whole` } } },
      ],
    });
    await waitPs(env, ns, "v", (p) => readyOf(p).status === "True", "pushed to Vault");
    expect((await api("GET", `secret/data/${ns}/app`)).json.data.data).toEqual({ user: "u1", password: "p1" });
    expect((await api("GET", `secret/data/${ns}/whole`)).json.data.data).toEqual({ k: "v" });
    expect((await api("GET", `secret/metadata/${ns}/app`)).json.data.custom_metadata).toEqual({ "managed-by": "external-secrets", [ownerTag]: ns });

    await createPs(env, ns, "clobber", { secretStoreRefs: [{ name: "vault" }], selector: { secret: { name: "src" } }, deletionPolicy: "Delete", data: [{ match: { secretKey: "user", remoteRef: { remoteKey: `${ns}/foreign`, property: "mine" } } }] });
    expect(readyOf(await waitPs(env, ns, "clobber", (p) => readyOf(p).status === "False", "unmanaged Vault secret refused")).message).toContain("HUSH_ERR_PROVIDERS_NOT_MANAGED");
    await env.client.request("DELETE", psPath(ns, "clobber"));
    await waitFor(async () => (await getPs(env, ns, "clobber")) === undefined, { what: "refused PushSecret deleted" });
    expect((await api("GET", `secret/data/${ns}/foreign`)).json.data.data).toEqual({ mine: "yes" });

    // Another namespace's PushSecret cannot take over the pushed path.
    const other = await vaultNamespace("vpush-b");
    await putSecret(env, other, "src", { user: "evil" });
    await createPs(env, other, "take", { secretStoreRefs: [{ name: "vault" }], selector: { secret: { name: "src" } }, data: [{ match: { secretKey: "user", remoteRef: { remoteKey: `${ns}/app`, property: "user" } } }] });
    expect(readyOf(await waitPs(env, other, "take", (p) => readyOf(p).status === "False", "other namespace refused")).message).toContain("HUSH_ERR_PROVIDERS_NOT_MANAGED");
    expect((await api("GET", `secret/data/${ns}/app`)).json.data.data.user).toBe("u1");
    // Gone before the path is freed below (it would then rightly create the path for itself).
    await env.client.request("DELETE", psPath(other, "take"));
    await waitFor(async () => (await getPs(env, other, "take")) === undefined, { what: "other namespace's PushSecret deleted" });

    // Dropping one property removes just it; deleting the PushSecret removes the rest.
    await env.client.request("PATCH", psPath(ns, "v"), { body: { spec: { data: [{ match: { secretKey: "user", remoteRef: { remoteKey: `${ns}/app`, property: "user" } } }] } }, contentType: "application/merge-patch+json" });
    await waitFor(async () => JSON.stringify((await api("GET", `secret/data/${ns}/app`)).json?.data?.data) === JSON.stringify({ user: "u1" }), { what: "property removed" });
    await waitFor(async () => (await api("GET", `secret/metadata/${ns}/whole`)).status === 404, { what: "dropped whole secret deleted" });
    await env.client.request("DELETE", psPath(ns, "v"));
    await waitFor(async () => (await getPs(env, ns, "v")) === undefined, { what: "PushSecret gone" });
    expect((await api("GET", `secret/metadata/${ns}/app`)).status, env.logs.lines.filter((l) => l.includes("remote secret") || l.includes("push")).join("\n")).toBe(404);
    expect((await api("GET", `secret/data/${ns}/foreign`)).json.data.data).toEqual({ mine: "yes" });
    for (const v of ["u1", "p1"]) expect(env.logs.lines.join("\n")).not.toContain(`"${v}"`);
  });
});

describe.skipIf(!peers.every((p) => p.ok))("PushSecret under external-secrets.io (--api-group=external-secrets.io)", () => {
  let env: Env;
  const eso = (p: string) => join(repoRoot, "deploy", "crds-eso", `external-secrets.io_${p}.yaml`);
  beforeAll(async () => {
    env = await startEnv({ crds: ["externalsecrets", "secretstores", "clustersecretstores", "pushsecrets"].map(eso), controller: { flavour: esoFlavour } });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("an ESO PushSecret manifest applies unchanged: ESO's finalizer, ESO's field manager, ESO's reasons; the owner tag under ESO's prefix", async () => {
    const ns = await env.kube.createNamespace("push-eso");
    await env.client.request("POST", secretsPath(ns), { body: { metadata: { name: "aws-creds" }, stringData: { id: env.moto.credentials.accessKeyId, secret: env.moto.credentials.secretAccessKey } } });
    await putSecret(env, ns, "src", { token: "t-1" });
    const auth = { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } };
    await env.client.request("POST", resourcePath({ group: "external-secrets.io", version: "v1beta1", plural: "secretstores", namespace: ns }), {
      body: { apiVersion: "external-secrets.io/v1beta1", kind: "SecretStore", metadata: { name: "aws" }, spec: { provider: { aws: { service: "SecretsManager", region: env.moto.region, auth } } } },
    });
    const path = (name?: string) => resourcePath({ group: "external-secrets.io", version: "v1alpha1", plural: "pushsecrets", namespace: ns, ...(name ? { name } : {}) });
    await env.client.request("POST", path(), {
      body: { apiVersion: "external-secrets.io/v1alpha1", kind: "PushSecret", metadata: { name: "tok" }, spec: { secretStoreRefs: [{ name: "aws", kind: "SecretStore" }], selector: { secret: { name: "src" } }, deletionPolicy: "Delete", data: [{ match: { secretKey: "token", remoteRef: { remoteKey: `${ns}/token` } } }] } },
    });
    let ps: (PushSecret & { metadata: { managedFields?: { manager: string; subresource?: string }[] } }) | undefined;
    await waitFor(async () => {
      ps = await env.client.get(path("tok"));
      return readyOf(ps).status === "True";
    }, { what: "ESO-flavour PushSecret Ready" });
    expect(readyOf(ps)).toMatchObject({ reason: "Synced", message: "PushSecret synced successfully" });
    expect(ps!.metadata.finalizers).toEqual(["pushsecret.externalsecrets.io/finalizer"]);
    expect(ps!.metadata.managedFields?.find((m) => m.subresource === "status")?.manager).toBe("external-secrets");
    expect(await remote(env, `${ns}/token`)).toMatchObject({ value: "t-1", tags: { "managed-by": "external-secrets", "reconcile.external-secrets.io/pushed-from-namespace": ns } });
    await env.client.request("DELETE", path("tok"));
    await waitFor(async () => (await env.client.get(path("tok"))) === undefined, { what: "ESO-flavour PushSecret gone" });
    expect((await remote(env, `${ns}/token`))?.deleted).toBe(true);
  });
});

describe.skipIf(!peers.every((p) => p.ok))("PushSecret to Google Secret Manager (gRPC fake)", () => {
  let env: Env;
  let gcp: GcpSecretManagerHarness;
  let sm: SecretManagerServiceClient;
  beforeAll(async () => {
    gcp = await startGcpSecretManager();
    const [host, port] = gcp.endpoint.split(":");
    env = await startEnv({ crds: [pushCrd], gcpsm: { apiEndpoint: host === "localhost" ? "127.0.0.1" : host!, port: Number(port), insecure: true } });
    sm = new SecretManagerServiceClient(gcp.clientOptions);
  });
  afterAll(async () => {
    await sm?.close();
    await env?.stop();
    await gcp?.stop();
  });
  const latest = async (id: string) => {
    const [v] = await sm.accessSecretVersion({ name: `projects/${gcp.projectId}/secrets/${id}/versions/latest` });
    return Buffer.from(v.payload!.data as Uint8Array).toString("utf8");
  };
  const labels = async (id: string) => (await sm.getSecret({ name: `projects/${gcp.projectId}/secrets/${id}` }))[0].labels;
  const exists = async (id: string) => sm.getSecret({ name: `projects/${gcp.projectId}/secrets/${id}` }).then(() => true, () => false);

  it("creates labelled secrets, adds versions only on change, merges properties, refuses unmanaged and foreign secrets, deletes on Delete", async () => {
    const ns = await env.kube.createNamespace("gpush");
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    await putSecret(env, ns, "gcp-sa", { "key.json": JSON.stringify({ type: "service_account", project_id: gcp.projectId, client_email: "sync@hush-test.iam.gserviceaccount.com", private_key: privateKey }) });
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "gcp" }, spec: { provider: { gcpsm: { projectID: gcp.projectId, auth: { secretRef: { secretAccessKeySecretRef: { name: "gcp-sa", key: "key.json" } } } } } } },
    });
    const parent = `projects/${gcp.projectId}`;
    await sm.createSecret({ parent, secretId: `${ns}-foreign`, secret: { replication: { automatic: {} }, labels: { team: "other" } } });
    await sm.addSecretVersion({ parent: `${parent}/secrets/${ns}-foreign`, payload: { data: Buffer.from('{"keep":"me"}') } });
    await putSecret(env, ns, "src", { token: "g-1", user: "gu" });
    await createPs(env, ns, "g", {
      secretStoreRefs: [{ name: "gcp" }],
      selector: { secret: { name: "src" } },
      deletionPolicy: "Delete",
      data: [
        { match: { secretKey: "token", remoteRef: { remoteKey: `${ns}-token` } }, metadata: { apiVersion: "kubernetes.external-secrets.io/v1alpha1", kind: "PushSecretMetadata", spec: { labels: { team: "payments" } } } },
        { match: { secretKey: "user", remoteRef: { remoteKey: `${ns}-json`, property: "user" } } },
        { match: { secretKey: "token", remoteRef: { remoteKey: `${ns}-json`, property: "token" } } },
      ],
    });
    await waitPs(env, ns, "g", (p) => readyOf(p).status === "True", "pushed to GCP");
    expect(await latest(`${ns}-token`)).toBe("g-1");
    expect(await labels(`${ns}-token`)).toEqual({ team: "payments", "managed-by": "external-secrets", "hush_dev_pushed-from-namespace": ns });
    expect(JSON.parse(await latest(`${ns}-json`))).toEqual({ user: "gu", token: "g-1" });
    const versions = async (id: string) => (await sm.listSecretVersions({ parent: `${parent}/secrets/${id}` }))[0].length;
    expect(await versions(`${ns}-token`)).toBe(1);
    // A resync with an unchanged Secret adds no version.
    const before = (await getPs(env, ns, "g"))!.status?.syncedResourceVersion;
    await env.client.request("PATCH", psPath(ns, "g"), { body: { metadata: { annotations: { bump: "1" } } }, contentType: "application/merge-patch+json" });
    await waitPs(env, ns, "g", (p) => p.status?.syncedResourceVersion !== before && readyOf(p).status === "True", "resynced");
    expect(await versions(`${ns}-token`)).toBe(1);

    await createPs(env, ns, "clobber", { secretStoreRefs: [{ name: "gcp" }], selector: { secret: { name: "src" } }, data: [{ match: { secretKey: "token", remoteRef: { remoteKey: `${ns}-foreign`, property: "keep" } } }] });
    expect(readyOf(await waitPs(env, ns, "clobber", (p) => readyOf(p).status === "False", "unmanaged GCP secret refused")).message).toContain("HUSH_ERR_PROVIDERS_NOT_MANAGED");
    expect(await latest(`${ns}-foreign`)).toBe('{"keep":"me"}');
    expect(await labels(`${ns}-foreign`)).toEqual({ team: "other" });

    await env.client.request("DELETE", psPath(ns, "g"));
    await waitFor(async () => (await getPs(env, ns, "g")) === undefined, { what: "GCP PushSecret gone" });
    expect([await exists(`${ns}-token`), await exists(`${ns}-json`), await exists(`${ns}-foreign`)]).toEqual([false, false, true]);
  });
});

describe.skipIf(!peers.every((p) => p.ok))("PushSecret CRD installed after the controller started", () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv({ controller: { pushSecrets: { discoveryRetryMs: 500 } } });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("the controller starts without it, then finds it by discovery and pushes, without a restart", async () => {
    expect(env.controller.ready()).toBe(true);
    await env.kube.applyCrds([pushCrd]);
    const ns = await awsNamespace(env, "push-late");
    await putSecret(env, ns, "src", { v: "late" });
    await createPs(env, ns, "late", { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "src" } }, data: [{ match: { secretKey: "v", remoteRef: { remoteKey: `${ns}/late` } } }] });
    await waitFor(async () => (await remote(env, `${ns}/late`))?.value === "late", { what: "pushed after the CRD appeared", timeoutMs: 30_000 });
  });
});
