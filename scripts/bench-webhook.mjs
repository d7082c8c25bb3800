#!/usr/bin/env node
// Benchmark of the admission webhook: the built `hush webhook` pinned to one core (taskset -c 0),
// over TLS on loopback, logging at info (one JSON line per decision, to /dev/null), sent a
// realistic AdmissionReview (a plaintext Secret from Argo CD, denied) from the other core.
//
// 1. Saturation: autocannon (closed loop, 10 connections) gives requests/s.
// 2. Latency at a fixed 2,000 requests/s: vegeta (open loop, so a slow answer does not delay
//    the next request and hide itself, microsecond resolution), in rounds that alternate hush
//    with a floor: a bare node:https server on the same core that parses the same body and sends
//    the same answer. The floor is what Node + TLS + this machine cost before any webhook code
//    runs; hush's p99 is meaningful next to it. Each server is warmed up at full speed first.
// 3. Server-side review time from hush's own histogram, and the pure judge() cost in-process.
// Needs `pnpm build` first, and `bash scripts/peers vegeta` for step 2 (else autocannon is used).
//   node scripts/bench-webhook.mjs [--duration 10] [--connections 10] [--rate 2000] [--rounds 3]
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:https";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const require = createRequire(join(root, "packages/webhook/package.json"));
const autocannon = require("autocannon");
const { selfSignedCert, freePort, waitFor } = await import(join(root, "packages/testkit/dist/index.js"));
const { judge, parseAdmissionReview, defaultPolicy } = await import(join(root, "packages/webhook/dist/index.js"));

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    rate: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rate = Number(values.rate);
const rounds = Number(values.rounds);

const review = readFileSync(join(root, "packages/webhook/testdata/secret-create-argocd.json"), "utf8");
const body = JSON.parse(review);
body.request.object.metadata.annotations = {}; // no Argo CD lookup: the steady-state path
const payload = JSON.stringify(body);

const dir = mkdtempSync(join(tmpdir(), "hush-bench-"));
const tls = selfSignedCert(["127.0.0.1", "localhost"]);
writeFileSync(join(dir, "tls.crt"), tls.cert);
writeFileSync(join(dir, "ca.crt"), tls.ca);
writeFileSync(join(dir, "tls.key"), tls.key, { mode: 0o600 });
writeFileSync(join(dir, "body.json"), payload);
writeFileSync(join(dir, "kubeconfig"), JSON.stringify({
  apiVersion: "v1", kind: "Config", "current-context": "none",
  clusters: [{ name: "none", cluster: { server: "https://127.0.0.1:1" } }], users: [{ name: "none", user: {} }],
  contexts: [{ name: "none", context: { cluster: "none", user: "none" } }],
}));
const pin = (() => { try { execFileSync("taskset", ["-c", "0", "true"]); return ["taskset", "-c", "0"]; } catch { return []; } })();
// The load generators keep to the other core, so they do not steal the server's.
if (pin.length > 0) execFileSync("taskset", ["-a", "-cp", "1", String(process.pid)], { stdio: "ignore" });
const vegeta = [process.env.HUSH_VEGETA, join(root, ".cache/peers/bin/vegeta")].find((p) => p && existsSync(p));
const loadBefore = loadavg()[0];

const call = (port, path, method = "GET", data) => new Promise((resolve, reject) => {
  const req = request({ host: "127.0.0.1", port, path, method, ca: tls.ca, servername: "localhost", agent: false, headers: data ? { "content-type": "application/json" } : {} }, (res) => {
    let text = ""; res.setEncoding("utf8").on("data", (c) => (text += c)); res.on("end", () => resolve({ status: res.statusCode, body: text }));
  });
  req.on("error", reject); req.end(data);
});

/** Starts `hush webhook` or the floor server on core 0 and waits until it answers. */
async function startServer(kind, answerFile) {
  const port = await freePort();
  const args = kind === "hush"
    ? [join(root, "packages/cli/bin/hush.js"), "webhook", `--listen=127.0.0.1:${port}`, `--tls-cert=${join(dir, "tls.crt")}`,
      `--tls-key=${join(dir, "tls.key")}`, `--kubeconfig=${join(dir, "kubeconfig")}`, "--log-level=info"]
    : [join(root, "scripts/lib/https-floor.mjs"), String(port), join(dir, "tls.crt"), join(dir, "tls.key"), answerFile];
  const cmd = [...pin, process.execPath, ...args];
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`${kind} server exited with ${child.exitCode}`);
    return (await call(port, "/healthz").catch(() => ({ status: 0 }))).status === 200;
  }, { what: `${kind} server`, timeoutMs: 20_000 });
  return { port, stop: async () => { child.kill("SIGTERM"); await exited; } };
}

const autocannonLoad = (port, extra) => autocannon({
  url: `https://127.0.0.1:${port}/validate`, method: "POST", headers: { "content-type": "application/json" }, body: payload,
  duration, connections, servername: "localhost", ...extra,
});

/** Fixed-rate latency in ms (p50, p99, max) and the count of failed requests. */
async function fixedRate(port, seconds) {
  if (!vegeta) {
    const r = await autocannonLoad(port, { duration: seconds, overallRate: rate });
    return { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, bad: r.non2xx + r.errors };
  }
  const targets = join(dir, "targets");
  writeFileSync(targets, `POST https://127.0.0.1:${port}/validate\nContent-Type: application/json\n@${join(dir, "body.json")}\n`);
  const attack = spawnSync(vegeta, ["attack", `-targets=${targets}`, `-root-certs=${join(dir, "ca.crt")}`, `-rate=${rate}`, `-duration=${seconds}s`,
    `-connections=${connections}`, `-max-connections=${connections}`], { maxBuffer: 1 << 30 });
  if (attack.status !== 0) throw new Error(`vegeta attack failed: ${attack.stderr}`);
  const report = spawnSync(vegeta, ["report", "-type=json"], { input: attack.stdout, maxBuffer: 1 << 26 });
  const r = JSON.parse(report.stdout.toString());
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  const ok = r.status_codes?.["200"] ?? 0;
  return { p50: ms(r.latencies["50th"]), p99: ms(r.latencies["99th"]), max: ms(r.latencies.max), bad: r.requests - ok };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lines = [];
let bad = 0;
try {
  // Saturation, and the answer the floor will send (the same bytes hush sends).
  let server = await startServer("hush");
  await autocannonLoad(server.port, { duration: 2 }); // warm-up (JIT, TLS session set-up)
  const sat = await autocannonLoad(server.port, {});
  bad += sat.non2xx + sat.errors;
  const answer = await call(server.port, "/validate", "POST", payload);
  writeFileSync(join(dir, "answer.json"), answer.body);
  await server.stop();

  const results = { floor: [], hush: [] };
  let metrics = "";
  for (let i = 0; i < rounds; i++) {
    for (const kind of ["floor", "hush"]) {
      server = await startServer(kind, join(dir, "answer.json"));
      // Warm-up at full speed: on one core, V8's background compilers share the core with the
      // event loop, and stalls of 100 ms and more in the first seconds are start-up, not steady state.
      await autocannonLoad(server.port, { duration: 5 });
      const r = await fixedRate(server.port, duration);
      results[kind].push(r);
      bad += r.bad;
      if (kind === "hush" && i === rounds - 1) metrics = (await call(server.port, "/metrics")).body;
      await server.stop();
    }
  }

  // Pure decision cost, in this process.
  const request0 = parseAdmissionReview(body).request;
  for (let i = 0; i < 20_000; i++) judge(request0, defaultPolicy, {});
  const n = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) judge(request0, defaultPolicy, {});
  const judgeUs = Number(process.hrtime.bigint() - t0) / 1000 / n;

  const count = Number(/hush_webhook_review_duration_seconds_count (\d+)/.exec(metrics)?.[1] ?? 0);
  const under1ms = Number(/hush_webhook_review_duration_seconds_bucket\{le="0.001"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  // Server-side quantiles as histogram bucket bounds (the review, from body parsed to answer).
  const buckets = [...metrics.matchAll(/hush_webhook_review_duration_seconds_bucket\{le="([^"]+)"\} (\d+)/g)].map((m) => [m[1], Number(m[2])]);
  const bound = (q) => buckets.find(([, c]) => c >= q * count)?.[0] ?? "+Inf";
  const ms = (le) => (le === "+Inf" ? le : `${Number(le) * 1000} ms`);
  const row = (r) => `p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms`;
  const tool = vegeta ? "vegeta, open loop" : "autocannon, closed loop, 1 ms resolution (vegeta not found: bash scripts/peers vegeta)";

  lines.push(
    `hush webhook benchmark (${new Date().toISOString()}, node ${process.version}, server pinned: ${pin.length > 0 ? "taskset -c 0, load generators -c 1" : "no"}, load average before ${loadBefore.toFixed(1)})`,
    `  saturation (autocannon, ${connections} connections, ${duration}s): ${Math.round(sat.requests.average)} req/s, latency p50 ${sat.latency.p50} ms, p99 ${sat.latency.p99} ms`,
    `  fixed ${rate} req/s (${tool}, ${connections} connections, ${duration}s per run), floor = bare node:https answering the same bytes:`,
  );
  for (let i = 0; i < rounds; i++) lines.push(`    round ${i + 1}: floor ${row(results.floor[i])} | hush ${row(results.hush[i])}`);
  const fp99 = median(results.floor.map((r) => r.p99));
  const hp99 = median(results.hush.map((r) => r.p99));
  lines.push(
    `    median p99: floor ${fp99} ms, hush ${hp99} ms (hush above floor: ${(hp99 - fp99).toFixed(2)} ms)`,
    `  server-side review time (last hush run): p50 <= ${ms(bound(0.5))}, p99 <= ${ms(bound(0.99))}, under 1 ms: ${((100 * under1ms) / Math.max(count, 1)).toFixed(2)}% of ${count} reviews`,
    `  judge() alone: ${judgeUs.toFixed(2)} µs per review (${Math.round(1e6 / judgeUs)} per second)`,
    `  non-2xx or errors: ${bad}`,
  );
  console.log(lines.join("\n"));
  if (bad > 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
