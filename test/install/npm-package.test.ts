import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, requirePeer } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, readme, readmeCommand, releaseVersion, run } from "./support.js";

// The publishable `hush-cli` package as a user gets it: `npm pack` (what `npm publish` uploads),
// then installed by npm into clean prefixes and projects, and run by the real pre-commit tool.
// A GitHub token that is fake but well formed (the scanner's checksum-free rule).
const leak = `GITHUB_TOKEN=ghp_${"Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"}\n`;
const pkgDir = join(repoRoot, "packages/hush-cli");
const built = existsSync(join(repoRoot, "packages/cli/dist/main.js"));
if (!built) process.stderr.write("\n*** SKIPPING test/install/npm-package: run `pnpm run build` first ***\n\n");
if (!built && process.env["CI"] === "true") throw new Error("required under CI=true: packages/cli/dist (pnpm run build)");

describe.skipIf(!built)("the hush-cli npm package", () => {
  let dir: string;
  let tarball: string;
  const npmEnv = () => ({ npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hush-npm-"));
    const packed = JSON.parse(ok("npm pack", await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: pkgDir, env: npmEnv() })));
    tarball = join(dir, packed[0].filename);
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("carries the release version, and only the bundle, its bin and its README", async () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    expect(pkg.version).toBe(releaseVersion);
    expect(pkg.private).toBeUndefined();
    const listing = ok("tar -tzf", await run("tar", ["-tzf", tarball])).trim().split("\n");
    const top = [...new Set(listing.map((p) => p.split("/")[1]))].sort();
    expect(top).toEqual(["README.md", "bin", "dist", "package.json"]);
    expect(listing.filter((p) => p.endsWith(".ts") || p.endsWith(".map"))).toEqual([]);
    // No workspace-only references that npm could not resolve.
    expect(JSON.stringify(pkg)).not.toContain("workspace:");
  });

  it("installs with `npm install -g` into a clean prefix and runs `hush --version`", async () => {
    const prefix = join(dir, "prefix");
    ok("npm install -g", await run("npm", ["install", "-g", "--prefix", prefix, tarball], { env: npmEnv(), timeoutMs: 300_000 }));
    const version = await run(join(prefix, "bin", "hush"), ["--version"], { cwd: dir });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toContain(`hush ${releaseVersion} (compatible with sops`);
    // The scanner works from the bundle: a leak on stdin is a finding (exit 1), printed redacted.
    const scan = await run(join(prefix, "bin", "hush"), ["scan", "--stdin"], { cwd: dir, input: leak });
    expect(scan.code, scan.stderr).toBe(1);
    expect(scan.stdout + scan.stderr).not.toContain("Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2");
  });

  it("blocks a leaking commit through the README's Husky recipe (a devDependency, never a registry look-up)", async () => {
    expect(readme).not.toMatch(/npx hush /); // `npx hush` would fetch an unrelated npm package named hush
    const project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", private: true }));
    ok("git init", await run("git", ["init", "-q"], { cwd: project }));
    ok("npm install --save-dev", await run("npm", ["install", "--save-dev", tarball], { cwd: project, env: npmEnv(), timeoutMs: 300_000 }));
    writeFileSync(join(project, ".env"), leak);
    ok("git add", await run("git", ["add", ".env"], { cwd: project }));
    const hook = await run("npx", readmeCommand("npx --no-install hush scan --staged").slice(1), { cwd: project, env: npmEnv() });
    expect(hook.code, hook.stderr).toBe(1);
    writeFileSync(join(project, ".env"), "GITHUB_TOKEN=\n");
    ok("git add", await run("git", ["add", ".env"], { cwd: project }));
    const clean = await run("npx", ["--no-install", "hush", "scan", "--staged"], { cwd: project, env: npmEnv() });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  });

  const preCommit = requirePeer("pre-commit", "run `bash scripts/peers pre-commit`");
  it.skipIf(!preCommit.ok)("blocks a leaking commit with the real pre-commit tool (`pre-commit try-repo`), hush not installed", async () => {
    const repo = join(dir, "scratch");
    mkdirSync(repo);
    const git = (args: string[]) => run("git", args, { cwd: repo });
    ok("git init", await git(["init", "-q"]));
    ok("git config", await git(["config", "user.email", "dev@example.com"]));
    ok("git config", await git(["config", "user.name", "dev"]));
    writeFileSync(join(repo, "config.env"), leak);
    ok("git add", await git(["add", "config.env"]));
    const env = {
      ...npmEnv(),
      PRE_COMMIT_HOME: join(dir, "pre-commit-home"),
      // The package is not on the registry under test: the hook fetches this tarball instead.
      HUSH_HOOK_PACKAGE: tarball,
      PATH: (process.env["PATH"] ?? "").split(":").filter((p) => !existsSync(join(p, "hush"))).join(":"),
    };
    const blocked = await run(preCommit.ok ? preCommit.path : "pre-commit", ["try-repo", repoRoot, "hush-scan", "--verbose"], { cwd: repo, env, timeoutMs: 300_000 });
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(1);
    expect(blocked.stdout).toMatch(/hush scan \(staged secrets\)\.+Failed/);
    expect(blocked.stdout).not.toContain("Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2");

    writeFileSync(join(repo, "config.env"), "GITHUB_TOKEN=\n");
    ok("git add", await git(["add", "config.env"]));
    const passed = await run(preCommit.ok ? preCommit.path : "pre-commit", ["try-repo", repoRoot, "hush-scan", "--verbose"], { cwd: repo, env, timeoutMs: 300_000 });
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
    expect(passed.stdout).toMatch(/hush scan \(staged secrets\)\.+Passed/);
    expect(readdirSync(repo)).toContain("config.env");
  });
});
