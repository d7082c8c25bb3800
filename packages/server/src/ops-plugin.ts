import type { FastifyPluginAsync } from "fastify";
import { collectDefaultMetrics, Registry } from "prom-client";

/** A named readiness check. Returning false (or throwing) makes `/readyz` answer 503. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Options of {@link opsPlugin}. */
export interface OpsPluginOptions {
  /** The Prometheus registry `/metrics` renders. */
  readonly registry: Registry;
  /** Checks `/readyz` runs in order; all must pass. */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
}

/**
 * The operational endpoints every hush process serves: `/healthz` (the event loop runs),
 * `/readyz` (every readiness check passes; names of failing checks only) and `/metrics`
 * (Prometheus text format). While the server closes, fastify answers 503 on all of them.
 */
export const opsPlugin: FastifyPluginAsync<OpsPluginOptions> = async (app, opts) => {
  const checks = Object.entries(opts.readiness ?? {});
  const logLevel = "warn";

  app.get("/healthz", { logLevel }, async () => ({ status: "ok" }));

  app.get("/readyz", { logLevel }, async (_req, reply) => {
    const failing: string[] = [];
    for (const [name, check] of checks) {
      let ok = false;
      try {
        ok = await check();
      } catch {
        ok = false;
      }
      if (!ok) failing.push(name);
    }
    if (failing.length > 0) return reply.code(503).send({ status: "not ready", failing });
    return { status: "ready" };
  });

  app.get("/metrics", { logLevel }, async (_req, reply) => {
    const text = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(text);
  });
};

/** A fresh Prometheus registry, optionally with Node process metrics (CPU, memory, GC). */
export function createMetricsRegistry(options: { readonly processMetrics?: boolean; readonly prefix?: string } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: options.prefix ?? "hush_" });
  return registry;
}
