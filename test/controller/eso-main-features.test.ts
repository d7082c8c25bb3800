import { join } from "node:path";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { Controller, createControllerMetrics } from "@hush/controller";
import { esoFlavour, hushFlavour, type ApiFlavour, type ExternalSecret, type Secret } from "@hush/kube";
import { resourcePath } from "@hush/kube/client";
import { createProvider } from "@hush/providers";
import { repoRoot, requirePeer, waitFor } from "@hush/testkit";
import { createMetricsRegistry } from "@hush/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsCreds, decoded, LogCollector, putRemote, secretPath, startEnv, type Env } from "./harness.js";

// Fields of current ESO (v2) that ESO v0.16.2 does not have, so there is no ESO to compare
// with: each behaviour follows the ESO source function its test names. Both API groups are
// served at once, by two controllers on one API server (hush.dev and external-secrets.io).
const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const CANARY = "main-canary-5d1e-not-in-status";

interface Side {
  readonly flavour: ApiFlavour;
  ns: string;
}

describe.skipIf(!peers.every((p) => p.ok))("current ESO features (finalizer cleanup, CreateOrMerge, rewrite merge, nullBytePolicy, template finalizers) against kube-apiserver and moto", () => {
  let env: Env;
  const abortEso = new AbortController();
  let esoRunning: Promise<void> | undefined;
  const sides: Side[] = [
    { flavour: hushFlavour, ns: "" },
    { flavour: esoFlavour, ns: "" },
  ];

  const esPath = (side: Side, name?: string) => resourcePath({ group: side.flavour.group, version: "v1", plural: "externalsecrets", namespace: side.ns, ...(name ? { name } : {}) });
  const getEs = (side: Side, name: string) => env.client.get<ExternalSecret>(esPath(side, name));
  const getSecret = (side: Side, name: string) => env.client.get<Secret>(secretPath(side.ns, name));
  const ready = (es: ExternalSecret | undefined) => es?.status?.conditions?.find((c) => c.type === "Ready");
  const createEs = (side: Side, name: string, spec: Omit<ExternalSecret["spec"], "secretStoreRef">) =>
    env.client.request<ExternalSecret>("POST", esPath(side), { body: { apiVersion: `${side.flavour.group}/v1`, kind: "ExternalSecret", metadata: { name }, spec: { secretStoreRef: { name: "aws" }, refreshInterval: "1h", ...spec } } });
  const createSecret = (side: Side, name: string, data: Record<string, string>, annotations: Record<string, string> = {}) =>
    env.client.request<Secret>("POST", secretPath(side.ns), { body: { metadata: { name, annotations }, stringData: data } });
  const waitReady = async (side: Side, name: string, pred: (c: ReturnType<typeof ready>) => boolean, what: string) => {
    let last: ExternalSecret | undefined;
    await waitFor(async () => pred(ready((last = await getEs(side, name)))), { what: `${side.flavour.group}: ${what}`, timeoutMs: 30_000 });
    return last!;
  };
  const deleteEs = async (side: Side, name: string) => {
    await env.client.request("DELETE", esPath(side, name));
    await waitFor(async () => (await getEs(side, name)) === undefined, { what: `${side.flavour.group}: ExternalSecret ${name} deleted`, timeoutMs: 30_000 });
  };

  beforeAll(async () => {
    env = await startEnv({ crds: ["externalsecrets", "secretstores", "clustersecretstores"].map((p) => join(repoRoot, "deploy", "crds-eso", `external-secrets.io_${p}.yaml`)) });
    // The same controller serving ESO's group beside it, as `--api-group=external-secrets.io` runs it.
    const eso = new Controller({
      client: env.client,
      createProvider,
      clientOverrides: { aws: { endpoint: env.relay.endpoint, stsEndpoint: env.relay.endpoint } },
      log: new LogCollector(),
      metrics: createControllerMetrics(createMetricsRegistry()),
      flavour: esoFlavour,
      workers: 2,
      backoff: { baseMs: 200, maxMs: 2_000 },
      clusterExternalSecrets: false,
      pushSecrets: false,
    });
    esoRunning = eso.run(abortEso.signal);
    await waitFor(async () => eso.ready(), { what: "external-secrets.io controller informers synced", timeoutMs: 30_000 });
    for (const side of sides) {
      side.ns = await env.kube.createNamespace(side.flavour === hushFlavour ? "main-hush" : "main-eso");
      await createAwsCreds(env.client, side.ns, env.moto);
      await env.client.request("POST", resourcePath({ group: side.flavour.group, version: "v1", plural: "secretstores", namespace: side.ns }), {
        body: {
          apiVersion: `${side.flavour.group}/v1`,
          kind: "SecretStore",
          metadata: { name: "aws" },
          spec: { provider: { aws: { service: "SecretsManager", region: env.moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } } } } },
        },
      });
    }
    await putRemote(env, "main/db", JSON.stringify({ user: "app", password: CANARY }));
    await putRemote(env, "main/merge/a", JSON.stringify({ user: "app", shared: "from-a" }));
    await putRemote(env, "main/merge/b", JSON.stringify({ password: CANARY, shared: "from-b" }));
    await env.sm.send(new CreateSecretCommand({ Name: "main/nul/bin", SecretBinary: new Uint8Array([0x6b, 0x00, 0x76]) }));
  }, 120_000);
  afterAll(async () => {
    abortEso.abort();
    await esoRunning;
    await env?.stop();
  });

  describe.each(sides.map((s) => [s.flavour.group, s] as const))("%s", (_group, side) => {
    it("finalizer: every ExternalSecret gets the flavour's cleanup finalizer; deletionPolicy Delete deletes the Secret it controls, Retain keeps it (cleanupManagedSecrets)", async () => {
      const data = [{ secretKey: "password", remoteRef: { key: "main/db", property: "password" } }];
      await createEs(side, "cleaned", { target: { deletionPolicy: "Delete" }, data });
      await createEs(side, "kept", { data });
      for (const name of ["cleaned", "kept"]) {
        await waitReady(side, name, (c) => c?.reason === "SecretSynced", `${name} synced`);
        expect((await getEs(side, name))!.metadata.finalizers).toEqual([side.flavour.finalizer]);
      }
      const cleanedUid = (await getEs(side, "cleaned"))!.metadata.uid;
      expect((await getSecret(side, "cleaned"))!.metadata.ownerReferences?.find((o) => o.controller)?.uid).toBe(cleanedUid);
      // This API server runs no garbage collector: a Secret that goes away was deleted by hush.
      await deleteEs(side, "cleaned");
      expect(await getSecret(side, "cleaned")).toBeUndefined();
      await deleteEs(side, "kept");
      expect(decoded(await getSecret(side, "kept"))).toEqual({ password: CANARY });
    });

    it("attack: deletionPolicy Delete naming a Secret the ExternalSecret does not control never deletes it (an unmanaged one, another ExternalSecret's)", async () => {
      await createSecret(side, "victim", { token: "admin-set" });
      await createEs(side, "owner", { data: [{ secretKey: "password", remoteRef: { key: "main/db", property: "password" } }] });
      await waitReady(side, "owner", (c) => c?.reason === "SecretSynced", "owner synced");
      for (const [thief, target] of [["thief-a", "victim"], ["thief-b", "owner"]] as const) {
        await createEs(side, thief, { target: { name: target, deletionPolicy: "Delete" }, data: [{ secretKey: "token", remoteRef: { key: "main/db", property: "user" } }] });
        const es = await waitReady(side, thief, (c) => c?.status === "False", `${thief} refused`);
        expect(ready(es)?.message).toContain("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
        expect(es.metadata.finalizers).toEqual([side.flavour.finalizer]);
        await deleteEs(side, thief);
      }
      expect(decoded(await getSecret(side, "victim"))).toEqual({ token: "admin-set" });
      expect(decoded(await getSecret(side, "owner"))).toEqual({ password: CANARY });
    });

    it("CreateOrMerge: creates a missing Secret without an ownerReference, merges into one it may write beside the keys already there (ESO's CreatePolicyCreateOrMerge)", async () => {
      const data = [{ secretKey: "password", remoteRef: { key: "main/db", property: "password" } }];
      await createEs(side, "com-new", { target: { creationPolicy: "CreateOrMerge" }, data });
      await waitReady(side, "com-new", (c) => c?.reason === "SecretSynced", "com-new synced");
      const created = (await getSecret(side, "com-new"))!;
      expect(decoded(created)).toEqual({ password: CANARY });
      expect(created.metadata.ownerReferences ?? []).toEqual([]);
      expect(created.metadata.labels?.[side.flavour.managedLabel]).toBe("true");
      // Deleted by hand: created again (repaired), as ESO's isSecretValid sends it to refresh.
      await env.client.request("DELETE", secretPath(side.ns, "com-new"));
      await waitFor(async () => decoded(await getSecret(side, "com-new"))["password"] === CANARY, { what: "com-new created again", timeoutMs: 30_000 });

      await createSecret(side, "com-shared", { existing: "kept" }, { [side.flavour.adoptAnnotation]: "com-merge" });
      await createEs(side, "com-merge", { target: { name: "com-shared", creationPolicy: "CreateOrMerge" }, data });
      await waitReady(side, "com-merge", (c) => c?.reason === "SecretSynced", "com-merge synced");
      expect(decoded(await getSecret(side, "com-shared"))).toEqual({ existing: "kept", password: CANARY });

      // The Secret it created is not its to delete: deleting the ExternalSecret leaves it.
      await deleteEs(side, "com-new");
      expect(decoded(await getSecret(side, "com-new"))).toEqual({ password: CANARY });
    });

    it("attack: CreateOrMerge never takes over a Secret hush does not manage, nor a key another ExternalSecret writes; deletionPolicy Delete with it is refused", async () => {
      await createSecret(side, "db-admin", { password: "admin-set" });
      await createEs(side, "com-thief", { target: { name: "db-admin", creationPolicy: "CreateOrMerge" }, data: [{ secretKey: "password", remoteRef: { key: "main/db", property: "user" } }] });
      const refused = await waitReady(side, "com-thief", (c) => c?.status === "False", "com-thief refused");
      expect(ready(refused)?.message).toContain("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
      const untouched = (await getSecret(side, "db-admin"))!;
      expect(decoded(untouched)).toEqual({ password: "admin-set" });
      expect(untouched.metadata.labels?.[side.flavour.managedLabel]).toBeUndefined();

      await createEs(side, "com-owner", { data: [{ secretKey: "password", remoteRef: { key: "main/db", property: "password" } }] });
      await waitReady(side, "com-owner", (c) => c?.reason === "SecretSynced", "com-owner synced");
      await createEs(side, "com-keythief", { target: { name: "com-owner", creationPolicy: "CreateOrMerge" }, data: [{ secretKey: "password", remoteRef: { key: "main/db", property: "user" } }] });
      const keyThief = await waitReady(side, "com-keythief", (c) => c?.status === "False", "com-keythief refused");
      expect(ready(keyThief)?.message).toContain("written by another ExternalSecret");
      expect(decoded(await getSecret(side, "com-owner"))).toEqual({ password: CANARY });

      await createEs(side, "com-delete", { target: { creationPolicy: "CreateOrMerge", deletionPolicy: "Delete" }, data: [{ secretKey: "password", remoteRef: { key: "main/db", property: "user" } }] });
      const invalid = await waitReady(side, "com-delete", (c) => c?.status === "False", "com-delete invalid");
      expect(ready(invalid)?.message).toContain("deletionPolicy Delete cannot be combined with creationPolicy CreateOrMerge");
      expect(await getSecret(side, "com-delete")).toBeUndefined();
    });

    it("rewrite merge: found JSON values merged in byte order then priority (Extract), or kept and merged under `into` (JSON); a conflict fails naming the member, not a value (esutils.RewriteMerge)", async () => {
      const find = { find: { name: { regexp: "^main/merge/" } } };
      await createEs(side, "merged", { dataFrom: [{ ...find, rewrite: [{ merge: { conflictPolicy: "Ignore", priority: ["main/merge/a"] } }] }] });
      await waitReady(side, "merged", (c) => c?.reason === "SecretSynced", "merged synced");
      expect(decoded(await getSecret(side, "merged"))).toEqual({ user: "app", password: CANARY, shared: "from-a" });

      await createEs(side, "merged-json", {
        dataFrom: [{ ...find, rewrite: [{ merge: { strategy: "JSON", into: "all", conflictPolicy: "Ignore" } }, { regexp: { source: "^main/merge/", target: "part-" } }] }],
      });
      await waitReady(side, "merged-json", (c) => c?.reason === "SecretSynced", "merged-json synced");
      const json = decoded(await getSecret(side, "merged-json"));
      expect(json["all"]).toBe(`{"password":"${CANARY}","shared":"from-b","user":"app"}`);
      expect(Object.keys(json).sort()).toEqual(["all", "part-a", "part-b"]);

      await createEs(side, "merge-conflict", { dataFrom: [{ ...find, rewrite: [{ merge: {} }] }] });
      const failed = await waitReady(side, "merge-conflict", (c) => c?.status === "False", "merge-conflict failed");
      expect(ready(failed)?.message).toContain('merge failed with conflicts: "shared"');
      expect(ready(failed)?.message).toContain("HUSH_ERR_CONTROLLER_REWRITE_MERGE");
      expect(JSON.stringify(failed.status)).not.toContain(CANARY);
      expect(await getSecret(side, "merge-conflict")).toBeUndefined();
    });

    it("template.metadata.finalizers: added to the Secret beside other finalizers, never added back once it is being deleted, and on the Secret created again (setMetadata)", async () => {
      const finalizers = (s: Secret | undefined) => [...(s?.metadata.finalizers ?? [])].sort();
      const patchFinalizers = (list: string[]) => env.client.request("PATCH", secretPath(side.ns, "fin"), { body: { metadata: { finalizers: list } }, contentType: "application/merge-patch+json" });
      await createEs(side, "fin", { target: { template: { metadata: { finalizers: ["example.com/keep"] } } }, data: [{ secretKey: "password", remoteRef: { key: "main/db", property: "password" } }] });
      await waitFor(async () => finalizers(await getSecret(side, "fin")).join() === "example.com/keep", { what: "template finalizer on the Secret", timeoutMs: 30_000 });
      await patchFinalizers(["example.com/keep", "other.io/x"]);
      // A spec change makes hush write again: the other finalizer stays (a set, not replaced).
      await env.client.request("PATCH", esPath(side, "fin"), { body: { spec: { target: { template: { metadata: { finalizers: ["example.com/keep"], labels: { v: "2" } } } } } }, contentType: "application/merge-patch+json" });
      await waitFor(async () => (await getSecret(side, "fin"))?.metadata.labels?.["v"] === "2", { what: "Secret written again", timeoutMs: 30_000 });
      expect(finalizers(await getSecret(side, "fin"))).toEqual(["example.com/keep", "other.io/x"]);
      // Being deleted: the owner of example.com/keep releases it and hush does not put it back.
      await env.client.request("DELETE", secretPath(side.ns, "fin"));
      await patchFinalizers(["other.io/x"]);
      await env.client.request("PATCH", esPath(side, "fin"), { body: { spec: { target: { template: { metadata: { labels: { v: "3" } } } } } }, contentType: "application/merge-patch+json" });
      await waitFor(async () => (await getSecret(side, "fin"))?.metadata.labels?.["v"] === "3", { what: "terminating Secret written again", timeoutMs: 30_000 });
      const terminating = (await getSecret(side, "fin"))!;
      expect(terminating.metadata.deletionTimestamp).toBeDefined();
      expect(finalizers(terminating)).toEqual(["other.io/x"]);
      await patchFinalizers([]);
      await waitFor(async () => finalizers(await getSecret(side, "fin")).join() === "example.com/keep" && (await getSecret(side, "fin"))?.metadata.deletionTimestamp === undefined, { what: "Secret created again with the finalizer", timeoutMs: 30_000 });
      await patchFinalizers([]);
    });

    it("nullBytePolicy on find: Fail refuses a value with a NUL byte naming its key; Ignore (the default) syncs it", async () => {
      const find = { name: { regexp: "^main/nul/" } };
      await createEs(side, "nul-fail", { dataFrom: [{ find: { ...find, nullBytePolicy: "Fail" } }] });
      const failed = await waitReady(side, "nul-fail", (c) => c?.status === "False", "nul-fail failed");
      expect(ready(failed)?.message).toContain('(key "main_nul_bin"): value contains a NUL byte (nullBytePolicy: Fail)');
      await createEs(side, "nul-ok", { dataFrom: [{ find }] });
      await waitReady(side, "nul-ok", (c) => c?.reason === "SecretSynced", "nul-ok synced");
      expect(Buffer.from((await getSecret(side, "nul-ok"))!.data!["main_nul_bin"]!, "base64")).toEqual(Buffer.from([0x6b, 0x00, 0x76]));
    });
  });

  it("the API server still refuses syncWindows and target.manifest in both groups", async () => {
    for (const side of sides) {
      for (const [field, extra] of [
        ["spec.syncWindows", { syncWindows: { kind: "Allow" } }],
        ["spec.target.manifest", { target: { manifest: { apiVersion: "v1", kind: "ConfigMap" } } }],
      ] as const) {
        const r = await env.kube.kubectl(["apply", "-n", side.ns, "-f", "-"], {
          input: JSON.stringify({ apiVersion: `${side.flavour.group}/v1`, kind: "ExternalSecret", metadata: { name: "refused" }, spec: { secretStoreRef: { name: "aws" }, data: [{ secretKey: "x", remoteRef: { key: "main/db" } }], ...extra } }),
        });
        expect(r.code, r.stdout).not.toBe(0);
        expect(r.stderr).toContain(`${field} is not supported by hush yet`);
      }
    }
  });
});
