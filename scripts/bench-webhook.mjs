#!/usr/bin/env node
// Benchmark of the admission webhook (issue 4): the built `hush webhook` pinned to one core
// (taskset -c 0), over TLS on loopback, logging at info (one JSON line per decision, to
// /dev/null), loaded by autocannon from this process (the other core) with a realistic
// AdmissionReview (a plaintext Secret from Argo CD, denied). Reports requests/s and
// client-side p50/p99 at fixed concurrency, then p50/p99 at a fixed 2,000 requests/s, then the
// pure judge() cost in-process. Needs `pnpm build` first.
//   node scripts/bench-webhook.mjs [--duration 10] [--connections 10] [--rate 2000]
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  options: { duration: { type: "string", default: "10" }, connections: { type: "string", default: "10" }, rate: { type: "string", default: "2000" } },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rate = Number(values.rate);

const review = readFileSync(join(root, "packages/webhook/testdata/secret-create-argocd.json"), "utf8");
const body = JSON.parse(review);
body.request.object.metadata.annotations = {}; // no Argo CD lookup: the steady-state path
const payload = JSON.stringify(body);

const dir = mkdtempSync(join(tmpdir(), "hush-bench-"));
const tls = selfSignedCert(["127.0.0.1", "localhost"]);
writeFileSync(join(dir, "tls.crt"), tls.cert);
writeFileSync(join(dir, "tls.key"), tls.key, { mode: 0o600 });
writeFileSync(join(dir, "kubeconfig"), JSON.stringify({
  apiVersion: "v1", kind: "Config", "current-context": "none",
  clusters: [{ name: "none", cluster: { server: "https://127.0.0.1:1" } }], users: [{ name: "none", user: {} }],
  contexts: [{ name: "none", context: { cluster: "none", user: "none" } }],
}));
const port = await freePort();
const pin = (() => { try { execFileSync("taskset", ["-c", "0", "true"]); return ["taskset", "-c", "0"]; } catch { return []; } })();
const cmd = [...pin, process.execPath, join(root, "packages/cli/bin/hush.js"), "webhook", `--listen=127.0.0.1:${port}`,
  `--tls-cert=${join(dir, "tls.crt")}`, `--tls-key=${join(dir, "tls.key")}`, `--kubeconfig=${join(dir, "kubeconfig")}`, "--log-level=info"];
const server = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
// The load generator keeps to the other core, so it does not steal the server's.
if (pin.length > 0) execFileSync("taskset", ["-a", "-cp", "1", String(process.pid)], { stdio: "ignore" });
const loadBefore = loadavg()[0];

const get = (path) => new Promise((resolve, reject) => {
  const req = request({ host: "127.0.0.1", port, path, ca: tls.ca, servername: "localhost", agent: false }, (res) => {
    let data = ""; res.setEncoding("utf8").on("data", (c) => (data += c)); res.on("end", () => resolve({ status: res.statusCode, body: data }));
  });
  req.on("error", reject); req.end();
});

try {
  await waitFor(async () => (await get("/healthz")).status === 200, { what: "hush webhook", timeoutMs: 20_000 });
  const load = (extra) => autocannon({
    url: `https://127.0.0.1:${port}/validate`, method: "POST", headers: { "content-type": "application/json" }, body: payload,
    duration, connections, servername: "localhost", ...extra,
  });
  await load({ duration: 2 }); // warm-up (JIT, TLS session set-up)
  const sat = await load({});
  const fixed = await load({ overallRate: rate });
  const bad = sat.non2xx + fixed.non2xx + sat.errors + fixed.errors;

  // Pure decision cost, in this process.
  const request0 = parseAdmissionReview(body).request;
  for (let i = 0; i < 20_000; i++) judge(request0, defaultPolicy, {});
  const n = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) judge(request0, defaultPolicy, {});
  const judgeUs = Number(process.hrtime.bigint() - t0) / 1000 / n;

  const metrics = (await get("/metrics")).body;
  const count = Number(/hush_webhook_review_duration_seconds_count (\d+)/.exec(metrics)?.[1] ?? 0);
  const under1ms = Number(/hush_webhook_review_duration_seconds_bucket\{le="0.001"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  // Server-side quantiles as histogram bucket bounds (the review, from body parsed to answer).
  const buckets = [...metrics.matchAll(/hush_webhook_review_duration_seconds_bucket\{le="([^"]+)"\} (\d+)/g)].map((m) => [m[1], Number(m[2])]);
  const bound = (q) => buckets.find(([, c]) => c >= q * count)?.[0] ?? "+Inf";
  const ms = (le) => (le === "+Inf" ? le : `${Number(le) * 1000} ms`);

  const lines = [
    `hush webhook benchmark (${new Date().toISOString()}, node ${process.version}, server pinned: ${pin.length > 0 ? "taskset -c 0, load generator -c 1" : "no"}, load average before ${loadBefore.toFixed(1)})`,
    `  saturation, ${connections} connections, ${duration}s: ${Math.round(sat.requests.average)} req/s, latency p50 ${sat.latency.p50} ms, p99 ${sat.latency.p99} ms`,
    `  fixed ${rate} req/s, ${duration}s: ${Math.round(fixed.requests.average)} req/s achieved, latency p50 ${fixed.latency.p50} ms, p99 ${fixed.latency.p99} ms, max ${fixed.latency.max} ms`,
    `  server-side review time: p50 <= ${ms(bound(0.5))}, p99 <= ${ms(bound(0.99))}, under 1 ms: ${((100 * under1ms) / Math.max(count, 1)).toFixed(2)}% of ${count} reviews`,
    `  judge() alone: ${judgeUs.toFixed(2)} µs per review (${Math.round(1e6 / judgeUs)} per second)`,
    `  non-2xx or errors: ${bad}`,
  ];
  console.log(lines.join("\n"));
  if (bad > 0) process.exitCode = 1;
} finally {
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
