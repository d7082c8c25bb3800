import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requirePeer } from "@hush/testkit";
import { crc32 } from "node:zlib";
import { fakeGithubToken, hush, hushBin, TempRepo } from "./harness.js";

const git = requirePeer("git");
const built = existsSync(join(hushBin, "..", "..", "dist", "main.js"));
if (!built) throw new Error("build the CLI first: pnpm build");

interface JsonReport {
  findings: { rule: string; path: string; line: number; column: number; secretHash: string; redacted: string }[];
  stats: { files: number; bytes: number };
}
const json = (stdout: string) => JSON.parse(stdout) as JsonReport;
const rules = (stdout: string) => json(stdout).findings.map((f) => `${f.path}:${f.line}:${f.rule}`);

describe.skipIf(!git.ok)("hush scan against a real git repository", () => {
  let repo: TempRepo;
  const tokenA = fakeGithubToken("alpha");
  const tokenB = fakeGithubToken("bravo");
  const fresh = () => (repo = new TempRepo(git.ok ? git.path : "git"));
  afterEach(() => repo?.remove());

  const noLeak = (r: { stdout: string; stderr: string }, ...secrets: string[]) => {
    for (const s of secrets) {
      expect(r.stdout).not.toContain(s.slice(4));
      expect(r.stderr).not.toContain(s.slice(4));
    }
  };

  it("scans a tree honouring .gitignore, skipping binaries, with the exact JSON shape", () => {
    fresh();
    repo.write(".gitignore", "build/\n*.log\n");
    repo.write("src/config.env", `# config\nGITHUB_TOKEN=${tokenA}\n`);
    repo.write("build/out.env", `GITHUB_TOKEN=${tokenA}\n`);
    repo.write("debug.log", `GITHUB_TOKEN=${tokenA}\n`);
    repo.write("sub/.gitignore", "private.env\n");
    repo.write("sub/private.env", `GITHUB_TOKEN=${tokenA}\n`);
    repo.write("img.png", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, ...new TextEncoder().encode(tokenA)]));
    const r = hush(["scan", "--format", "json"], repo.dir);
    expect(r.code).toBe(1);
    const doc = json(r.stdout);
    expect(Object.keys(doc)).toEqual(["findings", "stats"]);
    expect(doc.findings).toEqual([
      { rule: "github-pat", path: "src/config.env", line: 2, column: 14, secretHash: expect.stringMatching(/^[0-9a-f]{64}$/), redacted: "ghp_*****" },
    ]);
    expect(doc.stats.files).toBe(4); // .gitignore, sub/.gitignore, src/config.env, img.png
    noLeak(r, tokenA);
    // A subdirectory as the root: paths are relative to it.
    expect(rules(hush(["scan", "src", "--format", "json"], repo.dir).stdout)).toEqual(["config.env:2:github-pat"]);
    // Several paths (or a file): reported as given, joined with the path inside each directory;
    // a file named explicitly is scanned even if ignored, sub/.gitignore still applies in sub/.
    expect(rules(hush(["scan", "src", "./sub/", "debug.log", "--format", "json"], repo.dir).stdout)).toEqual([
      "debug.log:1:github-pat",
      "src/config.env:2:github-pat",
    ]);
  });

  it("gives the same findings on worker threads as in one thread", () => {
    fresh();
    for (let i = 0; i < 150; i++) repo.write(`pkg${i % 7}/file${i}.env`, i % 10 === 0 ? `TOKEN=${fakeGithubToken(`t${i}`)}\n` : `N=${i}\n`);
    repo.write("k8s/s.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  k: Rz8kW3qLp5Nv\n");
    const one = hush(["scan", "--jobs", "1", "--format", "json"], repo.dir);
    const two = hush(["scan", "--jobs", "2", "--format", "json"], repo.dir);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(json(two.stdout)).toEqual(json(one.stdout));
    expect(json(one.stdout).findings).toHaveLength(16);
    expect(hush(["scan", "--jobs", "0"], repo.dir).code).toBe(2);
  });

  it("exits 0 on a clean tree and 2 on usage errors", () => {
    fresh();
    repo.write("README.md", "nothing to see\n");
    expect(hush(["scan"], repo.dir).code).toBe(0);
    const usage = hush(["scan", "--since", "HEAD"], repo.dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--since needs --git");
    expect(hush(["scan", "--staged", "--stdin"], repo.dir).code).toBe(2);
    expect(hush(["scan", "does/not/exist"], repo.dir).code).toBe(2);
    const badFormat = hush(["scan", "--format", "xml"], repo.dir);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).not.toContain("xml");
    expect(hush(["scan", "--no-such-flag"], repo.dir).code).toBe(2);
  });

  it("--staged reads the index, not the working tree", () => {
    fresh();
    repo.write("app.env", "A=1\n");
    repo.commit("init");
    // Secret only in the working tree: not staged, so the staged scan is clean.
    repo.write("app.env", `A=1\nGITHUB_TOKEN=${tokenA}\n`);
    expect(hush(["scan", "--staged"], repo.dir).code).toBe(0);
    expect(hush(["scan"], repo.dir).code).toBe(1);
    // Staged, then removed from the working tree: the staged blob still carries it.
    repo.git("add", "app.env");
    repo.write("app.env", "A=1\n");
    const staged = hush(["scan", "--staged", "--format", "json"], repo.dir);
    expect(staged.code).toBe(1);
    expect(rules(staged.stdout)).toEqual(["app.env:2:github-pat"]);
    noLeak(staged, tokenA);
    expect(hush(["scan"], repo.dir).code).toBe(0);
  });

  it("--staged reports line rules on added lines only, file rules on the whole blob", () => {
    fresh();
    repo.write("old.env", `GITHUB_TOKEN=${tokenA}\n`);
    repo.write("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: Hx7dK2mQ9vLs\n");
    repo.commit("legacy");
    repo.write("old.env", `GITHUB_TOKEN=${tokenA}\nDEBUG=1\n`);
    repo.write("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  labels: {app: db}\nstringData:\n  password: Hx7dK2mQ9vLs\n");
    repo.git("add", "-A");
    const r = hush(["scan", "--staged", "--format", "json"], repo.dir);
    expect(rules(r.stdout)).toEqual(["k8s/secret.yaml:7:kubernetes-secret"]);
    const all = hush(["scan", "--staged", "--all-lines", "--format", "json"], repo.dir);
    expect(rules(all.stdout)).toEqual(["k8s/secret.yaml:7:kubernetes-secret", "old.env:1:github-pat"]);
  });

  it("--verify ranks a checksum-valid GitHub token above one whose checksum fails, offline", () => {
    fresh();
    // A token whose last 6 characters are the base62 CRC32 of its 30 random ones, as GitHub mints them.
    const b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const random = fakeGithubToken("charlie").slice(4, 34);
    let n = crc32(random);
    let sum = "";
    for (let i = 0; i < 6; i++) {
      sum = b62[n % 62]! + sum;
      n = Math.floor(n / 62);
    }
    const valid = `ghp_${random}${sum}`;
    repo.write("a.env", `GITHUB_TOKEN=${tokenA}\n`);
    repo.write("z.env", `GITHUB_TOKEN=${valid}\n`);
    const r = hush(["scan", "--verify", "--format", "json"], repo.dir);
    expect(r.code).toBe(1);
    expect(json(r.stdout).findings.map((f) => [f.path, (f as { checksum?: string }).checksum])).toEqual([
      ["z.env", "valid"],
      ["a.env", "invalid"],
    ]);
    expect(json(hush(["scan", "--format", "json"], repo.dir).stdout).findings.map((f) => f.path)).toEqual(["a.env", "z.env"]);
    noLeak(r, tokenA, valid);
  });

  it("--git finds a secret removed from the tree in the commit that added it; --since limits the range", () => {
    fresh();
    repo.write("a.txt", "hello\n");
    const first = repo.commit("first");
    repo.write("deploy/token.env", `x=1\ny=2\nGITHUB_TOKEN=${tokenB}\n`);
    const leak = repo.commit("leak");
    repo.git("rm", "-q", "deploy/token.env");
    const fix = repo.commit("remove");
    expect(hush(["scan"], repo.dir).code).toBe(0);
    const hist = hush(["scan", "--git", "--format", "sarif"], repo.dir);
    expect(hist.code).toBe(1);
    const sarif = JSON.parse(hist.stdout);
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results).toHaveLength(1);
    expect(sarif.runs[0].results[0]).toMatchObject({
      ruleId: "github-pat",
      locations: [{ physicalLocation: { artifactLocation: { uri: "deploy/token.env" }, region: { startLine: 3 } } }],
      properties: { commit: leak },
    });
    noLeak(hist, tokenB);
    // JSON history findings say who introduced the secret, when, and with which message.
    const histJson = hush(["scan", "--git", "--format", "json"], repo.dir);
    const [found] = JSON.parse(histJson.stdout).findings as Record<string, unknown>[];
    expect(found).toMatchObject({ rule: "github-pat", path: "deploy/token.env", line: 3, commit: leak, author: "dev", email: "dev@example.invalid", message: "leak" });
    expect(Date.parse(String(found?.["date"]))).not.toBeNaN();
    noLeak(histJson, tokenB);
    expect(hush(["scan", "--git", "--since", first], repo.dir).code).toBe(1);
    expect(hush(["scan", "--git", "--since", fix], repo.dir).code).toBe(0);
    const bad = hush(["scan", "--git", "--since", "no-such-ref"], repo.dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since");
  });

  it("--stdin scans standard input under --stdin-path", () => {
    fresh();
    const r = hush(["scan", "--stdin", "--stdin-path", "paste.txt", "--format", "json"], repo.dir, `token ${tokenA}\n`);
    expect(r.code).toBe(1);
    expect(rules(r.stdout)).toEqual(["paste.txt:1:github-pat"]);
    expect(hush(["scan", "--stdin"], repo.dir, "all clear\n").code).toBe(0);
  });

  it("a baseline keyed by rule + path + hash survives edits that move the secret", () => {
    fresh();
    repo.write("cfg.env", `GITHUB_TOKEN=${tokenA}\n`);
    const w = hush(["scan", "--write-baseline"], repo.dir);
    expect(w.code).toBe(0);
    const baseline = readFileSync(join(repo.dir, ".hush-baseline.json"), "utf8");
    expect(baseline).not.toContain(tokenA.slice(4));
    expect(baseline).not.toContain('"line"');
    repo.write("cfg.env", `# moved down\n\n\nGITHUB_TOKEN=${tokenA}\n`);
    expect(hush(["scan"], repo.dir).code).toBe(0);
    repo.write("cfg.env", `# moved down\n\n\nGITHUB_TOKEN=${tokenA}\nOTHER=${tokenB}\n`);
    const r = hush(["scan", "--format", "json"], repo.dir);
    expect(r.code).toBe(1);
    expect(rules(r.stdout)).toEqual(["cfg.env:5:github-pat"]);
  });

  it("reads a gitleaks TOML config from the scan root", () => {
    fresh();
    repo.write(".gitleaks.toml", "[extend]\nuseDefault = true\n\n[[rules]]\nid = \"corp-token\"\nregex = '''corp-tok-[a-f0-9]{16}'''\nkeywords = [\"corp-tok-\"]\n");
    repo.write("svc.conf", "auth = corp-tok-4f8a9c2e7b1d6f3a\n");
    expect(rules(hush(["scan", "--format", "json"], repo.dir).stdout)).toEqual(["svc.conf:1:corp-token"]);
  });

  it("flags files a .sops.yaml creation rule covers but that are not encrypted", () => {
    fresh();
    repo.write(".sops.yaml", "creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n");
    repo.write("secrets/db.yaml", "password: not-yet-encrypted\n");
    repo.write("config/app.yaml", "log: debug\n");
    expect(rules(hush(["scan", "--format", "json"], repo.dir).stdout)).toEqual(["secrets/db.yaml:1:sops-file-not-encrypted"]);
  });

  it("follows kustomize secretGenerator env files, in the tree and in the index", () => {
    fresh();
    repo.write("overlays/prod/kustomization.yaml", "secretGenerator:\n  - name: db\n    envs: [db.env]\n");
    repo.write("overlays/prod/db.env", "DB_USER=app\nDB_PASSWORD=\n");
    repo.write("other/db.env", "DB_USER=app\n");
    expect(rules(hush(["scan", "--format", "json"], repo.dir).stdout)).toEqual(["overlays/prod/db.env:1:kustomize-secret-env-file"]);
    repo.commit("kustomize");
    repo.write("overlays/prod/db.env", "DB_USER=app\nDB_PASSWORD=s3cr3t-value\n");
    repo.git("add", "overlays/prod/db.env");
    const staged = hush(["scan", "--staged", "--format", "json"], repo.dir);
    expect(rules(staged.stdout)).toEqual(["overlays/prod/db.env:1:kustomize-secret-env-file", "overlays/prod/db.env:2:kustomize-secret-env-file"]);
  });

  it("hush hook install blocks a commit that stages a secret and lets a clean one through", () => {
    fresh();
    repo.write("README.md", "hi\n");
    repo.commit("init");
    const inst = hush(["hook", "install"], repo.dir);
    expect(inst.code).toBe(0);
    expect(hush(["hook", "install"], repo.dir).code).toBe(0); // idempotent for its own hook
    repo.write("leak.env", `GITHUB_TOKEN=${tokenA}\n`);
    repo.git("add", "leak.env");
    const blocked = repo.git("commit", "-q", "-m", "leak");
    expect(blocked.code).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain("github-pat");
    noLeak(blocked, tokenA);
    expect(repo.git("rev-list", "--count", "HEAD").stdout.trim()).toBe("1");
    repo.git("rm", "-q", "--cached", "leak.env");
    repo.write("ok.txt", "fine\n");
    repo.git("add", "ok.txt");
    expect(repo.git("commit", "-q", "-m", "clean").code).toBe(0);
    expect(repo.git("rev-list", "--count", "HEAD").stdout.trim()).toBe("2");
  });

  it("hush hook install refuses to overwrite a foreign hook without --force", () => {
    fresh();
    repo.write(".git/hooks/pre-commit", "#!/bin/sh\necho mine\n");
    const r = hush(["hook", "install"], repo.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--force");
    expect(hush(["hook", "install", "--force"], repo.dir).code).toBe(0);
  });
});
