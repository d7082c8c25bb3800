import { chmodSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { requirePeer } from "@hush/testkit";
import { hush, hushBin, makeAgeKey, run, tempDir, type Run } from "../sops-interop/harness.js";

// sops's older, subcommand-less forms (`sops -d f`, `sops -e -i f`, Flux's
// `sops --encrypt --in-place --encrypted-regex … --age … f`, `sops --set`, `sops -r`,
// `sops FILE`) and its global flags, run side by side with the real sops 3.13.3 as the oracle:
// same exit codes, same results, and files each tool writes are read by the other.

const sops = requirePeer("sops");
const ageKeygen = requirePeer("age-keygen");
const secret = "SUPERSECRETVALUE123";

describe.skipIf(!(sops.ok && ageKeygen.ok))("sops's legacy forms", () => {
  const tmp = tempDir("legacy");
  const dir = tmp.dir;
  const sopsBin = sops.ok ? sops.path : "";
  let key: { file: string; recipient: string };
  let key2: { file: string; recipient: string };
  let env: Record<string, string>;
  const plain = `apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\ndata:\n    password: ${secret}\nstringData:\n    user: admin\n`;

  beforeAll(() => {
    key = makeAgeKey(ageKeygen.ok ? ageKeygen.path : "", dir, "k");
    key2 = makeAgeKey(ageKeygen.ok ? ageKeygen.path : "", dir, "k2");
    // Both identities, so either recipient decrypts; SOPS_DISABLE_VERSION_CHECK keeps sops offline.
    writeFileSync(join(dir, "keys.txt"), `${readFileSync(key.file, "utf8")}\n${readFileSync(key2.file, "utf8")}`);
    env = { SOPS_AGE_KEY_FILE: join(dir, "keys.txt"), HOME: dir, SOPS_DISABLE_VERSION_CHECK: "1" };
  });
  afterAll(() => tmp.remove());

  const sopsRun = (args: string[], e = env): Run => run(sopsBin, args, e, dir);
  const hushRun = (args: string[], e = env): Run => hush(args, e, dir);
  const both = (args: string[], e = env): { hush: Run; sops: Run } => ({ hush: hushRun(args, e), sops: sopsRun(args, e) });
  /** Two copies of `text`, one per tool: `<name>.hush.<ext>` and `<name>.sops.<ext>`. */
  const pair = (name: string, ext: string, text: string): { h: string; s: string } => {
    const h = join(dir, `${name}.hush.${ext}`);
    const s = join(dir, `${name}.sops.${ext}`);
    writeFileSync(h, text);
    writeFileSync(s, text);
    return { h, s };
  };
  const decrypted = (r: Run): unknown => parseYaml(r.stdout.toString());

  it("Flux's form: --encrypt --in-place --encrypted-regex --age encrypts data/stringData only, and each tool decrypts the other's file with -d", () => {
    const f = pair("flux", "yaml", plain);
    const args = ["--encrypt", "--in-place", "--encrypted-regex", "^(data|stringData)$", "--age", key.recipient];
    const h = hushRun([...args, f.h]);
    const s = sopsRun([...args, f.s]);
    expect(h.code, h.stderr).toBe(0);
    expect(s.code, s.stderr).toBe(0);
    for (const file of [f.h, f.s]) {
      const doc = parseYaml(readFileSync(file, "utf8")) as Record<string, Record<string, string>>;
      expect(doc["metadata"]?.["name"]).toBe("db");
      expect(doc["data"]?.["password"]).toMatch(/^ENC\[AES256_GCM,/);
      expect(doc["stringData"]?.["user"]).toMatch(/^ENC\[AES256_GCM,/);
      expect(readFileSync(file, "utf8")).not.toContain(secret);
    }
    const expected = parseYaml(plain);
    expect(decrypted(sopsRun(["-d", f.h]))).toEqual(expected);
    expect(decrypted(hushRun(["-d", f.s]))).toEqual(expected);
    expect(decrypted(hushRun(["--decrypt", f.h]))).toEqual(expected);
  });

  it("-e to stdout and -e -i in place; -d --extract prints one value like sops", () => {
    const f = pair("short", "yaml", `password: ${secret}\nport: 5432\n`);
    const out = hushRun(["-e", "-a", key.recipient, f.h]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.toString()).toContain("sops:");
    expect(readFileSync(f.h, "utf8")).toContain(secret); // stdout only: the file is untouched
    expect(hushRun(["-e", "-i", "-a", key.recipient, f.h]).code).toBe(0);
    expect(sopsRun(["-e", "-i", "-a", key.recipient, f.s]).code).toBe(0);
    for (const file of [f.h, f.s]) {
      const r = both(["-d", "--extract", '["password"]', file]);
      expect(r.hush.code, r.hush.stderr).toBe(0);
      expect(r.hush.stdout.toString()).toBe(r.sops.stdout.toString());
      expect(r.hush.stdout.toString()).toBe(secret);
    }
  });

  it("--set writes in place; each tool reads the value the other set", () => {
    const f = pair("set", "yaml", "a: 1\nb: keep\n");
    expect(hushRun(["-e", "-i", "-a", key.recipient, f.h]).code).toBe(0);
    expect(sopsRun(["-e", "-i", "-a", key.recipient, f.s]).code).toBe(0);
    const r = both(["--set", '["a"] {"nested": [true, 2]}', f.h]);
    expect(r.hush.code, r.hush.stderr).toBe(0);
    const r2 = sopsRun(["--set", '["a"] {"nested": [true, 2]}', f.s]);
    expect(r2.code, r2.stderr).toBe(0);
    for (const file of [f.h, f.s]) {
      expect(decrypted(sopsRun(["-d", file]))).toEqual({ a: { nested: [true, 2] }, b: "keep" });
      expect(decrypted(hushRun(["-d", file]))).toEqual({ a: { nested: [true, 2] }, b: "keep" });
    }
  });

  it("-r -i --add-age / --rm-age changes the recipients; the other tool decrypts with the new key only", () => {
    const f = pair("rotate", "yaml", `token: ${secret}\n`);
    expect(hushRun(["-e", "-i", "-a", key.recipient, f.h]).code).toBe(0);
    const added = hushRun(["-r", "-i", "--add-age", key2.recipient, f.h]);
    expect(added.code, added.stderr).toBe(0);
    const removed = hushRun(["-r", "-i", "--rm-age", key.recipient, f.h]);
    expect(removed.code, removed.stderr).toBe(0);
    const text = readFileSync(f.h, "utf8");
    expect(text).toContain(key2.recipient);
    expect(text).not.toContain(key.recipient);
    const only2 = { ...env, SOPS_AGE_KEY_FILE: key2.file };
    expect(decrypted(sopsRun(["-d", f.h], only2))).toEqual({ token: secret });
    // -r without -i prints the rotated file and leaves the input alone, as sops does.
    const printed = hushRun(["-r", f.h], only2);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout.toString()).toContain("sops:");
    expect(readFileSync(f.h, "utf8")).toBe(text);
  });

  it("hush FILE is sops's edit form: the editor's change is saved encrypted, and sops reads it", () => {
    const f = pair("edit", "yaml", "a: before\n");
    expect(hushRun(["-e", "-i", "-a", key.recipient, f.h]).code).toBe(0);
    const editor = join(dir, "editor.sh");
    writeFileSync(editor, "#!/bin/sh\nsed -i 's/before/after/' \"$1\"\n");
    chmodSync(editor, 0o755);
    const r = hushRun([f.h], { ...env, EDITOR: editor });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(f.h, "utf8")).not.toContain("after");
    expect(decrypted(sopsRun(["-d", f.h]))).toEqual({ a: "after" });
  });

  it("-s shows the sops metadata with the values in the editor, as sops's does; the result stays readable by sops", () => {
    const f = pair("showkeys", "yaml", "a: before\n");
    expect(sopsRun(["-e", "-i", "-a", key.recipient, f.s]).code).toBe(0);
    copyFileSync(f.s, f.h);
    const seen = join(dir, "seen.yaml");
    const editor = join(dir, "editor-s.sh");
    writeFileSync(editor, `#!/bin/sh\ncp "$1" ${JSON.stringify(seen)}\nsed -i 's/before/after/' "$1"\n`);
    chmodSync(editor, 0o755);
    const r = hushRun(["-s", f.h], { ...env, EDITOR: editor });
    expect(r.code, r.stderr).toBe(0);
    const shown = parseYaml(readFileSync(seen, "utf8")) as { a: string; sops: { age: Array<{ recipient: string }> } };
    expect(shown.a).toBe("before");
    expect(shown.sops.age[0]?.recipient).toBe(key.recipient);
    expect(decrypted(sopsRun(["-d", f.h]))).toEqual({ a: "after" });
  });

  it("helm-secrets's forms: --decrypt of /dev/stdin with both types, and --encrypt --input-type --output-type --in-place", () => {
    const f = pair("helm", "json", `{"password": "${secret}"}\n`);
    const enc = hushRun(["--encrypt", "--input-type", "json", "--output-type", "json", "--in-place", "--age", key.recipient, f.h]);
    expect(enc.code, enc.stderr).toBe(0);
    // Through a shell pipe, as helm-secrets runs it (a pipe can be opened as /dev/stdin).
    const piped = (...cmd: string[]): Run =>
      run("sh", ["-c", 'f="$1"; shift; cat "$f" | "$@" --decrypt --input-type json --output-type json /dev/stdin', "sh", f.h, ...cmd], env, dir);
    const h = piped(process.execPath, hushBin);
    const s = piped(sopsBin);
    expect(s.code, s.stderr).toBe(0);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout.toString()).toBe(s.stdout.toString());
    expect(JSON.parse(h.stdout.toString())).toEqual({ password: secret });
  });

  it("several modes: only the last one's result is shown (-e -d decrypts), with a warning; -e's keys are still checked", () => {
    const f = pair("modes", "yaml", "a: 1\n");
    expect(sopsRun(["-e", "-i", "-a", key.recipient, f.s]).code).toBe(0);
    const noKeys = both(["-e", "-d", f.s]);
    expect(noKeys.sops.code).toBe(1);
    expect(noKeys.hush.code).toBe(1);
    const r = both(["-e", "-d", "-a", key.recipient, f.s]);
    expect(r.sops.code).toBe(0);
    expect(r.hush.code, r.hush.stderr).toBe(0);
    expect(r.hush.stdout.toString()).toBe(r.sops.stdout.toString());
    expect(r.hush.stderr).toContain("only the last one");
  });

  it("global --config before a subcommand or a legacy form is the config sops uses", () => {
    writeFileSync(join(dir, "alt-config.yaml"), `creation_rules:\n  - path_regex: alt\\.\n    age: ${key2.recipient}\n`);
    const f = pair("alt", "yaml", "a: 1\n");
    const viaSub = both(["--config", join(dir, "alt-config.yaml"), "encrypt", "--output", `${f.h}.enc`, f.h]);
    expect(viaSub.sops.code, viaSub.sops.stderr).toBe(0);
    expect(viaSub.hush.code, viaSub.hush.stderr).toBe(0);
    expect(readFileSync(`${f.h}.enc`, "utf8")).toContain(key2.recipient);
    const viaLegacy = hushRun(["--config", join(dir, "alt-config.yaml"), "-e", "-i", f.s]);
    expect(viaLegacy.code, viaLegacy.stderr).toBe(0);
    expect(readFileSync(f.s, "utf8")).toContain(key2.recipient);
    expect(decrypted(sopsRun(["-d", f.s]))).toEqual({ a: 1 });
  });

  it("a .sops.yaml whose rules do not match: -e, -r and the edit form fail with exit 1 like sops, even with --age; -d does not look", () => {
    const sub = tempDir("legacy-rules");
    try {
      writeFileSync(join(sub.dir, ".sops.yaml"), `creation_rules:\n  - path_regex: ^only\\.yaml$\n    age: ${key.recipient}\n`);
      writeFileSync(join(sub.dir, "other.yaml"), "a: 1\n");
      copyFileSync(join(dir, "modes.sops.yaml"), join(sub.dir, "enc.yaml"));
      const at = (args: string[]) => ({ hush: hush(args, env, sub.dir), sops: run(sopsBin, args, env, sub.dir) });
      for (const args of [["-e", "--age", key.recipient, "other.yaml"], ["encrypt", "--age", key.recipient, "other.yaml"], ["-r", "enc.yaml"], ["enc.yaml"]]) {
        const r = at(args);
        expect(r.sops.code, args.join(" ")).toBe(1);
        expect(r.sops.stderr).toContain("no matching creation rules found");
        expect(r.hush.code, args.join(" ")).toBe(1);
        expect(r.hush.stderr).toContain("no matching creation rules found");
        expect(r.hush.stderr.trim().split("\n")).toHaveLength(1);
      }
      const dec = at(["-d", "enc.yaml"]);
      expect(dec.sops.code).toBe(0);
      expect(dec.hush.code, dec.hush.stderr).toBe(0);
    } finally {
      sub.remove();
    }
  });

  it("usage errors exit as sops does: no file 100, -i with --output 8, --add-* on a missing file 49, -d on a missing file 100, bad --set 7, --extract of a missing key 1, malformed --extract 91", () => {
    const enc = join(dir, "modes.sops.yaml");
    const cases: Array<[string[], number]> = [
      [["-d"], 100],
      [["-d", "-i", "--output", "x.yaml", enc], 8],
      [["-r", "--add-age", key.recipient, "missing.yaml"], 49],
      [["-d", "missing.yaml"], 100],
      [["-e", "missing.yaml"], 100],
      [["--set", "no-brackets", enc], 7],
      [["-d", "--extract", '["nope"]', enc], 1],
      [["decrypt", "--extract", '["nope"]', enc], 1],
      [["-d", "--extract", "[nope]", enc], 91],
    ];
    for (const [args, code] of cases) {
      const r = both(args);
      expect(r.sops.code, `sops ${args.join(" ")}`).toBe(code);
      expect(r.hush.code, `hush ${args.join(" ")}: ${r.hush.stderr}`).toBe(code);
      expect(r.hush.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.hush.stderr).toMatch(/^hush: /);
    }
  });

  it("flags Go's parser refuses exit 1 like sops: -ei (no bundling), --unset (not a sops 3.13 flag), -d with --decrypt, a flag without its value", () => {
    for (const args of [["-ei", "f.yaml"], ["--unset", '["a"]', "f.yaml"], ["-d", "--decrypt", "f.yaml"], ["--extract"]]) {
      const r = both(args);
      expect(r.sops.code, args.join(" ")).toBe(1);
      expect(r.hush.code, args.join(" ")).toBe(1);
      expect(r.hush.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("--version with sops's version-check flags prints what sops prints first", () => {
    const r = both(["--disable-version-check", "--version"]);
    expect(r.sops.code).toBe(0);
    expect(r.hush.stdout.toString().split("\n")[0]).toBe(r.sops.stdout.toString().split("\n")[0]);
  });
});
