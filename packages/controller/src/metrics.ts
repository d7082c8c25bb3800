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
  /** Per-SecretStore, under the flavour's names (ESO's `secretstore_*`). */
  readonly ssStatusCondition: Gauge<"name" | "namespace" | "condition" | "status">;
  readonly ssReconcileDuration: Gauge<"name" | "namespace">;
  /** Per-ClusterSecretStore, under the flavour's names (ESO's `clustersecretstore_*`, namespace empty). */
  readonly cssStatusCondition: Gauge<"name" | "namespace" | "condition" | "status">;
  readonly cssReconcileDuration: Gauge<"name" | "namespace">;
  /** Provider API calls with ESO's provider and call names (ESO's `externalsecret_provider_api_calls_count`). */
  readonly providerApiCalls: Counter<"provider" | "call" | "status">;
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
    ssStatusCondition: new Gauge({ name: names.ssStatusCondition, help: "The status condition of a specific Secret Store", labelNames: ["name", "namespace", "condition", "status"], registers }),
    ssReconcileDuration: new Gauge({ name: names.ssReconcileDuration, help: "The duration time to reconcile the Secret Store", labelNames: ["name", "namespace"], registers }),
    cssStatusCondition: new Gauge({ name: names.cssStatusCondition, help: "The status condition of a specific Cluster Secret Store", labelNames: ["name", "namespace", "condition", "status"], registers }),
    cssReconcileDuration: new Gauge({ name: names.cssReconcileDuration, help: "The duration time to reconcile the Cluster Secret Store", labelNames: ["name", "namespace"], registers }),
    providerApiCalls: new Counter({ name: names.providerApiCalls, help: "Number of API calls towards the secret provider", labelNames: ["provider", "call", "status"], registers }),
  };
}

/** A `Ready` condition gauge keyed `{name,namespace,condition,status}`, as ESO's are. */
type ConditionGauge = Gauge<"name" | "namespace" | "condition" | "status">;

/**
 * Sets a `Ready` condition gauge as ESO does: the current status 1 and the opposite one 0
 * (`Unknown` has no opposite). ESO's ExternalSecret gauge also drops the `Deleted` series
 * when the object reports Ready again (a recreated ExternalSecret).
 */
export function setReadyCondition(gauge: ConditionGauge, name: string, namespace: string, status: "True" | "False" | "Unknown", options: { dropDeleted?: boolean } = {}): void {
  if (options.dropDeleted) for (const s of ["True", "False"]) gauge.remove({ name, namespace, condition: "Deleted", status: s });
  const opposite = status === "True" ? "False" : status === "False" ? "True" : undefined;
  gauge.set({ name, namespace, condition: "Ready", status }, 1);
  if (opposite) gauge.set({ name, namespace, condition: "Ready", status: opposite }, 0);
}

/** Drops every `Ready` series of one deleted object (of any kind with an ESO condition gauge). */
export function removeReadyCondition(gauge: ConditionGauge, name: string, namespace: string): void {
  for (const status of ["True", "False", "Unknown"]) gauge.remove({ name, namespace, condition: "Ready", status });
}

/**
 * Deleted ExternalSecrets whose `condition="Deleted"` series is kept (ESO keeps one per deleted
 * ExternalSecret for the life of the process). Tenants can create and delete ExternalSecrets
 * at will, so hush keeps only the most recent ones: the oldest series go first.
 */
export const deletedSeriesLimit = 10_000;

/**
 * Reports a deleted ExternalSecret as ESO v0.16 does: its `Ready` series are removed and
 * `{condition="Deleted",status="False"}` is set to 1. `recent` remembers which objects hold
 * such a series (insertion order), so at most {@link deletedSeriesLimit} are kept.
 */
export function reportExternalSecretDeleted(gauge: ConditionGauge, recent: Map<string, { name: string; namespace: string }>, name: string, namespace: string, limit = deletedSeriesLimit): void {
  removeReadyCondition(gauge, name, namespace);
  const key = `${namespace}/${name}`;
  recent.delete(key);
  recent.set(key, { name, namespace });
  gauge.set({ name, namespace, condition: "Deleted", status: "False" }, 1);
  while (recent.size > limit) {
    const [oldest, labels] = recent.entries().next().value as [string, { name: string; namespace: string }];
    recent.delete(oldest);
    gauge.remove({ ...labels, condition: "Deleted", status: "False" });
  }
}
