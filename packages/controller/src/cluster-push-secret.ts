import type { ApiFlavour, PushSecret, PushSecretSpec } from "@hush/kube";
import { removeReadyCondition, setReadyCondition, type ControllerMetrics } from "./metrics.js";
import { clusterPushSecretStatus, cpsKind, cpsRefreshMs, type ClusterPushSecret, type ClusterPushSecretStatus } from "./plan-cluster-push-secret.js";
import { StampingController, type StampingControllerOptions } from "./stamping-controller.js";

/** Options of {@link ClusterPushSecretController}. */
export interface ClusterPushSecretControllerOptions extends StampingControllerOptions {
  readonly flavour: ApiFlavour;
  /** Every cached PushSecret of the flavour (the PushSecret controller's informer). */
  readonly pushSecrets: () => readonly PushSecret[];
  readonly metrics?: ControllerMetrics | undefined;
}

/**
 * The ClusterPushSecret controller (ESO v0.16 semantics): for each ClusterPushSecret, keeps one
 * PushSecret in every namespace its `namespaceSelectors` match, owned by it. The
 * {@link StampingController} over PushSecrets (as ClusterExternalSecret is over ExternalSecrets);
 * the PushSecrets it creates are ordinary ones, pushed by the PushSecret controller under the same
 * store-access and remote-ownership rules as any other in their namespace.
 */
export class ClusterPushSecretController extends StampingController<ClusterPushSecret, PushSecretSpec> {
  constructor(options: ClusterPushSecretControllerOptions) {
    const { flavour, metrics } = options;
    super(options, {
      plural: "clusterpushsecrets",
      childPlural: "pushsecrets",
      group: flavour.group,
      version: flavour.pushSecret.version,
      fieldManager: flavour.component,
      kind: cpsKind(flavour),
      children: options.pushSecrets,
      refreshMs: cpsRefreshMs,
      status: clusterPushSecretStatus,
      statusPatch: (s: ClusterPushSecretStatus) => ({
        pushSecretName: s.pushSecretName,
        provisionedNamespaces: s.provisionedNamespaces ?? null,
        failedNamespaces: s.failedNamespaces ?? null,
        conditions: s.conditions,
      }),
      normStatus: (s) => ({
        pushSecretName: s?.pushSecretName,
        provisionedNamespaces: s?.provisionedNamespaces?.length ? s.provisionedNamespaces : undefined,
        failedNamespaces: s?.failedNamespaces?.length ? s.failedNamespaces : undefined,
        conditions: s?.conditions?.map((c) => ({ type: c.type, status: c.status, message: c.message || undefined })),
      }),
      writeError: "HUSH_ERR_CONTROLLER_CPS_WRITE",
      // ESO's cpsmetrics: nanoseconds; cluster-scoped, so the namespace label is empty.
      onReconciled: (name, ready, durationNs) => {
        if (durationNs > 0) metrics?.cpsReconcileDuration.set({ name, namespace: "" }, durationNs);
        if (ready === undefined) return;
        if (metrics) setReadyCondition(metrics.cpsStatusCondition, name, "", ready ? "True" : "False");
      },
      onForgotten: (name) => {
        metrics?.cpsReconcileDuration.remove({ name, namespace: "" });
        if (metrics) removeReadyCondition(metrics.cpsStatusCondition, name, "");
      },
    });
  }
}
