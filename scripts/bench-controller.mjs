#!/usr/bin/env node
// Benchmark of the sync controller (issues 6 and 13), side by side with the real External
// Secrets Operator: N ExternalSecrets over K distinct AWS Secrets Manager keys (moto) on one
// real kube-apiserver + etcd. Each contender gets its own namespace with the same N objects
// (created before it starts), its own counting relay in front of moto, and runs as its own
// process restricted to that namespace. We measure the time from process start until every
// ExternalSecret is Ready (from its /metrics; confirmed through the API), the provider calls
// that reached moto (counted at the relay, by AWS operation), peak RSS (VmHWM) and CPU time
// (utime+stime) from /proc, then print the ratios against hush.
// Needs `pnpm build`, `bash scripts/peers kube moto` and, for ESO, `bash scripts/peers eso`.
//   node scripts/bench-controller.mjs [--es 5000] [--keys 1000] [--workers 16] [--events all|warnings]
//        [--tools hush,eso,eso-tuned] [--eso-concurrent 16]
// Contenders: hush (`hush controller --workers W`), eso (ESO's defaults: --concurrent=1,
// --client-qps=50, --client-burst=100), eso-tuned (--concurrent=C, --client-qps=500,
// --client-burst=1000). Without the ESO binary only hush runs (a line says so).
import { spawn } from "node:child_process";
import { createServer, request as httpRequest } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url).pathname;
// hush's controller runs with the Node flags the shipped Deployment sets (heap ceilings), so the
// peak RSS measured is the one a cluster sees.
const shippedNodeOptions = (/name: NODE_OPTIONS\s+value: (.+)/.exec(readFileSync(join(root, "deploy/controller/deployment.yaml"), "utf8"))?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
const { values } = parseArgs({
  options: {
    es: { type: "string", default: "5000" },
    keys: { type: "string", default: "1000" },
    workers: { type: "string", default: "16" },
    events: { type: "string", default: "all" },
    tools: { type: "string", default: "hush,eso,eso-tuned" },
    "eso-concurrent": { type: "string", default: "16" },
    "timeout-s": { type: "string", default: "1800" },
  },
});
const N = Number(values.es);
const K = Number(values.keys);
const workers = Number(values.workers);
const esoConcurrent = Number(values["eso-concurrent"]);
const timeoutMs = Number(values["timeout-s"]) * 1000;

const testkit = await import(join(root, "packages/testkit/dist/index.js"));
const { startKube, startMoto, freePort, findBinary, esoCrdPaths, startEso } = testkit;
const { KubeClient, loadKubeConfig, resourcePath } = await import(join(root, "packages/kube/dist/client.js"));
const require = createRequire(join(root, "packages/providers/package.json"));
const { SecretsManagerClient, CreateSecretCommand } = require("@aws-sdk/client-secrets-manager");

let tools = values.tools.split(",").map((t) => t.trim()).filter(Boolean);
const hasEso = typeof startEso === "function" && findBinary("external-secrets");
if (!hasEso && tools.some((t) => t.startsWith("eso"))) {
  console.error("bench: ESO binary not found (run `bash scripts/peers eso`); running hush only");
  tools = tools.filter((t) => !t.startsWith("eso"));
}

async function pool(items, concurrency, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

/** An HTTP relay in front of moto that counts requests by AWS operation (X-Amz-Target). */
async function countingRelay(target) {
  const upstream = new URL(target);
  const counts = new Map();
  const server = createServer((req, res) => {
    const op = String(req.headers["x-amz-target"] ?? req.method).replace(/^secretsmanager\./, "");
    counts.set(op, (counts.get(op) ?? 0) + 1);
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on("error", () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(out);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

/** Peak RSS (MiB) and CPU seconds of a live process, from /proc. */
function procFigures(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const tick = 100; // USER_HZ on Linux
  return {
    peakMiB: Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024,
    rssMiB: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024,
    cpuS: (Number(stat[11]) + Number(stat[12])) / tick,
  };
}

const sumMetric = (text, re) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);

const kube = await startKube({ timeoutMs: 120_000 });
const moto = await startMoto();
const results = [];
let stopCurrent = async () => {};
try {
  const crds = ["externalsecrets", "secretstores", "clustersecretstores"].map((p) => join(root, "deploy/crds", `hush.dev_${p}.yaml`));
  await kube.applyCrds([...crds, ...(hasEso ? esoCrdPaths() : [])]);
  const client = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
  const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  const keys = Array.from({ length: K }, (_, i) => i);
  await pool(keys, 16, (i) => sm.send(new CreateSecretCommand({ Name: `bench/key-${i}`, SecretString: JSON.stringify({ user: `u${i}`, password: `p${i}` }) })));
  sm.destroy();

  for (const tool of tools) {
    const isEso = tool.startsWith("eso");
    const group = isEso ? "external-secrets.io" : "hush.dev";
    const version = isEso ? "v1beta1" : "v1";
    const ns = await kube.createNamespace(`bench-${tool}`);
    const relay = await countingRelay(moto.endpoint);
    await client.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { body: { metadata: { name: "aws-creds" }, stringData: { id: moto.credentials.accessKeyId, secret: moto.credentials.secretAccessKey } } });
    await client.request("POST", resourcePath({ group, version, plural: "secretstores", namespace: ns }), {
      body: { apiVersion: `${group}/${version}`, kind: "SecretStore", metadata: { name: "aws" }, spec: { provider: { aws: { service: "SecretsManager", region: moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } } } } } },
    });
    const t0 = Date.now();
    await pool(Array.from({ length: N }, (_, i) => i), 32, (i) =>
      client.request("POST", resourcePath({ group, version, plural: "externalsecrets", namespace: ns }), {
        body: {
          apiVersion: `${group}/${version}`,
          kind: "ExternalSecret",
          metadata: { name: `es-${i}` },
          spec: {
            secretStoreRef: { name: "aws", kind: "SecretStore" },
            refreshInterval: "1h",
            data: [
              { secretKey: "user", remoteRef: { key: `bench/key-${i % K}`, property: "user" } },
              { secretKey: "password", remoteRef: { key: `bench/key-${i % K}`, property: "password" } },
            ],
          },
        },
      }),
    );
    console.error(`bench ${tool}: created ${N} ExternalSecrets in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    let pid;
    let metricsUrl;
    let readyRe;
    let flags;
    const start = Date.now();
    if (isEso) {
      const tuned = tool === "eso-tuned";
      const opts = tuned ? { concurrent: esoConcurrent, clientQps: 500, clientBurst: 1000 } : {};
      flags = tuned ? `--concurrent=${esoConcurrent} --client-qps=500 --client-burst=1000` : "defaults (--concurrent=1, --client-qps=50, --client-burst=100)";
      const eso = await startEso({ kubeconfigPath: kube.kubeconfigPath, namespace: ns, awsEndpoint: relay.endpoint, timeoutMs: 120_000, ...opts });
      stopCurrent = () => eso.stop();
      pid = eso.process.child.pid;
      metricsUrl = `${eso.metricsUrl}/metrics`;
      readyRe = /^externalsecret_status_condition\{(?=[^}]*condition="Ready")(?=[^}]*status="True")[^}]*\} 1$/gm;
    } else {
      const port = await freePort();
      flags = `--workers ${workers} --events ${values.events}`;
      const child = spawn(process.execPath, [...shippedNodeOptions, join(root, "packages/cli/bin/hush.js"), "controller", "--kubeconfig", kube.kubeconfigPath, "--namespace", ns, "--no-leader-elect", "--metrics-addr", `127.0.0.1:${port}`, "--metrics-auth", "none", "--workers", String(workers), "--events", values.events, "--aws-endpoint", relay.endpoint, "--log-level", "warn"], { stdio: ["ignore", "ignore", "inherit"] });
      stopCurrent = () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once("exit", r); child.kill("SIGTERM"); });
      pid = child.pid;
      metricsUrl = `http://127.0.0.1:${port}/metrics`;
      readyRe = /^hush_externalsecret_ready\{[^}]*\} 1$/gm;
    }
    let readyCount = 0;
    for (;;) {
      const text = await fetch(metricsUrl).then((r) => r.text()).catch(() => "");
      readyCount = [...text.matchAll(readyRe)].length;
      if (readyCount >= N) break;
      if (Date.now() - start > timeoutMs) throw new Error(`${tool}: only ${readyCount}/${N} Ready after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 1000)); // sampling interval of the measurement, not synchronisation
    }
    const elapsed = (Date.now() - start) / 1000;
    const proc = procFigures(pid);
    const calls = relay.total();
    const byOp = [...relay.counts].map(([op, n]) => `${op}=${n}`).join(", ");
    await stopCurrent();
    stopCurrent = async () => {};
    await relay.close();
    // Confirm through the API, not only the process's own metrics.
    const list = await client.list(resourcePath({ group, version, plural: "externalsecrets", namespace: ns }));
    const ready = list.items.filter((e) => e.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    const secrets = await client.list(resourcePath({ version: "v1", plural: "secrets", namespace: ns }));
    const r = { tool, flags, elapsed, calls, byOp, ready, secrets: secrets.items.length - 1, ...proc };
    results.push(r);
    console.error(`bench ${tool}: ${JSON.stringify(r)}`);
  }

  console.log(`controller benchmark: ${N} ExternalSecrets (2 data entries each) over ${K} distinct AWS keys, moto + kube-apiserver on this machine (${(await import("node:os")).cpus().length} CPUs), node ${process.version}`);
  const pad = (s, n) => String(s).padEnd(n);
  console.log(`${pad("tool", 10)} ${pad("all Ready", 10)} ${pad("provider calls", 15)} ${pad("peak RSS", 10)} ${pad("CPU", 9)} flags`);
  for (const r of results) {
    console.log(`${pad(r.tool, 10)} ${pad(`${r.elapsed.toFixed(1)} s`, 10)} ${pad(r.calls, 15)} ${pad(`${r.peakMiB.toFixed(0)} MiB`, 10)} ${pad(`${r.cpuS.toFixed(1)} s`, 9)} ${r.flags}`);
  }
  for (const r of results) console.log(`${r.tool}: Ready per the API ${r.ready}/${N}; Secrets ${r.secrets}; provider calls by operation: ${r.byOp}`);
  const hush = results.find((r) => r.tool === "hush");
  if (hush) {
    for (const r of results.filter((x) => x !== hush)) {
      const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(1)}x` : "n/a");
      console.log(`${r.tool} / hush: time ${ratio(r.elapsed, hush.elapsed)}, provider calls ${ratio(r.calls, hush.calls)}, peak RSS ${ratio(r.peakMiB, hush.peakMiB)}, CPU ${ratio(r.cpuS, hush.cpuS)}`);
    }
  }
} finally {
  await stopCurrent();
  await moto.stop();
  await kube.stop();
}
