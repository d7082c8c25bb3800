import type { FastifyInstance } from "fastify";
import { createMetricsRegistry, createOpsServer, type LoggerSettings, type TlsMaterial } from "@hush/server";
import type { Registry } from "prom-client";
import { admissionPlugin } from "./admission-plugin.js";
import type { FactsSource } from "./facts.js";
import { createWebhookMetrics } from "./metrics.js";
import type { WebhookPolicy } from "./policy.js";

/** Options of {@link createWebhookApp}. */
export interface WebhookAppOptions {
  readonly policy: WebhookPolicy;
  /** Where Kustomization/Application facts come from; without it, lookups fail closed. */
  readonly facts?: FactsSource;
  readonly logger?: LoggerSettings | false;
  /** Serve HTTPS with this pair (the API server only calls webhooks over HTTPS). */
  readonly tls?: TlsMaterial;
  readonly registry?: Registry;
  /** Largest AdmissionReview accepted, in bytes; default 3 MiB (a Secret is at most 1 MiB, and a review may carry two). */
  readonly bodyLimit?: number;
  /** Monotonic clock in seconds, for the latency histogram. */
  readonly now?: () => number;
  /** Answer `/validate` only to clients with a verified certificate (see `serveWebhook`'s `clientCaFile`). */
  readonly requireClientCert?: boolean;
}

/**
 * Builds the webhook server without listening: `POST /validate` plus `/healthz`,
 * `/readyz` and `/metrics`. Test it with `inject()`; the CLI calls `listen()`.
 */
export function createWebhookApp(options: WebhookAppOptions): FastifyInstance {
  const registry = options.registry ?? createMetricsRegistry({ processMetrics: true });
  const app = createOpsServer({
    registry,
    bodyLimit: options.bodyLimit ?? 3 * 1024 * 1024,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  void app.register(admissionPlugin, {
    policy: options.policy,
    metrics: createWebhookMetrics(registry),
    ...(options.facts ? { facts: options.facts } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.requireClientCert ? { requireClientCert: true } : {}),
  });
  return app;
}
