import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findBinary, requirePeer } from "./require-peer.js";

describe("findBinary / requirePeer", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.unstubAllEnvs();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("finds a binary under $HUSH_PEERS/bin before PATH", () => {
    const peers = mkdtempSync(join(tmpdir(), "hush-peers-"));
    dirs.push(peers);
    mkdirSync(join(peers, "bin"));
    writeFileSync(join(peers, "bin", "hush-test-peer"), "#!/bin/sh\n");
    chmodSync(join(peers, "bin", "hush-test-peer"), 0o755);
    vi.stubEnv("HUSH_PEERS", peers);
    expect(findBinary("hush-test-peer")).toBe(join(peers, "bin", "hush-test-peer"));
  });

  it("skips loudly locally and throws under CI=true when a peer is missing", () => {
    vi.stubEnv("CI", "");
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const check = requirePeer("hush-no-such-peer");
    expect(check).toMatchObject({ ok: false, reason: expect.stringContaining("hush-no-such-peer") });
    expect(String(stderr.mock.calls[0]?.[0])).toContain("*** SKIPPING: peer 'hush-no-such-peer' not found");
    stderr.mockRestore();
    vi.stubEnv("CI", "true");
    expect(() => requirePeer("hush-no-such-peer")).toThrow(/required under CI=true/);
  });
});
