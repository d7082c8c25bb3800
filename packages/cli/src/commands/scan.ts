import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { HushError } from "@hush/errors";
import type { CliIo } from "../io/cli-io.js";
import { HUSH_VERSION } from "../run.js";
import { installHook } from "../scan/hook.js";
import { runScan } from "../scan/run-scan.js";

function megabytes(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number of megabytes");
  return Math.floor(n * 1024 * 1024);
}

function jobCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError("expected a whole number from 1 to 64");
  return n;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

interface RawOptions {
  staged?: boolean;
  git?: boolean;
  since?: string;
  stdin?: boolean;
  stdinPath?: string;
  format: "text" | "json" | "sarif";
  config?: string;
  baseline?: string;
  writeBaseline?: string | boolean;
  maxFileSize?: number;
  allLines?: boolean;
  jobs?: number;
  verify?: boolean;
}

/**
 * `hush scan` reports usage errors with exit 2 (0 clean, 1 findings, 2 error), so commander's
 * own errors for this command become HushErrors instead of commander's exit 1.
 */
function usageErrorsExit2(cmd: Command): Command {
  return cmd
    .configureOutput({ outputError: () => undefined })
    .exitOverride((err: CommanderError) => {
      if (err.exitCode === 0) throw err;
      // Drop the offending value: messages never echo raw input.
      throw new HushError("HUSH_ERR_SCAN_USAGE", `scan: ${err.message.replace(/^error: /, "").replace(/ argument '[^']*'/, " argument")}`);
    });
}

/** Registers `hush scan` and `hush hook install`. */
export function register(program: Command, io: CliIo): void {
  const scan = program.command("scan");
  usageErrorsExit2(scan);
  scan
    .description("scan a tree, the staged changes, Git history or stdin for secrets (exit 0 clean, 1 findings, 2 error)")
    .argument("[path...]", "directory or file to scan (default: the current directory); honours .gitignore")
    .option("--staged", "scan the index blobs (pre-commit); line rules report only added lines")
    .option("--all-lines", "with --staged, report findings on unchanged lines too")
    .option("--git", "scan the added lines of every commit in the history")
    .option("--since <rev>", "with --git, only commits after <rev> (<rev>..HEAD)")
    .option("--stdin", "scan standard input")
    .option("--stdin-path <name>", "path to report (and match path rules against) for --stdin", "stdin")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json", "sarif"]).default("text"))
    .option("-c, --config <file>", "scanner config (.hush-scan.yaml, or a gitleaks .toml); default: found in the scan root")
    .option("--baseline <file>", "suppress findings listed in this baseline (default: .hush-baseline.json if present)")
    .option("--write-baseline [file]", "write all current findings to a baseline file and exit 0")
    .option("--max-file-size <MB>", "skip files larger than this (default 25)", megabytes)
    .option("--verify", "check token checksums offline (GitHub, npm, age, Base58Check); checksum-valid findings first")
    .option("-j, --jobs <n>", "worker threads for tree scans (default: one per CPU, up to 4, for trees of 1500+ files)", jobCount)
    .action(async (paths: string[], raw: RawOptions) => {
      const code = await runScan(
        {
          paths,
          cwd: process.cwd(),
          version: HUSH_VERSION,
          readStdin,
          format: raw.format,
          ...(raw.staged ? { staged: true } : {}),
          ...(raw.allLines ? { allLines: true } : {}),
          ...(raw.git ? { git: true } : {}),
          ...(raw.since ? { since: raw.since } : {}),
          ...(raw.stdin ? { stdin: true, stdinPath: raw.stdinPath ?? "stdin" } : {}),
          ...(raw.config ? { config: raw.config } : {}),
          ...(raw.baseline ? { baseline: raw.baseline } : {}),
          ...(raw.writeBaseline !== undefined ? { writeBaseline: raw.writeBaseline } : {}),
          ...(raw.maxFileSize !== undefined ? { maxFileSize: raw.maxFileSize } : {}),
          ...(raw.jobs !== undefined ? { jobs: raw.jobs } : {}),
          ...(raw.verify ? { verify: true } : {}),
        },
        io,
      );
      process.exitCode = code;
    });

  const hook = program.commands.find((c) => c.name() === "hook") ?? program.command("hook").description("manage the Git pre-commit hook");
  hook
    .command("install")
    .description("install a Git pre-commit hook that runs `hush scan --staged`")
    .option("--force", "overwrite an existing pre-commit hook")
    .action((o: { force?: boolean }) => {
      const file = installHook(process.cwd(), o.force === true);
      io.stderr.write(`hush: installed the pre-commit hook at ${file}\n`);
      process.exitCode = 0;
    });
}
