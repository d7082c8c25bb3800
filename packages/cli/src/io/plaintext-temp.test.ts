import { existsSync, lstatSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withPlaintextDir } from "./plaintext-temp.js";

describe("withPlaintextDir", () => {
  it("writes 0600 files in a 0700 directory and removes it afterwards", async () => {
    let seen = "";
    const result = await withPlaintextDir(async (dir) => {
      const path = dir.write("../../escape.yaml", new TextEncoder().encode("a: 1\n"));
      seen = dir.dir;
      expect(path).toBe(`${dir.dir}/escape.yaml`);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(dir.dir).mode & 0o777).toBe(0o700);
      return 42;
    });
    expect(result).toBe(42);
    expect(existsSync(seen)).toBe(false);
  });

  it("removes the directory when the work throws", async () => {
    let seen = "";
    await expect(
      withPlaintextDir(async (dir) => {
        seen = dir.dir;
        dir.write("x", new Uint8Array([1]));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(existsSync(seen)).toBe(false);
  });

  it("creates FIFOs", async () => {
    await withPlaintextDir(async (dir) => {
      const path = await dir.fifo("pipe");
      expect(lstatSync(path).isFIFO()).toBe(true);
      expect(lstatSync(path).mode & 0o777).toBe(0o600);
    });
  });
});
