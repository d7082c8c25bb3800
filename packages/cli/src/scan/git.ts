import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { HushError } from "@hush/errors";

/** Runs git and returns stdout as bytes. @throws HushError HUSH_ERR_SCAN_GIT */
export function git(cwd: string, args: readonly string[], input?: Uint8Array | string): Buffer {
  const r = spawnSync("git", ["-c", "core.quotepath=false", ...args], { cwd, input, maxBuffer: 1 << 30 });
  if (r.error) throw new HushError("HUSH_ERR_SCAN_GIT", "could not run git", { cause: r.error });
  if (r.status !== 0) {
    // git's stderr names refs and paths, never file contents; keep only its first line.
    const why = r.stderr.toString("utf8").split("\n")[0]?.trim() ?? "";
    throw new HushError("HUSH_ERR_SCAN_GIT", `git ${args[0]} failed${why ? `: ${why.replace(/^fatal: /, "")}` : ""}`);
  }
  return r.stdout;
}

/** The work tree's top-level directory. */
export function repoRoot(cwd: string): string {
  return git(cwd, ["rev-parse", "--show-toplevel"]).toString("utf8").trim();
}

/** Parses `@@ -a,b +c,d @@` hunks of a `-U0` diff into added line numbers per path. */
export function addedLinesFromDiff(diff: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let current: Set<number> | undefined;
  let inHeader = false;
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) inHeader = true;
    else if (inHeader && line.startsWith("+++ ")) {
      const p = line.slice(4);
      if (p === "/dev/null") current = undefined;
      else {
        const path = p.startsWith("b/") ? p.slice(2) : p;
        current = out.get(path) ?? new Set();
        out.set(path, current);
      }
    } else if (line.startsWith("@@ ") && current) {
      inHeader = false;
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) continue;
      const start = Number(m[1]);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      for (let i = 0; i < count; i++) current.add(start + i);
    }
  }
  return out;
}

/** One staged file: its path, its blob from the index, and the line numbers the commit adds. */
export interface StagedFile {
  readonly path: string;
  readonly content: Uint8Array;
  readonly addedLines: Set<number>;
}

/**
 * The index versions of the added/copied/modified/renamed files (not the working tree), read
 * with one `git cat-file --batch`, plus the added lines from `git diff --cached -U0`.
 */
export function stagedFiles(root: string): StagedFile[] {
  const names = git(root, ["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"]).toString("utf8").split("\0").filter(Boolean);
  if (names.length === 0) return [];
  const diff = git(root, ["diff", "--cached", "-U0", "--no-color", "--no-ext-diff", "--diff-filter=ACMR"]).toString("utf8");
  const added = addedLinesFromDiff(diff);
  const batch = git(root, ["cat-file", "--batch"], names.map((n) => `:${n}\n`).join(""));
  const files: StagedFile[] = [];
  let pos = 0;
  for (const name of names) {
    const nl = batch.indexOf(10, pos);
    const header = batch.subarray(pos, nl).toString("utf8");
    pos = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) continue; // "missing" (e.g. a submodule entry)
    const size = Number(m[2]);
    const content = batch.subarray(pos, pos + size);
    pos += size + 1;
    if (m[1] !== "blob") continue;
    files.push({ path: name, content, addedLines: added.get(name) ?? new Set() });
  }
  return files;
}

/** Index versions of tracked files whose path matches `want` (e.g. kustomization files). */
export function indexFiles(root: string, want: RegExp): { path: string; content: Buffer }[] {
  const names = git(root, ["ls-files", "-z", "--cached"]).toString("utf8").split("\0").filter((n) => n && want.test(n));
  if (names.length === 0) return [];
  const batch = git(root, ["cat-file", "--batch"], names.map((n) => `:${n}\n`).join(""));
  const out: { path: string; content: Buffer }[] = [];
  let pos = 0;
  for (const name of names) {
    const nl = batch.indexOf(10, pos);
    const m = /^[0-9a-f]+ blob (\d+)$/.exec(batch.subarray(pos, nl).toString("utf8"));
    pos = nl + 1;
    if (!m) continue;
    const size = Number(m[1]);
    out.push({ path: name, content: batch.subarray(pos, pos + size) });
    pos += size + 1;
  }
  return out;
}

/** The added lines of one file in one commit, as a fragment to scan. */
export interface HistoryFragment {
  readonly commit: string;
  /** Author name, e-mail, ISO 8601 author date and subject line of the commit. */
  readonly author: string;
  readonly email: string;
  readonly date: string;
  readonly message: string;
  readonly path: string;
  readonly text: string;
  /** lineMap[i] = the file's line number of fragment line i + 1. */
  readonly lineMap: number[];
}

/**
 * Streams `git log -p -U0` over `range` (default `--all`) and yields, per commit and file, the
 * added lines only (as gitleaks does for history), so each secret is reported in the commit
 * that introduced it.
 */
export async function* historyFragments(root: string, since: string | undefined): AsyncGenerator<HistoryFragment> {
  const range = since ? [`${since}..HEAD`] : ["--all"];
  if (since) {
    try {
      git(root, ["rev-parse", "--verify", "--quiet", `${since}^{commit}`]);
    } catch (cause) {
      throw new HushError("HUSH_ERR_SCAN_GIT", "--since: no such commit in this repository", { cause });
    }
  }
  const child = spawn(
    "git",
    ["-c", "core.quotepath=false", "log", "-p", "-U0", "--no-color", "--no-ext-diff", "--full-history", "--diff-filter=ACMR", "--format=%x00commit %H%x00%an%x00%ae%x00%aI%x00%s", ...range],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const exit = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  let commit = "";
  let meta = { author: "", email: "", date: "", message: "" };
  let path: string | undefined;
  let lines: string[] = [];
  let map: number[] = [];
  let next = 0;
  let inHeader = false;
  const flush = (): HistoryFragment | undefined => {
    const frag = path && lines.length > 0 ? { commit, ...meta, path, text: lines.join("\n"), lineMap: map } : undefined;
    lines = [];
    map = [];
    return frag;
  };
  for await (const line of rl) {
    if (line.startsWith("\0commit ")) {
      const f = flush();
      if (f) yield f;
      const [hash = "", author = "", email = "", date = "", message = ""] = line.slice(8).split("\0");
      commit = hash.trim();
      meta = { author, email, date, message };
      path = undefined;
    } else if (line.startsWith("diff --git ")) {
      const f = flush();
      if (f) yield f;
      path = undefined;
      inHeader = true;
    } else if (inHeader && line.startsWith("+++ ")) {
      const p = line.slice(4);
      path = p === "/dev/null" ? undefined : p.startsWith("b/") ? p.slice(2) : p;
    } else if (line.startsWith("@@ ")) {
      inHeader = false;
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)/.exec(line);
      next = m ? Number(m[1]) : 0;
    } else if (!inHeader && line.startsWith("+") && path) {
      lines.push(line.slice(1));
      map.push(next++);
    }
  }
  const f = flush();
  if (f) yield f;
  const code = await exit;
  if (code !== 0) {
    const why = stderr.split("\n")[0]?.trim() ?? "";
    throw new HushError("HUSH_ERR_SCAN_GIT", `git log failed${why ? `: ${why.replace(/^fatal: /, "")}` : ""}`);
  }
}
