import { DeleteSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { adoptAnnotation, forceSyncAnnotation, managedLabel, type Secret } from "@hush/kube";
import { requirePeer, waitFor } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  awsNamespace,
  createEs,
  decoded,
  esPath,
  events,
  getEs,
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
const CANARY = "canary-5ec7e7-d0-not-log";

describe.skipIf(!peers.every((p) => p.ok))("sync controller against kube-apiserver and moto", () => {
  let env: Env;
  let ns: string;

  beforeAll(async () => {
    env = await startEnv();
    ns = await awsNamespace(env, "sync");
    await putRemote(env, "app/db", JSON.stringify({ user: "app", password: CANARY, host: "db.internal" }));
    await putRemote(env, "app/config", JSON.stringify({ LOG_LEVEL: "debug", FEATURE: "on" }));
    await putRemote(env, "app/rotating", "v1");
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("validates the SecretStore (Ready=True, Valid)", async () => {
    await waitFor(
      async () => {
        const s = await env.client.get<{ status?: { conditions?: { type: string; status: string; reason: string }[] } }>(`/apis/hush.dev/v1/namespaces/${ns}/secretstores/aws`);
        return s?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True" && c.reason === "Valid") ?? false;
      },
      { what: "store Ready=True" },
    );
  });

  it("creates the target Secret from data[] and dataFrom with a template, and reports Ready", async () => {
    await createEs(env, ns, "db", {
      secretStoreRef: { name: "aws", kind: "SecretStore" },
      refreshInterval: "1h",
      target: {
        name: "db-credentials",
        template: {
          type: "kubernetes.io/basic-auth",
          mergePolicy: "Merge",
          metadata: { labels: { app: "{{ .username }}" } },
          data: { url: "postgres://{{ .username }}:{{ .password }}@{{ .host }}:5432", auth: '{{ printf "%s:%s" .username .password | b64enc }}' },
        },
      },
      data: [
        { secretKey: "username", remoteRef: { key: "app/db", property: "user" } },
        { secretKey: "password", remoteRef: { key: "app/db", property: "password" } },
        { secretKey: "host", remoteRef: { key: "app/db", property: "host" } },
      ],
      dataFrom: [{ extract: { key: "app/config" } }],
    });
    const s = await waitForSecret(env, ns, "db-credentials", (d) => d["password"] === CANARY, "db-credentials synced");
    expect(s.type).toBe("kubernetes.io/basic-auth");
    expect(decoded(s)).toEqual({
      username: "app",
      password: CANARY,
      host: "db.internal",
      LOG_LEVEL: "debug",
      FEATURE: "on",
      url: `postgres://app:${CANARY}@db.internal:5432`,
      auth: Buffer.from(`app:${CANARY}`).toString("base64"),
    });
    expect(s.metadata.labels).toMatchObject({ app: "app", [managedLabel]: "true" });
    expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "ExternalSecret", name: "db", controller: true })]);
    const es = await waitForReady(env, ns, "db", (r) => r.status === "True", "db Ready");
    expect(ready(es)).toEqual({ status: "True", reason: "SecretSynced", message: "secret synced" });
    expect(es.status?.refreshTime).toBeTruthy();
    expect(es.status?.binding).toEqual({ name: "db-credentials" });
    await waitFor(async () => (await events(env, ns, "db")).some((e) => e.reason === "Created"), { what: "Created event" });
  });

  it("picks up a changed provider value within the refresh interval", async () => {
    await createEs(env, ns, "rotating", { secretStoreRef: { name: "aws" }, refreshInterval: "2s", data: [{ secretKey: "v", remoteRef: { key: "app/rotating" } }] });
    await waitForSecret(env, ns, "rotating", (d) => d["v"] === "v1", "rotating v1");
    await env.sm.send(new PutSecretValueCommand({ SecretId: "app/rotating", SecretString: "v2" }));
    const started = Date.now();
    await waitForSecret(env, ns, "rotating", (d) => d["v"] === "v2", "rotating v2", 15_000);
    // Interval 2 s (jittered down); allow for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("force-syncs on an annotation change despite a long refresh interval", async () => {
    await putRemote(env, "app/forced", "before");
    await createEs(env, ns, "forced", { secretStoreRef: { name: "aws" }, refreshInterval: "24h", data: [{ secretKey: "v", remoteRef: { key: "app/forced" } }] });
    await waitForSecret(env, ns, "forced", (d) => d["v"] === "before", "forced synced");
    await env.sm.send(new PutSecretValueCommand({ SecretId: "app/forced", SecretString: "after" }));
    await env.client.request("PATCH", esPath(ns, "forced"), { body: { metadata: { annotations: { [forceSyncAnnotation]: String(Date.now()) } } }, contentType: "application/merge-patch+json" });
    await waitForSecret(env, ns, "forced", (d) => d["v"] === "after", "forced re-synced after annotation");
  });

  it("repairs a hand-edited Secret and recreates a deleted one", async () => {
    await putRemote(env, "app/repair", "good");
    await createEs(env, ns, "repair", { secretStoreRef: { name: "aws" }, refreshInterval: "24h", data: [{ secretKey: "v", remoteRef: { key: "app/repair" } }] });
    const s = await waitForSecret(env, ns, "repair", (d) => d["v"] === "good", "repair synced");
    await env.client.request("PUT", secretPath(ns, "repair"), { body: { ...s, data: { v: Buffer.from("tampered").toString("base64") } } });
    await waitForSecret(env, ns, "repair", (d) => d["v"] === "good", "hand edit repaired");
    await env.client.request("DELETE", secretPath(ns, "repair"));
    await waitForSecret(env, ns, "repair", (d) => d["v"] === "good", "deleted Secret recreated");
  });

  it("keeps the Secret when the provider goes away (Ready=False, warning) and recovers when it comes back", async () => {
    await putRemote(env, "app/outage", "steady");
    await createEs(env, ns, "outage", { secretStoreRef: { name: "aws" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "app/outage" } }] });
    const before = await waitForSecret(env, ns, "outage", (d) => d["v"] === "steady", "outage synced");
    await env.relay.cut();
    try {
      await waitForReady(env, ns, "outage", (r) => r.status === "False", "Ready=False during the outage", 30_000);
      const es = await getEs(env, ns, "outage");
      expect(ready(es).reason).toBe("SecretSyncedError");
      expect(ready(es).message).toMatch(/HUSH_ERR_(PROVIDERS_UNAVAILABLE|CONTROLLER_STORE_NOT_READY)/);
      const during = await getSecret(env, ns, "outage");
      expect(during?.data).toEqual(before.data);
      expect(during?.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      await waitFor(async () => (await events(env, ns, "outage")).some((e) => e.type === "Warning" && e.reason === "UpdateFailed"), { what: "UpdateFailed event" });
    } finally {
      await env.relay.restore();
    }
    await env.sm.send(new PutSecretValueCommand({ SecretId: "app/outage", SecretString: "after-outage" }));
    await waitForSecret(env, ns, "outage", (d) => d["v"] === "after-outage", "recovered after the outage", 30_000);
    await waitForReady(env, ns, "outage", (r) => r.status === "True", "Ready=True after recovery", 30_000);
  });

  it("with Owner, renaming the target deletes the Secret under the old name", async () => {
    await putRemote(env, "app/rename", "r");
    await createEs(env, ns, "rename", { secretStoreRef: { name: "aws" }, target: { name: "rename-old" }, data: [{ secretKey: "v", remoteRef: { key: "app/rename" } }] });
    await waitForSecret(env, ns, "rename-old", (d) => d["v"] === "r", "old target synced");
    await env.client.request("PATCH", esPath(ns, "rename"), { body: { spec: { target: { name: "rename-new" } } }, contentType: "application/merge-patch+json" });
    await waitForSecret(env, ns, "rename-new", (d) => d["v"] === "r", "new target synced");
    await waitFor(async () => (await getSecret(env, ns, "rename-old")) === undefined, { what: "old target deleted" });
  });

  it("creationPolicy Orphan, Merge and None", async () => {
    await putRemote(env, "app/policy", "pv");
    await createEs(env, ns, "orphan", { secretStoreRef: { name: "aws" }, target: { creationPolicy: "Orphan" }, data: [{ secretKey: "v", remoteRef: { key: "app/policy" } }] });
    const orphan = await waitForSecret(env, ns, "orphan", (d) => d["v"] === "pv", "orphan synced");
    expect(orphan.metadata.ownerReferences ?? []).toEqual([]);

    // A Secret hush did not create opts in to receiving this ExternalSecret's keys.
    const shared: Secret = { metadata: { name: "shared", annotations: { [adoptAnnotation]: "merge" } }, data: { theirs: Buffer.from("keep-me").toString("base64") } };
    await env.client.request("POST", secretPath(ns), { body: shared });
    await createEs(env, ns, "merge", { secretStoreRef: { name: "aws" }, target: { name: "shared", creationPolicy: "Merge" }, data: [{ secretKey: "ours", remoteRef: { key: "app/policy" } }] });
    const merged = await waitForSecret(env, ns, "shared", (d) => d["ours"] === "pv", "merge synced");
    expect(decoded(merged)).toEqual({ theirs: "keep-me", ours: "pv" });
    expect(merged.metadata.ownerReferences ?? []).toEqual([]);

    await createEs(env, ns, "merge-missing", { secretStoreRef: { name: "aws" }, target: { name: "absent", creationPolicy: "Merge" }, data: [{ secretKey: "v", remoteRef: { key: "app/policy" } }] });
    await waitForReady(env, ns, "merge-missing", (r) => r.reason === "SecretMissing", "SecretMissing");
    expect(await getSecret(env, ns, "absent")).toBeUndefined();

    await createEs(env, ns, "none", { secretStoreRef: { name: "aws" }, target: { name: "never", creationPolicy: "None" }, data: [{ secretKey: "v", remoteRef: { key: "app/policy" } }] });
    await waitForReady(env, ns, "none", (r) => r.status === "True", "None Ready");
    expect(await getSecret(env, ns, "never")).toBeUndefined();
  });

  it("deletionPolicy Delete removes the Secret when the remote secret is deleted; Retain keeps it and reports the error", async () => {
    await putRemote(env, "app/del", "d");
    await putRemote(env, "app/ret", "r");
    await createEs(env, ns, "del", { secretStoreRef: { name: "aws" }, refreshInterval: "1s", target: { deletionPolicy: "Delete" }, data: [{ secretKey: "v", remoteRef: { key: "app/del" } }] });
    await createEs(env, ns, "ret", { secretStoreRef: { name: "aws" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "app/ret" } }] });
    await waitForSecret(env, ns, "del", (d) => d["v"] === "d", "del synced");
    await waitForSecret(env, ns, "ret", (d) => d["v"] === "r", "ret synced");
    await env.sm.send(new DeleteSecretCommand({ SecretId: "app/del", ForceDeleteWithoutRecovery: true }));
    await env.sm.send(new DeleteSecretCommand({ SecretId: "app/ret", ForceDeleteWithoutRecovery: true }));
    await waitFor(async () => (await getSecret(env, ns, "del")) === undefined, { what: "del Secret deleted", timeoutMs: 20_000 });
    expect(ready(await getEs(env, ns, "del")).reason).toBe("SecretDeleted");
    await waitForReady(env, ns, "ret", (r) => r.status === "False", "ret Ready=False");
    expect(decoded(await getSecret(env, ns, "ret"))).toEqual({ v: "r" });
  });

  it("deletionPolicy Merge drops only the key whose remote secret vanished", async () => {
    await putRemote(env, "app/keep", "k");
    await putRemote(env, "app/drop", "d");
    await createEs(env, ns, "merge-del", {
      secretStoreRef: { name: "aws" },
      refreshInterval: "1s",
      target: { deletionPolicy: "Merge" },
      data: [
        { secretKey: "keep", remoteRef: { key: "app/keep" } },
        { secretKey: "drop", remoteRef: { key: "app/drop" } },
      ],
    });
    await waitForSecret(env, ns, "merge-del", (d) => d["keep"] === "k" && d["drop"] === "d", "merge-del synced");
    await env.sm.send(new DeleteSecretCommand({ SecretId: "app/drop", ForceDeleteWithoutRecovery: true }));
    const s = await waitForSecret(env, ns, "merge-del", (d) => !("drop" in d), "vanished key dropped");
    expect(decoded(s)).toEqual({ keep: "k" });
    await waitFor(async () => (await events(env, ns, "merge-del")).some((e) => e.reason === "MissingProviderSecret"), { what: "MissingProviderSecret event" });
  });

  it("dataFrom find by name with rewrite, and a dockerconfigjson template", async () => {
    await putRemote(env, "team/registry-user", "robot");
    await putRemote(env, "team/registry-pass", "hunter2");
    await createEs(env, ns, "registry", {
      secretStoreRef: { name: "aws" },
      target: {
        template: {
          type: "kubernetes.io/dockerconfigjson",
          data: { ".dockerconfigjson": '{"auths":{"registry.example":{"auth":{{ printf "%s:%s" .user .pass | b64enc | quote }}}}}' },
        },
      },
      dataFrom: [{ find: { name: { regexp: "^team/registry-" } }, rewrite: [{ regexp: { source: "^team/registry-(.*)$", target: "${1}" } }] }],
    });
    const s = await waitForSecret(env, ns, "registry", (d) => ".dockerconfigjson" in d, "registry synced");
    expect(s.type).toBe("kubernetes.io/dockerconfigjson");
    expect(JSON.parse(decoded(s)[".dockerconfigjson"]!)).toEqual({ auths: { "registry.example": { auth: Buffer.from("robot:hunter2").toString("base64") } } });
    expect(Object.keys(s.data ?? {})).toEqual([".dockerconfigjson"]);
  });

  it("rejects an invalid template without writing, naming the template key", async () => {
    await createEs(env, ns, "bad-template", { secretStoreRef: { name: "aws" }, target: { template: { data: { x: "{{ .nope }}" } } }, data: [{ secretKey: "v", remoteRef: { key: "app/policy" } }] });
    const es = await waitForReady(env, ns, "bad-template", (r) => r.status === "False", "bad template Ready=False");
    expect(ready(es).message).toContain("spec.target.template.data.x");
    expect(ready(es).message).toContain("HUSH_ERR_CONTROLLER_TEMPLATE");
    expect(await getSecret(env, ns, "bad-template")).toBeUndefined();
  });

  it("never writes a secret value into status, events, logs or metrics", async () => {
    const all = await env.client.list<unknown>(esPath(ns));
    const evs = await events(env, ns);
    const metrics = await env.registry.metrics();
    for (const text of [JSON.stringify(all.items.map((i) => (i as { status?: unknown }).status)), JSON.stringify(evs), env.logs.lines.join("\n"), metrics]) {
      expect(text).not.toContain(CANARY);
    }
    expect(evs.length).toBeGreaterThan(0);
    expect(env.logs.lines.length).toBeGreaterThan(0);
  });

  it("does not write the Secret or status again when nothing changed", async () => {
    await putRemote(env, "app/stable", "same");
    await createEs(env, ns, "stable", { secretStoreRef: { name: "aws" }, refreshInterval: "1s", data: [{ secretKey: "v", remoteRef: { key: "app/stable" } }] });
    const s1 = await waitForSecret(env, ns, "stable", (d) => d["v"] === "same", "stable synced");
    // The Secret is written before the status: wait for the status of that first sync too.
    let t1 = NaN;
    await waitFor(async () => {
      t1 = Date.parse((await getEs(env, ns, "stable"))?.status?.refreshTime ?? "");
      return !Number.isNaN(t1);
    }, { what: "first refreshTime", timeoutMs: 15_000 });
    // Wait (by observation) for three more refreshes to have happened, then compare.
    await waitFor(async () => Date.parse((await getEs(env, ns, "stable"))!.status!.refreshTime!) >= t1 + 2_500, { what: "three refreshes", timeoutMs: 15_000 });
    const s2 = await getSecret(env, ns, "stable");
    expect(s2?.metadata.resourceVersion).toBe(s1.metadata.resourceVersion);
  });
});
