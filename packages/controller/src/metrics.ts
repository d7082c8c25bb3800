import { hushFlavour, type ApiFlavour } from "@hush/kube";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The controller's Prometheus metrics (labels never carry values or key names). */
export interface ControllerMetrics {
  readonly reconciles: Counter<"result">;
  readonly reconcileSeconds: Histogram<"result">;
  readonly syncErrors: Counter<"code">;
  readonly providerCalls: Counter<"provider" | "operation" | "result">;
  readonly providerSeconds: Histogram<"provider" | "operation">;
  readonly readsDeduplicated: Counter;
  readonly secretWrites: Counter<"action">;
  readonly ready: Gauge<"namespace" | "name">;
  readonly queueDepth: Gauge;
  readonly informerRestarts: Counter<"informer">;
  /** Per-ExternalSecret metrics under the flavour's names (ESO's with `external-secrets.io`). */
  readonly statusCondition: Gauge<"name" | "namespace" | "condition" | "status">;
  readonly syncCalls: Counter<"name" | "namespace">;
  readonly syncCallsError: Counter<"name" | "namespace">;
  readonly reconcileDuration: Gauge<"name" | "namespace">;
  /** Per-ClusterExternalSecret, under the flavour's names (ESO's `clusterexternalsecret_*`). */
  readonly cesStatusCondition: Gauge<"name" | "namespace" | "condition" | "status">;
  readonly cesReconcileDuration: Gauge<"name" | "namespace">;
  /** Per-PushSecret, under the flavour's names (ESO's `pushsecret_*`). */
  readonly psStatusCondition: Gauge<"name" | "namespace" | "condition" | "status">;
  readonly psReconcileDuration: Gauge<"name" | "namespace">;
  /** Per-ClusterPushSecret, under the flavour's names (ESO's `clusterpushsecret_*`). */
  readonly cpsStatusCondition: Gauge<"name" | "namespace" | "condition" | "status">;
  readonly cpsReconcileDuration: Gauge<"name" | "namespace">;
}

/**
 * Registers the controller metrics on `registry`. The per-ExternalSecret ones take their names
 * from `flavour`, so ESO's dashboards and alerts keep working under `external-secrets.io`.
 */
export function createControllerMetrics(registry: Registry, flavour: ApiFlavour = hushFlavour): ControllerMetrics {
  const registers = [registry];
  const names = flavour.metrics;
  return {
    reconciles: new Counter({ name: "hush_controller_reconcile_total", help: "ExternalSecret reconciles by result", labelNames: ["result"], registers }),
    reconcileSeconds: new Histogram({ name: "hush_controller_reconcile_duration_seconds", help: "Reconcile latency", labelNames: ["result"], buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
    syncErrors: new Counter({ name: "hush_controller_sync_errors_total", help: "Failed syncs by error code", labelNames: ["code"], registers }),
    providerCalls: new Counter({ name: "hush_provider_calls_total", help: "Provider API calls", labelNames: ["provider", "operation", "result"], registers }),
    providerSeconds: new Histogram({ name: "hush_provider_call_duration_seconds", help: "Provider API call latency", labelNames: ["provider", "operation"], buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers }),
    readsDeduplicated: new Counter({ name: "hush_provider_reads_deduplicated_total", help: "Provider reads answered by an identical read in the same window (calls saved)", registers }),
    secretWrites: new Counter({ name: "hush_controller_secret_writes_total", help: "Secret writes by action", labelNames: ["action"], registers }),
    ready: new Gauge({ name: "hush_externalsecret_ready", help: "1 when the ExternalSecret is Ready", labelNames: ["namespace", "name"], registers }),
    queueDepth: new Gauge({ name: "hush_controller_workqueue_depth", help: "Keys waiting in the work queue", registers }),
    informerRestarts: new Counter({ name: "hush_informer_restarts_total", help: "Watches restarted by the liveness check", labelNames: ["informer"], registers }),
    statusCondition: new Gauge({ name: names.statusCondition, help: "The status condition of a specific External Secret", labelNames: ["name", "namespace", "condition", "status"], registers }),
    syncCalls: new Counter({ name: names.syncCalls, help: "Total number of the External Secret sync calls", labelNames: ["name", "namespace"], registers }),
    syncCallsError: new Counter({ name: names.syncCallsError, help: "Total number of the External Secret sync errors", labelNames: ["name", "namespace"], registers }),
    reconcileDuration: new Gauge({ name: names.reconcileDuration, help: "The duration time to reconcile the External Secret (nanoseconds)", labelNames: ["name", "namespace"], registers }),
    cesStatusCondition: new Gauge({ name: names.cesStatusCondition, help: "The status condition of a specific Cluster External Secret", labelNames: ["name", "namespace", "condition", "status"], registers }),
    cesReconcileDuration: new Gauge({ name: names.cesReconcileDuration, help: "The duration time to reconcile the Cluster External Secret (nanoseconds)", labelNames: ["name", "namespace"], registers }),
    psStatusCondition: new Gauge({ name: names.psStatusCondition, help: "The status condition of a specific Push Secret", labelNames: ["name", "namespace", "condition", "status"], registers }),
    psReconcileDuration: new Gauge({ name: names.psReconcileDuration, help: "The duration time to reconcile the Push Secret (nanoseconds)", labelNames: ["name", "namespace"], registers }),
    cpsStatusCondition: new Gauge({ name: names.cpsStatusCondition, help: "The status condition of a specific Cluster Push Secret", labelNames: ["name", "namespace", "condition", "status"], registers }),
    cpsReconcileDuration: new Gauge({ name: names.cpsReconcileDuration, help: "The duration time to reconcile the Cluster Push Secret (nanoseconds)", labelNames: ["name", "namespace"], registers }),
  };
}
