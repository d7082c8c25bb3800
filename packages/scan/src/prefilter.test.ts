import { describe, expect, it } from "vitest";
import { KeywordPrefilter } from "./prefilter.js";

const words = (p: KeywordPrefilter, hits: Set<number>) => [...hits].map((i) => p.keywords[i]).sort();

describe("KeywordPrefilter", () => {
  const p = new KeywordPrefilter(["ghp_", "AKIA", "secret", "cret", "-----begin"]);

  it("finds keywords case-insensitively in strings and bytes, including overlapping ones", () => {
    const text = "x = 'SeCrEt'; id=akiaXYZ";
    expect(words(p, p.scan(text))).toEqual(["akia", "cret", "secret"]);
    expect(words(p, p.scan(new TextEncoder().encode(text)))).toEqual(["akia", "cret", "secret"]);
  });

  it("finds nothing in text without keywords and resets on non-ASCII bytes", () => {
    expect(p.scan("hello world").size).toBe(0);
    expect(p.scan("gh\u00e9p_").size).toBe(0);
    expect(words(p, p.scan("-----BEGIN RSA"))).toEqual(["-----begin"]);
  });

  it("rejects non-ASCII keywords", () => {
    expect(() => new KeywordPrefilter(["clé"])).toThrow(RangeError);
  });
});
