import { formatDuration, hushFlavour, parseDuration, type ApiFlavour, type KubeObject, type LabelSelector, type PushSecret, type PushSecretSpec } from "@hush/kube";
import { controllingOwner, planStamped, stampStatus, type NamespaceFailure, type NamespaceInfo, type StampAction, type StampCondition, type StampedKind, type StampPlan } from "./plan-stamped.js";

/** ClusterPushSecret `spec` (ESO v0.16 `ClusterPushSecretSpec`, external-secrets.io/v1alpha1). */
export interface ClusterPushSecretSpec {
  pushSecretSpec: PushSecretSpec;
  /** Name of the PushSecrets created; the ClusterPushSecret's name when unset. */
  pushSecretName?: string;
  pushSecretMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Namespaces whose labels match any selector (ClusterPushSecret has no names list and no single selector). */
  namespaceSelectors?: LabelSelector[];
  /** Go duration: how often the selection is re-checked (1h when unset, as ESO). */
  refreshTime?: string;
}

/** ClusterPushSecret `status`. */
export interface ClusterPushSecretStatus {
  pushSecretName?: string;
  provisionedNamespaces?: string[];
  failedNamespaces?: NamespaceFailure[];
  conditions?: StampCondition[];
}

/** A cluster-scoped ClusterPushSecret. */
export interface ClusterPushSecret extends KubeObject {
  spec: ClusterPushSecretSpec;
  status?: ClusterPushSecretStatus;
}

/** One write of a ClusterPushSecret reconcile. */
export type CpsAction = StampAction<PushSecretSpec>;
/** The outcome of {@link planClusterPushSecret}. */
export type CpsPlan = StampPlan<PushSecretSpec>;

/** ESO's reason for a namespace holding a foreign PushSecret of the same name (failedNamespaces[].reason). */
export const pushClashReason = "push secret already exists in namespace";
/** ESO's requeue interval when `refreshTime` is unset (the controller's RequeueInterval, 1h). */
export const defaultCpsRefreshMs = 3_600_000;

const kind = "ClusterPushSecret";

/** The name of the PushSecrets a ClusterPushSecret creates. */
export function pushSecretNameOf(cps: ClusterPushSecret): string {
  return cps.spec.pushSecretName || (cps.metadata.name ?? "");
}

/** The name of the ClusterPushSecret (of this flavour's group) controlling `ps`, if any (ESO's `isPushSecretOwnedBy`). */
export function controllingClusterPushSecret(ps: KubeObject, flavour: ApiFlavour = hushFlavour): string | undefined {
  return controllingOwner(ps, kind, flavour.group);
}

/** The requeue interval of a ClusterPushSecret in ms (`refreshTime`, else 1h; 0 means only on change). */
export function cpsRefreshMs(cps: ClusterPushSecret): number {
  const t = cps.spec.refreshTime;
  if (t === undefined || t === "") return defaultCpsRefreshMs;
  return parseDuration(t, "spec.refreshTime");
}

/** The PushSecret spec as ESO writes it: its Go round trip prints `refreshInterval` as Go does (`1h` → `1h0m0s`). */
export function stampedPushSpec(spec: PushSecretSpec): PushSecretSpec {
  if (spec.refreshInterval === undefined) return spec;
  try {
    return { ...spec, refreshInterval: formatDuration(parseDuration(spec.refreshInterval, "spec.pushSecretSpec.refreshInterval")) };
  } catch {
    return spec; // the CRD pattern admits only durations; the PushSecret's own validation has the last word
  }
}

/** The ClusterPushSecret as a {@link StampedKind} of a flavour (owner and PushSecrets share the PushSecret API version). */
export function cpsKind(flavour: ApiFlavour): StampedKind<ClusterPushSecret, PushSecretSpec> {
  return {
    ownerKind: kind,
    childKind: "PushSecret",
    apiVersion: `${flavour.group}/${flavour.pushSecret.version}`,
    clashReason: pushClashReason,
    childName: pushSecretNameOf,
    selection: (cps) => ({ ...(cps.spec.namespaceSelectors ? { namespaceSelectors: cps.spec.namespaceSelectors } : {}) }),
    metadata: (cps) => cps.spec.pushSecretMetadata,
    childSpec: (cps) => stampedPushSpec(cps.spec.pushSecretSpec),
  };
}

/**
 * Decides, without I/O, what one reconcile of a ClusterPushSecret writes (the planner shared
 * with ClusterExternalSecret, over PushSecrets). `existing` are the PushSecrets named
 * {@link pushSecretNameOf} in any namespace and those the ClusterPushSecret controls.
 */
export function planClusterPushSecret(cps: ClusterPushSecret, namespaces: readonly NamespaceInfo[], existing: readonly PushSecret[], flavour: ApiFlavour = hushFlavour): CpsPlan {
  return planStamped(cps, cpsKind(flavour), namespaces, existing);
}

/** The status after a reconcile, naming the PushSecrets. */
export function clusterPushSecretStatus(plan: CpsPlan, writeFailures: readonly NamespaceFailure[]): ClusterPushSecretStatus {
  return { pushSecretName: plan.childName, ...stampStatus(plan, writeFailures) };
}
