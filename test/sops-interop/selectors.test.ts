import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirePeer } from "@hush/testkit";
import { hush, makeAgeKey, run, tempDir, vectorsDir } from "./harness.js";

// For every selector, hush and sops must encrypt exactly the same values and comments, and
// read each other's files. We compare the encrypted files with every ENC[…] masked: the
// same structure with ENC in the same places means the same selector decisions.

const sops = requirePeer("sops");
const ageKeygen = requirePeer("age-keygen");

const rules: Array<[string, string]> = [
  ["default", ""],
  ["unencrypted_suffix", "unencrypted_suffix: _unencrypted"],
  ["encrypted_suffix", "encrypted_suffix: word"],
  ["unencrypted_regex", "unencrypted_regex: ^(apiVersion|kind|metadata)$"],
  ["encrypted_regex (Flux)", "encrypted_regex: ^(data|stringData)$"],
  ["unencrypted_comment_regex", "unencrypted_comment_regex: sops:clear"],
  ["encrypted_comment_regex", "encrypted_comment_regex: sops:enc"],
  ["mac_only_encrypted", "encrypted_regex: ^stringData$\n    mac_only_encrypted: true"],
];

const doc = `apiVersion: v1
kind: Secret
metadata:
    name: demo
    # metadata comment
    labels:
        app: web
stringData:
    # sops:enc
    password: hunter2
    token: abc
    # sops:clear
    visible: plain
    passwordword: x
other_word:
    nested: value
    list:
        - one
        - two
`;

const mask = (text: string): string =>
  text
    .replace(/ENC\[AES256_GCM,[^\]]*\]/g, "ENC")
    .replace(/\n {4}lastmodified:.*\n/, "\n")
    .replace(/-----BEGIN AGE ENCRYPTED FILE-----[\s\S]*?-----END AGE ENCRYPTED FILE-----\n?/g, "AGE")
    .replace(/ {4}lastmodified: .*\n/g, "");

describe.skipIf(!(sops.ok && ageKeygen.ok))("selectors decide the same values in hush and sops", () => {
  const tmp = tempDir("selectors");
  let key: { file: string; recipient: string };
  beforeAll(() => {
    key = makeAgeKey(ageKeygen.ok ? ageKeygen.path : "", tmp.dir, "k");
  });
  afterAll(() => tmp.remove());

  rules.forEach(([name, rule], i) => {
    it(name, () => {
      const dir = join(tmp.dir, String(i));
      mkdirSync(dir);
      writeFileSync(join(dir, ".sops.yaml"), `creation_rules:\n  - age: ${key.recipient}\n    ${rule}\n`);
      writeFileSync(join(dir, "plain.yaml"), doc);
      const env = { SOPS_AGE_KEY_FILE: key.file, HOME: tmp.dir };
      const s = run(sops.ok ? sops.path : "", ["encrypt", "--output", "s.yaml", "plain.yaml"], env, dir);
      expect(s.code, s.stderr).toBe(0);
      const h = hush(["encrypt", "--output", "h.yaml", "plain.yaml"], env, dir);
      expect(h.code, h.stderr).toBe(0);
      const sText = readFileSync(join(dir, "s.yaml"), "utf8");
      const hText = readFileSync(join(dir, "h.yaml"), "utf8");
      expect(mask(hText)).toBe(mask(sText));

      const oracle = run(sops.ok ? sops.path : "", ["decrypt", "s.yaml"], env, dir);
      expect(oracle.code, oracle.stderr).toBe(0);
      const a = hush(["decrypt", "s.yaml"], env, dir);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout.toString()).toBe(oracle.stdout.toString());
      const b = run(sops.ok ? sops.path : "", ["decrypt", "h.yaml"], env, dir);
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout.toString()).toBe(oracle.stdout.toString());
    });
  });

  it("selector flags on the command line match the config's", () => {
    const dir = join(tmp.dir, "flags");
    mkdirSync(dir);
    copyFileSync(join(vectorsDir, "basic.yaml"), join(dir, "plain.yaml"));
    const env = { SOPS_AGE_KEY_FILE: key.file, HOME: tmp.dir };
    const args = ["encrypt", "--age", key.recipient, "--encrypted-regex", "^(password|unicode)$"];
    const s = run(sops.ok ? sops.path : "", [...args, "--output", "s.yaml", "plain.yaml"], env, dir);
    expect(s.code, s.stderr).toBe(0);
    const h = hush([...args, "--output", "h.yaml", "plain.yaml"], env, dir);
    expect(h.code, h.stderr).toBe(0);
    expect(mask(readFileSync(join(dir, "h.yaml"), "utf8"))).toBe(mask(readFileSync(join(dir, "s.yaml"), "utf8")));
  });
});
