import type { FastifyInstance } from "fastify";
import { closeOnSignal, createMetricsRegistry, loadTlsFiles, parseListenAddress, setTls, watchTlsFiles, type LoggerSettings, type SignalSource } from "@hush/server";
import { HushError } from "@hush/errors";
import { createWebhookApp } from "./app.js";
import { createCachedFacts } from "./cached-facts.js";
import { createKubeObjectReader } from "./io/kube-object-reader.js";
import { createLookupMetrics } from "./metrics.js";
import type { WebhookPolicy } from "./policy.js";

/** Options of {@link serveWebhook}. */
export interface ServeWebhookOptions {
  /** `HOST:PORT` to listen on. */
  readonly listen: string;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  readonly policy: WebhookPolicy;
  /** Kubeconfig for the Kustomization/Application lookups; in-cluster config when omitted. */
  readonly kubeconfigPath?: string;
  readonly logger?: LoggerSettings;
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
  const read = createKubeObjectReader(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {});
  const registry = createMetricsRegistry({ processMetrics: true });
  const app = createWebhookApp({
    policy: options.policy,
    tls,
    registry,
    facts: createCachedFacts(read, { onLookup: createLookupMetrics(registry) }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
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
      setTls(app, material);
      app.log.info({ certFile: files.certFile }, "reloaded the TLS certificate");
    },
    onError: (err) => app.log.error({ err }, "kept the previous TLS certificate"),
  });
  const closed = closeOnSignal(app, options.signals ?? process);
  void closed.finally(() => watcher.close());
  const port = (app.server.address() as { port: number }).port;
  app.log.info({ host: address.host, port, mode: options.policy.mode }, "hush webhook listening");
  return {
    app,
    port,
    closed,
    close: async () => {
      watcher.close();
      await app.close();
    },
  };
}
