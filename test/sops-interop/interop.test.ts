import { copyFileSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, requirePeer } from "@hush/testkit";
import { hush, makeAgeKey, run, tempDir, vectorsDir } from "./harness.js";

// Interop with the real sops (>= 3.13.3) and age, built by `scripts/peers`. Every vector in
// vectors/ goes through every path: sops→hush, hush→sops, hush→hush, and sops filestatus.

const sops = requirePeer("sops");
const ageKeygen = requirePeer("age-keygen");
const age = requirePeer("age");
const ready = sops.ok && ageKeygen.ok && age.ok;

const typeArgs = (file: string): string[] => (file.endsWith(".bin") ? ["--input-type", "binary", "--output-type", "binary"] : []);

describe.skipIf(!ready)("sops interop, every store", () => {
  const tmp = tempDir("interop");
  let key: { file: string; recipient: string };
  let env: Record<string, string>;
  const sopsBin = sops.ok ? sops.path : "";

  beforeAll(() => {
    key = makeAgeKey(ageKeygen.ok ? ageKeygen.path : "", tmp.dir, "k1");
    env = { SOPS_AGE_KEY_FILE: key.file, HOME: tmp.dir };
  });
  afterAll(() => tmp.remove());

  for (const vector of readdirSync(vectorsDir)) {
    it(`${vector}: sops→hush, hush→sops and hush→hush agree`, () => {
      const src = join(vectorsDir, vector);
      const t = typeArgs(vector);
      const sopsEnc = join(tmp.dir, `s.${vector}`);
      const hushEnc = join(tmp.dir, `h.${vector}`);
      const s = run(sopsBin, ["encrypt", "--age", key.recipient, ...t, "--output", sopsEnc, src], env);
      expect(s.code, s.stderr).toBe(0);
      const h = hush(["encrypt", "--age", key.recipient, ...t, "--output", hushEnc, src], env);
      expect(h.code, h.stderr).toBe(0);

      const oracle = run(sopsBin, ["decrypt", ...t, sopsEnc], env);
      expect(oracle.code, oracle.stderr).toBe(0);
      const sopsToHush = hush(["decrypt", ...t, sopsEnc], env);
      expect(sopsToHush.code, sopsToHush.stderr).toBe(0);
      expect(sopsToHush.stdout.equals(oracle.stdout)).toBe(true);

      const hushToSops = run(sopsBin, ["decrypt", ...t, hushEnc], env);
      expect(hushToSops.code, hushToSops.stderr).toBe(0);
      expect(hushToSops.stdout.equals(oracle.stdout)).toBe(true);

      const hushToHush = hush(["decrypt", ...t, hushEnc], env);
      expect(hushToHush.stdout.equals(oracle.stdout)).toBe(true);

      const status = run(sopsBin, ["filestatus", ...(t.length ? ["--input-type", "binary"] : []), hushEnc], env);
      expect(status.stdout.toString().trim()).toBe('{"encrypted":true}');
      const hushStatus = hush(["filestatus", ...(t.length ? ["--input-type", "binary"] : []), hushEnc], env);
      expect(hushStatus.stdout.toString().trim()).toBe('{"encrypted":true}');
    });
  }

  it("the age stanza hush stores opens with the real age CLI and holds the 32-byte data key", () => {
    const enc = join(tmp.dir, "stanza.json");
    expect(hush(["encrypt", "--age", key.recipient, "--output", enc, join(vectorsDir, "basic.json")], env).code).toBe(0);
    const armored = JSON.parse(readFileSync(enc, "utf8")).sops.age[0].enc as string;
    const armorFile = join(tmp.dir, "stanza.age");
    writeFileSync(armorFile, armored);
    const r = run(age.ok ? age.path : "", ["-d", "-i", key.file, armorFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBe(32);
  });

  it("Shamir key groups combine across both tools (2 of 3 groups)", () => {
    const k2 = makeAgeKey(ageKeygen.ok ? ageKeygen.path : "", tmp.dir, "k2");
    const k3 = makeAgeKey(ageKeygen.ok ? ageKeygen.path : "", tmp.dir, "k3");
    const dir = join(tmp.dir, "shamir");
    run("mkdir", ["-p", dir]);
    writeFileSync(
      join(dir, ".sops.yaml"),
      `creation_rules:\n  - path_regex: .*\\.yaml$\n    shamir_threshold: 2\n    key_groups:\n      - age: [${key.recipient}]\n      - age: [${k2.recipient}]\n      - age: [${k3.recipient}]\n`,
    );
    copyFileSync(join(vectorsDir, "basic.yaml"), join(dir, "plain.yaml"));
    // Only groups 1 and 3 are available when decrypting.
    const twoKeys = { SOPS_AGE_KEY: `${readFileSync(key.file, "utf8")}\n${readFileSync(k3.file, "utf8")}`, HOME: tmp.dir };
    const oneKey = { SOPS_AGE_KEY: readFileSync(k2.file, "utf8"), HOME: tmp.dir };

    const h = hush(["encrypt", "--output", "h.yaml", "plain.yaml"], {}, dir);
    expect(h.code, h.stderr).toBe(0);
    expect(readFileSync(join(dir, "h.yaml"), "utf8")).toContain("key_groups:");
    const s = run(sops.ok ? sops.path : "", ["encrypt", "--output", "s.yaml", "plain.yaml"], {}, dir);
    expect(s.code, s.stderr).toBe(0);

    const oracle = run(sops.ok ? sops.path : "", ["decrypt", "s.yaml"], twoKeys, dir);
    expect(oracle.code, oracle.stderr).toBe(0);
    const sopsReadsHush = run(sops.ok ? sops.path : "", ["decrypt", "h.yaml"], twoKeys, dir);
    expect(sopsReadsHush.code, sopsReadsHush.stderr).toBe(0);
    expect(sopsReadsHush.stdout.equals(oracle.stdout)).toBe(true);
    const hushReadsSops = hush(["decrypt", "s.yaml"], twoKeys, dir);
    expect(hushReadsSops.code, hushReadsSops.stderr).toBe(0);
    expect(hushReadsSops.stdout.equals(oracle.stdout)).toBe(true);

    // One group is below the threshold: sops's exit code 128.
    const tooFew = hush(["decrypt", "h.yaml"], oneKey, dir);
    expect(tooFew.code).toBe(128);
    expect(tooFew.stderr).toContain("1 of 2 required key groups");
  });
});

// Files written by real sops releases (3.9 … 3.12, hybrid post-quantum age included), from
// ../shared/fixtures: each must decrypt with its MAC verified to what current sops prints.
const flux = join(repoRoot, "..", "shared", "fixtures", "sops-upstream", "flux");
const fixtures: Array<[string, string]> = [
  ["algorithms/age.yaml", "keys/age.txt"],
  ["algorithms/age-pq.yaml", "keys/age-pq.txt"],
  ["files/file.txt", "keys/age.txt"],
  ["envs/env.env", "keys/age.txt"],
  ["global/secret.yaml", "keys/age-global.txt"],
  ["patches/merge1.yaml", "keys/age.txt"],
];

const haveFixtures = existsSync(flux);
if (!haveFixtures && process.env["CI"] === "true") throw new Error(`required under CI=true: the upstream fixtures at ${flux}`);

describe.skipIf(!ready || !haveFixtures)("upstream sops fixtures (age)", () => {
  for (const [file, keyFile] of fixtures) {
    it(`${file} decrypts with the MAC verified`, () => {
      const t = file.endsWith(".txt") ? ["--input-type", "binary", "--output-type", "binary"] : [];
      const env = { SOPS_AGE_KEY_FILE: join(flux, keyFile) };
      const mine = hush(["decrypt", ...t, join(flux, file)], env);
      expect(mine.code, mine.stderr).toBe(0);
      if (!file.includes("age-pq")) {
        // sops 3.13.3 reads these too; its output is the oracle.
        const theirs = run(sops.ok ? sops.path : "", ["decrypt", ...t, join(flux, file)], env);
        expect(theirs.code, theirs.stderr).toBe(0);
        expect(mine.stdout.equals(theirs.stdout)).toBe(true);
      } else {
        expect(mine.stdout.toString()).toContain("key: value");
      }
    });
  }
});
