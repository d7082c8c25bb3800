import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePeer } from "@hush/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hush, leftovers, makeAgeKey, sandbox, sops, type Sandbox } from "./support.js";

const sopsPeer = requirePeer("sops");
const agePeer = requirePeer("age-keygen");
const ready = sopsPeer.ok && agePeer.ok;

/** Writes an executable `$EDITOR` script into the sandbox's home. */
function editor(box: Sandbox, name: string, body: string): string {
  const path = join(box.home, name);
  writeFileSync(path, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe.skipIf(!ready)("hush edit, set, unset, exec-env, exec-file on files sops reads", () => {
  const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
  let box: Sandbox;
  let age: { file: string; recipient: string };
  let env: Record<string, string>;
  const secret = "edit-canary-51aa";
  const file = (): string => join(box.dir, "app.yaml");
  const read = (): string => readFileSync(file(), "utf8");

  beforeAll(() => {
    box = sandbox("edit");
    age = makeAgeKey(agePeer.ok ? agePeer.path : "", box.home, "age");
    env = { SOPS_AGE_KEY_FILE: age.file };
  });
  afterAll(() => box?.remove());

  beforeEach(() => {
    writeFileSync(join(box.dir, "plain.yaml"), `# database\ndb:\n    password: ${secret}\n    port: 5432\nlist:\n    - one\n    - two\n`);
    const enc = sops(sopsBin, box, ["encrypt", "--age", age.recipient, "plain.yaml"], env);
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(file(), enc.stdout, { mode: 0o640 });
    chmodSync(file(), 0o640);
  });

  it("edits with a scripted $EDITOR: 0600 temp file, same data key, unchanged values keep their ciphertext", () => {
    const log = join(box.home, "editor.log");
    const ed = editor(box, "ed-ok.sh", `stat -c '%a' "$1" > '${log}'\nsed -i 's/port: 5432/port: 6543/' "$1"`);
    const before = parse(read());
    const out = hush(box, ["edit", "app.yaml"], { ...env, EDITOR: ed });
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(log, "utf8").trim()).toBe("600");
    expect(leftovers(box)).toEqual([]);
    const after = parse(read());
    expect(after.db.password).toBe(before.db.password);
    expect(after.list).toEqual(before.list);
    expect(after.db.port).not.toBe(before.db.port);
    expect(after.sops.age).toEqual(before.sops.age);
    expect(statSync(file()).mode & 0o777).toBe(0o640);
    const dec = sops(sopsBin, box, ["decrypt", "app.yaml"], env);
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual({ db: { password: secret, port: 6543 }, list: ["one", "two"] });
    expect(dec.stdout).toContain("# database");
  });

  it("SOPS_EDITOR wins over EDITOR and may carry arguments", () => {
    const ed = editor(box, "ed-args.sh", `[ "$1" = "--flag" ] && sed -i 's/one/uno/' "$2"`);
    const out = hush(box, ["edit", "app.yaml"], { ...env, SOPS_EDITOR: `${ed} --flag`, EDITOR: "/bin/false" });
    expect(out.code, out.stderr).toBe(0);
    expect(parse(sops(sopsBin, box, ["decrypt", "app.yaml"], env).stdout).list).toEqual(["uno", "two"]);
  });

  it("refuses to save invalid YAML: exit 2, file untouched, temp file removed", () => {
    const before = read();
    const ed = editor(box, "ed-bad.sh", `printf 'db: [unclosed\\n' > "$1"`);
    const out = hush(box, ["edit", "app.yaml"], { ...env, EDITOR: ed }, "");
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/not valid yaml/);
    expect(out.stderr).not.toContain(secret);
    expect(read()).toBe(before);
    expect(leftovers(box)).toEqual([]);
  });

  it("an editor that exits non-zero: exit 201, file untouched, temp file removed", () => {
    const before = read();
    const ed = editor(box, "ed-fail.sh", `sed -i 's/one/changed/' "$1"\nexit 3`);
    const out = hush(box, ["edit", "app.yaml"], { ...env, EDITOR: ed });
    expect(out.code).toBe(201);
    expect(out.stderr).toMatch(/exited with 3/);
    expect(read()).toBe(before);
    expect(leftovers(box)).toEqual([]);
  });

  it("an unchanged file: exit 200 as sops, file untouched", () => {
    const before = read();
    const out = hush(box, ["edit", "app.yaml"], { ...env, EDITOR: "true" });
    expect(out.code).toBe(200);
    expect(read()).toBe(before);
    expect(leftovers(box)).toEqual([]);
  });

  it("an editor killed by a signal leaves no plaintext behind", () => {
    const before = read();
    // The "user" is still in the editor when hush is terminated; the editor ends with hush.
    const ed = editor(box, "ed-kill.sh", `parent=$PPID\nkill -TERM "$parent"\nwhile kill -0 "$parent" 2>/dev/null; do :; done`);
    const out = hush(box, ["edit", "app.yaml"], { ...env, EDITOR: ed });
    expect(out.code).not.toBe(0);
    expect(read()).toBe(before);
    expect(leftovers(box)).toEqual([]);
  });

  it("set and unset with sops's path syntax; sops reads the result", () => {
    const before = parse(read());
    expect(hush(box, ["set", "app.yaml", '["db"]["user"]', '"admin"'], env).code).toBe(0);
    expect(hush(box, ["set", "app.yaml", '["list"][5]', '{"n": 1}'], env).code).toBe(0);
    expect(hush(box, ["set", "app.yaml", '["db"]["port"]', "7000"], env).code).toBe(0);
    expect(hush(box, ["unset", "app.yaml", '["list"][0]'], env).code).toBe(0);
    const after = parse(read());
    expect(after.db.password).toBe(before.db.password);
    const dec = parse(sops(sopsBin, box, ["decrypt", "app.yaml"], env).stdout);
    expect(dec).toEqual({ db: { password: secret, port: 7000, user: "admin" }, list: ["two", { n: 1 }] });

    const bad = hush(box, ["set", "app.yaml", "db.user", '"x"'], env);
    expect(bad.code).toBe(7);
    const badJson = hush(box, ["set", "app.yaml", '["db"]["user"]', "not json"], env);
    expect(badJson.code).toBe(7);
    const theirs = sops(sopsBin, box, ["set", "app.yaml", "db.user", '"x"'], env);
    expect(theirs.code).toBe(7);
    const missing = hush(box, ["unset", "app.yaml", '["nope"]'], env);
    expect(missing.code).toBe(1);
    const idem = hush(box, ["unset", "--idempotent", "app.yaml", '["nope"]'], env);
    expect(idem.code).toBe(0);
    const mtime = statSync(file()).mtimeMs;
    expect(hush(box, ["set", "--idempotent", "app.yaml", '["db"]["user"]', '"admin"'], env).code).toBe(0);
    expect(statSync(file()).mtimeMs).toBe(mtime);
  });

  it("set reads the value from --value-stdin or --value-file", () => {
    const viaStdin = hush(box, ["set", "--value-stdin", "app.yaml", '["db"]["password"]'], env, '"from-stdin"');
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    const valueFile = join(box.home, "value.json");
    writeFileSync(valueFile, '{"host": "db.internal", "port": 5433}');
    const viaFile = hush(box, ["set", "--value-file", "app.yaml", '["replica"]', valueFile], env);
    expect(viaFile.code, viaFile.stderr).toBe(0);
    const dec = parse(sops(sopsBin, box, ["decrypt", "app.yaml"], env).stdout);
    expect(dec.db.password).toBe("from-stdin");
    expect(dec.replica).toEqual({ host: "db.internal", port: 5433 });
  });

  it("exec-env passes values without writing them to disk and propagates the exit code", () => {
    writeFileSync(join(box.dir, "flat.yaml"), `TOKEN: ${secret}\nCOUNT: 2\n`);
    const enc = sops(sopsBin, box, ["encrypt", "--age", age.recipient, "flat.yaml"], env);
    writeFileSync(join(box.dir, "flat.enc.yaml"), enc.stdout);
    const out = hush(box, ["exec-env", "flat.enc.yaml", 'test "$TOKEN" = "' + secret + '" && printf %s "$COUNT"; exit 7'], env);
    expect(out.stdout).toBe("2");
    expect(out.code).toBe(7);
    expect(leftovers(box)).toEqual([]);
    const pristine = hush(box, ["exec-env", "--pristine", "flat.enc.yaml", 'printf "%s" "${HOME:-unset}"'], env);
    expect(pristine.stdout).toBe("unset");
  });

  it("exec-file hands the command a FIFO by default and a 0600 file with --no-fifo, both removed afterwards", () => {
    const fifo = hush(box, ["exec-file", "app.yaml", 'test -p {} && cat {}'], env);
    expect(fifo.code, fifo.stderr).toBe(0);
    expect(parse(fifo.stdout).db.password).toBe(secret);
    const plain = hush(box, ["exec-file", "--no-fifo", "--filename", "cfg.yaml", "app.yaml", 'stat -c %a {} && basename {}'], env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe("600\ncfg.yaml\n");
    const unread = hush(box, ["exec-file", "app.yaml", "exit 4"], env);
    expect(unread.code).toBe(4);
    expect(leftovers(box)).toEqual([]);
  });
});

describe.skipIf(!ready)("hush edit of a new file", () => {
  const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
  let box: Sandbox;
  let age: { file: string; recipient: string };

  beforeAll(() => {
    box = sandbox("edit-new");
    age = makeAgeKey(agePeer.ok ? agePeer.path : "", box.home, "age");
  });
  afterAll(() => box?.remove());

  it("starts from sops's example document and writes nothing when it is left unchanged", () => {
    const log = join(box.home, "example.txt");
    const ed = editor(box, "ed-peek.sh", `cp "$1" '${log}'`);
    const out = hush(box, ["edit", "--age", age.recipient, "new.yaml"], { EDITOR: ed });
    expect(out.code).toBe(200);
    expect(parse(readFileSync(log, "utf8"))).toMatchObject({ hello: "Welcome to SOPS! Edit this file as you please!", example_key: "example_value" });
    expect(() => statSync(join(box.dir, "new.yaml"))).toThrow();
    expect(leftovers(box)).toEqual([]);
  });

  it("creates the file with the keys of the matching creation rule; sops decrypts it", () => {
    writeFileSync(join(box.dir, ".sops.yaml"), `creation_rules:\n  - path_regex: \\.yaml$\n    encrypted_regex: ^pass\n    age: ${age.recipient}\n`);
    const ed = editor(box, "ed-new.sh", `printf 'user: app\\npassword: s3cr3t\\n' > "$1"`);
    const out = hush(box, ["edit", "created.yaml"], { EDITOR: ed });
    expect(out.code, out.stderr).toBe(0);
    const enc = parse(readFileSync(join(box.dir, "created.yaml"), "utf8"));
    expect(enc.user).toBe("app");
    expect(enc.password).toMatch(/^ENC\[AES256_GCM,/);
    expect(enc.sops.encrypted_regex).toBe("^pass");
    expect(enc.sops.age[0].recipient).toBe(age.recipient);
    const dec = sops(sopsBin, box, ["decrypt", "created.yaml"], { SOPS_AGE_KEY_FILE: age.file });
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual({ user: "app", password: "s3cr3t" });
  });

  it("without keys or a matching rule: exit 1 before any editor runs", () => {
    const marker = join(box.home, "ran");
    const ed = editor(box, "ed-mark.sh", `touch '${marker}'`);
    const out = hush(box, ["edit", "--config", "/dev/null", "none.json"], { EDITOR: ed });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/no keys provided|no creation rule/);
    expect(() => statSync(marker)).toThrow();
  });
});
