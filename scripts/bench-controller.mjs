#!/usr/bin/env node
// Benchmark of the sync controller (issue 6): N ExternalSecrets over K distinct AWS Secrets
// Manager keys (moto) on a real kube-apiserver + etcd. The ExternalSecrets are created first,
// then the built `hush controller` starts as its own process; we measure the time from its
// start until every ExternalSecret is Ready (from its /metrics), the provider API calls it made,
// the reads answered by de-duplication, its peak RSS (VmHWM), and the API requests per sync.
// Needs `pnpm build` and `bash scripts/peers kube moto`.
//   node scripts/bench-controller.mjs [--es 5000] [--keys 1000] [--workers 16] [--events all|warnings]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({ options: { es: { type: "string", default: "5000" }, keys: { type: "string", default: "1000" }, workers: { type: "string", default: "16" }, events: { type: "string", default: "all" } } });
const N = Number(values.es);
const K = Number(values.keys);
const workers = Number(values.workers);

const { startKube, startMoto, freePort, waitFor } = await import(join(root, "packages/testkit/dist/index.js"));
const { KubeClient, loadKubeConfig, resourcePath } = await import(join(root, "packages/kube/dist/client.js"));
const require = createRequire(join(root, "packages/providers/package.json"));
const { SecretsManagerClient, CreateSecretCommand } = require("@aws-sdk/client-secrets-manager");

async function pool(items, concurrency, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

const kube = await startKube({ timeoutMs: 120_000 });
const moto = await startMoto();
let controller;
try {
  const crds = ["externalsecrets", "secretstores", "clustersecretstores"].map((p) => join(root, "deploy/crds", `hush.dev_${p}.yaml`));
  await kube.applyCrds(crds);
  const client = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
  const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  const keys = Array.from({ length: K }, (_, i) => i);
  await pool(keys, 16, (i) => sm.send(new CreateSecretCommand({ Name: `bench/key-${i}`, SecretString: JSON.stringify({ user: `u${i}`, password: `p${i}` }) })));
  sm.destroy();

  const ns = await kube.createNamespace("bench");
  await client.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { body: { metadata: { name: "aws-creds" }, stringData: { id: moto.credentials.accessKeyId, secret: moto.credentials.secretAccessKey } } });
  await client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
    body: { apiVersion: "hush.dev/v1", kind: "SecretStore", metadata: { name: "aws" }, spec: { provider: { aws: { region: moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } } } } } },
  });
  const t0 = Date.now();
  await pool(Array.from({ length: N }, (_, i) => i), 32, (i) =>
    client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
      body: {
        apiVersion: "hush.dev/v1",
        kind: "ExternalSecret",
        metadata: { name: `es-${i}` },
        spec: {
          secretStoreRef: { name: "aws" },
          refreshInterval: "1h",
          data: [
            { secretKey: "user", remoteRef: { key: `bench/key-${i % K}`, property: "user" } },
            { secretKey: "password", remoteRef: { key: `bench/key-${i % K}`, property: "password" } },
          ],
        },
      },
    }),
  );
  console.error(`bench: created ${N} ExternalSecrets in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const port = await freePort();
  const start = Date.now();
  controller = spawn(process.execPath, [join(root, "packages/cli/bin/hush.js"), "controller", "--kubeconfig", kube.kubeconfigPath, "--no-leader-elect", "--metrics-addr", `127.0.0.1:${port}`, "--metrics-auth", "none", "--workers", String(workers), "--events", values.events, "--aws-endpoint", moto.endpoint, "--log-level", process.env.BENCH_LOG ? "info" : "warn"], { stdio: ["ignore", process.env.BENCH_LOG ? "pipe" : "ignore", "inherit"] });
  if (process.env.BENCH_LOG) { const { createWriteStream } = await import("node:fs"); controller.stdout.pipe(createWriteStream(process.env.BENCH_LOG)); }
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (text, name) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "gm"))].reduce((a, m) => a + Number(m[1]), 0);
  let readyCount = 0;
  const deadline = Date.now() + 600_000;
  for (;;) {
    const text = await metrics().catch(() => "");
    readyCount = [...text.matchAll(/^hush_externalsecret_ready\{[^}]*\} 1$/gm)].length;
    if (readyCount >= N) break;
    if (Date.now() > deadline) throw new Error(`only ${readyCount}/${N} Ready after 600 s`);
    await new Promise((r) => setTimeout(r, 1000)); // sampling interval of the measurement, not synchronisation
  }
  const elapsed = (Date.now() - start) / 1000;
  const text = await metrics();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${controller.pid}/status`, "utf8"))?.[1];
  const stat = readFileSync(`/proc/${controller.pid}/stat`, "utf8").split(") ")[1].split(" ");
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / 100;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${controller.pid}/status`, "utf8"))?.[1];
  const calls = sum(text, "hush_provider_calls_total");
  const byOp = [...text.matchAll(/^hush_provider_calls_total\{[^}]*operation="([^"]+)"[^}]*\} ([0-9.]+)$/gm)].map((m) => `${m[1]}=${m[2]}`).join(", ");
  const dedup = sum(text, "hush_provider_reads_deduplicated_total");
  const writes = sum(text, "hush_controller_secret_writes_total");

  // Confirm through the API, not only the controller's own gauge.
  const list = await client.list(resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }));
  const ready = list.items.filter((e) => e.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
  const secrets = await client.list(resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { labelSelector: "reconcile.hush.dev/managed=true" });

  console.log(`hush controller benchmark: ${N} ExternalSecrets (2 data entries each) over ${K} distinct AWS keys, moto + kube-apiserver on this machine, ${workers} workers, events ${values.events}, node ${process.version}`);
  console.log(`time from controller start until all Ready: ${elapsed.toFixed(1)} s (aim <= 60 s)`);
  console.log(`Ready per the API: ${ready}/${N}; managed Secrets: ${secrets.items.length}; Secret writes: ${writes}`);
  console.log(`provider API calls: ${calls} (${byOp}); distinct keys: ${K} (aim: reads <= distinct keys)`);
  console.log(`reads answered by de-duplication (calls saved): ${dedup} of ${2 * N} requested`);
  console.log(`controller CPU time: ${cpuSeconds.toFixed(1)} s over ${elapsed.toFixed(1)} s`);
  console.log(`controller RSS: peak ${(Number(hwm) / 1024).toFixed(0)} MiB, now ${(Number(rss) / 1024).toFixed(0)} MiB (aim <= 200 MB)`);
} finally {
  controller?.kill("SIGTERM");
  await moto.stop();
  await kube.stop();
}
