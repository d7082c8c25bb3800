import { describe, expect, it } from "vitest";
import type { PushSecret } from "@hush/kube";
import { convertKeys, planCleanup, planPush, pushSourceData, reverseUnicode, statusKeyOf, validatePushSecret, withSynced, withoutSynced } from "./push-plan.js";
import { mergeSynced } from "./push-reconcile.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const ps = (spec: Partial<PushSecret["spec"]>): PushSecret => ({
  metadata: { name: "p", namespace: "ns" },
  spec: { secretStoreRefs: [{ name: "aws" }], selector: { secret: { name: "src" } }, ...spec },
});

describe("planPush", () => {
  it("pushes every entry to every store, keyed as ESO's status (remoteKey[/property])", () => {
    const p = ps({ data: [{ match: { secretKey: "user", remoteRef: { remoteKey: "app/db", property: "user" } } }, { match: { secretKey: "pass", remoteRef: { remoteKey: "app/pass" } } }] });
    const plan = planPush(p, { user: enc("admin"), pass: enc("s3cret") }, ["SecretStore/aws", "ClusterSecretStore/shared"]);
    expect(plan.pushes.map((x) => [x.store, x.statusKey, dec(x.value)])).toEqual([
      ["SecretStore/aws", "app/db/user", "admin"],
      ["ClusterSecretStore/shared", "app/db/user", "admin"],
      ["SecretStore/aws", "app/pass", "s3cret"],
      ["ClusterSecretStore/shared", "app/pass", "s3cret"],
    ]);
    expect(plan.deletes).toEqual([]);
  });

  it("pushes the whole Secret as one sorted JSON object when secretKey is unset", () => {
    const plan = planPush(ps({ data: [{ match: { remoteRef: { remoteKey: "all" } } }] }), { b: enc("2"), a: enc("1") }, ["SecretStore/aws"]);
    expect(dec(plan.pushes[0]!.value)).toBe('{"a":"1","b":"2"}');
  });

  it("fails before any push when a secretKey is missing (nothing half-pushed)", () => {
    const p = ps({ data: [{ match: { secretKey: "user", remoteRef: { remoteKey: "a" } } }, { match: { secretKey: "nope", remoteRef: { remoteKey: "b" } } }] });
    expect(() => planPush(p, { user: enc("x") }, ["SecretStore/aws"])).toThrow(/secret key "nope" does not exist/);
  });

  it("with deletionPolicy Delete, plans deletes only for entries pushed before and no longer wanted", () => {
    const entry = (k: string) => ({ match: { secretKey: "user", remoteRef: { remoteKey: k } } });
    const previous = { "SecretStore/aws": { old: entry("old"), keep: entry("keep") }, "SecretStore/gone": { keep: entry("keep") } };
    const spec = { data: [entry("keep")] };
    const del = planPush(ps({ ...spec, deletionPolicy: "Delete" }), { user: enc("x") }, ["SecretStore/aws"], previous);
    expect(del.deletes.map((d) => [d.store, d.statusKey])).toEqual([
      ["SecretStore/aws", "old"],
      ["SecretStore/gone", "keep"],
    ]);
    expect(planPush(ps({ ...spec, deletionPolicy: "None" }), { user: enc("x") }, ["SecretStore/aws"], previous).deletes).toEqual([]);
    expect(planCleanup(previous).map((d) => d.statusKey)).toEqual(["old", "keep", "keep"]);
  });

  it("refuses oversized specs and selectors that are not exactly one Secret or one Password/UUID generator", () => {
    const many = Array.from({ length: 257 }, (_, i) => ({ match: { secretKey: "k", remoteRef: { remoteKey: `r${i}` } } }));
    expect(() => validatePushSecret(ps({ data: many }))).toThrow(/at most 256/);
    expect(() => validatePushSecret(ps({ selector: { generatorRef: { kind: "Password", name: "x" } } }))).not.toThrow();
    expect(() => validatePushSecret(ps({ selector: { generatorRef: { kind: "VaultDynamicSecret", name: "x" } } }))).toThrow(/only Password and UUID/);
    expect(() => validatePushSecret(ps({ selector: { secret: { name: "s" }, generatorRef: { kind: "UUID", name: "x" } } }))).toThrow(/exactly one/);
    expect(() => validatePushSecret(ps({ selector: {} }))).toThrow(/exactly one/);
    expect(() => validatePushSecret(ps({ selector: { secret: {} } }))).toThrow(/selector.secret.name/);
    expect(() => planPush(ps({ data: [{ match: { secretKey: "big", remoteRef: { remoteKey: "a" } } }] }), { big: new Uint8Array(1024 * 1024 + 1) }, ["SecretStore/aws"])).toThrow(/exceeds/);
  });
});

describe("keys and templates", () => {
  it("ReverseUnicode turns _Uxxxx_ back into the character and fails on collisions", () => {
    expect(reverseUnicode("a_U002E_b")).toBe("a.b");
    expect(reverseUnicode("x_U1F600_y")).toBe("x\u{1F600}y");
    expect(reverseUnicode("_U12_ and _UZZZZ_")).toBe("_U12_ and _UZZZZ_");
    expect(Object.keys(convertKeys({ "a_U002E_b": enc("1") }, "ReverseUnicode"))).toEqual(["a.b"]);
    expect(Object.keys(convertKeys({ "a_U002E_b": enc("1") }, "None"))).toEqual(["a_U002E_b"]);
    expect(() => convertKeys({ "a_U002E_b": enc("1"), "a.b": enc("2") }, "ReverseUnicode")).toThrow(/collision/);
  });

  it("renders spec.template over the Secret's keys (the ExternalSecret template engine)", () => {
    const p = ps({ template: { data: { dsn: "postgres://{{ .user }}@db" } } });
    expect(Object.fromEntries(Object.entries(pushSourceData(p, { user: enc("admin") })).map(([k, v]) => [k, dec(v)]))).toEqual({ dsn: "postgres://admin@db" });
    expect(Object.keys(pushSourceData(ps({}), { user: enc("admin") }))).toEqual(["user"]);
  });

  it("statusKeyOf and the synced-map helpers keep what was pushed until removed", () => {
    const e = { match: { secretKey: "k", remoteRef: { remoteKey: "r", property: "p" } } };
    expect(statusKeyOf(e)).toBe("r/p");
    const m = withSynced({}, "SecretStore/a", "r/p", e);
    expect(withoutSynced(m, "SecretStore/a", "r/p")).toEqual({});
    expect(mergeSynced(withSynced({}, "SecretStore/a", "new", e), m)).toEqual({ "SecretStore/a": { "r/p": e, new: e } });
  });
});
