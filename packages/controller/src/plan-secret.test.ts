import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import { dataHashAnnotation, managedKeysAnnotation, managedLabel, type ExternalSecret, type Secret } from "@hush/kube";
import { hashSecretData } from "./data-hash.js";
import { planSecret, secretIsIntact, type FetchResult } from "./plan-secret.js";

const enc = (s: string) => new TextEncoder().encode(s);
const b64 = (s: string) => Buffer.from(s).toString("base64");
function es(target: ExternalSecret["spec"]["target"] = {}): ExternalSecret {
  return {
    apiVersion: "hush.dev/v1",
    kind: "ExternalSecret",
    metadata: { name: "db", namespace: "app", uid: "es-uid", generation: 1 },
    spec: { secretStoreRef: { name: "aws" }, target, data: [{ secretKey: "password", remoteRef: { key: "db", property: "password" } }] },
  };
}
const ok = (data: Record<string, string>, missing: string[] = []): FetchResult => ({ ok: true, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, enc(v)])), missing });

function created(plan: ReturnType<typeof planSecret>): Secret {
  if (plan.action.type !== "create" && plan.action.type !== "update") throw new Error(`expected a write, got ${plan.action.type}`);
  return plan.action.secret;
}

describe("planSecret", () => {
  it("creates an owned, labelled, hashed Secret", () => {
    const plan = planSecret(es(), ok({ password: "pw" }), undefined);
    const s = created(plan);
    expect(plan.action.type).toBe("create");
    expect(s.metadata.name).toBe("db");
    expect(s.data).toEqual({ password: b64("pw") });
    expect(s.metadata.labels?.[managedLabel]).toBe("true");
    expect(s.metadata.annotations?.[dataHashAnnotation]).toBe(hashSecretData({ password: b64("pw") }));
    expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "ExternalSecret", uid: "es-uid", controller: true })]);
    expect(plan.ready).toEqual({ status: "True", reason: "SecretSynced", message: "secret synced" });
    expect(plan.events.map((e) => e.reason)).toEqual(["Created"]);
    expect(secretIsIntact(es(), s)).toBe(true);
  });

  it("writes nothing when the rendered Secret equals the live one", () => {
    const live = { ...created(planSecret(es(), ok({ password: "pw" }), undefined)), metadata: { ...created(planSecret(es(), ok({ password: "pw" }), undefined)).metadata, resourceVersion: "7" } };
    const plan = planSecret(es(), ok({ password: "pw" }), live);
    expect(plan.action.type).toBe("none");
    expect(plan.outcome).toBe("synced");
    const changed = planSecret(es(), ok({ password: "new" }), live);
    expect(changed.action.type).toBe("update");
    expect(created(changed).metadata.resourceVersion).toBe("7");
  });

  it("detects an out-of-band edit through the data hash", () => {
    const live = created(planSecret(es(), ok({ password: "pw" }), undefined));
    expect(secretIsIntact(es(), { ...live, data: { password: b64("hacked") } })).toBe(false);
    expect(secretIsIntact(es(), undefined)).toBe(false);
    expect(secretIsIntact(es({ creationPolicy: "Orphan" }), undefined)).toBe(true);
  });

  it("keeps the existing Secret on a provider error: no write, Ready=False, warning, retry", () => {
    const live = created(planSecret(es(), ok({ password: "pw" }), undefined));
    const plan = planSecret(es(), { ok: false, error: new HushError("HUSH_ERR_PROVIDERS_UNAVAILABLE", "aws: could not reach secrets manager") }, live);
    expect(plan.action).toEqual({ type: "none" });
    expect(plan.ready.status).toBe("False");
    expect(plan.ready.reason).toBe("SecretSyncedError");
    expect(plan.ready.message).toContain("HUSH_ERR_PROVIDERS_UNAVAILABLE");
    expect(plan.events).toEqual([expect.objectContaining({ type: "Warning", reason: "UpdateFailed" })]);
    expect(plan.outcome).toBe("retry");
  });

  it("renders templates (Replace keeps only templated keys, Merge keeps both) with type and metadata", () => {
    const tpl = { type: "kubernetes.io/basic-auth", metadata: { labels: { app: "{{ .user | lower }}" } }, data: { username: "{{ .user }}", url: "postgres://{{ .user }}:{{ .password }}@db" } };
    const s = created(planSecret({ ...es({ template: tpl }) }, ok({ user: "APP", password: "pw" }), undefined));
    expect(s.type).toBe("kubernetes.io/basic-auth");
    expect(Object.keys(s.data ?? {}).sort()).toEqual(["url", "username"]);
    expect(Buffer.from(s.data!["url"]!, "base64").toString()).toBe("postgres://APP:pw@db");
    expect(s.metadata.labels?.["app"]).toBe("app");
    const merged = created(planSecret(es({ template: { ...tpl, mergePolicy: "Merge" } }), ok({ user: "APP", password: "pw" }), undefined));
    expect(Object.keys(merged.data ?? {}).sort()).toEqual(["password", "url", "user", "username"]);
  });

  it("copies the ExternalSecret's labels and annotations when the template sets no metadata", () => {
    const e = es();
    e.metadata.labels = { team: "a" };
    e.metadata.annotations = { note: "x", "kubectl.kubernetes.io/last-applied-configuration": "{}" };
    const s = created(planSecret(e, ok({ password: "pw" }), undefined));
    expect(s.metadata.labels).toEqual({ team: "a", [managedLabel]: "true" });
    expect(s.metadata.annotations?.["note"]).toBe("x");
    expect(s.metadata.annotations).not.toHaveProperty("kubectl.kubernetes.io/last-applied-configuration");
    const withTpl = created(planSecret({ ...e, spec: { ...e.spec, target: { template: { metadata: { labels: { only: "this" } } } } } }, ok({ password: "pw" }), undefined));
    expect(withTpl.metadata.labels).toEqual({ only: "this", [managedLabel]: "true" });
  });

  it("a template error is terminal and writes nothing", () => {
    const plan = planSecret(es({ template: { data: { x: "{{ .nope }}" } } }), ok({ password: "pw" }), undefined);
    expect(plan.action.type).toBe("none");
    expect(plan.outcome).toBe("terminal");
    expect(plan.errorCode).toBe("HUSH_ERR_CONTROLLER_TEMPLATE");
  });

  it("Orphan creates without an ownerReference; None writes nothing", () => {
    expect(created(planSecret(es({ creationPolicy: "Orphan" }), ok({ password: "pw" }), undefined)).metadata.ownerReferences).toBeUndefined();
    const none = planSecret(es({ creationPolicy: "None" }), ok({ password: "pw" }), undefined);
    expect(none.action.type).toBe("none");
    expect(none.ready.status).toBe("True");
  });

  it("Merge patches only its keys into an existing Secret and waits while it is missing", () => {
    expect(planSecret(es({ creationPolicy: "Merge" }), ok({ password: "pw" }), undefined).ready.reason).toBe("SecretMissing");
    const live: Secret = { metadata: { name: "db", namespace: "app", resourceVersion: "1" }, type: "Opaque", data: { other: b64("keep") } };
    const s = created(planSecret(es({ creationPolicy: "Merge" }), ok({ password: "pw" }), live));
    expect(s.data).toEqual({ other: b64("keep"), password: b64("pw") });
    expect(s.metadata.annotations?.[managedKeysAnnotation]).toBe('["password"]');
    expect(s.metadata.ownerReferences).toBeUndefined();
    expect(secretIsIntact(es({ creationPolicy: "Merge" }), s)).toBe(true);
    expect(secretIsIntact(es({ creationPolicy: "Merge" }), { ...s, data: { ...s.data, other: b64("changed by someone") } })).toBe(true);
  });

  it("refuses a target controlled by another owner", () => {
    const live: Secret = { metadata: { name: "db", namespace: "app", ownerReferences: [{ apiVersion: "v1", kind: "Other", name: "x", uid: "other", controller: true }] }, data: {} };
    const plan = planSecret(es(), ok({ password: "pw" }), live);
    expect(plan.errorCode).toBe("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
    expect(plan.action.type).toBe("none");
  });

  it("deletionPolicy Delete deletes an owned Secret once every source is gone; Retain keeps it", () => {
    const live = created(planSecret(es({ deletionPolicy: "Delete" }), ok({ password: "pw" }), undefined));
    const gone = planSecret(es({ deletionPolicy: "Delete" }), ok({}, ["spec.data[0] (key=\"db\")"]), live);
    expect(gone.action).toEqual({ type: "delete", name: "db" });
    expect(gone.ready.reason).toBe("SecretDeleted");
    expect(gone.events.map((e) => e.reason)).toEqual(["MissingProviderSecret", "Deleted"]);
    const retained = planSecret(es(), ok({}), live);
    expect(retained.action.type).toBe("none");
    expect(retained.ready.message).toContain("retained");
  });

  it("deletionPolicy Merge drops only the vanished keys", () => {
    const e = es({ deletionPolicy: "Merge" });
    const live = created(planSecret(e, ok({ password: "pw", user: "u" }), undefined));
    const s = created(planSecret(e, ok({ user: "u" }, ["spec.data[0]"]), live));
    expect(Object.keys(s.data ?? {})).toEqual(["user"]);
  });

  it("rejects forbidden policy combinations as terminal", () => {
    const plan = planSecret(es({ creationPolicy: "Merge", deletionPolicy: "Delete" }), ok({}), undefined);
    expect(plan.errorCode).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
    expect(plan.outcome).toBe("terminal");
  });

  it("never puts a value into status, events or errors", () => {
    const canary = "CANARY-9f8e7d";
    const plans = [
      planSecret(es(), ok({ password: canary }), undefined),
      planSecret(es({ template: { data: { x: "{{ .password | fromJson }}" } } }), ok({ password: canary }), undefined),
      planSecret(es({ template: { data: { x: "{{ .password | b64dec }}" } } }), ok({ password: canary }), undefined),
    ];
    for (const p of plans) {
      expect(JSON.stringify([p.ready, p.events])).not.toContain(canary);
    }
  });
});
