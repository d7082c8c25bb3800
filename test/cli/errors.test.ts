import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirePeer } from "@hush/testkit";
import { hush, makeAgeKey, run, tempDir } from "../sops-interop/harness.js";

// Bad input: each failure gives one clear line naming the file, the exit code sops gives for
// the same failure (sops is run side by side as the oracle), no secret in the message, and no
// half-written or plaintext file left behind.

const sops = requirePeer("sops");
const ageKeygen = requirePeer("age-keygen");
const secret = "SUPERSECRETVALUE123";

describe.skipIf(!(sops.ok && ageKeygen.ok))("bad input", () => {
  const tmp = tempDir("errors");
  let key: { file: string; recipient: string };
  let other: { file: string; recipient: string };
  let env: Record<string, string>;
  let enc: string;
  const sopsBin = sops.ok ? sops.path : "";

  beforeAll(() => {
    key = makeAgeKey(ageKeygen.ok ? ageKeygen.path : "", tmp.dir, "k");
    other = makeAgeKey(ageKeygen.ok ? ageKeygen.path : "", tmp.dir, "other");
    env = { SOPS_AGE_KEY_FILE: key.file, HOME: tmp.dir };
    writeFileSync(join(tmp.dir, "plain.yaml"), `password: ${secret}\nuser: admin\n`);
    enc = join(tmp.dir, "enc.yaml");
    const r = hush(["encrypt", "--age", key.recipient, "--output", enc, join(tmp.dir, "plain.yaml")], env);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => tmp.remove());

  const both = (args: string[], e: Record<string, string> = env): { hush: ReturnType<typeof hush>; sops: ReturnType<typeof run> } => ({
    hush: hush(args, e, tmp.dir),
    sops: run(sopsBin, args, e, tmp.dir),
  });

  const expectClean = (r: ReturnType<typeof hush>): void => {
    expect(r.stderr).not.toContain(secret);
    expect(r.stdout.toString()).not.toContain(secret);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^hush: /);
  };

  it("a tampered value: exit 25 like sops", () => {
    const text = readFileSync(enc, "utf8");
    const tampered = join(tmp.dir, "tampered.yaml");
    // Flip one character of the first value's ciphertext.
    writeFileSync(tampered, text.replace(/data:(.)/, (_m, c: string) => `data:${c === "A" ? "B" : "A"}`));
    const r = both(["decrypt", tampered]);
    expect(r.sops.code).toBe(25);
    expect(r.hush.code).toBe(25);
    expectClean(r.hush);
    expect(r.hush.stderr).toContain("tampered.yaml");
  });

  it("a tampered MAC: exit 51 like sops; --ignore-mac still decrypts", () => {
    const text = readFileSync(enc, "utf8");
    const tampered = join(tmp.dir, "badmac.yaml");
    writeFileSync(tampered, text.replace(/(mac: ENC\[AES256_GCM,data:)(.)/, (_m, p: string, c: string) => `${p}${c === "A" ? "B" : "A"}`));
    const r = both(["decrypt", tampered]);
    expect(r.sops.code).toBe(51);
    expect(r.hush.code).toBe(51);
    expectClean(r.hush);
    const ignored = hush(["decrypt", "--ignore-mac", tampered], env);
    expect(ignored.code).toBe(0);
    expect(ignored.stdout.toString()).toContain(secret);
  });

  it("a value edited in clear after encryption: MAC mismatch, exit 51", () => {
    const edited = join(tmp.dir, "edited.yaml");
    writeFileSync(edited, readFileSync(enc, "utf8").replace(/user: ENC\[[^\]]*\]/, "user: ENC[AES256_GCM,data:,iv:,tag:,type:str]"));
    const r = both(["decrypt", edited]);
    expect(r.hush.code).toBe(r.sops.code);
    expectClean(r.hush);
  });

  it("the wrong key and a missing key: exit 128 like sops, naming what was tried", () => {
    const wrong = both(["decrypt", enc], { SOPS_AGE_KEY_FILE: other.file, HOME: tmp.dir });
    expect(wrong.sops.code).toBe(128);
    expect(wrong.hush.code).toBe(128);
    expect(wrong.hush.stderr).toContain(key.recipient);
    expectClean(wrong.hush);
    const none = both(["decrypt", enc], { HOME: tmp.dir });
    expect(none.sops.code).toBe(128);
    expect(none.hush.code).toBe(128);
    expect(none.hush.stderr).toContain("SOPS_AGE_KEY_FILE");
  });

  it("a malformed encrypted file and a file without metadata: exit 1 like sops", () => {
    writeFileSync(join(tmp.dir, "broken.yaml"), "a: [unclosed\n");
    const broken = both(["decrypt", "broken.yaml"]);
    expect(broken.sops.code).toBe(1);
    expect(broken.hush.code).toBe(1);
    const plain = both(["decrypt", "plain.yaml"]);
    expect(plain.sops.code).toBe(1);
    expect(plain.hush.code).toBe(1);
    expect(plain.hush.stderr).toContain("metadata");
  });

  it("plaintext that does not parse: exit 2; an empty YAML file: exit 92; already encrypted: exit 203", () => {
    writeFileSync(join(tmp.dir, "bad.json"), "{ nope");
    const bad = both(["encrypt", "--age", key.recipient, "bad.json"]);
    expect(bad.sops.code).toBe(2);
    expect(bad.hush.code).toBe(2);
    writeFileSync(join(tmp.dir, "empty.yaml"), "");
    const empty = both(["encrypt", "--age", key.recipient, "empty.yaml"]);
    expect(empty.sops.code).toBe(92);
    expect(empty.hush.code).toBe(92);
    const again = both(["encrypt", "--age", key.recipient, "enc.yaml"]);
    expect(again.sops.code).toBe(203);
    expect(again.hush.code).toBe(203);
  });

  it("conflicting flags: exit 8; a missing file: exit 100; an unknown type is refused", () => {
    const conflict = both(["decrypt", "-i", "--output", "x.yaml", "enc.yaml"]);
    expect(conflict.sops.code).toBe(8);
    expect(conflict.hush.code).toBe(8);
    const missing = both(["decrypt", "nope.yaml"]);
    expect(missing.sops.code).toBe(100);
    expect(missing.hush.code).toBe(100);
    const unknown = hush(["decrypt", "--input-type", "xml", "enc.yaml"], env, tmp.dir);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown file type");
  });

  it("a failed in-place decrypt leaves the file untouched and no temp file behind", () => {
    const copy = join(tmp.dir, "inplace.yaml");
    const before = readFileSync(enc);
    writeFileSync(copy, before);
    const r = hush(["decrypt", "-i", copy], { SOPS_AGE_KEY_FILE: other.file, HOME: tmp.dir });
    expect(r.code).toBe(128);
    expect(readFileSync(copy).equals(before)).toBe(true);
    expect(readdirSync(tmp.dir).filter((f) => f.includes(".hush-"))).toEqual([]);
  });

  it("in-place encrypt then decrypt round-trips, and decrypted output files are 0600", () => {
    const file = join(tmp.dir, "roundtrip.yaml");
    writeFileSync(file, `token: ${secret}\n`);
    expect(hush(["encrypt", "-i", "--age", key.recipient, file], env).code).toBe(0);
    expect(readFileSync(file, "utf8")).not.toContain(secret);
    const out = join(tmp.dir, "out.yaml");
    expect(hush(["decrypt", "--output", out, file], env).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(`token: ${secret}\n`);
    expect(run("stat", ["-c", "%a", out]).stdout.toString().trim()).toBe("600");
  });
});
