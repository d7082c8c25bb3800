import { describe, expect, it } from "vitest";
import { awsPushSettings, bumpAwsVersion, initialAwsVersion } from "./aws-push.js";
import { gcpOwnerLabel, gcpPushSettings } from "./gcp-push.js";
import { goJson, ownershipOf, removeJsonProperty, secretAsJson, setJsonProperty, type PushOwner } from "./push.js";

const owner: PushOwner = { ownerTag: "hush.dev/pushed-from-namespace", namespace: "team-a", adoptUnowned: false };

describe("push ownership", () => {
  it("writes only a secret marked managed-by external-secrets and owned by the same namespace", () => {
    expect(ownershipOf({}, owner)).toBe("unmanaged");
    expect(ownershipOf({ "managed-by": "someone-else" }, owner)).toBe("unmanaged");
    expect(ownershipOf({ "managed-by": "external-secrets", [owner.ownerTag]: "team-a" }, owner)).toBe("owned");
    expect(ownershipOf({ "managed-by": "external-secrets", [owner.ownerTag]: "team-b" }, owner)).toBe("other-owner");
    // ESO pushed it (no owner tag): adoptable only where the caller allows it (namespaced stores).
    expect(ownershipOf({ "managed-by": "external-secrets" }, owner)).toBe("other-owner");
    expect(ownershipOf({ "managed-by": "external-secrets" }, { ...owner, adoptUnowned: true })).toBe("adoptable");
    expect(ownershipOf({ "managed-by": "external-secrets", [owner.ownerTag]: "team-b" }, { ...owner, adoptUnowned: true })).toBe("other-owner");
  });
});

describe("JSON property merge (sjson SetBytes semantics)", () => {
  it("sets a string property, creating the object and nested objects, keeping other keys", () => {
    expect(setJsonProperty("", "user", "admin", "k")).toBe('{"user":"admin"}');
    expect(setJsonProperty('{"a":"1"}', "b", "2", "k")).toBe('{"a":"1","b":"2"}');
    expect(setJsonProperty('{"a":"1"}', "a", "3", "k")).toBe('{"a":"3"}');
    expect(setJsonProperty('{"db":{"x":1}}', "db.user", "u", "k")).toBe('{"db":{"x":1,"user":"u"}}');
    expect(setJsonProperty("{}", "a\\.b", "v", "k")).toBe('{"a.b":"v"}');
  });

  it("refuses to merge into a value that is not a JSON object", () => {
    expect(() => setJsonProperty("plain text", "a", "v", "k")).toThrow(/JSON object/);
    expect(() => setJsonProperty("[1]", "a", "v", "k")).toThrow(/JSON object/);
  });

  it("removes a property and reports when nothing is left", () => {
    expect(removeJsonProperty('{"a":"1","b":"2"}', "a", "k")).toEqual({ doc: '{"b":"2"}', removed: true });
    expect(removeJsonProperty('{"a":"1"}', "a", "k")).toEqual({ doc: undefined, removed: true });
    expect(removeJsonProperty('{"a":"1"}', "zz", "k")).toEqual({ doc: '{"a":"1"}', removed: false });
  });

  it("serialises a whole Secret as Go marshals map[string]string (sorted keys, no HTML escaping, U+2028 escaped)", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(secretAsJson({ b: enc("2"), a: enc("<&>"), "10": enc("x"), "9": enc("y") })).toBe('{"10":"x","9":"y","a":"<&>","b":"2"}');
    expect(goJson("a\u2028b")).toBe('"a\\u2028b"');
  });
});

describe("AWS push metadata (ESO PushSecretMetadata)", () => {
  const meta = (spec: unknown) => ({ apiVersion: "kubernetes.external-secrets.io/v1alpha1", kind: "PushSecretMetadata", spec });
  it("defaults as ESO: binary, ESO's description, the AWS managed key", () => {
    expect(awsPushSettings(undefined, owner)).toEqual({ format: "binary", description: "secret 'managed-by:external-secrets'", kmsKeyId: "alias/aws/secretsmanager", tags: {} });
    expect(awsPushSettings(meta({ secretPushFormat: "string", tags: { team: "a" }, description: "d" }), owner)).toMatchObject({ format: "string", description: "d", tags: { team: "a" } });
  });
  it("refuses unknown fields, a wrong kind, and tags that would forge ownership", () => {
    expect(() => awsPushSettings({ kind: "PushSecretMetadata", apiVersion: "v1", spec: {} }, owner)).toThrow(/apiVersion/);
    expect(() => awsPushSettings(meta({ color: "red" }), owner)).toThrow(/unknown field/);
    expect(() => awsPushSettings(meta({ secretPushFormat: "hex" }), owner)).toThrow(/push format/);
    expect(() => awsPushSettings(meta({ tags: { "managed-by": "x" } }), owner)).toThrow(/managed-by/);
    expect(() => awsPushSettings(meta({ tags: { [owner.ownerTag]: "team-b" } }), owner)).toThrow(/cannot specify/);
  });
  it("bumps version ids as ESO does (UUID + 1)", () => {
    expect(bumpAwsVersion(undefined)).toBe(initialAwsVersion);
    expect(bumpAwsVersion(initialAwsVersion)).toBe("00000000-0000-0000-0000-000000000002");
    expect(bumpAwsVersion("00000000-0000-0000-0000-0000000000ff")).toBe("00000000-0000-0000-0000-000000000100");
  });
});

describe("GCP push metadata (ESO PushSecretMetadata for Secret Manager)", () => {
  const meta = (spec: unknown) => ({ apiVersion: "kubernetes.external-secrets.io/v1alpha1", kind: "PushSecretMetadata", spec });
  it("spells the owner tag as a valid label key and reads labels, annotations, mergePolicy", () => {
    expect(gcpOwnerLabel("hush.dev/pushed-from-namespace")).toBe("hush_dev_pushed-from-namespace");
    expect(gcpOwnerLabel("reconcile.external-secrets.io/pushed-from-namespace")).toMatch(/^[a-z0-9_-]{1,63}$/);
    expect(gcpPushSettings(meta({ labels: { a: "b" }, annotations: { x: "y" }, mergePolicy: "Merge" }), undefined, "o")).toEqual({ labels: { a: "b" }, annotations: { x: "y" }, merge: true });
  });
  it("refuses metadata with a property (as ESO), forged ownership labels, and fields hush does not implement", () => {
    expect(() => gcpPushSettings(meta({}), "p", "o")).toThrow(/metadata and property/);
    expect(() => gcpPushSettings(meta({ labels: { "managed-by": "x" } }), undefined, "o")).toThrow(/cannot specify/);
    expect(() => gcpPushSettings(meta({ labels: { o: "team-b" } }), undefined, "o")).toThrow(/cannot specify/);
    expect(() => gcpPushSettings(meta({ topics: ["t"] }), undefined, "o")).toThrow(/not supported/);
  });
});
