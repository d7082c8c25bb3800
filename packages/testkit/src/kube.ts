import { spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  type V1LabelSelector,
  type V1RuleWithOperations,
  type V1ValidatingWebhookConfiguration,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { createCertAuthority, selfSignedCert } from "./certs.js";
import { freePort } from "./free-port.js";
import { spawnPeer, type PeerProcess } from "./peer-process.js";
import { findBinary } from "./require-peer.js";
import { waitFor } from "./wait-for.js";

/** Result of {@link KubeHarness.kubectl}. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link KubeHarness.kubectl}. */
export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  readonly input?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A ValidatingWebhookConfiguration to register with {@link KubeHarness.registerValidatingWebhook}. */
export interface ValidatingWebhookOptions {
  /** The configuration's name; also the webhook's name (suffixed `.hush.test` if it has fewer than 2 dots). */
  readonly name: string;
  /** The webhook's HTTPS URL, e.g. `https://127.0.0.1:PORT/validate`. */
  readonly url: string;
  /** PEM of the CA that signed the webhook's serving certificate. */
  readonly caBundle: string;
  /** Default: CREATE and UPDATE of core/v1 secrets. */
  readonly rules?: V1RuleWithOperations[];
  /** Default: `Fail`. */
  readonly failurePolicy?: "Fail" | "Ignore";
  readonly namespaceSelector?: V1LabelSelector;
  /** Default: 10. */
  readonly timeoutSeconds?: number;
}

/** A running single-node etcd + kube-apiserver on 127.0.0.1 (no controller-manager, no nodes). */
export interface KubeHarness {
  /** A kubeconfig file (admin in `system:masters`) that kubectl and client-node both read. */
  readonly kubeconfigPath: string;
  /** The same kubeconfig, loaded. */
  readonly kubeConfig: KubeConfig;
  /** `https://127.0.0.1:PORT`. */
  readonly server: string;
  /** Creates a fresh namespace `<prefix>-<random>` and returns its name. */
  createNamespace(prefix: string): Promise<string>;
  /** Runs the peers' kubectl against this API server. Never throws on a non-zero exit. */
  kubectl(args: string[], options?: KubectlOptions): Promise<KubectlResult>;
  /**
   * Registers a ValidatingWebhookConfiguration and resolves only once the API server is
   * calling it: the configuration carries a second, harness-owned webhook
   * (`sentinel.hush.test`, matching only ConfigMaps labelled `hush.test/webhook-sentinel`)
   * that is probed with dry-run creates until it answers.
   */
  registerValidatingWebhook(options: ValidatingWebhookOptions): Promise<void>;
  /**
   * Applies these YAML files with `kubectl apply --server-side` (so `x-kubernetes-*` schema
   * markers survive) and waits until every CustomResourceDefinition in them is Established.
   */
  applyCrds(paths: string[]): Promise<void>;
  /** Kills the API server and etcd (process groups) and removes the temp directory. Idempotent. */
  stop(): Promise<void>;
}

/** Options for {@link startKube}. */
export interface StartKubeOptions {
  /** Extra kube-apiserver flags. */
  readonly apiserverArgs?: readonly string[];
  /** Readiness timeout for each of etcd and the API server (default 90 s). */
  readonly timeoutMs?: number;
}

function need(name: string): string {
  const path = findBinary(name);
  if (!path) throw new Error(`peer '${name}' not found in .cache/peers/bin or PATH; run \`bash scripts/peers kube\``);
  return path;
}

function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}

function getStatus(url: string, tls?: { ca: string; cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(url, { ...tls, timeout: 2_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("probe timed out")));
    req.on("error", reject);
    req.end();
  });
}

/**
 * Starts etcd and kube-apiserver (from `bash scripts/peers kube`) on free 127.0.0.1 ports,
 * with a throw-away PKI, RBAC authorization and an admin client certificate in
 * `system:masters` (which may impersonate any user or service account). Resolves once
 * `/readyz` answers 200. On any failure everything already started is torn down.
 * @throws Error when a binary is missing or a server does not become ready (with its log tail).
 */
export async function startKube(options: StartKubeOptions = {}): Promise<KubeHarness> {
  const etcdBin = need("etcd");
  const apiserverBin = need("kube-apiserver");
  const kubectlBin = need("kubectl");
  const timeoutMs = options.timeoutMs ?? 90_000;
  const dir = mkdtempSync(join(tmpdir(), "hush-kube-"));
  const procs: PeerProcess[] = [];
  const sentinels: Server[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const server of sentinels) server.close();
    // The API server first (it holds etcd connections), then etcd.
    for (const proc of [...procs].reverse()) await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // PKI: one CA for serving and client certs; an EC key pair for service-account tokens.
    const ca = createCertAuthority("hush-kube-ca");
    const serving = ca.issue({
      commonName: "kube-apiserver",
      hosts: ["127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
      usage: "server",
    });
    const admin = ca.issue({ commonName: "hush-admin", organizations: ["system:masters"], usage: "client" });
    const sa = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const files = {
      ca: join(dir, "ca.crt"),
      cert: join(dir, "apiserver.crt"),
      key: join(dir, "apiserver.key"),
      saPub: join(dir, "sa.pub"),
      saKey: join(dir, "sa.key"),
    };
    writeFileSync(files.ca, ca.cert);
    writeFileSync(files.cert, serving.cert);
    writeFileSync(files.key, serving.key, { mode: 0o600 });
    writeFileSync(files.saPub, sa.publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(files.saKey, sa.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });

    const [clientPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = spawnPeer("etcd", etcdBin, [
      "--name=hush", `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=hush=${peerUrl}`, "--unsafe-no-fsync", "--log-level=warn",
    ], join(dir, "etcd.log"));
    procs.push(etcd);
    await waitFor(async () => {
      etcd.assertRunning();
      const res = await getStatus(`${etcdUrl}/health`);
      return res.status === 200 && res.body.includes('"true"');
    }, { timeoutMs, what: "etcd /health" }).catch((err: Error) => {
      throw new Error(`${err.message}\netcd log tail:\n${etcd.logTail()}`);
    });

    const apiserver = spawnPeer("kube-apiserver", apiserverBin, [
      `--etcd-servers=${etcdUrl}`, `--etcd-prefix=/hush-${randomBytes(4).toString("hex")}`,
      "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "certs")}`,
      `--tls-cert-file=${files.cert}`, `--tls-private-key-file=${files.key}`, `--client-ca-file=${files.ca}`,
      "--service-account-issuer=https://kubernetes.default.svc", `--service-account-key-file=${files.saPub}`,
      `--service-account-signing-key-file=${files.saKey}`, "--service-cluster-ip-range=10.96.0.0/24",
      "--authorization-mode=RBAC", "--endpoint-reconciler-type=none", "--profiling=false", "--v=1",
      ...(options.apiserverArgs ?? []),
    ], join(dir, "apiserver.log"));
    procs.push(apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    const clientTls = { ca: ca.cert, cert: admin.cert, key: admin.key };
    await waitFor(async () => {
      apiserver.assertRunning();
      return (await getStatus(`${server}/readyz`, clientTls)).status === 200;
    }, { timeoutMs, what: "kube-apiserver /readyz" }).catch((err: Error) => {
      throw new Error(`${err.message}\nkube-apiserver log tail:\n${apiserver.logTail()}`);
    });

    const kubeconfigPath = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfigPath,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "hush", cluster: { server, "certificate-authority-data": b64(ca.cert) } }],
        users: [{ name: "hush-admin", user: { "client-certificate-data": b64(admin.cert), "client-key-data": b64(admin.key) } }],
        contexts: [{ name: "hush", context: { cluster: "hush", user: "hush-admin", namespace: "default" } }],
        "current-context": "hush",
      }),
      { mode: 0o600 },
    );
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    const apiext = kubeConfig.makeApiClient(ApiextensionsV1Api);

    const kubectl = (args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> =>
      new Promise((resolve, reject) => {
        const child = spawn(kubectlBin, [`--kubeconfig=${kubeconfigPath}`, ...args], {
          env: { ...process.env, ...opts.env },
          stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
        child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(opts.input ?? "");
      });

    // The sentinel answers every review with a denial carrying this marker.
    const marker = `hush-sentinel-${randomBytes(6).toString("hex")}`;
    let sentinelUrl: string | undefined;
    let sentinelCa: string | undefined;
    const sentinel = async (): Promise<{ url: string; ca: string }> => {
      if (sentinelUrl && sentinelCa) return { url: sentinelUrl, ca: sentinelCa };
      const tls = selfSignedCert(["127.0.0.1"]);
      const srv = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (c: string) => (body += c));
        req.on("end", () => {
          let uid = "";
          try {
            uid = (JSON.parse(body) as { request?: { uid?: string } }).request?.uid ?? "";
          } catch {
            // answer anyway; the API server always sends JSON
          }
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({
            apiVersion: "admission.k8s.io/v1",
            kind: "AdmissionReview",
            response: { uid, allowed: false, status: { code: 403, message: marker } },
          }));
        });
      });
      sentinels.push(srv);
      const port = await new Promise<number>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
          const addr = srv.address();
          resolve(typeof addr === "object" && addr ? addr.port : 0);
        });
      });
      sentinelUrl = `https://127.0.0.1:${port}/`;
      sentinelCa = tls.ca;
      return { url: sentinelUrl, ca: sentinelCa };
    };

    const harness: KubeHarness = {
      kubeconfigPath,
      kubeConfig,
      server,
      async createNamespace(prefix) {
        const base = prefix.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "").slice(0, 50) || "test";
        const name = `${base}-${randomBytes(3).toString("hex")}`;
        await core.createNamespace({ body: { metadata: { name, labels: { "hush.test/harness": "true" } } } });
        return name;
      },
      kubectl,
      async registerValidatingWebhook(opts) {
        const webhookName = opts.name.split(".").length >= 3 ? opts.name : `${opts.name}.hush.test`;
        const s = await sentinel();
        const label = "hush.test/webhook-sentinel";
        const body: V1ValidatingWebhookConfiguration = {
          metadata: { name: opts.name },
          webhooks: [
            {
              name: webhookName,
              clientConfig: { url: opts.url, caBundle: b64(opts.caBundle) },
              rules: opts.rules ?? [
                { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["secrets"] },
              ],
              failurePolicy: opts.failurePolicy ?? "Fail",
              ...(opts.namespaceSelector ? { namespaceSelector: opts.namespaceSelector } : {}),
              sideEffects: "None",
              admissionReviewVersions: ["v1"],
              timeoutSeconds: opts.timeoutSeconds ?? 10,
            },
            {
              name: "sentinel.hush.test",
              clientConfig: { url: s.url, caBundle: b64(s.ca) },
              rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] }],
              objectSelector: { matchLabels: { [label]: opts.name } },
              failurePolicy: "Fail",
              sideEffects: "None",
              admissionReviewVersions: ["v1"],
              timeoutSeconds: 5,
            },
          ],
        };
        await admission.createValidatingWebhookConfiguration({ body });
        await waitFor(async () => {
          try {
            await core.createNamespacedConfigMap({
              namespace: "default",
              dryRun: "All",
              body: { metadata: { generateName: "sentinel-", labels: { [label]: opts.name } } },
            });
            return false; // admitted: the configuration is not active yet
          } catch (err) {
            return String((err as { body?: unknown }).body ?? err).includes(marker);
          }
        }, { timeoutMs: 30_000, what: `ValidatingWebhookConfiguration ${opts.name} to become active` });
      },
      async applyCrds(paths) {
        // kubectl, not the typed client: client-node's serializer maps known camelCase fields
        // only and silently drops `x-kubernetes-*` schema markers. Server-side apply sends the
        // manifests unchanged and is idempotent.
        const names: string[] = [];
        for (const path of paths) {
          for (const doc of parseAllDocuments(readFileSync(path, "utf8"))) {
            const obj = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
            if (obj?.kind !== "CustomResourceDefinition") continue;
            if (!obj.metadata?.name) throw new Error(`${path}: CustomResourceDefinition without metadata.name`);
            names.push(obj.metadata.name);
          }
          const res = await kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=hush-testkit", "-f", path]);
          if (res.code !== 0) throw new Error(`kubectl apply -f ${path} failed (${res.code}): ${res.stderr.trim()}`);
        }
        for (const name of names) {
          await waitFor(async () => {
            const crd = await apiext.readCustomResourceDefinition({ name });
            return (crd.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
          }, { timeoutMs: 30_000, what: `CRD ${name} to be Established` });
        }
      },
      stop,
    };
    return harness;
  } catch (err) {
    await stop();
    throw err;
  }
}
