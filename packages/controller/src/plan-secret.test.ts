import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import { adoptAnnotation, dataHashAnnotation, managedLabel, ownerAnnotation, type ExternalSecret, type Secret } from "@hush/kube";
import { hashSecretData } from "./data-hash.js";
import { fieldManagerFor, mergeAnnotationFor, planCleanup, planSecret, secretIsIntact, validateExternalSecret, type FetchResult } from "./plan-secret.js";

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

  it("Merge applies only its keys into an opted-in Secret and waits while it is missing", () => {
    expect(planSecret(es({ creationPolicy: "Merge" }), ok({ password: "pw" }), undefined).ready.reason).toBe("SecretMissing");
    const live: Secret = { metadata: { name: "db", namespace: "app", resourceVersion: "1", annotations: { [adoptAnnotation]: "db" } }, type: "Opaque", data: { other: b64("keep") } };
    const plan = planSecret(es({ creationPolicy: "Merge" }), ok({ password: "pw" }), live);
    const s = created(plan);
    expect(plan.action).toMatchObject({ type: "update", fieldManager: "hush/db" });
    // Only this ExternalSecret's fields: the API server keeps "other" (another field manager's).
    expect(s.data).toEqual({ password: b64("pw") });
    expect(s.type).toBeUndefined();
    expect(s.metadata.resourceVersion).toBe("1");
    expect(JSON.parse(s.metadata.annotations![mergeAnnotationFor("db")]!)).toMatchObject({ externalSecret: "db", keys: ["password"] });
    expect(s.metadata.ownerReferences).toBeUndefined();
    const stored = { ...live, metadata: { ...live.metadata, labels: s.metadata.labels, annotations: { ...live.metadata.annotations, ...s.metadata.annotations } }, data: { ...live.data, ...s.data } };
    expect(secretIsIntact(es({ creationPolicy: "Merge" }), stored)).toBe(true);
    expect(secretIsIntact(es({ creationPolicy: "Merge" }), { ...stored, data: { ...stored.data, other: b64("changed by someone") } })).toBe(true);
    expect(secretIsIntact(es({ creationPolicy: "Merge" }), { ...stored, data: { ...stored.data, password: b64("changed") } })).toBe(false);
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

/** The Secret as the API server stores it after `plan`'s apply on top of `live` (our fields win, others kept). */
const unownedSecret: Secret = { metadata: { name: "db", namespace: "app", uid: "s1", resourceVersion: "5" }, type: "Opaque", data: { password: b64("admin-set") } };

function applyOn(live: Secret | undefined, plan: ReturnType<typeof planSecret>, stale: string[] = []): Secret {
  const a = created(plan);
  const data = { ...(live?.data ?? {}), ...a.data };
  for (const k of stale) delete data[k];
  return {
    ...a,
    type: a.type ?? live?.type ?? "Opaque",
    metadata: {
      ...a.metadata,
      uid: live?.metadata.uid ?? "secret-uid",
      resourceVersion: String(Number(live?.metadata.resourceVersion ?? "0") + 1),
      labels: { ...(live?.metadata.labels ?? {}), ...a.metadata.labels },
      annotations: { ...(live?.metadata.annotations ?? {}), ...a.metadata.annotations },
      ...(a.metadata.ownerReferences || live?.metadata.ownerReferences ? { ownerReferences: [...(live?.metadata.ownerReferences ?? []), ...(a.metadata.ownerReferences ?? [])] } : {}),
    },
    data,
  };
}

describe("S1: privileged Secret types are refused at validation and before the write", () => {
  it.for([["kubernetes.io/service-account-token"], ["bootstrap.kubernetes.io/token"]] as const)("template.type %s is invalid, terminal, writes nothing", ([type]) => {
    const e = es({ template: { type, metadata: { annotations: { "kubernetes.io/service-account.name": "deployer" } } } });
    expect(() => validateExternalSecret(e)).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_INVALID_SPEC", message: expect.stringContaining(type) }));
    const plan = planSecret(e, ok({ password: "pw" }), undefined);
    expect(plan.action.type).toBe("none");
    expect(plan.outcome).toBe("terminal");
    expect(plan.ready.message).toContain("not allowed");
  });

  it("the ExternalSecret's own annotations cannot bind the Secret to a ServiceAccount", () => {
    const e = es();
    e.metadata.annotations = { "kubernetes.io/service-account.name": "deployer" };
    const plan = planSecret(e, ok({ password: "pw" }), undefined);
    expect(plan.action.type).toBe("none");
    expect(plan.errorCode).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
    // With a template, the ExternalSecret's annotations are not copied at all (ESO semantics).
    const templated = es({ template: { data: { password: "{{ .password }}" } } });
    templated.metadata.annotations = { note: "x" };
    expect(created(planSecret(templated, ok({ password: "pw" }), undefined)).metadata.annotations).not.toHaveProperty("note");
  });

  it("Merge never writes into an existing privileged Secret", () => {
    const live: Secret = { metadata: { name: "db", namespace: "app", resourceVersion: "1", annotations: { [adoptAnnotation]: "db" } }, type: "kubernetes.io/service-account-token", data: {} };
    const plan = planSecret(es({ creationPolicy: "Merge" }), ok({ password: "pw" }), live);
    expect(plan.action.type).toBe("none");
    expect(plan.ready.message).toContain("never written");
  });

  it("a legitimate typed Secret is unchanged", () => {
    const s = created(planSecret(es({ template: { type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": "{}" } } }), ok({ password: "pw" }), undefined));
    expect(s.type).toBe("kubernetes.io/dockerconfigjson");
  });

  it("hush's own control annotations cannot be forged through the ExternalSecret", () => {
    const e = es();
    e.metadata.annotations = { [ownerAnnotation]: "someone-else", [`${adoptAnnotation}`]: "x", [mergeAnnotationFor("evil")]: "{}" };
    const a = created(planSecret(e, ok({ password: "pw" }), undefined)).metadata.annotations!;
    expect(a[ownerAnnotation]).toBe("db");
    expect(a).not.toHaveProperty(adoptAnnotation);
    expect(a).not.toHaveProperty(mergeAnnotationFor("evil"));
  });
});

describe("S4/S7: adoption is opt-in; several ExternalSecrets share a Secret", () => {
  const unowned: Secret = { metadata: { name: "db", namespace: "app", uid: "s1", resourceVersion: "5" }, type: "Opaque", data: { password: b64("admin-set") } };

  it.for([["Owner"], ["Orphan"]] as const)("%s refuses an existing unowned Secret unless it opts in", ([policy]) => {
    const refused = planSecret(es({ creationPolicy: policy }), ok({ password: "pw" }), unowned);
    expect(refused.action.type).toBe("none");
    expect(refused.errorCode).toBe("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
    expect(refused.outcome).toBe("terminal");
    expect(refused.ready.message).toContain(`${adoptAnnotation}=db`);
    const optedIn = { ...unowned, metadata: { ...unowned.metadata, annotations: { [adoptAnnotation]: "other, db" } } };
    expect(planSecret(es({ creationPolicy: policy }), ok({ password: "pw" }), optedIn).action.type).toBe("update");
  });

  it("Orphan and Merge never write a Secret controlled by another controller", () => {
    const certManager: Secret = { ...unowned, metadata: { ...unowned.metadata, annotations: { [adoptAnnotation]: "db" }, ownerReferences: [{ apiVersion: "cert-manager.io/v1", kind: "Certificate", name: "c", uid: "c1", controller: true }] } };
    for (const policy of ["Owner", "Orphan", "Merge"] as const) {
      expect(planSecret(es({ creationPolicy: policy }), ok({ password: "pw" }), certManager).errorCode).toBe("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
    }
  });

  it("Merge ExternalSecrets sit beside the owner, each with its own field manager; none breaks the other", () => {
    const owner = es();
    const live = applyOn(undefined, planSecret(owner, ok({ password: "pw" }), undefined));
    const merger: ExternalSecret = { ...es({ name: "db", creationPolicy: "Merge" }), metadata: { name: "extra", namespace: "app", uid: "extra-uid", generation: 1 } };
    const mergePlan = planSecret(merger, ok({ token: "t" }), live);
    expect(mergePlan.action).toMatchObject({ type: "update", fieldManager: "hush/extra" });
    const both = applyOn(live, mergePlan);
    expect(Object.keys(both.data!).sort()).toEqual(["password", "token"]);
    // The owner still considers its Secret intact and in sync: no rewrite, no conflict.
    expect(secretIsIntact(owner, both)).toBe(true);
    expect(planSecret(owner, ok({ password: "pw" }), both).action.type).toBe("none");
    expect(planSecret(owner, ok({ password: "pw2" }), both).outcome).toBe("synced");
    expect(secretIsIntact(merger, both)).toBe(true);
    // A Merge may not take a key another ExternalSecret writes.
    const thief = planSecret(merger, ok({ password: "stolen" }), both);
    expect(thief.errorCode).toBe("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
    expect(thief.ready.message).toContain("written by another ExternalSecret");
  });

  it("an owner stops writing a key: the apply leaves it out, so the API server prunes it", () => {
    const owner = es();
    const live = applyOn(undefined, planSecret(owner, ok({ password: "pw", user: "u" }), undefined));
    const plan = planSecret(owner, ok({ password: "pw" }), live);
    expect(plan.action.type).toBe("update");
    expect(Object.keys(created(plan).data!)).toEqual(["password"]);
    expect(planSecret(owner, ok({ password: "pw" }), applyOn(live, plan, ["user"])).action.type).toBe("none");
  });

  it("another ExternalSecret's Secret is refused; field managers fit the API server's limit", () => {
    const owned = applyOn(undefined, planSecret(es(), ok({ password: "pw" }), undefined));
    const orphaned = applyOn(undefined, planSecret(es({ creationPolicy: "Orphan" }), ok({ password: "pw" }), undefined));
    const other: ExternalSecret = { ...es({ name: "db" }), metadata: { name: "other", namespace: "app", uid: "o", generation: 1 } };
    expect(planSecret(other, ok({ password: "pw" }), owned).ready.message).toContain("controlled by ExternalSecret db");
    expect(planSecret(other, ok({ password: "pw" }), orphaned).ready.message).toContain("managed by ExternalSecret db");
    expect(fieldManagerFor({ ...other, metadata: { name: "x".repeat(253) } }).length).toBeLessThanOrEqual(128);
  });

  describe("creationPolicy CreateOrMerge (ESO's CreatePolicyCreateOrMerge)", () => {
    const com = (extra: ExternalSecret["spec"]["target"] = {}) => es({ creationPolicy: "CreateOrMerge", ...extra });

    it("creates a missing Secret without an ownerReference, recording itself as a merger (type and immutable from the spec)", () => {
      const plan = planSecret(com({ immutable: true, template: { type: "kubernetes.io/basic-auth", data: { username: "u", password: "{{ .password }}" } } }), ok({ password: "pw" }), undefined);
      expect(plan.action).toMatchObject({ type: "create", fieldManager: "hush/db" });
      const s = created(plan);
      expect(s.metadata.ownerReferences).toBeUndefined();
      expect(s.type).toBe("kubernetes.io/basic-auth");
      expect(s.immutable).toBe(true);
      expect(s.metadata.labels?.[managedLabel]).toBe("true");
      expect(s.metadata.annotations?.[ownerAnnotation]).toBeUndefined();
      expect(JSON.parse(s.metadata.annotations![mergeAnnotationFor("db")]!)).toMatchObject({ externalSecret: "db", keys: ["password", "username"] });
      // Gone: repaired like Owner (ESO's isSecretValid), where Merge only waits.
      expect(secretIsIntact(com(), undefined)).toBe(false);
      expect(secretIsIntact(es({ creationPolicy: "Merge" }), undefined)).toBe(true);
    });

    it("merges like Merge into a Secret that exists: only its keys, no type, no ownerReference, keys of others kept", () => {
      const live: Secret = { metadata: { name: "db", namespace: "app", uid: "s1", resourceVersion: "3", annotations: { [adoptAnnotation]: "db" } }, type: "Opaque", data: { other: b64("keep") } };
      const plan = planSecret(com({ immutable: true }), ok({ password: "pw" }), live);
      expect(plan.action).toMatchObject({ type: "update", fieldManager: "hush/db" });
      const s = created(plan);
      expect(s.data).toEqual({ password: b64("pw") });
      expect(s.type).toBeUndefined();
      expect(s.immutable).toBeUndefined();
      expect(s.metadata.ownerReferences).toBeUndefined();
      const stored = applyOn(live, plan);
      expect(stored.data).toEqual({ other: b64("keep"), password: b64("pw") });
      expect(secretIsIntact(com(), stored)).toBe(true);
      expect(secretIsIntact(com(), { ...stored, data: { ...stored.data, password: b64("edited") } })).toBe(false);
      // What it created is its own next time (the merge record), and a later update is a plain merge.
      const mine = applyOn(undefined, planSecret(com(), ok({ password: "pw" }), undefined));
      expect(planSecret(com(), ok({ password: "pw2" }), mine).action).toMatchObject({ type: "update" });
    });

    it("attack: never takes over a Secret hush does not manage, one another controller owns, or keys another ExternalSecret writes", () => {
      const refused = planSecret(com(), ok({ password: "pw" }), unownedSecret);
      expect(refused.action.type).toBe("none");
      expect(refused.errorCode).toBe("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
      expect(refused.outcome).toBe("terminal");
      expect(refused.ready.message).toContain(`${adoptAnnotation}=db`);
      const certManager: Secret = { ...unownedSecret, metadata: { ...unownedSecret.metadata, annotations: { [adoptAnnotation]: "db" }, ownerReferences: [{ apiVersion: "cert-manager.io/v1", kind: "Certificate", name: "c", uid: "c1", controller: true }] } };
      expect(planSecret(com(), ok({ password: "pw" }), certManager).errorCode).toBe("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
      // Another ExternalSecret's Owner Secret: it may add keys beside it, never take one of its keys.
      const owned = applyOn(undefined, planSecret(es(), ok({ password: "pw" }), undefined));
      const other: ExternalSecret = { ...com({ name: "db" }), metadata: { name: "thief", namespace: "app", uid: "t", generation: 1 } };
      const thief = planSecret(other, ok({ password: "stolen" }), owned);
      expect(thief.errorCode).toBe("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
      expect(thief.action.type).toBe("none");
      // A Secret another CreateOrMerge created is hush-managed: a second merger may add a key, not take one.
      const first = applyOn(undefined, planSecret(com(), ok({ password: "pw" }), undefined));
      expect(planSecret(other, ok({ password: "stolen" }), first).errorCode).toBe("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
      expect(created(planSecret(other, ok({ extra: "x" }), first)).data).toEqual({ extra: b64("x") });
    });

    it("refuses deletionPolicy Delete as ESO's validatePolicies does; deletionPolicy Merge is allowed", () => {
      expect(() => validateExternalSecret(com({ deletionPolicy: "Delete" }))).toThrow(/deletionPolicy Delete cannot be combined with creationPolicy CreateOrMerge/);
      expect(() => validateExternalSecret(com({ deletionPolicy: "Merge" }))).not.toThrow();
    });
  });

  it("template.metadata.finalizers are added to the Secret (ESO's setMetadata), and none is added back once it is being deleted", () => {
    const e = es({ template: { metadata: { finalizers: ["example.com/keep", "example.com/keep", "example.com/audit"] } } });
    const first = created(planSecret(e, ok({ password: "pw" }), undefined));
    expect(first.metadata.finalizers).toEqual(["example.com/keep", "example.com/audit"]);
    const live = applyOn(undefined, planSecret(e, ok({ password: "pw" }), undefined));
    const stored: Secret = { ...live, metadata: { ...live.metadata, finalizers: ["other.io/x", "example.com/keep", "example.com/audit"] } };
    expect(planSecret(e, ok({ password: "pw" }), stored).action.type).toBe("none");
    // Someone removed one: written again.
    const removed: Secret = { ...stored, metadata: { ...stored.metadata, finalizers: ["example.com/keep"] } };
    expect(created(planSecret(e, ok({ password: "pw" }), removed)).metadata.finalizers).toEqual(["example.com/keep", "example.com/audit"]);
    // Being deleted: only those still there are applied (the API server refuses new ones then).
    const deleting: Secret = { ...removed, metadata: { ...removed.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } };
    expect(created(planSecret(e, ok({ password: "pw2" }), deleting)).metadata.finalizers).toEqual(["example.com/keep"]);
  });

  describe("planCleanup (ESO's cleanupManagedSecrets)", () => {
    const owned = (e: ExternalSecret) => applyOn(undefined, planSecret(e, ok({ password: "pw" }), undefined));

    it("with deletionPolicy Delete, deletes the target this very ExternalSecret controls, conditional on its uid", () => {
      const e = es({ deletionPolicy: "Delete" });
      expect(planCleanup(e, owned(e))).toEqual({ type: "delete", name: "db", uid: "secret-uid" });
    });

    it("deletes nothing with Retain or Merge, nor when the Secret is gone", () => {
      for (const deletionPolicy of ["Retain", "Merge", undefined] as const) {
        const e = es(deletionPolicy ? { deletionPolicy } : {});
        expect(planCleanup(e, owned(e))).toEqual({ type: "none" });
      }
      expect(planCleanup(es({ deletionPolicy: "Delete" }), undefined)).toEqual({ type: "none" });
    });

    it("attack: never deletes a Secret it does not control, whatever its name (Orphan, merged into, another ExternalSecret's, a recreated namesake's)", () => {
      const e = es({ deletionPolicy: "Delete" });
      expect(planCleanup(e, unownedSecret)).toEqual({ type: "none" });
      expect(planCleanup(e, owned(es({ creationPolicy: "Orphan" })))).toEqual({ type: "none" });
      expect(planCleanup(e, applyOn(undefined, planSecret(es({ creationPolicy: "CreateOrMerge" }), ok({ password: "pw" }), undefined)))).toEqual({ type: "none" });
      const other: ExternalSecret = { ...es(), metadata: { name: "other", namespace: "app", uid: "other-uid", generation: 1 } };
      expect(planCleanup(e, owned(other))).toEqual({ type: "none" });
      // Same name, another uid: an ExternalSecret deleted and created again does not own the old one's Secret.
      expect(planCleanup({ ...e, metadata: { ...e.metadata, uid: "new-uid" } }, owned(e))).toEqual({ type: "none" });
      // Listed as an owner but not the controller.
      const notController: Secret = { ...unownedSecret, metadata: { ...unownedSecret.metadata, ownerReferences: [{ apiVersion: "hush.dev/v1", kind: "ExternalSecret", name: "db", uid: "es-uid" }] } };
      expect(planCleanup(e, notController)).toEqual({ type: "none" });
    });
  });
});
