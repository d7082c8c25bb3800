import { describe, expect, it } from "vitest";
import type { SecretStore } from "@hush/kube";
import { resolveStore } from "./resolve-store.js";

// Validated (Ready=True) unless told otherwise; "none": not validated yet (no Ready condition).
const store = (spec: Partial<SecretStore["spec"]> = {}, ready: "True" | "False" | "Unknown" | "none" = "True"): SecretStore => ({
  metadata: { name: "s", uid: "u", generation: 1 },
  spec: { provider: { aws: {} }, ...spec },
  ...(ready !== "none" ? { status: { conditions: [{ type: "Ready", status: ready, reason: "x", message: "", lastTransitionTime: "" }] } } : {}),
});
const q = (s: SecretStore | undefined, extra: Partial<Parameters<typeof resolveStore>[0]> = {}) =>
  resolveStore({ ref: { name: "s", kind: "ClusterSecretStore" }, namespace: "team-a", store: s, controllerClass: "", namespaceLabels: {}, ...extra });

describe("resolveStore", () => {
  it("admits a ready store of our class", () => {
    expect(q(store({}, "True"))).toMatchObject({ ok: true, kind: "ClusterSecretStore", cacheKey: "ClusterSecretStore//s" });
    expect(resolveStore({ ref: { name: "s" }, namespace: "team-a", store: store(), controllerClass: "", namespaceLabels: {} })).toMatchObject({ ok: true, cacheKey: "SecretStore/team-a/s" });
  });
  it("returns a typed reason for each denial", () => {
    expect(q(undefined)).toMatchObject({ ok: false, reason: "not-found" });
    expect(q(store({ controller: "other" }, "False"))).toMatchObject({ ok: false, reason: "other-class" });
    expect(q(store({ conditions: [{ namespaces: ["team-b"] }] }))).toMatchObject({ ok: false, reason: "namespace-not-admitted" });
    expect(q(store({}, "False"))).toMatchObject({ ok: false, reason: "not-ready" });
  });
  it("judges namespace labels as given: a relabelled namespace loses access at once", () => {
    const s = store({ conditions: [{ namespaceSelector: { matchLabels: { tier: "gold" } } }] });
    expect(q(s, { namespaceLabels: { tier: "gold" } }).ok).toBe(true);
    expect(q(s, { namespaceLabels: { tier: "bronze" } })).toMatchObject({ ok: false, reason: "namespace-not-admitted" });
  });
  it("ORs condition fields (ESO v0.16.2): a named namespace is admitted although the selector does not match it", () => {
    const s = store({ conditions: [{ namespaces: ["team-a"], namespaceSelector: { matchLabels: { tier: "gold" } } }] });
    expect(q(s, { namespaceLabels: { tier: "bronze" } }).ok).toBe(true);
    expect(q(s, { namespace: "team-b", namespaceLabels: { tier: "gold" } }).ok).toBe(true);
    expect(q(s, { namespace: "team-b", namespaceLabels: { tier: "bronze" } })).toMatchObject({ ok: false, reason: "namespace-not-admitted" });
    expect(q(store({ conditions: [{}] }))).toMatchObject({ ok: false, reason: "namespace-not-admitted" });
  });
  it("conditions apply to ClusterSecretStores only (ESO ignores them on a SecretStore)", () => {
    const s = store({ conditions: [{ namespaces: ["elsewhere"] }] });
    expect(resolveStore({ ref: { name: "s" }, namespace: "team-a", store: s, controllerClass: "", namespaceLabels: {} }).ok).toBe(true);
  });
  it("flood gate (ESO v0.16 assertStoreIsUsable): only a store with Ready=True is used, with ESO's message", () => {
    for (const ready of ["False", "Unknown", "none"] as const) {
      expect(q(store({}, ready)), ready).toEqual({ ok: false, reason: "not-ready", message: 'ClusterSecretStore "s" is not ready' });
    }
    expect(resolveStore({ ref: { name: "s" }, namespace: "team-a", store: store({}, "none"), controllerClass: "", namespaceLabels: {} })).toEqual({ ok: false, reason: "not-ready", message: 'SecretStore "s" is not ready' });
    // A store with other Ready-less conditions is still not validated.
    const other: SecretStore = { ...store({}, "none"), status: { conditions: [{ type: "Other", status: "True", reason: "x", message: "", lastTransitionTime: "" }] } };
    expect(q(other)).toMatchObject({ ok: false, reason: "not-ready" });
  });
  it("without the flood gate (ESO's PushSecrets) the Ready condition is not judged; everything else is", () => {
    for (const ready of ["False", "Unknown", "none"] as const) expect(q(store({}, ready), { floodGate: false })).toMatchObject({ ok: true });
    expect(q(store({ conditions: [{ namespaces: ["team-b"] }] }, "none"), { floodGate: false })).toMatchObject({ ok: false, reason: "namespace-not-admitted" });
    expect(q(store({ controller: "other" }, "none"), { floodGate: false })).toMatchObject({ ok: false, reason: "other-class" });
  });
  it("the class and namespace checks come before the flood gate", () => {
    expect(q(store({ controller: "other" }, "none"))).toMatchObject({ reason: "other-class" });
    expect(q(store({ conditions: [{ namespaces: ["team-b"] }] }, "none"))).toMatchObject({ reason: "namespace-not-admitted" });
  });
  it("matches our own class", () => {
    expect(q(store({ controller: "blue" }), { controllerClass: "blue" }).ok).toBe(true);
  });
});
