import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@hush/testkit";

/** Result of running a command. */
export interface Run {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a binary synchronously with extra environment, never through a shell. */
export function run(bin: string, args: readonly string[], env: Record<string, string> = {}, cwd?: string, input?: Uint8Array): Run {
  const r = spawnSync(bin, [...args], {
    env: { PATH: process.env["PATH"] ?? "", HOME: env["HOME"] ?? tmpdir(), ...env },
    ...(cwd && { cwd }),
    ...(input && { input }),
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? Buffer.alloc(0), stderr: (r.stderr ?? Buffer.alloc(0)).toString() };
}

/** The built `hush` CLI (run `pnpm build` first). */
export const hushBin = join(repoRoot, "packages", "cli", "bin", "hush.js");

/** Runs the built hush CLI. */
export function hush(args: readonly string[], env: Record<string, string> = {}, cwd?: string, input?: Uint8Array): Run {
  return run(process.execPath, [hushBin, ...args], env, cwd, input);
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `hush-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An age identity made by the real `age-keygen`: its file and recipient. */
export function makeAgeKey(ageKeygen: string, dir: string, name: string): { file: string; recipient: string } {
  const file = join(dir, `${name}.txt`);
  const r = run(ageKeygen, ["-o", file]);
  if (r.code !== 0) throw new Error(`age-keygen failed: ${r.stderr}`);
  const recipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(file, "utf8"))?.[1];
  if (!recipient) throw new Error("age-keygen wrote no recipient");
  return { file, recipient };
}

/** Vectors directory of this suite. */
export const vectorsDir = join(repoRoot, "test", "sops-interop", "vectors");
