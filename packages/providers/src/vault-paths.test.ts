import { describe, expect, it } from "vitest";
import { kvListPath, kvMetadataPath, kvReadPath, locateKvKey } from "./vault-paths.js";

describe("vault KV paths", () => {
  it("inserts data/ for v2 below the store path, accepting keys that already carry the mount", () => {
    for (const key of ["app/db", "secret/app/db", "secret/data/app/db", "/app/db/"]) {
      const loc = locateKvKey(key, "secret", "v2");
      expect(loc).toEqual({ mount: "secret", rel: "app/db" });
      expect(kvReadPath(loc, "v2")).toBe("secret/data/app/db");
    }
    expect(kvMetadataPath({ mount: "secret", rel: "app/db" })).toBe("secret/metadata/app/db");
  });

  it("takes the mount from the key when the store has no path", () => {
    expect(locateKvKey("kv/app/db", undefined, "v1")).toEqual({ mount: "kv", rel: "app/db" });
    expect(locateKvKey("secret/data/app", undefined, "v2")).toEqual({ mount: "secret", rel: "app" });
    expect(kvReadPath({ mount: "kv", rel: "app/db" }, "v1")).toBe("kv/app/db");
  });

  it("adds ?version= for v2 only, with a numeric version", () => {
    const loc = { mount: "secret", rel: "app" };
    expect(kvReadPath(loc, "v2", "3")).toBe("secret/data/app?version=3");
    expect(() => kvReadPath(loc, "v2", "latest")).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    expect(() => kvReadPath(loc, "v1", "3")).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
  });

  it("rejects traversal, empty keys and keys without a mount", () => {
    for (const [key, path] of [["../sys/x", "secret"], ["a/../b", "secret"], ["", "secret"], ["secret", undefined]] as const) {
      expect(() => locateKvKey(key, path, "v2")).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    }
  });

  it("escapes path segments and builds list paths", () => {
    expect(kvReadPath({ mount: "secret", rel: "a b/c?d" }, "v2")).toBe("secret/data/a%20b/c%3Fd");
    expect(kvListPath("secret", "", "v2")).toBe("secret/metadata/");
    expect(kvListPath("secret", "team/", "v2")).toBe("secret/metadata/team/");
    expect(kvListPath("kv", "team", "v1")).toBe("kv/team/");
  });
});
