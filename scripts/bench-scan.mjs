#!/usr/bin/env node
// Benchmark for `hush scan`: speed against gitleaks (and secretlint when installed) on one large
// real tree, precision/recall of each on hush's labelled corpus, and precision/recall of hush and
// gitleaks on real open-source code (the trees scripts/fetch-scan-corpus fetches, every finding
// of both tools labelled by hand in test/scan/real-code-labels.tsv). Run after `pnpm build`.
//
//   node scripts/bench-scan.mjs [DIR] [--runs N] [--json] [--real-code-only]
//
// The real-code trees are read from $HUSH_SCAN_CORPUS (default ~/.cache/hush/scan-corpus); the
// section is skipped with a note when they have not been fetched.
//
// DIR defaults to $HUSH_BENCH_DIR, else the k8s.io tree of the Go module cache that
// scripts/peers fills ($GOMODCACHE or ~/.cache/hush/go-mod: ~280 MB of real Go, YAML, JSON and
// test keys), else node_modules/.pnpm. hush honours .gitignore (also above DIR, inside a work
// tree), so pick a DIR no .gitignore excludes, or the tools will not scan the same bytes: the
// table shows the bytes hush actually read.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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
      return { seconds: r.seconds, bytesRead: doc.stats.bytes, findings: doc.findings.map((f) => ({ path: f.path, line: f.line, rule: f.rule, secretHash: f.secretHash })) };
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
      return { seconds: r.seconds, findings: found.map((f) => ({ path: f.File, line: f.StartLine, rule: f.RuleID, secretHash: createHash("sha256").update(f.Secret ?? "", "utf8").digest("hex") })) };
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

// ---- precision on real code: hand-labelled findings of both tools ----
const corpusRoot = process.env.HUSH_SCAN_CORPUS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "hush/scan-corpus");

function readLabels() {
  const labels = new Map();
  for (const line of readFileSync(join(root, "test/scan/real-code-labels.tsv"), "utf8").split("\n")) {
    if (!line || line.startsWith("#") || line.startsWith("tree\t")) continue;
    const [tree, path, ln, , label] = line.split("\t");
    labels.set(`${tree}\t${path}\t${ln}`, label === "true");
  }
  return labels;
}

function flaggedLocations(name, tool, tree, report) {
  const target = join(corpusRoot, tree);
  const r = tool.run(target, report);
  const out = new Set();
  out.hashAt = new Map();
  out.hashes = new Set();
  for (const f of r.findings) {
    const rel = f.path.startsWith(`${target}/`) ? f.path.slice(target.length + 1) : f.path;
    const k = `${tree}\t${rel}\t${f.line}`;
    out.add(k);
    out.hashAt.set(k, f.secretHash);
    out.hashes.add(f.secretHash);
  }
  return out;
}

function realCode(work) {
  if (!existsSync(corpusRoot)) return { skipped: `no trees at ${corpusRoot}: run scripts/fetch-scan-corpus` };
  const labels = readLabels();
  const trees = readdirSync(corpusRoot).filter((d) => !d.startsWith(".") && existsSync(join(corpusRoot, d, ".fetched"))).sort();
  const names = ["hush", "gitleaks"].filter((n) => tools[n].available);
  const perTree = [];
  const unlabelled = [];
  const total = Object.fromEntries(names.map((n) => [n, { flagged: 0, tp: 0, fp: 0 }]));
  let totalTrue = 0;
  for (const tree of trees) {
    const flagged = Object.fromEntries(names.map((n) => [n, flaggedLocations(n, tools[n], tree, join(work, `${n}-${tree}.json`))]));
    const truth = new Set([...labels].filter(([k, v]) => v && k.startsWith(`${tree}\t`)).map(([k]) => k));
    totalTrue += truth.size;
    const row = { tree, trueLocations: truth.size };
    for (const n of names) {
      let tp = 0;
      let fp = 0;
      for (const k of flagged[n]) {
        if (!labels.has(k)) unlabelled.push(`${n}: ${k.replaceAll("\t", " ")}`);
        else if (labels.get(k)) tp++;
        else fp++;
      }
      total[n].flagged += flagged[n].size;
      total[n].tp += tp;
      total[n].fp += fp;
      row[n] = { flagged: flagged[n].size, tp, fp, precision: tp + fp ? +(tp / (tp + fp)).toFixed(3) : null, recall: truth.size ? +(tp / truth.size).toFixed(3) : null };
    }
    // True secrets gitleaks finds that hush does not (the issue's bar: none).
    // Counted twice: by location, and by secret value (a value hush reports at another line of
    // the tree is found; only values hush never reports are missed secrets).
    if (flagged.hush && flagged.gitleaks) {
      const only = [...flagged.gitleaks].filter((k) => labels.get(k) && !flagged.hush.has(k));
      row.missedByHush = only.length;
      row.missedValuesByHush = new Set(only.map((k) => flagged.gitleaks.hashAt.get(k)).filter((h) => !flagged.hush.hashes.has(h))).size;
    }
    perTree.push(row);
  }
  const totals = Object.fromEntries(
    names.map((n) => [n, { ...total[n], precision: +(total[n].tp / Math.max(1, total[n].tp + total[n].fp)).toFixed(3), recall: +(total[n].tp / Math.max(1, totalTrue)).toFixed(3) }]),
  );
  return { trees: perTree, totals, trueLocations: totalTrue, unlabelled };
}

const work = mkdtempSync(join(tmpdir(), "hush-bench-"));
try {
  if (flag("--real-code-only")) {
    const rc = realCode(work);
    if (flag("--json")) process.stdout.write(`${JSON.stringify(rc, null, 2)}\n`);
    else process.stdout.write(`${formatRealCode(rc).join("\n")}\n`);
    process.exit(rc.unlabelled?.length ? 1 : 0);
  }
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

  const realCodeResult = realCode(work);
  const result = {
    realCode: realCodeResult,
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
      "",
      ...formatRealCode(realCodeResult),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

function formatRealCode(rc) {
  if (rc.skipped) return [`real code: skipped (${rc.skipped})`];
  const names = Object.keys(rc.totals);
  const cell = (x) => (x === null || x === undefined ? "—" : x);
  const lines = [
    `real code: ${rc.trees.length} trees, ${rc.trueLocations} true secret locations (union of both tools, hand-labelled)`,
    "",
    `| tree | true | ${names.map((n) => `${n} flagged | ${n} precision | ${n} recall`).join(" | ")} | true only gitleaks flags: locations / values hush never reports |`,
    `| --- | ---: | ${names.map(() => "---: | ---: | ---:").join(" | ")} | ---: |`,
    ...rc.trees.map((t) => `| ${t.tree} | ${t.trueLocations} | ${names.map((n) => `${t[n].flagged} | ${cell(t[n].precision)} | ${cell(t[n].recall)}`).join(" | ")} | ${cell(t.missedByHush)} / ${cell(t.missedValuesByHush)} |`),
    `| **all** | ${rc.trueLocations} | ${names.map((n) => `${rc.totals[n].flagged} | ${rc.totals[n].precision} | ${rc.totals[n].recall}`).join(" | ")} | ${rc.trees.reduce((a, t) => a + (t.missedByHush ?? 0), 0)} / ${rc.trees.reduce((a, t) => a + (t.missedValuesByHush ?? 0), 0)} |`,
  ];
  if (rc.unlabelled.length) lines.push("", `UNLABELLED findings (label them in test/scan/real-code-labels.tsv): ${rc.unlabelled.length}`, ...rc.unlabelled.map((u) => `  ${u}`));
  return lines;
}
