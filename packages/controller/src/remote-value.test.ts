import { describe, expect, it } from "vitest";
import { convertKey, decodeValue, expandJsonObject, extractProperty, isValidSecretKey, rewriteKeys } from "./remote-value.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("remote values", () => {
  const json = enc('{"user":"u","a.b":"dotted","nested":{"x":{"y":1}},"list":[1,2]}');
  it("extracts exact keys before dotted paths", () => {
    expect(dec(extractProperty(json, "user", "w"))).toBe("u");
    expect(dec(extractProperty(json, "a.b", "w"))).toBe("dotted");
    expect(dec(extractProperty(json, "nested.x.y", "w"))).toBe("1");
    expect(dec(extractProperty(json, "nested", "w"))).toBe('{"x":{"y":1}}');
    expect(dec(extractProperty(json, "list.1", "w"))).toBe("2");
  });
  it("fails a missing property without echoing the value", () => {
    expect(() => extractProperty(json, "nope", "spec.data[0]")).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_PROVIDER", message: expect.not.stringContaining('"u"') }));
    expect(() => extractProperty(enc("not json s3cr3t"), "x", "w")).toThrowError(expect.objectContaining({ message: expect.not.stringContaining("s3cr3t") }));
  });
  it("expands JSON objects (strings raw, others as JSON)", () => {
    const m = expandJsonObject(json, "w");
    expect(Object.keys(m)).toEqual(["user", "a.b", "nested", "list"]);
    expect(dec(m["list"]!)).toBe("[1,2]");
  });
  it("decodes Base64, Base64URL and Auto", () => {
    expect(dec(decodeValue(enc("aGk="), "Base64", "w"))).toBe("hi");
    expect(dec(decodeValue(enc("-_8"), "Base64URL", "w"))).toBe(dec(new Uint8Array([0xfb, 0xff])));
    expect(dec(decodeValue(enc("aGk="), "Auto", "w"))).toBe("hi");
    expect(dec(decodeValue(enc("not base64!"), "Auto", "w"))).toBe("not base64!");
    expect(() => decodeValue(enc("not base64!"), "Base64", "w")).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_PROVIDER" }));
  });
  it("converts and validates keys", () => {
    expect(convertKey("a/b c", "Unicode")).toBe("a_U002f_b_U0020_c");
    // ESO's Default strategy: anything but letters, numbers, `-`, `.`, `_` becomes `_`.
    expect(convertKey("team/alpha-token", undefined)).toBe("team_alpha-token");
    expect(convertKey("team/alpha-token", "Default")).toBe("team_alpha-token");
    expect(convertKey("a:b@c", "Default")).toBe("a_b_c");
    // Letters and numbers are Unicode categories L and N, as Go's unicode.IsLetter/IsNumber.
    expect(convertKey("größe/٣", "Unicode")).toBe("größe_U002f_٣");
    expect(isValidSecretKey("a/b")).toBe(false);
    expect(isValidSecretKey("ok-key_1.x")).toBe(true);
  });
  it("rewrites keys with Go-style regexp targets and templates", () => {
    const out = rewriteKeys({ "app/db-user": enc("1"), "app/db-pass": enc("2") }, [{ regexp: { source: "app/(.*)", target: "${1}" } }, { transform: { template: "{{ .value | upper }}" } }], "spec.dataFrom[0]");
    expect(Object.keys(out).sort()).toEqual(["DB-PASS", "DB-USER"]);
  });

  it("S3: rewrite regexps run on RE2, so a catastrophic pattern on a long key stays linear", () => {
    const key = `${"a".repeat(4000)}!`;
    const t0 = performance.now();
    const out = rewriteKeys({ [key]: enc("v") }, [{ regexp: { source: "^(a+)+$", target: "x" } }], "spec.dataFrom[0]");
    expect(Object.keys(out)).toEqual([key]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
  it("S3: (?i) and (?P<name>) work as in ESO", () => {
    const out = rewriteKeys({ "PROD_db": enc("1") }, [{ regexp: { source: "(?i)^prod_(?P<rest>.*)$", target: "${rest}" } }], "w");
    expect(Object.keys(out)).toEqual(["db"]);
  });
  it("S3: refuses over-long patterns, over-long keys and invalid RE2", () => {
    const where = "spec.dataFrom[0]";
    expect(() => rewriteKeys({ a: enc("1") }, [{ regexp: { source: "a".repeat(2000), target: "" } }], where)).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_INVALID_SPEC", message: expect.stringContaining("longer than") }));
    expect(() => rewriteKeys({ ["k".repeat(5000)]: enc("1") }, [{ regexp: { source: "k", target: "" } }], where)).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_INVALID_KEY" }));
    expect(() => rewriteKeys({ a: enc("1") }, [{ regexp: { source: "(?<=a)b", target: "" } }], where)).toThrowError(expect.objectContaining({ message: expect.stringContaining("RE2") }));
  });
  it("S2: a transform template cannot grow keys without bound", () => {
    const keys = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, enc("v")]));
    const grow = `{{ .value${' | replace "k" "kkkkkkkkkk"'.repeat(6)} }}`;
    expect(() => rewriteKeys(keys, [{ transform: { template: grow } }], "w")).toThrowError(expect.objectContaining({ code: expect.stringMatching(/HUSH_ERR_CONTROLLER_(TEMPLATE|INVALID_KEY)/) }));
    // Many keys with a small legitimate transform are fine.
    expect(Object.keys(rewriteKeys(keys, [{ transform: { template: "{{ .value | upper }}" } }], "w"))).toHaveLength(2000);
  });
});
