import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, posix, resolve, sep } from "node:path";
import {
  applyBaseline,
  createBaseline,
  formatBaseline,
  formatJson,
  formatSarif,
  formatText,
  parseBaseline,
  type Finding,
  kustomizeSecretSources,
} from "@hush/scan";
import { HushError } from "@hush/errors";
import type { CliIo } from "../io/cli-io.js";
import { historyFragments, indexFiles, repoRoot, stagedFiles } from "./git.js";
import { scanInWorkers } from "./parallel.js";
import { buildScanner, readText, type ScannerSetup } from "./setup.js";
import { walkTree, type WalkedFile } from "./walk.js";

const kustomizationFile = /(?:^|\/)kustomization\.ya?ml$/i;

/** Files that kustomize secretGenerators read, from the given kustomization files. */
function kustomizeSources(files: Iterable<{ path: string; read: () => string | undefined }>): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    const text = f.read();
    if (text !== undefined) for (const p of kustomizeSecretSources(f.path, text)) out.add(p);
  }
  return out;
}

/** Parsed `hush scan` options. */
export interface ScanCommandOptions {
  readonly paths: readonly string[];
  readonly staged?: boolean;
  readonly git?: boolean;
  readonly since?: string;
  readonly stdin?: boolean;
  readonly stdinPath?: string;
  readonly format: "text" | "json" | "sarif";
  readonly config?: string;
  readonly baseline?: string;
  readonly writeBaseline?: string | boolean;
  readonly maxFileSize?: number;
  readonly allLines?: boolean;
  /** Check token checksums offline; checksum-valid findings are listed first. */
  readonly verify?: boolean;
  /** Worker threads for tree scans; default: one per CPU (max 4) for large trees. */
  readonly jobs?: number;
  readonly cwd: string;
  readonly version: string;
  readonly readStdin: () => Promise<Uint8Array>;
}

export const defaultBaselineFile = ".hush-baseline.json";
/** Trees with at least this many files are scanned on worker threads (unless --jobs is given). */
const parallelThreshold = 1500;

/** Runs `hush scan`; returns the exit code (0 clean, 1 findings). Throws HushError (exit 2). */
export async function runScan(opts: ScanCommandOptions, io: CliIo): Promise<number> {
  const modes = [opts.staged, opts.git, opts.stdin].filter(Boolean).length;
  if (modes > 1) throw new HushError("HUSH_ERR_SCAN_USAGE", "use only one of --staged, --git and --stdin");
  if (opts.since && !opts.git) throw new HushError("HUSH_ERR_SCAN_USAGE", "--since needs --git");
  if (modes > 0 && opts.paths.length > 0) throw new HushError("HUSH_ERR_SCAN_USAGE", "paths cannot be combined with --staged, --git or --stdin");

  const gitMode = opts.staged || opts.git;
  const root = gitMode ? repoRoot(opts.cwd) : resolve(opts.cwd, opts.paths[0] ?? ".");
  // One directory: paths are relative to it, and its config/baseline apply. Several paths, or
  // a file: paths are reported as given (joined with the path inside a directory), and the
  // config/baseline of the current directory apply.
  const single = gitMode || opts.paths.length <= 1;
  const isDir = gitMode || (single && existsSync(root) && statSync(root).isDirectory());
  const configRoot = isDir ? root : opts.cwd;
  // Tree mode lists the files up front so kustomizations are known before their env files.
  const treeFiles: WalkedFile[] = [];
  if (!gitMode && !opts.stdin) {
    if (isDir) treeFiles.push(...walkTree(root));
    else {
      for (const given of opts.paths.length ? opts.paths : ["."]) {
        const abs = resolve(opts.cwd, given);
        const shown = given.split(sep).join("/").replace(/\/+$/, "");
        const dir = existsSync(abs) && statSync(abs).isDirectory();
        for (const f of walkTree(abs)) treeFiles.push({ abs: f.abs, rel: dir ? posix.join(shown, f.rel) : shown });
      }
    }
  }
  let kustomizeSecretFiles = new Set<string>();
  if (opts.staged) {
    kustomizeSecretFiles = kustomizeSources(indexFiles(root, kustomizationFile).map((f) => ({ path: f.path, read: () => f.content.toString("utf8") })));
  } else if (treeFiles.length > 0) {
    kustomizeSecretFiles = kustomizeSources(
      treeFiles
        .filter((f) => kustomizationFile.test(f.rel))
        .map((f) => ({
          path: f.rel,
          read: () => {
            try {
              return readFileSync(f.abs, "utf8");
            } catch {
              return undefined;
            }
          },
        })),
    );
  }
  const setup: ScannerSetup = {
    configRoot,
    ...(opts.config ? { configFile: resolve(opts.cwd, opts.config) } : {}),
    ...(opts.maxFileSize !== undefined ? { maxFileBytes: opts.maxFileSize } : {}),
    ...(opts.verify ? { verify: true } : {}),
    kustomizeSecretFiles: [...kustomizeSecretFiles],
  };
  const scanner = buildScanner(setup);

  const findings: Finding[] = [];
  let files = 0;
  let bytes = 0;
  if (opts.stdin) {
    const content = await opts.readStdin();
    files = 1;
    bytes = content.length;
    findings.push(...scanner.scan({ path: opts.stdinPath ?? "stdin", content }).findings);
  } else if (opts.staged) {
    for (const f of stagedFiles(root)) {
      files++;
      bytes += f.content.length;
      findings.push(...scanner.scan({ path: f.path, content: f.content, ...(opts.allLines ? {} : { addedLines: f.addedLines }) }).findings);
    }
  } else if (opts.git) {
    for await (const frag of historyFragments(root, opts.since)) {
      files++;
      bytes += Buffer.byteLength(frag.text);
      const { author, email, date, message } = frag;
      for (const f of scanner.scan({ path: frag.path, content: frag.text, lineMap: frag.lineMap, commit: frag.commit }).findings) {
        findings.push({ ...f, author, email, date, message });
      }
    }
  } else if ((opts.jobs ?? 0) > 1 || (opts.jobs === undefined && treeFiles.length >= parallelThreshold && availableParallelism() > 1)) {
    const jobs = opts.jobs ?? Math.min(4, availableParallelism());
    const r = await scanInWorkers(treeFiles, setup, jobs);
    findings.push(...r.findings);
    files += r.files;
    bytes += r.bytes;
  } else {
    for (const f of treeFiles) {
      let content: Buffer;
      try {
        content = readFileSync(f.abs);
      } catch {
        continue; // vanished or unreadable file: not a finding
      }
      files++;
      bytes += content.length;
      const rel = f.rel;
      findings.push(...scanner.scan({ path: rel, content }).findings);
    }
  }
  // With --verify a checksum-valid token outranks everything else, and a failing one comes last.
  const rank = (f: Finding) => (f.checksum === "valid" ? 0 : f.checksum === "invalid" ? 2 : 1);
  findings.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));

  const baselineRoot = gitMode ? root : configRoot;
  if (opts.writeBaseline) {
    const target = resolve(opts.cwd, typeof opts.writeBaseline === "string" ? opts.writeBaseline : join(baselineRoot, defaultBaselineFile));
    try {
      writeFileSync(target, formatBaseline(createBaseline(findings)));
    } catch (cause) {
      throw new HushError("HUSH_ERR_SCAN_BASELINE", `${target}: cannot write the baseline`, { cause });
    }
    io.stderr.write(`hush scan: wrote ${findings.length} finding(s) to ${target}\n`);
    return 0;
  }
  const baselineFile = opts.baseline ? resolve(opts.cwd, opts.baseline) : join(baselineRoot, defaultBaselineFile);
  let reported = findings;
  if (opts.baseline || existsSync(baselineFile)) {
    reported = applyBaseline(findings, parseBaseline(readText(baselineFile, "baseline"), baselineFile));
  }

  const stats = { files, bytes };
  if (opts.format === "json") io.stdout.write(formatJson(reported, stats));
  else if (opts.format === "sarif") io.stdout.write(formatSarif(reported, scanner.rules, opts.version));
  else {
    io.stdout.write(formatText(reported));
    const suppressed = findings.length - reported.length;
    io.stderr.write(
      `hush scan: ${reported.length} finding(s) in ${files} file(s), ${bytes} bytes${suppressed ? `; ${suppressed} in the baseline` : ""}\n`,
    );
  }
  return reported.length > 0 ? 1 : 0;
}
