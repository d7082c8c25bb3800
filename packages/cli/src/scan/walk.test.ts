import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import { addedLinesFromDiff } from "./git.js";
import { walkTree } from "./walk.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tree(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), "hush-walk-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

describe("walkTree", () => {
  it("honours root and nested .gitignore files, negations, and never enters .git", () => {
    const root = tree({
      ".gitignore": "*.log\nbuild/\n!keep.log\n",
      "a.txt": "",
      "debug.log": "",
      "keep.log": "",
      "build/out.js": "",
      "src/app/.gitignore": "secret.env\n/local/\n",
      "src/app/secret.env": "",
      "src/app/main.ts": "",
      "src/app/local/x": "",
      "src/other/secret.env": "",
      ".git/config": "",
    });
    expect([...walkTree(root)].map((f) => f.rel).sort()).toEqual([
      ".gitignore",
      "a.txt",
      "keep.log",
      "src/app/.gitignore",
      "src/app/main.ts",
      "src/other/secret.env",
    ]);
  });

  it("applies the .gitignore files above a subdirectory root, up to the work tree's top", () => {
    const root = tree({
      ".git/HEAD": "",
      ".gitignore": "*.log\n/top-only.txt\n",
      "svc/.gitignore": "gen/\n",
      "svc/app/a.log": "",
      "svc/app/gen/x.ts": "",
      "svc/app/top-only.txt": "",
      "svc/app/main.ts": "",
    });
    expect([...walkTree(join(root, "svc", "app"))].map((f) => f.rel).sort()).toEqual(["main.ts", "top-only.txt"]);
  });

  it("yields a single file given as the root, and fails clearly on a missing path", () => {
    const root = tree({ "one.env": "x" });
    expect([...walkTree(join(root, "one.env"))]).toHaveLength(1);
    expect(() => [...walkTree(join(root, "missing"))]).toThrow(HushError);
  });
});

describe("addedLinesFromDiff", () => {
  it("collects added line numbers per path from a -U0 diff, ignoring '+++'-looking content", () => {
    const diff = [
      "diff --git a/x.env b/x.env",
      "index 1..2 100644",
      "--- a/x.env",
      "+++ b/x.env",
      "@@ -1,0 +2,2 @@",
      "+A=1",
      "++++ not a header",
      "@@ -10 +12 @@",
      "+B=2",
      "diff --git a/gone b/gone",
      "--- a/gone",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-x",
    ].join("\n");
    const m = addedLinesFromDiff(diff);
    expect([...m.keys()]).toEqual(["x.env"]);
    expect([...m.get("x.env")!]).toEqual([2, 3, 12]);
  });
});
