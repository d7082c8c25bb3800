import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { createMetricsRegistry, createOpsServer, parseListenAddress, type LoggerSettings } from "@hush/server";
import { KubeClient, LeaderElector, loadKubeConfig } from "@hush/kube/client";
import { createProvider, type ClientOverrides, type ProviderFactory } from "@hush/providers";
import { Controller, type ControllerOptions } from "./controller.js";
import { createControllerMetrics } from "./metrics.js";

/** Options of {@link runController}: the process-level shell around {@link Controller}. */
export interface RunControllerOptions extends Partial<Omit<ControllerOptions, "client" | "log" | "metrics" | "createProvider">> {
  readonly kubeconfigPath?: string;
  readonly createProvider?: ProviderFactory;
  readonly clientOverrides?: ClientOverrides;
  /** Ops server (`/healthz`, `/readyz`, `/metrics`) address `HOST:PORT`; default `:8080`. Port 0 picks a free port. */
  readonly opsAddress?: string;
  /** Lease-based leader election (default on); `false` runs unconditionally. */
  readonly leaderElection?:
    | false
    | { readonly namespace?: string; readonly name?: string; readonly identity?: string; readonly leaseDurationMs?: number; readonly renewDeadlineMs?: number; readonly retryPeriodMs?: number };
  readonly logger?: LoggerSettings;
  /** Stops the controller (SIGTERM in the CLI). */
  readonly signal: AbortSignal;
  /** Called once the ops server listens, with its address. */
  readonly onListening?: (address: string) => void;
}

/**
 * Runs the controller as a process does: loads the kubeconfig, serves `/healthz`, `/readyz`
 * and `/metrics`, campaigns for the Lease (standby replicas wait and report ready), and
 * reconciles while leading. Resolves `"stopped"` after `signal` aborts (the lease is
 * released), or `"lost"` when leadership was lost — the CLI then exits non-zero so the
 * pod restarts clean, as controller-runtime does.
 */
export async function runController(options: RunControllerOptions): Promise<"stopped" | "lost"> {
  const listen = parseListenAddress(options.opsAddress ?? ":8080");
  const kc = loadKubeConfig(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {});
  const client = new KubeClient(kc);
  const registry = createMetricsRegistry({ processMetrics: true });
  const metrics = createControllerMetrics(registry);
  let controller: Controller | undefined;
  let leading = options.leaderElection === false;
  const app = createOpsServer({
    registry,
    logger: options.logger ?? {},
    readiness: { controller: () => (controller && leading ? controller.ready() : !leading) },
  });
  const log = app.log;
  const address = await app.listen(listen);
  options.onListening?.(address);

  const build = () =>
    new Controller({
      client,
      log,
      metrics,
      createProvider: options.createProvider ?? createProvider,
      ...(options.clientOverrides ? { clientOverrides: options.clientOverrides } : {}),
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.workers ? { workers: options.workers } : {}),
      ...(options.storeRatePerSecond ? { storeRatePerSecond: options.storeRatePerSecond } : {}),
      ...(options.dedupWindowMs !== undefined ? { dedupWindowMs: options.dedupWindowMs } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.relistIntervalMs ? { relistIntervalMs: options.relistIntervalMs } : {}),
      ...(options.livenessTimeoutMs ? { livenessTimeoutMs: options.livenessTimeoutMs } : {}),
      ...(options.storeRefreshMs ? { storeRefreshMs: options.storeRefreshMs } : {}),
      ...(options.controllerClass ? { controllerClass: options.controllerClass } : {}),
      ...(options.events ? { events: options.events } : {}),
    });

  try {
    if (options.leaderElection === false) {
      controller = build();
      await controller.run(options.signal);
      return "stopped";
    }
    const le = options.leaderElection ?? {};
    const elector = new LeaderElector(client, {
      namespace: le.namespace ?? options.namespace ?? "default",
      name: le.name ?? "hush-controller",
      identity: le.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`,
      log,
      ...(le.leaseDurationMs ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le.renewDeadlineMs ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs ? { retryPeriodMs: le.retryPeriodMs } : {}),
    });
    return await elector.run(options.signal, async (leaderSignal) => {
      leading = true;
      controller = build();
      try {
        await controller.run(leaderSignal);
      } finally {
        leading = false;
      }
    });
  } finally {
    await app.close();
  }
}
