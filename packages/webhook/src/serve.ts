import { readFile } from "node:fs/promises";
import type { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import { closeOnSignal, createMetricsRegistry, loadTlsFiles, parseListenAddress, setTls, watchTlsFiles, type LoggerSettings, type SignalSource } from "@hush/server";
import { HushError } from "@hush/errors";
import { createWebhookApp } from "./app.js";
import { createCachedFacts } from "./cached-facts.js";
import { auditCluster } from "./io/audit-cluster.js";
import { createKubeObjectReader } from "./io/kube-object-reader.js";
import { startPeriodicAudit } from "./io/periodic-audit.js";
import { createLookupMetrics } from "./metrics.js";
import type { WebhookPolicy } from "./policy.js";

/** Options of {@link serveWebhook}. */
export interface ServeWebhookOptions {
  /** `HOST:PORT` to listen on. */
  readonly listen: string;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  /**
   * PEM CA bundle: when set, `/validate` answers only TLS clients presenting a certificate it
   * signed (the API server's admission client certificate); probes and `/metrics` stay open.
   */
  readonly clientCaFile?: string;
  readonly policy: WebhookPolicy;
  /** Kubeconfig for the Kustomization/Application lookups; in-cluster config when omitted. */
  readonly kubeconfigPath?: string;
  readonly logger?: LoggerSettings;
  /**
   * Background audit: every this many milliseconds, judge the Secrets and ConfigMaps already in
   * the cluster and server-side apply PolicyReports (as `hush audit --write-reports`). Off when
   * omitted; needs `list` on Secrets and ConfigMaps and write access to PolicyReports.
   */
  readonly auditIntervalMs?: number;
  /** Where SIGTERM/SIGINT come from; the process by default. */
  readonly signals?: SignalSource;
}

/** A running webhook. */
export interface RunningWebhook {
  readonly app: FastifyInstance;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Resolves when the server has closed (signal or {@link RunningWebhook.close}). */
  readonly closed: Promise<NodeJS.Signals | "closed">;
  close(): Promise<void>;
}

/**
 * Starts the webhook over HTTPS: loads the certificate, listens, reloads the certificate
 * when its files change and closes gracefully on SIGTERM/SIGINT. Never exits the process.
 *
 * @throws HushError `HUSH_ERR_SERVER_LISTEN_ADDRESS`, `HUSH_ERR_SERVER_TLS_READ`,
 *   `HUSH_ERR_SERVER_TLS_INVALID` or `HUSH_ERR_SERVER_LISTEN`.
 */
export async function serveWebhook(options: ServeWebhookOptions): Promise<RunningWebhook> {
  const address = parseListenAddress(options.listen);
  const files = { certFile: options.tlsCertFile, keyFile: options.tlsKeyFile };
  const tls = await loadTlsFiles(files);
  const clientCa = options.clientCaFile === undefined ? undefined : await readClientCa(options.clientCaFile);
  const read = createKubeObjectReader(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {});
  const registry = createMetricsRegistry({ processMetrics: true });
  const app = createWebhookApp({
    policy: options.policy,
    tls,
    registry,
    facts: createCachedFacts(read, { onLookup: createLookupMetrics(registry) }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(clientCa ? { requireClientCert: true } : {}),
  });
  // Ask every client for a certificate and verify it against the CA, but let the handshake
  // finish without one: kubelet probes carry none. /validate then refuses unverified clients.
  const secure = (material: { cert: string; key: string }) => {
    if (!clientCa) return setTls(app, material);
    (app.server as unknown as TlsServer).setSecureContext({ cert: material.cert, key: material.key, ca: clientCa });
  };
  if (clientCa) {
    const server = app.server as unknown as TlsServer & { requestCert?: boolean; rejectUnauthorized?: boolean };
    server.requestCert = true;
    server.rejectUnauthorized = false;
    secure(tls);
  }
  try {
    await app.listen({ host: address.host, port: address.port });
  } catch (cause) {
    await app.close();
    throw new HushError("HUSH_ERR_SERVER_LISTEN", `cannot listen on ${address.host}:${address.port}`, { cause });
  }
  const watcher = watchTlsFiles({
    ...files,
    current: tls,
    onReload: (material) => {
      secure(material);
      app.log.info({ certFile: files.certFile }, "reloaded the TLS certificate");
    },
    onError: (err) => app.log.error({ err }, "kept the previous TLS certificate"),
  });
  const audit =
    options.auditIntervalMs === undefined
      ? undefined
      : startPeriodicAudit({
          intervalMs: options.auditIntervalMs,
          registry,
          log: app.log,
          run: () => auditCluster({ policy: options.policy, writeReports: true, ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}) }),
        });
  const closed = closeOnSignal(app, options.signals ?? process);
  void closed.finally(async () => {
    watcher.close();
    await audit?.stop();
  });
  const port = (app.server.address() as { port: number }).port;
  app.log.info({ host: address.host, port, mode: options.policy.mode, clientAuth: clientCa !== undefined, auditIntervalMs: options.auditIntervalMs ?? null }, "hush webhook listening");
  return {
    app,
    port,
    closed,
    close: async () => {
      watcher.close();
      await audit?.stop();
      await app.close();
    },
  };
}

async function readClientCa(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (cause) {
    throw new HushError("HUSH_ERR_WEBHOOK_CLIENT_CA", `cannot read the client CA ${path}`, { cause });
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new HushError("HUSH_ERR_WEBHOOK_CLIENT_CA", `${path} holds no PEM certificate`);
  return pem;
}
