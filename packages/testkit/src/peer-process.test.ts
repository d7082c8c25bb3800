import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { awaitPeer, spawnPeer } from "./peer-process.js";

describe("awaitPeer", () => {
  it("fails with the log tail (redacted) when the peer exits before it is ready, and cleans up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hush-peer-"));
    const proc = spawnPeer("flaky", "/bin/sh", ["-c", "echo root-token-123 is the token; exit 3"], join(dir, "flaky.log"));
    const error = await awaitPeer(proc, async () => false, { what: "flaky ready", timeoutMs: 10_000, dir, redact: (l) => l.replaceAll("root-token-123", "<root token>") }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("flaky log tail:");
    expect((error as Error).message).toContain("<root token> is the token");
    expect((error as Error).message).not.toContain("root-token-123");
    expect(existsSync(dir)).toBe(false);
  });

  it("returns a stop that ends the peer once and removes its directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hush-peer-"));
    const proc = spawnPeer("sleeper", "/bin/sh", ["-c", "sleep 60"], join(dir, "sleeper.log"));
    const stop = await awaitPeer(proc, async () => true, { what: "sleeper", timeoutMs: 10_000, dir });
    expect(proc.exitCode()).toBeUndefined();
    await stop();
    await stop();
    expect(proc.exitCode()).toBeDefined();
    expect(existsSync(dir)).toBe(false);
  });
});
