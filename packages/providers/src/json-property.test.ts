import { describe, expect, it } from "vitest";
import { expandJsonObject, extractProperty, lookupProperty, splitPropertyPath, utf8 } from "./json-property.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const doc = utf8(JSON.stringify({ user: "u", "a.b": "literal", a: { b: "nested", n: 1 }, list: ["x", { y: true }], nil: null }));

describe("JSON property extraction", () => {
  it("splits on unescaped dots", () => {
    expect(splitPropertyPath("a.b")).toEqual(["a", "b"]);
    expect(splitPropertyPath("a\\.b.c")).toEqual(["a.b", "c"]);
  });

  it("prefers an exact top-level key, then a dotted path, with array indexes", () => {
    expect(text(extractProperty(doc, "a.b", "k"))).toBe("literal");
    expect(text(extractProperty(doc, "a\\.b", "k"))).toBe("literal");
    expect(text(extractProperty(doc, "a.n", "k"))).toBe("1");
    expect(text(extractProperty(doc, "list.1.y", "k"))).toBe("true");
    expect(text(extractProperty(doc, "a", "k"))).toBe('{"b":"nested","n":1}');
    expect(text(extractProperty(doc, "nil", "k"))).toBe("null");
    expect(lookupProperty({ list: [1] }, "list.01")).toBeUndefined();
  });

  it("fails with not-found for an absent property and invalid-config for a non-JSON value, never echoing it", () => {
    const secret = utf8(JSON.stringify({ password: "s3cr3t-canary" }));
    expect(() => extractProperty(secret, "user", "db")).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_NOT_FOUND" }));
    try {
      extractProperty(utf8("s3cr3t-canary"), "user", "db");
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
      expect(String((err as Error).message)).not.toContain("s3cr3t-canary");
    }
    expect(() => extractProperty(utf8("__proto__"), "x", "db")).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
  });

  it("expands objects into keys: strings raw, the rest as JSON; __proto__ stays an ordinary key", () => {
    const map = expandJsonObject(utf8('{"s":"v","n":2,"o":{"k":1},"__proto__":"p"}'), "k");
    expect(Object.keys(map).sort()).toEqual(["__proto__", "n", "o", "s"]);
    expect(text(map["s"]!)).toBe("v");
    expect(text(map["o"]!)).toBe('{"k":1}');
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(Object.keys(expandJsonObject(doc, "k", "a"))).toEqual(["b", "n"]);
    expect(() => expandJsonObject(utf8("[1]"), "k")).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
  });
});
