import Fastify, { LogController, type FastifyError, type FastifyInstance } from "fastify";
import { isHushError } from "@hush/errors";
import type { Registry } from "prom-client";
import { loggerOptions, type LoggerSettings } from "./logger.js";
import { createMetricsRegistry, opsPlugin, type ReadinessCheck } from "./ops-plugin.js";
import type { TlsMaterial } from "./tls-files.js";

/** Options of {@link createOpsServer}. */
export interface OpsServerOptions {
  /** Logging; `false` turns it off (tests that do not look at logs). */
  readonly logger?: LoggerSettings | false;
  /** Serve HTTPS with this pair; plain HTTP without it. Swap it later with {@link setTls}. */
  readonly tls?: TlsMaterial;
  /** The registry `/metrics` renders; a fresh one with process metrics by default. */
  readonly registry?: Registry;
  /** Readiness checks for `/readyz`. */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** Largest request body accepted, in bytes (fastify answers 413 above it); default 1 MiB. */
  readonly bodyLimit?: number;
  /** How long `close()` waits for in-flight requests before it cuts them; default 10 s. */
  readonly closeGraceMs?: number;
  /**
   * Log every request and response (fastify's "incoming request" / "request completed").
   * Off by default: at admission rates that is noise, and services log their own decisions.
   */
  readonly requestLogging?: boolean;
}

/**
 * Builds (does not start) a fastify instance for a long-running hush process, with the
 * redacting logger and {@link opsPlugin} registered. Add routes or plugins, then `inject()`
 * in tests or `listen()` in the shell.
 */
export function createOpsServer(options: OpsServerOptions = {}): FastifyInstance {
  const registry = options.registry ?? createMetricsRegistry({ processMetrics: true });
  const app = Fastify({
    logger: options.logger === false ? false : loggerOptions(options.logger ?? {}),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // In-flight requests finish on close; idle keep-alive sockets are closed at once.
    forceCloseConnections: "idle",
    logController: new LogController({ disableRequestLogging: options.requestLogging !== true }),
    return503OnClosing: true,
    pluginTimeout: 30_000,
    // Schemas check types, never convert them: a numeric username must be a 400, not "7".
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key, minVersion: "TLSv1.2" as const } } : {}),
  }) as unknown as FastifyInstance;
  // fastify's default handler logs and returns error.message, which library errors may build
  // from the input. hush's own messages are safe; anything else gets a fixed text.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, "request failed");
    else req.log.warn({ err, statusCode: status }, "request rejected");
    const code = isHushError(err) ? err.code : typeof err.code === "string" ? err.code : "HUSH_ERR_SERVER_INTERNAL";
    const message = isHushError(err) ? err.message : status >= 500 ? "internal error" : "the request was rejected";
    return reply.code(status).send({ statusCode: status, code, message });
  });
  void app.register(opsPlugin, { registry, ...(options.readiness ? { readiness: options.readiness } : {}) });
  const graceMs = options.closeGraceMs ?? 10_000;
  app.addHook("preClose", async () => {
    // After the grace period, cut the connections still open so close() cannot hang.
    const server = app.server as { closeAllConnections?: () => void };
    setTimeout(() => server.closeAllConnections?.(), graceMs).unref();
  });
  return app;
}

/**
 * Replaces the certificate new TLS connections get, without dropping open connections or
 * in-flight requests. No-op for a plain HTTP server.
 */
export function setTls(app: FastifyInstance, material: TlsMaterial): void {
  const server = app.server as { setSecureContext?: (o: { cert: string; key: string }) => void };
  server.setSecureContext?.({ cert: material.cert, key: material.key });
}
