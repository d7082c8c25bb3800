import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { adoptAnnotation, apiVersion, forceSyncAnnotation, mergeAnnotationPrefix, type ExternalSecret, type Secret } from "@hush/kube";
import { kubeErrorCode, resourcePath, type KubeClient } from "@hush/kube/client";
import { requirePeer, waitFor } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  awsNamespace,
  bindTenant,
  clientAs,
  decoded,
  esPath,
  events,
  getSecret,
  putRemote,
  ready,
  secretPath,
  startEnv,
  waitForReady,
  waitForSecret,
  type Env,
} from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const tenant = "alice@team-a";

/** resourceVersion of every Secret outside `except`, keyed `namespace/name`. */
async function secretsOutside(env: Env, except: (s: Secret) => boolean): Promise<Map<string, string>> {
  const list = await env.client.list<Secret>(resourcePath({ version: "v1", plural: "secrets" }));
  return new Map(list.items.filter((s) => !except(s)).map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s.metadata.resourceVersion ?? ""]));
}

describe.skipIf(!peers.every((p) => p.ok))("a hostile tenant against the controller (real kube-apiserver, impersonated user)", () => {
  let env: Env;
  let teamA: string;
  let teamB: string;
  let victim: string;
  let alice: KubeClient;
  let dispose: () => void;
  let before: Map<string, string>;
  let rotation = 0;
  let rotating: Promise<void> | undefined;
  let stopRotating = false;

  const createAs = (ns: string, name: string, spec: ExternalSecret["spec"], metadata: Partial<ExternalSecret["metadata"]> = {}) =>
    alice.request<ExternalSecret>("POST", esPath(ns), { body: { apiVersion, kind: "ExternalSecret", metadata: { name, ...metadata }, spec } });
  const refused = async (ns: string, name: string, what: RegExp, code: string) => {
    const es = await waitForReady(env, ns, name, (r) => r.status === "False", `${name} refused`);
    expect(ready(es).reason).toBe("SecretSyncedError");
    expect(ready(es).message).toMatch(what);
    expect(ready(es).message).toContain(code);
    await waitFor(async () => (await events(env, ns, name)).some((e) => e.type === "Warning" && e.reason === "UpdateFailed" && e.message.includes(code)), { what: `${name} UpdateFailed event` });
  };

  beforeAll(async () => {
    env = await startEnv();
    teamA = await awsNamespace(env, "team-a");
    teamB = await awsNamespace(env, "team-b");
    victim = await awsNamespace(env, "victim");
    await bindTenant(env, teamA, tenant);
    ({ client: alice, dispose } = clientAs(env, tenant));
    await putRemote(env, "tenant/app", JSON.stringify({ db: { user: "u", pass: "p" }, token: "t" }));
    await putRemote(env, "tenant/evil-keys", JSON.stringify({ [`${"a".repeat(40)}!`]: "x" }));
    await putRemote(env, "tenant-b/rotating", "b-0");
    await putRemote(env, "victim/crown-jewels", "do-not-leak");

    // Another tenant whose Secret must keep refreshing while team-a attacks.
    await env.client.request("POST", esPath(teamB), {
      body: { apiVersion, kind: "ExternalSecret", metadata: { name: "steady" }, spec: { secretStoreRef: { name: "aws" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "tenant-b/rotating" } }] } },
    });
    await waitForSecret(env, teamB, "steady", (d) => d["v"] === "b-0", "team-b synced");
    // A Secret in team-a that its admin made by hand, which no ExternalSecret may take silently.
    await env.client.request("POST", secretPath(teamA), { body: { metadata: { name: "handmade" }, data: { password: Buffer.from("admin-set").toString("base64") } } });
    before = await secretsOutside(env, (s) => s.metadata.namespace === teamA || (s.metadata.namespace === teamB && s.metadata.name === "steady"));
    rotating = (async () => {
      while (!stopRotating) {
        rotation++;
        await env.sm.send(new PutSecretValueCommand({ SecretId: "tenant-b/rotating", SecretString: `b-${rotation}` }));
        const want = `b-${rotation}`;
        await waitForSecret(env, teamB, "steady", (d) => d["v"] === want, `team-b refreshed to ${want} during the attacks`, 30_000);
      }
    })();
  });

  afterAll(async () => {
    stopRotating = true;
    await rotating?.catch(() => undefined);
    dispose?.();
    await env?.stop();
  });

  it("the tenant may create ExternalSecrets and SecretStores in team-a, and nothing else", async () => {
    const can = async (verb: string, resource: string, ns: string) => (await env.kube.kubectl(["--as", tenant, "auth", "can-i", verb, resource, "-n", ns])).stdout.trim();
    expect(await can("create", "externalsecrets.hush.dev", teamA)).toBe("yes");
    expect(await can("create", "secretstores.hush.dev", teamA)).toBe("yes");
    expect(await can("get", "secrets", teamA)).toBe("no");
    expect(await can("create", "serviceaccounts/token", teamA)).toBe("no");
    expect(await can("create", "externalsecrets.hush.dev", teamB)).toBe("no");
  });

  it("S1: a token Secret type is refused by the API server at admission", async () => {
    for (const type of ["kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token"]) {
      const err = await createAs(teamA, "token-by-type", {
        target: { template: { type, metadata: { annotations: { "kubernetes.io/service-account.name": "default" } }, data: { token: "x" } } },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(kubeErrorCode(err)).toBe("HUSH_ERR_KUBE_INVALID_OBJECT");
    }
  });

  it("S1: the ExternalSecret's own ServiceAccount annotation never becomes a token Secret", async () => {
    await createAs(teamA, "token-by-annotation", { secretStoreRef: { name: "aws" }, data: [{ secretKey: "v", remoteRef: { key: "tenant/app", property: "token" } }] }, { annotations: { "kubernetes.io/service-account.name": "default" } });
    await refused(teamA, "token-by-annotation", /kubernetes\.io\/service-account\.name is not allowed/, "HUSH_ERR_CONTROLLER_INVALID_SPEC");
    expect(await getSecret(env, teamA, "token-by-annotation")).toBeUndefined();
  });

  it("S2: a tenfold template amplification fails only its own ExternalSecret", async () => {
    const chain = ' | replace "a" "aaaaaaaaaa"'.repeat(12);
    await createAs(teamA, "amplify", { target: { template: { data: { boom: `{{ "aaaaaaaaaa"${chain} }}` } } } });
    await refused(teamA, "amplify", /exceed/, "HUSH_ERR_CONTROLLER_TEMPLATE");
    expect(await getSecret(env, teamA, "amplify")).toBeUndefined();
  });

  it("S3: a catastrophic regexp runs in linear time; Go syntax works; non-RE2 is refused", async () => {
    const started = Date.now();
    await createAs(teamA, "redos", { secretStoreRef: { name: "aws" }, dataFrom: [{ extract: { key: "tenant/evil-keys" }, rewrite: [{ regexp: { source: "^(a+)+$", target: "x" } }] }] });
    // The key does not match, stays invalid as a Secret key, and the sync fails at once.
    await refused(teamA, "redos", /not a valid Secret key/, "HUSH_ERR_CONTROLLER_INVALID_KEY");
    expect(Date.now() - started).toBeLessThan(20_000);
    await createAs(teamA, "lookbehind", { secretStoreRef: { name: "aws" }, dataFrom: [{ extract: { key: "tenant/app" }, rewrite: [{ regexp: { source: "(?<=a)b", target: "x" } }] }] });
    await refused(teamA, "lookbehind", /not a valid RE2 regular expression/, "HUSH_ERR_CONTROLLER_INVALID_SPEC");
    await createAs(teamA, "go-syntax", { secretStoreRef: { name: "aws" }, dataFrom: [{ extract: { key: "tenant/app" }, rewrite: [{ regexp: { source: "(?i)^(?P<k>TOKEN)$", target: "renamed-${k}" } }] }] });
    const s = await waitForSecret(env, teamA, "go-syntax", (d) => d["renamed-token"] === "t", "(?i) and (?P<k>) rewrite");
    expect(Object.keys(decoded(s)).sort()).toEqual(["db", "renamed-token"]);
  });

  it("S5: a typo in dataFrom extract property is an error; the Secret is kept despite deletionPolicy Delete", async () => {
    await createAs(teamA, "typo", { secretStoreRef: { name: "aws" }, target: { deletionPolicy: "Delete" }, dataFrom: [{ extract: { key: "tenant/app", property: "db" } }] });
    const synced = await waitForSecret(env, teamA, "typo", (d) => d["user"] === "u", "typo synced first");
    await alice.request("PATCH", esPath(teamA, "typo"), { body: { spec: { dataFrom: [{ extract: { key: "tenant/app", property: "dbb" } }] } }, contentType: "application/merge-patch+json" });
    await refused(teamA, "typo", /property "dbb" not found/, "HUSH_ERR_CONTROLLER_PROVIDER");
    const kept = await getSecret(env, teamA, "typo");
    expect(kept?.metadata.uid).toBe(synced.metadata.uid);
    expect(decoded(kept)).toEqual({ user: "u", pass: "p" });
  });

  it("S4: an existing Secret is adopted only when it opts in", async () => {
    for (const policy of ["Owner", "Orphan", "Merge"] as const) {
      const name = `take-${policy.toLowerCase()}`;
      await createAs(teamA, name, { secretStoreRef: { name: "aws" }, target: { name: "handmade", creationPolicy: policy }, data: [{ secretKey: "password", remoteRef: { key: "tenant/app", property: "token" } }] });
      await refused(teamA, name, new RegExp(`annotate it ${adoptAnnotation}=${name}`), "HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
    }
    const untouched = await getSecret(env, teamA, "handmade");
    expect(decoded(untouched)).toEqual({ password: "admin-set" });
    expect(untouched?.metadata.ownerReferences ?? []).toEqual([]);

    // The Secret's owner (who may write it) opts in; a force-sync lets the ExternalSecret take it.
    await env.client.request("PATCH", secretPath(teamA, "handmade"), { body: { metadata: { annotations: { [adoptAnnotation]: "take-owner" } } }, contentType: "application/merge-patch+json" });
    await alice.request("PATCH", esPath(teamA, "take-owner"), { body: { metadata: { annotations: { [forceSyncAnnotation]: "1" } } }, contentType: "application/merge-patch+json" });
    const adopted = await waitForSecret(env, teamA, "handmade", (d) => d["password"] === "t", "adopted after opt-in");
    expect(adopted.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "ExternalSecret", name: "take-owner", controller: true })]);
  });

  it("S7: Merge ExternalSecrets sit beside the owner with their own field managers; neither breaks the other", async () => {
    await createAs(teamA, "owner", { secretStoreRef: { name: "aws" }, target: { name: "shared" }, data: [{ secretKey: "user", remoteRef: { key: "tenant/app", property: "db.user" } }] });
    await waitForSecret(env, teamA, "shared", (d) => d["user"] === "u", "owner synced");
    await createAs(teamA, "merge-1", { secretStoreRef: { name: "aws" }, target: { name: "shared", creationPolicy: "Merge" }, data: [{ secretKey: "pass", remoteRef: { key: "tenant/app", property: "db.pass" } }] });
    await createAs(teamA, "merge-2", { secretStoreRef: { name: "aws" }, target: { name: "shared", creationPolicy: "Merge" }, data: [{ secretKey: "token", remoteRef: { key: "tenant/app", property: "token" } }] });
    const s = await waitForSecret(env, teamA, "shared", (d) => d["pass"] === "p" && d["token"] === "t", "both merges landed");
    expect(decoded(s)).toEqual({ user: "u", pass: "p", token: "t" });
    const managers = (s.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields?.filter((m) => m.manager.startsWith("hush/")) ?? [];
    expect([...new Set(managers.map((m) => m.manager))].sort()).toEqual(["hush/merge-1", "hush/merge-2", "hush/owner"]);
    expect(managers.filter((m) => m.manager !== "hush/owner").every((m) => m.operation === "Apply")).toBe(true);
    expect(Object.keys(s.metadata.annotations ?? {}).filter((k) => k.startsWith(mergeAnnotationPrefix)).sort()).toEqual([`${mergeAnnotationPrefix}merge-1`, `${mergeAnnotationPrefix}merge-2`]);
    for (const name of ["owner", "merge-1", "merge-2"]) await waitForReady(env, teamA, name, (r) => r.status === "True", `${name} Ready`);
    // A Merge may not take the owner's key.
    await createAs(teamA, "merge-thief", { secretStoreRef: { name: "aws" }, target: { name: "shared", creationPolicy: "Merge" }, data: [{ secretKey: "user", remoteRef: { key: "tenant/app", property: "token" } }] });
    await refused(teamA, "merge-thief", /written by another ExternalSecret/, "HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
    expect(decoded(await getSecret(env, teamA, "shared"))["user"]).toBe("u");
    await waitForReady(env, teamA, "owner", (r) => r.status === "True", "owner still Ready");
  });

  it("cross-namespace: another namespace's store, credentials Secret or ServiceAccount cannot be used", async () => {
    // A SecretStore that exists only in the victim namespace.
    await createAs(teamA, "foreign-store", { secretStoreRef: { name: "victim-only" }, data: [{ secretKey: "v", remoteRef: { key: "victim/crown-jewels" } }] });
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: victim }), {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "victim-only" }, spec: { provider: { aws: { region: env.moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } } } } } },
    });
    await refused(teamA, "foreign-store", /SecretStore victim-only not found/, "HUSH_ERR_CONTROLLER_STORE_NOT_FOUND");

    const storePath = resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: teamA });
    const creds = { accessKeyIDSecretRef: { name: "aws-creds", key: "id", namespace: victim }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret", namespace: victim } };
    await alice.request("POST", storePath, { body: { apiVersion, kind: "SecretStore", metadata: { name: "steal-creds" }, spec: { provider: { aws: { region: env.moto.region, auth: { secretRef: creds } } } } } });
    await alice.request("POST", storePath, {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "steal-sa" }, spec: { provider: { aws: { region: env.moto.region, role: "arn:aws:iam::123456789012:role/x", auth: { jwt: { serviceAccountRef: { name: "default", namespace: victim } } } } } } },
    });
    for (const store of ["steal-creds", "steal-sa"]) {
      await waitFor(
        async () => {
          const st = await alice.get<{ status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }>(resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: teamA, name: store }));
          return st?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "False" && c.reason === "InvalidProviderConfig") ?? false;
        },
        { what: `${store} refused (InvalidProviderConfig)` },
      );
      await createAs(teamA, `via-${store}`, { secretStoreRef: { name: store }, data: [{ secretKey: "v", remoteRef: { key: "victim/crown-jewels" } }] });
      await refused(teamA, `via-${store}`, /not ready/, "HUSH_ERR_CONTROLLER_STORE_NOT_READY");
      expect(await getSecret(env, teamA, `via-${store}`)).toBeUndefined();
    }
  });

  it("S9: a ClusterSecretStore follows a relabelled namespace at once; another class's store is skipped", async () => {
    await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "clustersecretstores" }), {
      body: {
        apiVersion,
        kind: "ClusterSecretStore",
        metadata: { name: "gold-only" },
        spec: {
          conditions: [{ namespaceSelector: { matchLabels: { tier: "gold" } } }],
          provider: { aws: { region: env.moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id", namespace: victim }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret", namespace: victim } } } } },
        },
      },
    });
    const label = (tier: string) => env.client.request("PATCH", resourcePath({ version: "v1", plural: "namespaces", name: teamA }), { body: { metadata: { labels: { tier } } }, contentType: "application/merge-patch+json" });
    await label("gold");
    await createAs(teamA, "gold", { secretStoreRef: { name: "gold-only", kind: "ClusterSecretStore" }, refreshInterval: "1h", data: [{ secretKey: "v", remoteRef: { key: "tenant/app", property: "token" } }] });
    await waitForSecret(env, teamA, "gold", (d) => d["v"] === "t", "gold synced while labelled");
    await label("bronze");
    await alice.request("PATCH", esPath(teamA, "gold"), { body: { metadata: { annotations: { [forceSyncAnnotation]: "1" } } }, contentType: "application/merge-patch+json" });
    await refused(teamA, "gold", /does not admit namespace/, "HUSH_ERR_CONTROLLER_STORE_NOT_ALLOWED");

    const storePath = resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: teamA });
    await alice.request("POST", storePath, { body: { apiVersion, kind: "SecretStore", metadata: { name: "other-class" }, spec: { controller: "someone-else", provider: { aws: { region: env.moto.region } } } } });
    await createAs(teamA, "not-mine", { secretStoreRef: { name: "other-class" }, data: [{ secretKey: "v", remoteRef: { key: "tenant/app" } }] });
    // Processed after "not-mine" by the same queue: once it is Ready, "not-mine" was seen too.
    await createAs(teamA, "after-not-mine", { secretStoreRef: { name: "aws" }, data: [{ secretKey: "v", remoteRef: { key: "tenant/app", property: "token" } }] });
    await waitForReady(env, teamA, "after-not-mine", (r) => r.status === "True", "a later ExternalSecret synced");
    const skipped = await alice.get<ExternalSecret>(esPath(teamA, "not-mine"));
    expect(skipped?.status).toBeUndefined();
    expect(await events(env, teamA, "not-mine")).toEqual([]);
  });

  it("meanwhile another tenant kept syncing, and nothing outside team-a changed", async () => {
    const seen = rotation;
    await waitFor(async () => rotation >= seen + 2, { what: "team-b still refreshing after the attacks", timeoutMs: 60_000 });
    stopRotating = true;
    await rotating;
    const after = await secretsOutside(env, (s) => s.metadata.namespace === teamA || (s.metadata.namespace === teamB && s.metadata.name === "steady"));
    expect(after).toEqual(before);
    const all = await env.client.list<Secret>(resourcePath({ version: "v1", plural: "secrets" }));
    expect(all.items.filter((s) => s.type === "kubernetes.io/service-account-token" || s.type === "bootstrap.kubernetes.io/token")).toEqual([]);
    // The process that hosts the controller is alive and well: its heap stayed small.
    expect(process.memoryUsage().heapUsed).toBeLessThan(1024 * 1024 * 1024);
  });
});
