#!/usr/bin/env node
// Benchmark for `hush scan`: speed against gitleaks (and secretlint when installed) on one large
// real tree, and precision/recall of each on hush's labelled corpus. Run after `pnpm build`.
//
//   node scripts/bench-scan.mjs [DIR] [--runs N] [--json]
//
// DIR defaults to $HUSH_BENCH_DIR, else the k8s.io tree of the Go module cache that
// scripts/peers fills ($GOMODCACHE or ~/.cache/hush/go-mod: ~280 MB of real Go, YAML, JSON and
// test keys), else node_modules/.pnpm. hush honours .gitignore (also above DIR, inside a work
// tree), so pick a DIR no .gitignore excludes, or the tools will not scan the same bytes: the
// table shows the bytes hush actually read.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCorpus } from "../packages/scan/testdata/load-corpus.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(option("--runs", "1"));
const positional = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1] === "--runs"));
const modCache = process.env.GOMODCACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "hush/go-mod");
const candidates = [
  positional[0],
  process.env.HUSH_BENCH_DIR,
  join(modCache, "k8s.io"),
  join(root, "node_modules/.pnpm"),
];
const dir = candidates.find((d) => d && existsSync(d));
if (!dir) throw new Error("no benchmark tree found; pass a directory");

const hushBin = join(root, "packages/cli/bin/hush.js");
if (!existsSync(join(root, "packages/cli/dist/main.js"))) throw new Error("build first: pnpm build");

function which(name) {
  for (const d of [join(root, ".cache/peers/bin"), ...(process.env.PATH ?? "").split(delimiter)]) {
    const p = join(d, name);
    if (d && existsSync(p)) return p;
  }
  return undefined;
}

function treeSize(d) {
  let files = 0;
  let bytes = 0;
  const stack = [d];
  while (stack.length) {
    const cur = stack.pop();
    for (const e of readdirSync(cur, { withFileTypes: true })) {
      if (e.name === ".git") continue;
      const p = join(cur, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        files++;
        bytes += statSync(p).size;
      }
    }
  }
  return { files, bytes };
}

function timed(cmd, argv, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 1 << 30, ...opts });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) throw r.error;
  return { seconds, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tools = {
  hush: {
    available: true,
    run(target, report) {
      const r = timed(process.execPath, [hushBin, "scan", target, "--format", "json"]);
      if (r.status !== 0 && r.status !== 1) throw new Error(`hush failed (${r.status}): ${r.stderr.split("\n")[0]}`);
      writeFileSync(report, r.stdout);
      const doc = JSON.parse(r.stdout);
      return { seconds: r.seconds, bytesRead: doc.stats.bytes, findings: doc.findings.map((f) => ({ path: f.path, rule: f.rule })) };
    },
  },
  gitleaks: {
    path: which("gitleaks"),
    get available() {
      return !!this.path;
    },
    run(target, report) {
      const r = timed(this.path, ["dir", target, "--no-banner", "--log-level", "error", "--report-format", "json", "--report-path", report, "--exit-code", "0"]);
      if (r.status !== 0) throw new Error(`gitleaks failed (${r.status}): ${r.stderr.split("\n")[0]}`);
      const found = JSON.parse(spawnSync("cat", [report], { encoding: "utf8", maxBuffer: 1 << 30 }).stdout || "[]");
      return { seconds: r.seconds, findings: found.map((f) => ({ path: f.File, rule: f.RuleID })) };
    },
  },
  secretlint: {
    // A devDependency of @hush/scan (with @secretlint/secretlint-rule-preset-recommend).
    path: [join(root, "packages/scan/node_modules/.bin/secretlint"), join(root, "node_modules/.bin/secretlint")].find((p) => existsSync(p)) ?? which("secretlint"),
    get available() {
      return !!this.path;
    },
    run(target, report) {
      const rc = join(work, "secretlintrc.json");
      writeFileSync(rc, JSON.stringify({ rules: [{ id: "@secretlint/secretlint-rule-preset-recommend" }] }));
      const r = timed(this.path, ["--format", "json", "--secretlintrc", rc, "**/*"], { cwd: target });
      if (r.status !== 0 && r.status !== 1) throw new Error(`secretlint failed (${r.status}): ${r.stderr.split("\n")[0]}`);
      writeFileSync(report, r.stdout);
      const found = JSON.parse(r.stdout || "[]");
      return { seconds: r.seconds, findings: found.flatMap((f) => f.messages.map((m) => ({ path: f.filePath, rule: m.ruleId }))) };
    },
  },
};

const work = mkdtempSync(join(tmpdir(), "hush-bench-"));
try {
  // ---- speed ----
  const size = treeSize(dir);
  const speed = {};
  for (const [name, tool] of Object.entries(tools)) {
    if (!tool.available) {
      speed[name] = { skipped: `${name} not installed` };
      continue;
    }
    const times = [];
    let findings = 0;
    let bytesRead;
    for (let i = 0; i < runs; i++) {
      const r = tool.run(dir, join(work, `${name}-tree.json`));
      times.push(r.seconds);
      findings = r.findings.length;
      bytesRead = r.bytesRead;
    }
    const best = Math.min(...times);
    speed[name] = { seconds: +best.toFixed(2), mbPerS: +(size.bytes / 1e6 / best).toFixed(2), findings, ...(bytesRead !== undefined ? { megabytesRead: +(bytesRead / 1e6).toFixed(1) } : {}) };
    if (bytesRead !== undefined && bytesRead < size.bytes * 0.95) {
      process.stderr.write(`bench-scan: warning: ${name} read ${bytesRead} of ${size.bytes} bytes (ignored paths?); MB/s is not comparable\n`);
    }
  }

  // ---- accuracy on the labelled corpus (one directory per case) ----
  const corpus = loadCorpus();
  const cdir = join(work, "corpus");
  corpus.forEach((c, i) => {
    const f = join(cdir, `c${String(i).padStart(3, "0")}`, c.path);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, c.text);
  });
  const accuracy = {};
  for (const [name, tool] of Object.entries(tools)) {
    if (!tool.available) continue;
    const r = tool.run(cdir, join(work, `${name}-corpus.json`));
    const flagged = new Map();
    for (const f of r.findings) {
      const m = /(?:^|\/)c(\d{3})\//.exec(f.path);
      if (!m) continue;
      const i = Number(m[1]);
      flagged.set(i, [...(flagged.get(i) ?? []), f.rule]);
    }
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    corpus.forEach((c, i) => {
      const positive = c.expect.length > 0;
      const hit = flagged.has(i);
      if (positive && hit) tp++;
      else if (positive) fn++;
      else if (hit) fp++;
      else tn++;
    });
    accuracy[name] = {
      truePositiveCases: tp,
      falsePositiveCases: fp,
      missedCases: fn,
      quietCases: tn,
      precision: +(tp / Math.max(1, tp + fp)).toFixed(3),
      recall: +(tp / Math.max(1, tp + fn)).toFixed(3),
    };
  }

  const result = {
    tree: { dir: dir.replace(`${root}/`, ""), files: size.files, megabytes: +(size.bytes / 1e6).toFixed(1) },
    cpus: spawnSync("nproc", { encoding: "utf8" }).stdout.trim(),
    speed,
    ratioHushToGitleaks: speed.gitleaks?.seconds ? +(speed.hush.seconds / speed.gitleaks.seconds).toFixed(3) : null,
    corpus: { cases: corpus.length, positives: corpus.filter((c) => c.expect.length > 0).length, negatives: corpus.filter((c) => c.expect.length === 0).length },
    accuracy,
  };
  if (flag("--json")) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const lines = [
      `tree: ${result.tree.dir} (${result.tree.files} files, ${result.tree.megabytes} MB), ${result.cpus} CPUs, best of ${runs}`,
      "",
      "| tool | wall s | MB/s | findings |",
      "| --- | ---: | ---: | ---: |",
      ...Object.entries(speed).map(([n, s]) => (s.skipped ? `| ${n} | — | — | ${s.skipped} |` : `| ${n} | ${s.seconds} | ${s.mbPerS} | ${s.findings} |`)),
      ...(speed.hush.megabytesRead !== undefined ? ["", `hush read ${speed.hush.megabytesRead} MB of the tree's ${result.tree.megabytes} MB`] : []),
      "",
      `hush/gitleaks wall-time ratio: ${result.ratioHushToGitleaks ?? "n/a (gitleaks not installed)"}`,
      "",
      `corpus: ${result.corpus.cases} cases (${result.corpus.positives} with secrets, ${result.corpus.negatives} traps)`,
      "",
      "| tool | precision | recall | false-positive cases | missed cases |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...Object.entries(accuracy).map(([n, a]) => `| ${n} | ${a.precision} | ${a.recall} | ${a.falsePositiveCases} | ${a.missedCases} |`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
