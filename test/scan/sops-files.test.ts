import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requirePeer } from "@hush/testkit";
import { hush, TempRepo } from "./harness.js";

// Files written by the real sops (with a real age key): the scanner must stay quiet on them,
// flag a value hand-edited into clear afterwards, and flag a file .sops.yaml says to encrypt.
const git = requirePeer("git");
const sops = requirePeer("sops");
const ageKeygen = requirePeer("age-keygen");

const rules = (stdout: string) =>
  (JSON.parse(stdout) as { findings: { rule: string; path: string; line: number }[] }).findings.map((f) => `${f.path}:${f.line}:${f.rule}`);

describe.skipIf(!(git.ok && sops.ok && ageKeygen.ok))("hush scan on files encrypted by the real sops", () => {
  let repo: TempRepo;
  afterEach(() => repo?.remove());

  function setup(): { env: Record<string, string> } {
    repo = new TempRepo(git.ok ? git.path : "git");
    const keyFile = join(repo.dir, ".age-key.txt");
    const kg = spawnSync(ageKeygen.ok ? ageKeygen.path : "", ["-o", keyFile], { encoding: "utf8" });
    expect(kg.status).toBe(0);
    const recipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(keyFile, "utf8"))![1]!;
    repo.write(".gitignore", ".age-key.txt\n");
    repo.write(
      ".sops.yaml",
      `creation_rules:\n  - path_regex: k8s/.*\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${recipient}\n  - path_regex: env/.*\\.env$\n    age: ${recipient}\n`,
    );
    return { env: { SOPS_AGE_KEY_FILE: keyFile } };
  }

  function sopsEncrypt(rel: string, plain: string, env: Record<string, string>): void {
    repo.write(rel, plain);
    const r = spawnSync(sops.ok ? sops.path : "", ["--encrypt", "--in-place", rel], { cwd: repo.dir, env: { ...process.env, ...env }, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  }

  it("is quiet on sops output, and flags hand edits and unencrypted covered files", () => {
    const { env } = setup();
    sopsEncrypt("k8s/db.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: correct-horse-battery\n  user: app\n", env);
    sopsEncrypt("env/app.env", "API_TOKEN=tok-1234567890abcdef\nHOST_unencrypted=db.internal\n", env);
    expect(readFileSync(join(repo.dir, "k8s/db.yaml"), "utf8")).toContain("ENC[AES256_GCM,");
    const clean = hush(["scan", "--format", "json"], repo.dir);
    expect(clean.stderr).toBe("");
    expect(rules(clean.stdout)).toEqual([]);
    expect(clean.code).toBe(0);

    // A value pasted in clear after encryption (the MAC no longer matches; sops would refuse it).
    const yaml = readFileSync(join(repo.dir, "k8s/db.yaml"), "utf8").replace(/ {4}user: ENC\[[^\]]*\]/, "    user: Pq4vN8zWk2Lm");
    writeFileSync(join(repo.dir, "k8s/db.yaml"), yaml);
    const dotenv = readFileSync(join(repo.dir, "env/app.env"), "utf8").replace(/^API_TOKEN=.*$/m, "API_TOKEN=pasted-token-value");
    writeFileSync(join(repo.dir, "env/app.env"), dotenv);
    // And a new file the creation rules cover, never encrypted.
    repo.write("k8s/new.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n");
    const dirty = hush(["scan", "--format", "json"], repo.dir);
    expect(dirty.code).toBe(1);
    const userLine = yaml.split("\n").findIndex((l) => l.includes("Pq4vN8zWk2Lm")) + 1;
    expect(rules(dirty.stdout)).toEqual([
      "env/app.env:1:sops-unencrypted-value",
      `k8s/db.yaml:${userLine}:kubernetes-secret`,
      `k8s/db.yaml:${userLine}:sops-unencrypted-value`,
      "k8s/new.yaml:1:sops-file-not-encrypted",
    ]);
    expect(dirty.stdout).not.toContain("Pq4vN8zWk2Lm");
    expect(dirty.stdout).not.toContain("pasted-token-value");
  });
});
