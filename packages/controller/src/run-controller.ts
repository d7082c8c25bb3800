import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { createMetricsRegistry, createOpsServer, parseListenAddress, type LoggerSettings } from "@hush/server";
import { KubeClient, LeaderElector, loadKubeConfig } from "@hush/kube/client";
import { createProvider, type ClientOverrides, type ProviderFactory } from "@hush/providers";
import { Controller, type ControllerOptions } from "./controller.js";
import { createControllerMetrics } from "./metrics.js";
import { checkMetricsExposure, kubernetesMetricsAuthorizer } from "./metrics-auth.js";

/** Options of {@link runController}: the process-level shell around {@link Controller}. */
export interface RunControllerOptions extends Partial<Omit<ControllerOptions, "client" | "log" | "metrics" | "createProvider">> {
  readonly kubeconfigPath?: string;
  readonly createProvider?: ProviderFactory;
  readonly clientOverrides?: ClientOverrides;
  /** Ops server (`/healthz`, `/readyz`, `/metrics`) address `HOST:PORT`; default `:8080`. Port 0 picks a free port. */
  readonly opsAddress?: string;
  /**
   * Who may read `/metrics` (it names every ExternalSecret): `kubernetes` (default) needs a
   * bearer token that passes a TokenReview and a SubjectAccessReview for `get /metrics`;
   * `none` is allowed only on a loopback `opsAddress`. Probes stay open either way.
   */
  readonly metricsAuth?: "kubernetes" | "none";
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
  const metricsAuth = options.metricsAuth ?? "kubernetes";
  checkMetricsExposure(listen.host, metricsAuth);
  const kc = loadKubeConfig(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {});
  const client = new KubeClient(kc);
  const registry = createMetricsRegistry({ processMetrics: true });
  const metrics = createControllerMetrics(registry, options.flavour);
  let controller: Controller | undefined;
  let leading = options.leaderElection === false;
  const app = createOpsServer({
    registry,
    logger: options.logger ?? {},
    readiness: { controller: () => (controller && leading ? controller.ready() : !leading) },
  });
  if (metricsAuth === "kubernetes") {
    const authorize = kubernetesMetricsAuthorizer(client);
    app.addHook("onRequest", async (req, reply) => {
      if (req.url.split("?")[0] !== "/metrics") return;
      let decision: Awaited<ReturnType<typeof authorize>>;
      try {
        decision = await authorize(req.headers.authorization);
      } catch {
        return reply.code(503).send({ status: "cannot check the token" });
      }
      if (decision === "unauthenticated") return reply.code(401).send({ status: "unauthorized" });
      if (decision === "forbidden") return reply.code(403).send({ status: "forbidden" });
    });
  }
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
      ...(options.flavour ? { flavour: options.flavour } : {}),
      ...(options.allowAmbientCredentials ? { allowAmbientCredentials: true } : {}),
      ...(options.serviceAccountTokenPath ? { serviceAccountTokenPath: options.serviceAccountTokenPath } : {}),
      ...(options.clusterExternalSecrets === false ? { clusterExternalSecrets: false } : {}),
      ...(options.clusterPushSecrets === false ? { clusterPushSecrets: false } : {}),
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
