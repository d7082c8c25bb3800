import { apiVersionOf, formatDuration, hushFlavour, matchesSelector, parseDuration, type ApiFlavour, type ExternalSecret, type ExternalSecretSpec, type KubeObject, type LabelSelector, type OwnerReference } from "@hush/kube";
import { stableHash } from "./data-hash.js";

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
export interface ClusterExternalSecretCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  message?: string;
}

/** One namespace the ExternalSecret could not be written to, and why. */
export interface NamespaceFailure {
  namespace: string;
  reason?: string;
}

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

/** What the planner needs of a Namespace. */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Being deleted: no ExternalSecret is created there. */
  readonly terminating?: boolean;
}

/**
 * One write the reconciler performs. An `update` replaces labels, annotations, ownerReferences
 * and spec wholesale, guarded by the resourceVersion it was planned from.
 */
export type CesAction =
  | { readonly op: "create"; readonly namespace: string; readonly body: ExternalSecret }
  | {
      readonly op: "update";
      readonly namespace: string;
      readonly name: string;
      readonly resourceVersion: string;
      readonly labels: Record<string, string>;
      readonly annotations: Record<string, string>;
      readonly ownerReferences: OwnerReference[];
      readonly spec: ExternalSecretSpec;
    }
  | { readonly op: "delete"; readonly namespace: string; readonly name: string; readonly uid?: string };

/** The outcome of {@link planClusterExternalSecret}. */
export interface CesPlan {
  readonly externalSecretName: string;
  /** Selected namespaces, sorted. */
  readonly selected: readonly string[];
  readonly actions: readonly CesAction[];
  /** Selected namespaces where an ExternalSecret of that name exists that this ClusterExternalSecret does not own. */
  readonly clashes: readonly NamespaceFailure[];
}

/** ESO's reason for a namespace holding a foreign ExternalSecret of the same name (failedNamespaces[].reason). */
export const clashReason = "external secret already exists in namespace";
/** ESO's Ready message when any namespace failed. */
export const namespacesFailedMessage = "one or more namespaces failed";
/** ESO's requeue interval when `refreshTime` is unset (cmd/controller/root.go: `time.Hour`). */
export const defaultCesRefreshMs = 3_600_000;

const kind = "ClusterExternalSecret";

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

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
  const ref = es.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref || ref.kind !== kind || groupOf(ref.apiVersion) !== flavour.group) return undefined;
  return ref.name;
}

/** The namespaces a ClusterExternalSecret selects: by name, or by any selector (OR); never a terminating one. Sorted. */
export function selectNamespaces(spec: ClusterExternalSecretSpec, namespaces: readonly NamespaceInfo[]): string[] {
  const selectors = [...(spec.namespaceSelector ? [spec.namespaceSelector] : []), ...(spec.namespaceSelectors ?? [])];
  const names = new Set(spec.namespaces ?? []);
  return namespaces
    .filter((ns) => !ns.terminating && (names.has(ns.name) || selectors.some((s) => selectorMatches(s, ns.labels))))
    .map((ns) => ns.name)
    .sort();
}

/**
 * Label selectors as `metav1.LabelSelectorAsSelector` reads them: an `In`/`NotIn` requirement
 * without values is invalid there (ESO logs it and the selector selects nothing), so it selects nothing here.
 */
function selectorMatches(s: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  if ((s.matchExpressions ?? []).some((e) => (e.operator === "In" || e.operator === "NotIn") && (e.values ?? []).length === 0)) return false;
  return matchesSelector(s, labels);
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

const nonEmpty = (m: Record<string, string> | undefined): Record<string, string> | undefined => (m && Object.keys(m).length > 0 ? { ...m } : undefined);

/** The controller ownerReference ESO's `SetControllerReference` puts on each ExternalSecret. */
export function cesOwnerReference(ces: ClusterExternalSecret, flavour: ApiFlavour): OwnerReference {
  return { apiVersion: apiVersionOf(flavour), kind, name: ces.metadata.name ?? "", uid: ces.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

/** `refs` with `owner` set: a ref to the same group, kind and name is replaced (its uid refreshed), others kept. */
function upsertOwner(refs: readonly OwnerReference[] | undefined, owner: OwnerReference): OwnerReference[] {
  const same = (r: OwnerReference) => r.kind === owner.kind && r.name === owner.name && groupOf(r.apiVersion) === groupOf(owner.apiVersion);
  const list = (refs ?? []).filter((r) => !same(r));
  const i = (refs ?? []).findIndex(same);
  list.splice(i < 0 ? list.length : i, 0, owner);
  return list;
}

/**
 * Decides, without I/O, what one reconcile of a ClusterExternalSecret writes. `namespaces`
 * are all namespaces; `existing` are the ExternalSecrets that matter: those named
 * {@link externalSecretNameOf} in any namespace and those the ClusterExternalSecret controls.
 *
 * Each selected namespace gets the ExternalSecret with the spec, labels and annotations of the
 * ClusterExternalSecret (replaced wholesale, as ESO's `CreateOrUpdate` does) and a controller
 * ownerReference to it; an ExternalSecret of that name it does not control is left alone and
 * reported as a clash. Every ExternalSecret it controls elsewhere (a namespace no longer
 * selected, or the name before `externalSecretName` changed) is deleted. An up-to-date
 * ExternalSecret yields no action, so a reconcile with nothing to do writes nothing.
 */
export function planClusterExternalSecret(
  ces: ClusterExternalSecret,
  namespaces: readonly NamespaceInfo[],
  existing: readonly ExternalSecret[],
  flavour: ApiFlavour = hushFlavour,
): CesPlan {
  const name = externalSecretNameOf(ces);
  const selected = selectNamespaces(ces.spec, namespaces);
  const wanted = new Set(selected);
  const owner = cesOwnerReference(ces, flavour);
  const labels = nonEmpty(ces.spec.externalSecretMetadata?.labels);
  const annotations = nonEmpty(ces.spec.externalSecretMetadata?.annotations);
  const spec = stampedSpec(ces.spec.externalSecretSpec);
  const ours = (es: ExternalSecret) => controllingClusterExternalSecret(es, flavour) === ces.metadata.name;
  const byKey = new Map(existing.map((es) => [`${es.metadata.namespace}/${es.metadata.name}`, es]));
  const actions: CesAction[] = [];
  const clashes: NamespaceFailure[] = [];

  for (const ns of selected) {
    const es = byKey.get(`${ns}/${name}`);
    if (!es) {
      actions.push({
        op: "create",
        namespace: ns,
        body: {
          apiVersion: apiVersionOf(flavour),
          kind: "ExternalSecret",
          metadata: { name, namespace: ns, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}), ownerReferences: [owner] },
          spec,
        },
      });
      continue;
    }
    if (!ours(es)) {
      clashes.push({ namespace: ns, reason: clashReason });
      continue;
    }
    const ownerReferences = upsertOwner(es.metadata.ownerReferences, owner);
    const current = { labels: nonEmpty(es.metadata.labels), annotations: nonEmpty(es.metadata.annotations), ownerReferences: es.metadata.ownerReferences ?? [], spec: es.spec };
    const desired = { labels, annotations, ownerReferences, spec };
    if (stableHash(current) === stableHash(desired)) continue;
    actions.push({ op: "update", namespace: ns, name, resourceVersion: es.metadata.resourceVersion ?? "", labels: labels ?? {}, annotations: annotations ?? {}, ownerReferences, spec });
  }

  for (const es of existing) {
    const ns = es.metadata.namespace ?? "";
    if (!ours(es) || (wanted.has(ns) && es.metadata.name === name) || es.metadata.deletionTimestamp) continue;
    actions.push({ op: "delete", namespace: ns, name: es.metadata.name ?? "", ...(es.metadata.uid ? { uid: es.metadata.uid } : {}) });
  }
  return { externalSecretName: name, selected, actions, clashes };
}

/**
 * The status after a reconcile: provisioned are the selected namespaces that neither clashed
 * nor failed a write; failed lists both with their reasons (sorted by namespace); Ready is
 * True only when none failed, with ESO's message otherwise.
 */
export function clusterExternalSecretStatus(plan: CesPlan, writeFailures: readonly NamespaceFailure[]): ClusterExternalSecretStatus {
  const failed = new Map<string, NamespaceFailure>();
  for (const f of [...plan.clashes, ...writeFailures]) if (!failed.has(f.namespace)) failed.set(f.namespace, f);
  const failedNamespaces = [...failed.values()].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  const provisionedNamespaces = plan.selected.filter((ns) => !failed.has(ns));
  const ready: ClusterExternalSecretCondition =
    failedNamespaces.length === 0 ? { type: "Ready", status: "True" } : { type: "Ready", status: "False", message: namespacesFailedMessage };
  return {
    externalSecretName: plan.externalSecretName,
    ...(provisionedNamespaces.length > 0 ? { provisionedNamespaces } : {}),
    ...(failedNamespaces.length > 0 ? { failedNamespaces } : {}),
    conditions: [ready],
  };
}
