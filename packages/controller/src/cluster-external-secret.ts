import type { ApiFlavour, ExternalSecret, ExternalSecretSpec } from "@hush/kube";
import { removeReadyCondition, setReadyCondition, type ControllerMetrics } from "./metrics.js";
import { cesKind, cesRefreshMs, clusterExternalSecretStatus, type ClusterExternalSecret, type ClusterExternalSecretStatus } from "./plan-cluster-external-secret.js";
import { StampingController, type StampingControllerOptions } from "./stamping-controller.js";

/** Options of {@link ClusterExternalSecretController}. */
export interface ClusterExternalSecretControllerOptions extends StampingControllerOptions {
  readonly flavour: ApiFlavour;
  /** Every cached ExternalSecret of the flavour (the ExternalSecret controller's informer). */
  readonly externalSecrets: () => readonly ExternalSecret[];
  readonly metrics?: ControllerMetrics | undefined;
}

/**
 * The ClusterExternalSecret controller (ESO v0.16 semantics): for each ClusterExternalSecret,
 * keeps one ExternalSecret in every selected namespace, owned by it. The
 * {@link StampingController} over ExternalSecrets; the ExternalSecrets it creates are ordinary
 * ones, synced by the ExternalSecret controller under the same store-access rules as any other
 * in their namespace.
 */
export class ClusterExternalSecretController extends StampingController<ClusterExternalSecret, ExternalSecretSpec> {
  constructor(options: ClusterExternalSecretControllerOptions) {
    const { flavour, metrics } = options;
    super(options, {
      plural: "clusterexternalsecrets",
      childPlural: "externalsecrets",
      group: flavour.group,
      version: flavour.version,
      fieldManager: flavour.component,
      kind: cesKind(flavour),
      children: options.externalSecrets,
      refreshMs: cesRefreshMs,
      status: (plan, failures) => clusterExternalSecretStatus({ ...plan, externalSecretName: plan.childName }, failures),
      statusPatch: (s: ClusterExternalSecretStatus) => ({
        externalSecretName: s.externalSecretName,
        provisionedNamespaces: s.provisionedNamespaces ?? null,
        failedNamespaces: s.failedNamespaces ?? null,
        conditions: s.conditions,
      }),
      normStatus: (s) => ({
        externalSecretName: s?.externalSecretName,
        provisionedNamespaces: s?.provisionedNamespaces?.length ? s.provisionedNamespaces : undefined,
        failedNamespaces: s?.failedNamespaces?.length ? s.failedNamespaces : undefined,
        conditions: s?.conditions?.map((c) => ({ type: c.type, status: c.status, message: c.message || undefined })),
      }),
      writeError: "HUSH_ERR_CONTROLLER_CES_WRITE",
      onReconciled: (name, ready, durationNs) => {
        // ESO's unit: nanoseconds; cluster-scoped, so the namespace label is empty.
        if (durationNs > 0) metrics?.cesReconcileDuration.set({ name, namespace: "" }, durationNs);
        if (ready === undefined) return;
        if (metrics) setReadyCondition(metrics.cesStatusCondition, name, "", ready ? "True" : "False");
      },
      onForgotten: (name) => {
        metrics?.cesReconcileDuration.remove({ name, namespace: "" });
        if (metrics) removeReadyCondition(metrics.cesStatusCondition, name, "");
      },
    });
  }

  /** Called by the ExternalSecret informer (see {@link StampingController.onChild}). */
  onExternalSecret(old: ExternalSecret | undefined, es: ExternalSecret, deleted: boolean): void {
    this.onChild(old, es, deleted);
  }
}
