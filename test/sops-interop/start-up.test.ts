import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hush, tempDir } from "./harness.js";

// The CLI keeps Node's compile cache in the user's cache directory, and must run all the same
// when that directory cannot be made (no home, a file in the way, a /proc path on which Node's
// recursive mkdir never returns).

describe("compile cache at start-up", () => {
  const tmp = tempDir("startup");
  afterAll(() => tmp.remove());

  it("is kept under XDG_CACHE_HOME (else ~/.cache), never in the install", () => {
    const home = join(tmp.dir, "home");
    mkdirSync(home);
    const r = hush(["--version"], { HOME: home });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(home, ".cache", "hush", "compile-cache")).length).toBeGreaterThan(0);
    const xdg = join(tmp.dir, "xdg");
    mkdirSync(xdg);
    expect(hush(["--version"], { HOME: home, XDG_CACHE_HOME: xdg }).code).toBe(0);
    expect(existsSync(join(xdg, "hush", "compile-cache"))).toBe(true);
  });

  it("runs without it when the cache directory cannot be made", () => {
    const file = join(tmp.dir, "a-file");
    writeFileSync(file, "");
    for (const env of [{ HOME: "/proc/hush-no-such-home" }, { HOME: tmp.dir, XDG_CACHE_HOME: file }, { HOME: join(tmp.dir, "missing") }]) {
      const r = hush(["--version"], env);
      expect(r.code, `${JSON.stringify(env)}: ${r.stderr}`).toBe(0);
      expect(r.stdout.toString()).toMatch(/^sops 3\.13\.3\n/);
      expect(r.stderr).toBe("");
    }
  });
});
