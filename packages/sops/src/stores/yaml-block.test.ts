import { describe, expect, it } from "vitest";
import { Comment, TreeList, TreeMap, type TreeValue } from "../tree.js";
import { emitYaml, parseYaml } from "./yaml.js";

// Block scalars as go-yaml v3 reads them, recorded from sops 3.13.3 (`sops decrypt --extract`
// of a file sops encrypted from the source). A block that ends the file without a final
// newline keeps no line break: the general YAML libraries add one there.
const golden: Array<[string, string]> = [
  ["a: |\n  x", "x"],
  ["a: |\n  x\n", "x\n"],
  ["a: |\n  x\n\n", "x\n"],
  ["a: |-\n  x\n\n", "x"],
  ["a: |+\n  x\n\n", "x\n\n"],
  ["a: |+\n  x", "x"],
  ["a: |+\n  x\n  ", "x\n"],
  ["a: |\n  x\n     \n", "x\n   \n"],
  ["a: |\n\n  x\n", "\nx\n"],
  ["a: |\n", ""],
  ["a: |", ""],
  ["a: |+\n\n\n", "\n\n"],
  ["a: >\n  x\n  y", "x y"],
  ["a: >\n  x\n\n  y\n", "x\ny\n"],
  ["a: >\n  x\n   more\n  y\n", "x\n more\ny\n"],
  ["a: >+\n  x\n\n", "x\n\n"],
  ["a: >-\n  x\n  y\n\n", "x y"],
  ["a: |2\n   x\n  y\n", " x\ny\n"],
  ["a: |-2\n    x", "  x"],
  ["a: >2-\n    x\n   y\n", "  x\n y"],
  ["a: |1\n  x\n", " x\n"],
  ["a:\n  - |\n    x", "x"],
  ["a:\n- |\n  x\n", "x\n"],
  ["a:\n  - b: |\n      x\n    c: 1\n", "x\n"],
  ["a: |\n  tab\there\n", "tab\there\n"],
  ["a: |\n #not a comment", "#not a comment"],
  ["a: >-\n  # text\n  # more", "# text # more"],
];

/** The value under `a`, or under the first item of `a` (and its `b`) when `a` is a list. */
function valueOf(source: string, reader: "auto" | "full"): TreeValue | undefined {
  let v = parseYaml(source, "HUSH_ERR_SOPS_PARSE_PLAINTEXT", true, reader).branches[0]?.get("a");
  if (v instanceof TreeList) v = v.items[0] as TreeValue;
  if (v instanceof TreeMap) v = v.get("b");
  return v;
}

describe("YAML block scalars read as go-yaml reads them", () => {
  for (const [source, expected] of golden) {
    it(JSON.stringify(source), () => {
      expect(valueOf(source, "auto")).toBe(expected);
      expect(valueOf(source, "full")).toBe(expected);
      expect(valueOf(source.replace(/\n/g, "\r\n"), "auto")).toBe(expected);
    });
  }

  it("keeps a last line that looks like a comment in the block, not as a comment", () => {
    for (const reader of ["auto", "full"] as const) {
      const items = parseYaml("a: |\n #not a comment", "HUSH_ERR_SOPS_PARSE_PLAINTEXT", true, reader).branches[0]?.items;
      expect(items).toHaveLength(1);
    }
  });

  it("refuses a tab where go-yaml expects indentation, with either reader", () => {
    for (const reader of ["auto", "full"] as const) {
      expect(() => parseYaml("a: |\n \tx\n", "HUSH_ERR_SOPS_PARSE_PLAINTEXT", true, reader)).toThrow(/line 1/);
    }
  });

  it("prints a multi-line value starting with a tab as null, as sops 3.13.3 does", () => {
    // sops builds go-yaml nodes by writing each value and reading it back; this one does not read back.
    const tree = { branches: [new TreeMap([{ key: "a", value: "\tx\n" }, { key: "b", value: "x\n\ty\n" }, { key: "c", value: "\tx" }])] };
    expect(emitYaml(tree)).toBe('a: null\nb: |\n    x\n    \ty\nc: "\\tx"\n');
  });

  it("in a list prints null too, and fails (exit 4) where sops fails: next to a comment", () => {
    const list = (...items: Array<string | Comment>) => ({ branches: [new TreeMap([{ key: "a", value: new TreeList(items) }])] });
    expect(emitYaml(list(new Comment(" before"), "\tx\n"))).toBe("a:\n    # before\n    - null\n");
    expect(() => emitYaml(list("\tx\n", new Comment(" after")))).toThrow(expect.objectContaining({ code: "HUSH_ERR_SOPS_EMIT" }));
    expect(() => emitYaml(list("a", new Comment(" c"), "\tx\n", "b"))).toThrow(expect.objectContaining({ code: "HUSH_ERR_SOPS_EMIT" }));
    const inline = { branches: [new TreeMap([new Comment(" note", true), { key: "a", value: "\tx\n" }])] };
    expect(() => emitYaml(inline)).toThrow(expect.objectContaining({ code: "HUSH_ERR_SOPS_EMIT" }));
  });
});
