import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePeer } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hush, leftovers, makeAgeKey, makeGpgHome, sandbox, sops, type GpgHome, type Sandbox } from "./support.js";

const sopsPeer = requirePeer("sops");
const agePeer = requirePeer("age-keygen");
const gpgPeer = requirePeer("gpg", "run `bash scripts/peers gnupg` (or apt-get install gnupg)");
const ready = sopsPeer.ok && agePeer.ok && gpgPeer.ok;

describe.skipIf(!ready)("PGP keys: hush and the real sops with a gpg keyring", () => {
  const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
  const gpgBin = gpgPeer.ok ? gpgPeer.path : "";
  let box: Sandbox;
  let gpg: GpgHome;
  let other: GpgHome;
  let age: { file: string; recipient: string };
  const secret = "pgp-canary-93c2";

  beforeAll(() => {
    box = sandbox("pgp");
    gpg = makeGpgHome(gpgBin, box.home, "alice");
    other = makeGpgHome(gpgBin, box.home, "mallory");
    age = makeAgeKey(agePeer.ok ? agePeer.path : "", box.home, "age");
    writeFileSync(join(box.dir, "plain.json"), JSON.stringify({ db: { password: secret }, replicas: 3 }, null, 2));
  });
  afterAll(() => {
    gpg?.kill();
    other?.kill();
    box?.remove();
  });

  const withKeyring = (home: GpgHome): Record<string, string> => ({ GNUPGHOME: home.home, SOPS_GPG_EXEC: gpgBin });

  it("reads a file sops encrypted to a PGP fingerprint, through gpg", () => {
    const enc = sops(sopsBin, box, ["encrypt", "--pgp", gpg.fp, "plain.json"], withKeyring(gpg));
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(join(box.dir, "by-sops.json"), enc.stdout);
    expect(JSON.parse(enc.stdout).sops.pgp[0].fp).toBe(gpg.fp);
    const out = hush(box, ["exec-file", "by-sops.json", "cat {}"], withKeyring(gpg));
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ db: { password: secret }, replicas: 3 });
    expect(leftovers(box)).toEqual([]);
  });

  it("reads it with an armored key file and no keyring at all (openpgp.js)", () => {
    const armored = execFileSync(gpgBin, ["--batch", "--armor", "--pinentry-mode", "loopback", "--passphrase", "", "--export-secret-keys", gpg.fp], {
      env: { PATH: process.env["PATH"] ?? "", GNUPGHOME: gpg.home },
    });
    const keyFile = join(box.home, "alice.asc");
    writeFileSync(keyFile, armored, { mode: 0o600 });
    const out = hush(box, ["exec-file", "by-sops.json", "cat {}"], {
      GNUPGHOME: other.home,
      SOPS_GPG_EXEC: gpgBin,
      HUSH_PGP_KEY_FILE: keyFile,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ db: { password: secret }, replicas: 3 });
  });

  it("adds a PGP key with hush rotate that sops then decrypts with gpg alone", () => {
    const enc = hush(box, ["encrypt", "--age", age.recipient, "plain.json"], { SOPS_AGE_KEY_FILE: age.file });
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(join(box.dir, "by-hush.json"), enc.stdout);
    const rotated = hush(box, ["rotate", "-i", "--add-pgp", gpg.fp, "--rm-age", age.recipient, "by-hush.json"], {
      ...withKeyring(gpg),
      SOPS_AGE_KEY_FILE: age.file,
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(box.dir, "by-hush.json"), "utf8")).sops;
    expect(meta.age).toBeUndefined();
    expect(meta.pgp[0].fp).toBe(gpg.fp);
    expect(meta.pgp[0].enc).toMatch(/^-----BEGIN PGP MESSAGE-----\n[\s\S]*-----END PGP MESSAGE-----$/);
    const dec = sops(sopsBin, box, ["decrypt", "by-hush.json"], withKeyring(gpg));
    expect(dec.code, dec.stderr).toBe(0);
    expect(JSON.parse(dec.stdout)).toEqual({ db: { password: secret }, replicas: 3 });
  });

  it("without the secret key: exit 128 like sops, naming the fingerprint, no plaintext", () => {
    const ours = hush(box, ["exec-env", "by-sops.json", "env"], withKeyring(other));
    const theirs = sops(sopsBin, box, ["decrypt", "by-sops.json"], withKeyring(other));
    expect(theirs.code).toBe(128);
    expect(ours.code).toBe(128);
    expect(ours.stderr).toContain(gpg.fp);
    expect(ours.stdout + ours.stderr).not.toContain(secret);
  });

  it("files sops writes with mixed PGP and age keys open with either", () => {
    const enc = sops(sopsBin, box, ["encrypt", "--pgp", gpg.fp, "--age", age.recipient, "plain.json"], withKeyring(gpg));
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(join(box.dir, "mixed.json"), enc.stdout);
    const viaAge = hush(box, ["exec-file", "mixed.json", "cat {}"], { ...withKeyring(other), SOPS_AGE_KEY_FILE: age.file });
    expect(JSON.parse(viaAge.stdout || "{}"), viaAge.stderr).toMatchObject({ replicas: 3 });
    const viaPgp = hush(box, ["exec-file", "mixed.json", "cat {}"], withKeyring(gpg));
    expect(JSON.parse(viaPgp.stdout || "{}"), viaPgp.stderr).toMatchObject({ replicas: 3 });
    const set = hush(box, ["set", "mixed.json", '["replicas"]', "5"], withKeyring(gpg));
    expect(set.code, set.stderr).toBe(0);
    const dec = sops(sopsBin, box, ["decrypt", "mixed.json"], { ...withKeyring(other), SOPS_AGE_KEY_FILE: age.file });
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual({ db: { password: secret }, replicas: 5 });
  });
});
