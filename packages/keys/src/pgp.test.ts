import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isHushError } from "@hush/errors";
import { requirePeer } from "@hush/testkit/require-peer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgpProvider, gpgEncryptArgs, parsePgpFingerprint, parsePgpFingerprints, type PgpKeyRef } from "./pgp.js";
import { rejectionOf } from "@hush/testkit/rejection";


describe("PGP fingerprint parsing", () => {
  it("removes spaces and splits lists like sops", () => {
    expect(parsePgpFingerprint("FBC7 B9E2 A4F9 289A C0C1  D4843D16CEE4A27381B4")).toEqual({
      type: "pgp",
      fp: "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4",
    });
    expect(parsePgpFingerprints("FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4, ,D7229043384BCC60326C6FB9D8720D957C3D3074")).toHaveLength(2);
    expect(() => parsePgpFingerprint("not-a-fingerprint")).toThrow(/invalid fingerprint/);
  });

  it("builds sops's gpg arguments", () => {
    expect(gpgEncryptArgs("FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4")).toEqual([
      "--no-default-recipient",
      "--yes",
      "--encrypt",
      "-a",
      "-r",
      "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4",
      "--trusted-key",
      "3D16CEE4A27381B4",
      "--no-encrypt-to",
    ]);
  });
});

describe("PGP provider with a throw-away gpg keyring", () => {
  const peer = requirePeer("gpg", "run `bash scripts/peers gnupg` (or apt-get install gnupg)");
  const gpgBin = peer.ok ? peer.path : "gpg";
  const dirs: string[] = [];
  let home = "";
  let emptyHome = "";
  let fp = "";
  let armoredSecret = "";
  let armoredPublic = "";
  const dataKey = new Uint8Array(32).map((_, i) => (i * 13 + 5) & 0xff);
  const canary = Buffer.from(dataKey).toString("base64");
  const env = { PATH: process.env["PATH"], HOME: process.env["HOME"] };

  const gpg = (gnupgHome: string, args: string[], input?: Uint8Array | string): Buffer =>
    execFileSync(gpgBin, ["--batch", ...args], { env: { ...env, GNUPGHOME: gnupgHome }, input, stdio: ["pipe", "pipe", "pipe"] });

  const tempHome = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "hush-gpg-"));
    chmodSync(dir, 0o700);
    dirs.push(dir);
    return dir;
  };

  beforeAll(() => {
    if (!peer.ok) return;
    home = tempHome();
    emptyHome = tempHome();
    gpg(home, ["--passphrase", "", "--quick-gen-key", "Hush Test <hush-test@example.invalid>", "default", "default", "never"]);
    const colons = gpg(home, ["--with-colons", "--list-secret-keys"]).toString("utf8");
    fp = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1] ?? "";
    armoredSecret = gpg(home, ["--armor", "--pinentry-mode", "loopback", "--passphrase", "", "--export-secret-keys", fp]).toString("utf8");
    armoredPublic = gpg(home, ["--armor", "--export", fp]).toString("utf8");
  });

  afterAll(() => {
    for (const dir of dirs) {
      try {
        execFileSync("gpgconf", ["--kill", "gpg-agent"], { env: { ...env, GNUPGHOME: dir }, stdio: "ignore" });
      } catch {
        // no agent was started for this home
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const ref = (): PgpKeyRef => ({ type: "pgp", fp });

  it.skipIf(!peer.ok)("wraps with gpg as sops does and unwraps with the keyring", async () => {
    const provider = createPgpProvider({ gnupgHome: home, env, gpgExec: gpgBin });
    const enc = await provider.wrap(ref(), dataKey);
    expect(enc.startsWith("-----BEGIN PGP MESSAGE-----")).toBe(true);
    expect(enc.endsWith("-----END PGP MESSAGE-----")).toBe(true);
    expect(enc).not.toMatch(/^Version:/m);
    expect(await provider.unwrap({ ...ref(), enc, created_at: "2026-01-01T00:00:00Z" })).toEqual(dataKey);
    // Plain gpg opens it too: the payload is the raw key bytes.
    expect(new Uint8Array(gpg(home, ["-d"], enc))).toEqual(dataKey);
  });

  it.skipIf(!peer.ok)("uses an armored key file through openpgp.js, interoperable with gpg both ways", async () => {
    const fromFile = createPgpProvider({ armoredKeys: [armoredSecret], gnupgHome: emptyHome, env, gpgExec: gpgBin });
    const encByOpenPgp = await fromFile.wrap(ref(), dataKey);
    expect(new Uint8Array(gpg(home, ["-d"], encByOpenPgp))).toEqual(dataKey);
    const encByGpg = await createPgpProvider({ gnupgHome: home, env, gpgExec: gpgBin }).wrap(ref(), dataKey);
    expect(await fromFile.unwrap({ ...ref(), enc: encByGpg })).toEqual(dataKey);
    // A public key alone is enough to wrap.
    const publicOnly = createPgpProvider({ armoredKeys: [armoredPublic], gnupgHome: emptyHome, env, gpgExec: gpgBin });
    const enc = await publicOnly.wrap({ type: "pgp", fp: fp.slice(-16) }, dataKey);
    expect(new Uint8Array(gpg(home, ["-d"], enc))).toEqual(dataKey);
  });

  it.skipIf(!peer.ok)("says when no secret key is available, without the payload", async () => {
    const enc = await createPgpProvider({ gnupgHome: home, env, gpgExec: gpgBin }).wrap(ref(), dataKey);
    const err = await rejectionOf(createPgpProvider({ gnupgHome: emptyHome, env, gpgExec: gpgBin }).unwrap({ ...ref(), enc }));
    expect(isHushError(err) && err.code).toBe("HUSH_ERR_KEYS_NO_IDENTITY");
    expect(isHushError(err) && err.exitCode).toBe(128);
    expect(err.message).toContain(fp);
    expect(err.message).not.toContain(canary);
  });

  it.skipIf(!peer.ok)("fails to wrap to a fingerprint the keyring does not have", async () => {
    const err = await rejectionOf(
      createPgpProvider({ gnupgHome: emptyHome, env, gpgExec: gpgBin }).wrap({ type: "pgp", fp: "D7229043384BCC60326C6FB9D8720D957C3D3074" }, dataKey),
    );
    expect(isHushError(err) && err.code).toBe("HUSH_ERR_KEYS_WRAP_FAILED");
    expect(err.message).toMatch(/key not found/);
  });

  it.skipIf(!peer.ok)("runs SOPS_GPG_EXEC with sops's arguments", async () => {
    const dir = tempHome();
    const log = join(dir, "args.log");
    const wrapper = join(dir, "my-gpg");
    writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${gpgBin}' "$@"\n`, { mode: 0o755 });
    const provider = createPgpProvider({ gnupgHome: home, env, gpgExec: wrapper });
    const enc = await provider.wrap(ref(), dataKey);
    expect(await provider.unwrap({ ...ref(), enc })).toEqual(dataKey);
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual([gpgEncryptArgs(fp).join(" "), "-d"]);
  });

  it("reports a missing gpg binary as such", async () => {
    const provider = createPgpProvider({ gpgExec: "/nonexistent/gpg", env });
    const err = await rejectionOf(provider.unwrap({ type: "pgp", fp: "D7229043384BCC60326C6FB9D8720D957C3D3074", enc: "x" }));
    expect(isHushError(err) && err.code).toBe("HUSH_ERR_KEYS_UNWRAP_FAILED");
    expect(err.message).toMatch(/could not run gpg/);
  });
});
