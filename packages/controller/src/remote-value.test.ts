import { describe, expect, it } from "vitest";
import { convertKey, decodeValue, expandJsonObject, extractProperty, goFormatF, isValidSecretKey, maxRewriteMergeDepth, MergeBudget, rewriteKeys, rewriteMerge } from "./remote-value.js";

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

describe("rewrite merge (ESO's esutils.RewriteMerge)", () => {
  const input = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, enc(v)]));
  const text = (m: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, dec(v)]));
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return (err as { code?: string; message: string }).code + ": " + (err as Error).message;
    }
    return "no error";
  };

  it("Extract (the default) returns one key per merged member and drops the input keys; strings raw, numbers as Go's %f, objects as Go's json.Marshal", () => {
    const out = rewriteMerge({}, input({ b: '{"user":"u","n":1e21,"small":1.5e-7,"neg":-0,"t":true,"z":null}', a: '{"obj":{"y":"<&>","x":[1,"\\u2028"]}}' }), "w");
    expect(text(out)).toEqual({ user: "u", n: "1000000000000000000000", small: "0.00000015", neg: "-0", t: "true", z: "", obj: '{"x":[1,"\\u2028"],"y":"\\u003c\\u0026\\u003e"}' });
    expect(goFormatF(123.456)).toBe("123.456");
    expect(goFormatF(-2.5e-10)).toBe("-0.00000000025");
    expect(goFormatF(1.25e22)).toBe("12500000000000000000000");
  });

  it("visits keys in byte order, then priority keys in their order, the later one winning (conflictPolicy Ignore)", () => {
    const m = input({ b: '{"k":"from-b"}', a: '{"k":"from-a","only-a":"1"}', c: '{"k":"from-c"}' });
    expect(text(rewriteMerge({ conflictPolicy: "Ignore" }, m, "w"))).toEqual({ k: "from-c", "only-a": "1" });
    expect(text(rewriteMerge({ conflictPolicy: "Ignore", priority: ["a"] }, m, "w"))).toEqual({ k: "from-a", "only-a": "1" });
    expect(text(rewriteMerge({ conflictPolicy: "Ignore", priority: ["c", "b"] }, m, "w"))).toEqual({ k: "from-b", "only-a": "1" });
  });

  it("a member in two values fails by default (conflictPolicy Error), naming the member, never a value", () => {
    const m = input({ a: '{"k":"s3cr3t-a"}', b: '{"k":"s3cr3t-b"}' });
    const err = code(() => rewriteMerge({}, m, "spec.dataFrom[0].rewrite[0].merge"));
    expect(err).toBe('HUSH_ERR_CONTROLLER_REWRITE_MERGE: spec.dataFrom[0].rewrite[0].merge: merge failed with conflicts: "k"');
  });

  it("a missing priority key fails under Strict (the default) and is skipped under IgnoreNotFound", () => {
    const m = input({ a: '{"k":"v"}' });
    expect(code(() => rewriteMerge({ priority: ["gone"] }, m, "w"))).toContain('key "gone" not found in input map');
    expect(text(rewriteMerge({ priority: ["gone"], priorityPolicy: "IgnoreNotFound" }, m, "w"))).toEqual({ k: "v" });
  });

  it("JSON keeps the input keys and writes the merged object under `into`, marshalled as Go does (sorted, no HTML escaping)", () => {
    const m = input({ b: '{"z":"<b>","a":2}', a: '{"m":{"q":1,"p":[true,null]}}' });
    const out = text(rewriteMerge({ strategy: "JSON", into: "all" }, m, "w"));
    expect(out).toEqual({ a: '{"m":{"q":1,"p":[true,null]}}', b: '{"z":"<b>","a":2}', all: '{"a":2,"m":{"p":[true,null],"q":1},"z":"<b>"}' });
    expect(code(() => rewriteMerge({ strategy: "JSON" }, m, "w"))).toContain("merge failed with missing 'into' field");
    expect(code(() => rewriteMerge({ strategy: "JSON", into: "" }, m, "w"))).toContain("missing 'into' field");
  });

  it("null merges as an empty object; any other non-object, or non-JSON, fails without echoing the value", () => {
    expect(text(rewriteMerge({}, input({ a: "null", b: '{"k":"v"}' }), "w"))).toEqual({ k: "v" });
    for (const bad of ['["s3cr3t"]', '"s3cr3t"', "s3cr3t", "\ufeff{}"]) {
      const err = code(() => rewriteMerge({}, input({ a: bad }), "w"));
      expect(err).toMatch(/^HUSH_ERR_CONTROLLER_REWRITE_MERGE: w: the value of key "a" is not/);
      expect(err).not.toContain("s3cr3t");
    }
    expect(code(() => rewriteMerge({}, input({ a: '{"n":1e400}' }), "w"))).toContain("number out of range");
  });

  it("is bounded: bytes read and written are charged to one budget per entry, and nesting is capped", () => {
    const big = input({ a: JSON.stringify({ k: "x".repeat(1000) }) });
    expect(code(() => rewriteMerge({}, big, "w", new MergeBudget(1500)))).toContain("exceed");
    const budget = new MergeBudget(10_000);
    rewriteMerge({}, big, "w", budget);
    expect(budget.bytes).toBeLessThan(10_000 - 2000);
    const deep = `{"k":${"[".repeat(maxRewriteMergeDepth + 1)}${"]".repeat(maxRewriteMergeDepth + 1)}}`;
    expect(code(() => rewriteMerge({}, input({ a: deep }), "w"))).toContain("nested deeper than");
    // A chain of JSON merges that would double the data each time stops at the budget.
    const chain = Array.from({ length: 40 }, (_, i) => ({ merge: { strategy: "JSON" as const, into: `all${i}`, conflictPolicy: "Ignore" as const } }));
    expect(code(() => rewriteKeys(input({ a: JSON.stringify({ k: "x".repeat(100_000) }) }), chain, "w"))).toContain("exceed");
  });

  it("runs inside a rewrite chain: merge, then a regexp over the merged keys", () => {
    const out = rewriteKeys(input({ a: '{"db_user":"u"}', b: '{"db_pass":"p"}' }), [{ merge: {} }, { regexp: { source: "^db_", target: "DB_" } }], "w");
    expect(text(out)).toEqual({ DB_user: "u", DB_pass: "p" });
  });
});
