import { isHushError } from "@hush/errors";
import { Comment, TreeList, TreeMap, loadPlaintext, type TreeValue } from "@hush/sops";
import { describe, expect, it } from "vitest";
import { getPath, jsonToTreeValue, parseSetPath, setPath, treeEquals, unsetPath } from "./tree-edit.js";

const doc = (yaml: string): TreeMap => loadPlaintext(new TextEncoder().encode(yaml), "yaml").branches[0] as TreeMap;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isHushError(err) ? err.code : "not a HushError";
  }
  return undefined;
}

describe("set/unset paths", () => {
  it("parses sops's path syntax and rejects anything else with exit 7", () => {
    expect(parseSetPath(`["a"][0]['b']`)).toEqual(["a", 0, "b"]);
    expect(codeOf(() => parseSetPath("a.b"))).toBe("HUSH_ERR_CLI_INVALID_SET");
  });

  it("converts JSON values like sops: bare numbers are floats, objects keep integers", () => {
    expect(jsonToTreeValue('"x"')).toBe("x");
    expect(jsonToTreeValue("5")).toBe(5);
    expect(jsonToTreeValue("true")).toBe(true);
    expect(jsonToTreeValue("null")).toBeNull();
    const obj = jsonToTreeValue('{"n": 1, "f": 1.5}') as TreeMap;
    expect(obj.get("n")).toBe(1n);
    expect(obj.get("f")).toBe(1.5);
    const list = jsonToTreeValue('[1, "a"]') as TreeList;
    expect(list.items).toEqual([1n, "a"]);
    expect(codeOf(() => jsonToTreeValue("not json"))).toBe("HUSH_ERR_CLI_INVALID_SET");
  });

  it("sets existing values, creates missing keys and appends past the end of a list", () => {
    const d = doc("a:\n  b: 1\nl:\n  - x\n");
    setPath(d, ["a", "b"], "two");
    setPath(d, ["a", "c", "d"], true);
    setPath(d, ["l", 0], "y");
    setPath(d, ["l", 9], "z");
    setPath(d, ["new", 0, "k"], "v");
    expect(getPath(d, ["a", "b"])).toBe("two");
    expect(getPath(d, ["a", "c", "d"])).toBe(true);
    expect((getPath(d, ["l"]) as TreeList).items).toEqual(["y", "z"]);
    expect(getPath(d, ["new", 0, "k"])).toBe("v");
    expect(codeOf(() => setPath(d, ["l", "k"], 1))).toBe("HUSH_ERR_CLI_INVALID_SET");
    expect(codeOf(() => setPath(d, ["a", 0], 1))).toBe("HUSH_ERR_CLI_INVALID_SET");
  });

  it("skips comments when indexing lists and removes keys and elements", () => {
    const list = new TreeList([new Comment(" c"), "a", "b"]);
    const d = new TreeMap([{ key: "l", value: list }]);
    expect(getPath(d, ["l", 1])).toBe("b");
    expect(unsetPath(d, ["l", 0])).toBe(true);
    expect(list.items).toEqual([new Comment(" c"), "b"]);
    expect(unsetPath(d, ["l", 5])).toBe(false);
    expect(unsetPath(d, ["missing"])).toBe(false);
    expect(unsetPath(d, ["l"])).toBe(true);
    expect(d.entries()).toEqual([]);
  });

  it("compares tree values deeply, ignoring comments", () => {
    const a: TreeValue = doc("a:\n  # note\n  b: [1, 2]\n");
    const b: TreeValue = doc("a:\n  b: [1, 2]\n");
    expect(treeEquals(a, b)).toBe(true);
    expect(treeEquals(a, doc("a:\n  b: [1, 3]\n"))).toBe(false);
    expect(treeEquals(1n, 1)).toBe(false);
  });
});
