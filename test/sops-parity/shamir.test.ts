import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePeer, startMoto, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { awsEnv, createKmsKey, hush, makeAgeKey, makeGpgHome, sandbox, sops, type GpgHome, type Sandbox } from "./support.js";

const sopsPeer = requirePeer("sops");
const agePeer = requirePeer("age-keygen");
const gpgPeer = requirePeer("gpg", "run `bash scripts/peers gnupg` (or apt-get install gnupg)");
const motoPeer = requirePeer("moto_server", "run `bash scripts/peers moto`");
const ready = sopsPeer.ok && agePeer.ok && gpgPeer.ok && motoPeer.ok;

describe.skipIf(!ready)("mixed providers in Shamir key groups, both ways with the real sops", () => {
  const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
  const gpgBin = gpgPeer.ok ? gpgPeer.path : "";
  let moto: MotoHarness;
  let box: Sandbox;
  let age: { file: string; recipient: string };
  let gpg: GpgHome;
  let stranger: GpgHome;
  let arn = "";
  const secret = "shamir-canary-0b77";
  const plain = { service: { token: secret, retries: 3 }, enabled: true };

  beforeAll(async () => {
    moto = await startMoto();
    box = sandbox("shamir");
    age = makeAgeKey(agePeer.ok ? agePeer.path : "", box.home, "age");
    gpg = makeGpgHome(gpgBin, box.home, "alice");
    stranger = makeGpgHome(gpgBin, box.home, "nobody");
    arn = await createKmsKey(moto);
    writeFileSync(
      join(box.dir, ".sops.yaml"),
      [
        "creation_rules:",
        "  - path_regex: secrets/.*\\.yaml$",
        "    shamir_threshold: 2",
        "    key_groups:",
        `      - age: [${age.recipient}]`,
        "      - kms:",
        `          - arn: ${arn}`,
        `      - pgp: [${gpg.fp}]`,
        "",
      ].join("\n"),
    );
    writeFileSync(join(box.dir, "plain.yaml"), "service:\n    token: " + secret + "\n    retries: 3\nenabled: true\n");
  });
  afterAll(async () => {
    gpg?.kill();
    stranger?.kill();
    await moto?.stop();
    box?.remove();
  });

  /** The keys of the named groups only: others are made unreachable. */
  const only = (...groups: Array<"age" | "kms" | "pgp">): Record<string, string> => {
    const env: Record<string, string> = { SOPS_AGE_KEY_FILE: "/nonexistent", GNUPGHOME: stranger.home, SOPS_GPG_EXEC: gpgBin };
    const aws = awsEnv(moto);
    if (groups.includes("age")) env["SOPS_AGE_KEY_FILE"] = age.file;
    if (groups.includes("pgp")) env["GNUPGHOME"] = gpg.home;
    return groups.includes("kms")
      ? { ...env, ...aws }
      : { ...env, ...aws, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" };
  };
  const all = (): Record<string, string> => only("age", "kms", "pgp");

  it("hush recovers sops's shares from any two of three groups, and fails clearly with one", () => {
    const enc = sops(sopsBin, box, ["encrypt", "--filename-override", "secrets/app.yaml", "plain.yaml"], all());
    expect(enc.code, enc.stderr).toBe(0);
    const meta = parse(enc.stdout).sops;
    expect(meta.shamir_threshold).toBe(2);
    expect(meta.key_groups).toHaveLength(3);
    writeFileSync(join(box.dir, "by-sops.yaml"), enc.stdout);

    for (const pair of [["age", "kms"], ["kms", "pgp"], ["age", "pgp"]] as const) {
      const out = hush(box, ["exec-file", "by-sops.yaml", "cat {}"], only(...pair));
      expect(out.code, `${pair.join("+")}: ${out.stderr}`).toBe(0);
      expect(parse(out.stdout)).toEqual(plain);
    }
    const one = hush(box, ["exec-file", "by-sops.yaml", "cat {}"], only("pgp"));
    const sopsOne = sops(sopsBin, box, ["decrypt", "by-sops.yaml"], only("pgp"));
    expect(sopsOne.code).toBe(128);
    expect(one.code).toBe(128);
    expect(one.stderr).toMatch(/1 of 2 required key groups/);
    expect(one.stderr).toContain(age.recipient);
    expect(one.stderr).toContain(arn);
    expect(one.stdout + one.stderr).not.toContain(secret);
  });

  it("sops recovers hush's shares: updatekeys splits an age-only file into the rule's three groups", () => {
    // plain.yaml matches no creation rule: like sops, hush then needs another config (here none).
    const enc = hush(box, ["--config", "/dev/null", "encrypt", "--age", age.recipient, "plain.yaml"], all());
    expect(enc.code, enc.stderr).toBe(0);
    const before = parse(enc.stdout);
    // The creation rule matches secrets/*.yaml.
    const path = join("secrets", "app.yaml");
    mkdirSync(join(box.dir, "secrets"), { recursive: true });
    writeFileSync(join(box.dir, path), enc.stdout);

    const upd = hush(box, ["updatekeys", "--yes", path], all());
    expect(upd.code, upd.stderr).toBe(0);
    expect(upd.stderr).toContain(`+++ kms:${arn}`);
    const after = parse(readFileSync(join(box.dir, path), "utf8"));
    expect(after.sops.key_groups).toHaveLength(3);
    expect(after.sops.shamir_threshold).toBe(2);
    // The data key, the values, the MAC and lastmodified are kept.
    expect(after.service).toEqual(before.service);
    expect(after.sops.mac).toBe(before.sops.mac);
    expect(after.sops.lastmodified).toBe(before.sops.lastmodified);

    for (const pair of [["age", "kms"], ["kms", "pgp"]] as const) {
      const dec = sops(sopsBin, box, ["decrypt", path], only(...pair));
      expect(dec.code, `${pair.join("+")}: ${dec.stderr}`).toBe(0);
      expect(parse(dec.stdout)).toEqual(plain);
    }
    const again = hush(box, ["updatekeys", "--yes", path], all());
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already up to date/);
  });

  it("rotate re-splits a new data key across sops's groups; sops decrypts with two groups", () => {
    const rotated = hush(box, ["rotate", "by-sops.yaml"], only("kms", "pgp"));
    expect(rotated.code, rotated.stderr).toBe(0);
    writeFileSync(join(box.dir, "rotated.yaml"), rotated.stdout);
    const before = parse(readFileSync(join(box.dir, "by-sops.yaml"), "utf8"));
    const after = parse(rotated.stdout);
    expect(after.service.token).not.toBe(before.service.token);
    expect(after.sops.key_groups).toHaveLength(3);
    const dec = sops(sopsBin, box, ["decrypt", "rotated.yaml"], only("age", "pgp"));
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual(plain);
  });

  it("updatekeys without --yes and without an answer leaves the file unchanged", () => {
    writeFileSync(join(box.dir, ".sops-one.yaml"), `creation_rules:\n  - age: ${age.recipient}\n`);
    const file = join(box.dir, "rotated.yaml");
    const before = readFileSync(file);
    const out = hush(box, ["updatekeys", "--config", ".sops-one.yaml", "rotated.yaml"], all(), "");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/--yes/);
    expect(readFileSync(file)).toEqual(before);
    const no = hush(box, ["updatekeys", "--config", ".sops-one.yaml", "rotated.yaml"], all(), "n\n");
    expect(no.code).toBe(0);
    expect(no.stderr).toMatch(/left unchanged/);
    expect(readFileSync(file)).toEqual(before);
  });
});
