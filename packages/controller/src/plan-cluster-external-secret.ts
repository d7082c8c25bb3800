import { apiVersionOf, formatDuration, hushFlavour, parseDuration, type ApiFlavour, type ExternalSecret, type ExternalSecretSpec, type KubeObject, type LabelSelector, type OwnerReference } from "@hush/kube";
import {
  controllingOwner,
  namespacesFailedMessage,
  planStamped,
  stampOwnerReference,
  stampStatus,
  type NamespaceFailure,
  type NamespaceInfo,
  type StampAction,
  type StampCondition,
  type StampedKind,
  type StampPlan,
} from "./plan-stamped.js";

export { namespacesFailedMessage, selectNamespaces, type NamespaceFailure, type NamespaceInfo } from "./plan-stamped.js";

/** ClusterExternalSecret `spec` (ESO v0.16 `ClusterExternalSecretSpec`). */
export interface ClusterExternalSecretSpec {
  externalSecretSpec: ExternalSecretSpec;
  /** Name of the ExternalSecrets created; the ClusterExternalSecret's name when unset. */
  externalSecretName?: string;
  externalSecretMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Deprecated single selector, OR-ed with {@link namespaceSelectors}. */
  namespaceSelector?: LabelSelector;
  namespaceSelectors?: LabelSelector[];
  /** Namespaces by name, OR-ed with the selectors. */
  namespaces?: string[];
  /** Go duration: how often the selection is re-checked (1h when unset, as ESO). */
  refreshTime?: string;
}

/** A ClusterExternalSecret condition, in ESO's shape (type, status, message; no reason). */
export type ClusterExternalSecretCondition = StampCondition;

/** ClusterExternalSecret `status`. */
export interface ClusterExternalSecretStatus {
  externalSecretName?: string;
  provisionedNamespaces?: string[];
  failedNamespaces?: NamespaceFailure[];
  conditions?: ClusterExternalSecretCondition[];
}

/** A cluster-scoped ClusterExternalSecret. */
export interface ClusterExternalSecret extends KubeObject {
  spec: ClusterExternalSecretSpec;
  status?: ClusterExternalSecretStatus;
}

/** One write the reconciler performs (see {@link StampAction}). */
export type CesAction = StampAction<ExternalSecretSpec>;

/** The outcome of {@link planClusterExternalSecret}. */
export interface CesPlan extends StampPlan<ExternalSecretSpec> {
  readonly externalSecretName: string;
}

/** ESO's reason for a namespace holding a foreign ExternalSecret of the same name (failedNamespaces[].reason). */
export const clashReason = "external secret already exists in namespace";
/** ESO's requeue interval when `refreshTime` is unset (cmd/controller/root.go: `time.Hour`). */
export const defaultCesRefreshMs = 3_600_000;

const kind = "ClusterExternalSecret";

/** The name of the ExternalSecrets a ClusterExternalSecret creates. */
export function externalSecretNameOf(ces: ClusterExternalSecret): string {
  return ces.spec.externalSecretName || (ces.metadata.name ?? "");
}

/**
 * The name of the ClusterExternalSecret (of this flavour's group) that controls `es`, if any:
 * its controller ownerReference, compared by group, kind and name as ESO does
 * (`isExternalSecretOwnedBy`). Anything else (no controller ref, another group) is foreign.
 */
export function controllingClusterExternalSecret(es: KubeObject, flavour: ApiFlavour = hushFlavour): string | undefined {
  return controllingOwner(es, kind, flavour.group);
}

/** The requeue interval of a ClusterExternalSecret in ms (`refreshTime`, else 1h; 0 means only on change). */
export function cesRefreshMs(ces: ClusterExternalSecret): number {
  const t = ces.spec.refreshTime;
  if (t === undefined || t === "") return defaultCesRefreshMs;
  return parseDuration(t, "spec.refreshTime");
}

/**
 * The ExternalSecret spec as ESO writes it: ESO decodes the ClusterExternalSecret into Go types
 * and encodes the copy, so `refreshInterval` comes out as Go prints a duration (`1h` → `1h0m0s`).
 */
export function stampedSpec(spec: ExternalSecretSpec): ExternalSecretSpec {
  if (spec.refreshInterval === undefined) return spec;
  try {
    return { ...spec, refreshInterval: formatDuration(parseDuration(spec.refreshInterval, "spec.externalSecretSpec.refreshInterval")) };
  } catch {
    return spec; // the CRD pattern admits only durations; leave anything else to the ExternalSecret's own validation
  }
}

/** The ClusterExternalSecret as a {@link StampedKind} of a flavour. */
export function cesKind(flavour: ApiFlavour): StampedKind<ClusterExternalSecret, ExternalSecretSpec> {
  return {
    ownerKind: kind,
    childKind: "ExternalSecret",
    apiVersion: apiVersionOf(flavour),
    clashReason,
    childName: externalSecretNameOf,
    selection: (ces) => ces.spec,
    metadata: (ces) => ces.spec.externalSecretMetadata,
    childSpec: (ces) => stampedSpec(ces.spec.externalSecretSpec),
  };
}

/** The controller ownerReference ESO's `SetControllerReference` puts on each ExternalSecret. */
export function cesOwnerReference(ces: ClusterExternalSecret, flavour: ApiFlavour): OwnerReference {
  return stampOwnerReference(ces, cesKind(flavour));
}

/**
 * Decides, without I/O, what one reconcile of a ClusterExternalSecret writes ({@link planStamped}
 * over ExternalSecrets). `existing` are the ExternalSecrets named {@link externalSecretNameOf}
 * in any namespace and those the ClusterExternalSecret controls.
 */
export function planClusterExternalSecret(
  ces: ClusterExternalSecret,
  namespaces: readonly NamespaceInfo[],
  existing: readonly ExternalSecret[],
  flavour: ApiFlavour = hushFlavour,
): CesPlan {
  const plan = planStamped(ces, cesKind(flavour), namespaces, existing);
  return { ...plan, externalSecretName: plan.childName };
}

/** The status after a reconcile ({@link stampStatus}), naming the ExternalSecrets. */
export function clusterExternalSecretStatus(plan: CesPlan, writeFailures: readonly NamespaceFailure[]): ClusterExternalSecretStatus {
  return { externalSecretName: plan.externalSecretName, ...stampStatus(plan, writeFailures) };
}
