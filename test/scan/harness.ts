import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { repoRoot } from "@hush/testkit";

/** The built CLI (`pnpm build` first). */
export const hushBin = join(repoRoot, "packages", "cli", "bin", "hush.js");

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `hush` with `args` in `cwd`. */
export function hush(args: readonly string[], cwd: string, input?: string): RunResult {
  const r = spawnSync(process.execPath, [hushBin, ...args], { cwd, input, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary Git repository driven by the real `git`. */
export class TempRepo {
  readonly dir: string;
  readonly #git: string;

  constructor(gitPath: string) {
    this.#git = gitPath;
    this.dir = mkdtempSync(join(tmpdir(), "hush-scan-"));
    this.git("init", "-q", "-b", "main");
    this.git("config", "user.email", "dev@example.invalid");
    this.git("config", "user.name", "dev");
    this.git("config", "commit.gpgsign", "false");
  }

  git(...args: string[]): RunResult {
    const r = spawnSync(this.#git, args, { cwd: this.dir, encoding: "utf8" });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  write(rel: string, text: string | Uint8Array): void {
    const file = join(this.dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }

  commit(message: string, ...paths: string[]): string {
    this.git("add", ...(paths.length ? paths : ["-A"]));
    const r = this.git("commit", "-q", "--no-verify", "-m", message);
    if (r.code !== 0) throw new Error(`git commit failed: ${r.stderr}`);
    return this.git("rev-parse", "HEAD").stdout.trim();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A token-shaped value built at run time (distinct per seed), so none sits in the source. */
export function fakeGithubToken(seed: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let h = 2166136261;
  let out = "";
  for (let i = 0; i < 36; i++) {
    h = Math.imul(h ^ (seed.charCodeAt(i % seed.length) + i), 16777619) >>> 0;
    out += alphabet[h % alphabet.length];
  }
  return `ghp_${out}`;
}
