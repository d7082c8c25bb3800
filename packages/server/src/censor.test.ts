import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCensor } from "./censor.js";
import { defaultRedactPaths } from "./logger.js";

const C = "[redacted]";

describe("createCensor", () => {
  const censor = createCensor(defaultRedactPaths, C);

  it("censors a literal path and a path under any top-level key", () => {
    const line = { req: { headers: { authorization: "Bearer t", host: "h" } }, review: { data: { k: "v" }, name: "n" }, msg: "x" };
    expect(censor(line)).toEqual({ req: { headers: { authorization: C, host: "h" } }, review: { data: C, name: "n" }, msg: "x" });
  });

  it("censors only at the depth the path names", () => {
    const line = { a: { b: { data: "deep" } }, data: "top", c: { data: "here" } };
    expect(censor(line)).toEqual({ a: { b: { data: "deep" } }, data: "top", c: { data: C } });
  });

  it("treats array indices as keys for `*`", () => {
    expect(createCensor(["items.*.token"], C)({ items: [{ token: "a", n: 1 }, { n: 2 }, "s"] })).toEqual({ items: [{ token: C, n: 1 }, { n: 2 }, "s"] });
    expect(createCensor(["*.*"], C)({ list: ["a", "b"], n: 1 })).toEqual({ list: [C, C], n: 1 });
  });

  it("returns the very same object when nothing matches (no copy, no allocation on the hot path)", () => {
    const line = { reqId: "r", allowed: false, user: "u", nested: { kind: "Secret" } };
    expect(censor(line)).toBe(line);
  });

  it("leaves absent and undefined values absent, and bytes unwalked", () => {
    const bytes = Buffer.from("password");
    const line = { review: { data: undefined, value: bytes }, blob: bytes };
    const out = censor(line);
    expect(out.review).toEqual({ data: undefined, value: C });
    expect(out.blob).toBe(bytes);
  });

  it("rejects a path with an empty segment", () => {
    expect(() => createCensor(["a..b"], C)).toThrow(/empty segment/);
  });

  it("never changes its input, hides every value at a censored path and keeps every other one", () => {
    const key = fc.constantFrom("data", "token", "value", "password", "name", "object", "req", "headers", "authorization", "x");
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, fc.string(), fc.integer(), fc.dictionary(key, tie("node"), { maxKeys: 4 }), fc.array(tie("node"), { maxLength: 3 })),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 5 }), (line) => {
        const before = JSON.stringify(line);
        const out = censor(line) as Record<string, unknown>;
        expect(JSON.stringify(line)).toBe(before);
        // An independent, slow statement of the same rule.
        const censored = new Set(defaultRedactPaths);
        const check = (original: unknown, result: unknown, path: string[]): void => {
          const hit = path.length > 0 && [...censored].some((p) => {
            const segs = p.split(".");
            return segs.length === path.length && segs.every((s, i) => s === "*" || s === path[i]);
          });
          if (hit) {
            expect(result).toBe(original === undefined ? undefined : C);
            return;
          }
          if (original !== null && typeof original === "object") {
            expect(Array.isArray(result)).toBe(Array.isArray(original));
            expect(Object.keys(result as object)).toEqual(Object.keys(original));
            for (const k of Object.keys(original)) check((original as Record<string, unknown>)[k], (result as Record<string, unknown>)[k], [...path, k]);
          } else expect(result).toBe(original);
        };
        check(line, out, []);
      }),
      { numRuns: 500 },
    );
  });
});

describe("createCensor on class instances", () => {
  it("keeps an Error an Error, with its message, when it censors a property of it", () => {
    const err = Object.assign(new Error("boom"), { data: "secret" });
    const out = createCensor(["err.data"], C)({ err });
    expect(out.err).toBeInstanceOf(Error);
    expect(out.err.message).toBe("boom");
    expect((out.err as Error & { data: string }).data).toBe(C);
    expect(err.data).toBe("secret");
  });
});
