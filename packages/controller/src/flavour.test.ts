import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMetricsRegistry } from "@hush/server";
import { esoFlavour, hushFlavour, type ExternalSecret, type Secret } from "@hush/kube";
import { createControllerMetrics } from "./metrics.js";
import { fieldManagerFor, planSecret, secretIsIntact, writersOf, type FetchResult } from "./plan-secret.js";

const enc = (s: string) => new TextEncoder().encode(s);
const ok = (data: Record<string, string>): FetchResult => ({ ok: true, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, enc(v)])), missing: [] });
const es = (annotations: Record<string, string> = {}): ExternalSecret => ({
  apiVersion: "external-secrets.io/v1beta1",
  kind: "ExternalSecret",
  metadata: { name: "db", namespace: "app", uid: "es-uid", generation: 1, annotations },
  spec: { secretStoreRef: { name: "aws" }, data: [{ secretKey: "password", remoteRef: { key: "db" } }] },
});
function written(plan: ReturnType<typeof planSecret>): Secret {
  if (plan.action.type !== "create" && plan.action.type !== "update") throw new Error(`expected a write, got ${plan.action.type}`);
  return plan.action.secret;
}

describe("API flavours", () => {
  it("external-secrets.io: the Secret carries ESO's managed label, data-hash annotation and an external-secrets.io ownerReference", () => {
    const s = written(planSecret(es(), ok({ password: "pw" }), undefined, esoFlavour));
    // ESO's created-by label: sha3-224 of "app/db", the value ESO v0.16.2 computes (utils.ObjectHash).
    expect(s.metadata.labels).toEqual({ "reconcile.external-secrets.io/managed": "true", "reconcile.external-secrets.io/created-by": createHash("sha3-224").update("app/db").digest("hex") });
    expect(s.metadata.labels?.["reconcile.external-secrets.io/created-by"]).toHaveLength(56);
    const orphan = written(planSecret({ ...es(), spec: { ...es().spec, target: { creationPolicy: "Orphan" } } }, ok({ password: "pw" }), undefined, esoFlavour));
    expect(Object.keys(orphan.metadata.labels ?? {})).toEqual(["reconcile.external-secrets.io/managed"]);
    expect(Object.keys(written(planSecret(es(), ok({ password: "pw" }), undefined, hushFlavour)).metadata.labels ?? {})).toEqual(["reconcile.hush.dev/managed"]);
    expect(Object.keys(s.metadata.annotations ?? {})).toContain("reconcile.external-secrets.io/data-hash");
    expect(Object.keys(s.metadata.annotations ?? {}).filter((k) => k.includes("hush.dev"))).toEqual([]);
    expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", uid: "es-uid", controller: true })]);
    expect(secretIsIntact(es(), s, esoFlavour)).toBe(true);
    // Each flavour reads only its own names.
    expect(secretIsIntact(es(), s, hushFlavour)).toBe(false);
    expect(writersOf(s, esoFlavour)).toEqual(["db"]);
    expect(writersOf(s, hushFlavour)).toEqual([]);
  });

  it("external-secrets.io: takes over the Secret ESO created for the same ExternalSecret (same uid), and no other", () => {
    const fromEso: Secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "db",
        namespace: "app",
        resourceVersion: "5",
        labels: { "reconcile.external-secrets.io/managed": "true" },
        annotations: { "reconcile.external-secrets.io/data-hash": "eso-own-hash" },
        ownerReferences: [{ apiVersion: "external-secrets.io/v1beta1", kind: "ExternalSecret", name: "db", uid: "es-uid", controller: true, blockOwnerDeletion: true }],
      },
      type: "Opaque",
      data: { password: Buffer.from("old").toString("base64") },
    };
    const plan = planSecret(es(), ok({ password: "pw" }), fromEso, esoFlavour);
    expect(plan.action.type).toBe("update");
    expect(plan.ready.reason).toBe("SecretSynced");
    const otherUid = { ...fromEso, metadata: { ...fromEso.metadata, ownerReferences: [{ ...fromEso.metadata.ownerReferences![0]!, uid: "another" }] } };
    expect(planSecret(es(), ok({ password: "pw" }), otherUid, esoFlavour).errorCode).toBe("HUSH_ERR_CONTROLLER_TARGET_CONFLICT");
  });

  it("external-secrets.io: Secret writes use ESO's field manager externalsecrets.external-secrets.io/<name>", () => {
    const plan = planSecret(es(), ok({ password: "pw" }), undefined, esoFlavour);
    expect(plan.action).toMatchObject({ type: "create", fieldManager: "externalsecrets.external-secrets.io/db" });
    expect(planSecret(es(), ok({ password: "pw" }), undefined, hushFlavour).action).toMatchObject({ fieldManager: "hush/db" });
    const long = fieldManagerFor({ ...es(), metadata: { name: "x".repeat(253) } }, esoFlavour);
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long.startsWith("externalsecrets.external-secrets.io/")).toBe(true);
  });

  it("never copies the flavour's reserved annotations from the ExternalSecret", () => {
    const s = written(planSecret(es({ "reconcile.external-secrets.io/external-secret": "someone-else", note: "kept" }), ok({ password: "pw" }), undefined, esoFlavour));
    expect(s.metadata.annotations?.["reconcile.external-secrets.io/external-secret"]).toBe("db");
    expect(s.metadata.annotations?.["note"]).toBe("kept");
  });

  it.for([
    ["hush.dev", hushFlavour],
    ["external-secrets.io", esoFlavour],
  ] as const)("%s: per-ExternalSecret metrics use the flavour's names", async ([, flavour]) => {
    const registry = createMetricsRegistry();
    createControllerMetrics(registry, flavour);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(Object.values(flavour.metrics)));
  });

  it("external-secrets.io metric names are ESO's", () => {
    expect(esoFlavour.metrics).toEqual({
      statusCondition: "externalsecret_status_condition",
      syncCalls: "externalsecret_sync_calls_total",
      syncCallsError: "externalsecret_sync_calls_error",
      reconcileDuration: "externalsecret_reconcile_duration",
      // ESO v0.16 cesmetrics.
      cesStatusCondition: "clusterexternalsecret_status_condition",
      cesReconcileDuration: "clusterexternalsecret_reconcile_duration",
      // ESO v0.16 psmetrics.
      psStatusCondition: "pushsecret_status_condition",
      psReconcileDuration: "pushsecret_reconcile_duration",
      // ESO v0.16 cpsmetrics.
      cpsStatusCondition: "clusterpushsecret_status_condition",
      cpsReconcileDuration: "clusterpushsecret_reconcile_duration",
      // ESO v0.16 ssmetrics, cssmetrics and pkg/metrics.
      ssStatusCondition: "secretstore_status_condition",
      ssReconcileDuration: "secretstore_reconcile_duration",
      cssStatusCondition: "clustersecretstore_status_condition",
      cssReconcileDuration: "clustersecretstore_reconcile_duration",
      providerApiCalls: "externalsecret_provider_api_calls_count",
    });
  });
});
