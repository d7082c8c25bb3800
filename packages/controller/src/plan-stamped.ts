import { matchesSelector, type KubeObject, type LabelSelector, type OwnerReference } from "@hush/kube";
import { stableHash } from "./data-hash.js";

/**
 * The namespace-stamping planner shared by ClusterExternalSecret and ClusterPushSecret: a
 * cluster-scoped owner keeps one namespaced child (an ExternalSecret or a PushSecret) of one
 * name in every selected namespace. The two differ only in the kinds, the field names and the
 * clash message, which a {@link StampedKind} supplies.
 */

/** What the planner needs of a Namespace. */
export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Being deleted: no child is created there. */
  readonly terminating?: boolean;
}

/** One namespace the child could not be written to, and why. */
export interface NamespaceFailure {
  namespace: string;
  reason?: string;
}

/** How an owner picks namespaces (ClusterPushSecret has only `namespaceSelectors`). */
export interface NamespaceSelection {
  /** Deprecated single selector, OR-ed with {@link namespaceSelectors}. */
  namespaceSelector?: LabelSelector;
  namespaceSelectors?: LabelSelector[];
  /** Namespaces by name, OR-ed with the selectors. */
  namespaces?: string[];
}

/** A child object: metadata plus a spec of type `S`. */
export interface StampedChild<S> extends KubeObject {
  spec: S;
}

/** What distinguishes one stamped kind from the other. */
export interface StampedKind<O extends KubeObject, S> {
  /** The owner's kind (`ClusterExternalSecret`). */
  readonly ownerKind: string;
  /** The child's kind (`ExternalSecret`). */
  readonly childKind: string;
  /** The child's (and the owner's) apiVersion in the flavour (`group/version`). */
  readonly apiVersion: string;
  /** failedNamespaces[].reason for a foreign child of the same name (ESO's words). */
  readonly clashReason: string;
  childName(owner: O): string;
  selection(owner: O): NamespaceSelection;
  metadata(owner: O): { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
  /** The child spec as written (ESO's Go round trip applied). */
  childSpec(owner: O): S;
}

/**
 * One write the reconciler performs. An `update` replaces labels, annotations, ownerReferences
 * and spec wholesale, guarded by the resourceVersion it was planned from.
 */
export type StampAction<S> =
  | { readonly op: "create"; readonly namespace: string; readonly body: StampedChild<S> }
  | {
      readonly op: "update";
      readonly namespace: string;
      readonly name: string;
      readonly resourceVersion: string;
      readonly labels: Record<string, string>;
      readonly annotations: Record<string, string>;
      readonly ownerReferences: OwnerReference[];
      readonly spec: S;
    }
  | { readonly op: "delete"; readonly namespace: string; readonly name: string; readonly uid?: string };

/** The outcome of {@link planStamped}. */
export interface StampPlan<S> {
  readonly childName: string;
  /** Selected namespaces, sorted. */
  readonly selected: readonly string[];
  readonly actions: readonly StampAction<S>[];
  /** Selected namespaces where a child of that name exists that the owner does not control. */
  readonly clashes: readonly NamespaceFailure[];
}

/** A Ready condition in ESO's ClusterExternalSecret / ClusterPushSecret shape (no reason). */
export interface StampCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  message?: string;
}

/** ESO's Ready message when any namespace failed (both controllers). */
export const namespacesFailedMessage = "one or more namespaces failed";

export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

/**
 * The name of the owner of kind `ownerKind` (in `group`) controlling `child`, if any: its
 * controller ownerReference, compared by group, kind and name. Anything else is foreign.
 */
export function controllingOwner(child: KubeObject, ownerKind: string, group: string): string | undefined {
  const ref = child.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref || ref.kind !== ownerKind || groupOf(ref.apiVersion) !== group) return undefined;
  return ref.name;
}

/** The namespaces selected: by name, or by any selector (OR); never a terminating one. Sorted. */
export function selectNamespaces(spec: NamespaceSelection, namespaces: readonly NamespaceInfo[]): string[] {
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

const nonEmpty = (m: Record<string, string> | undefined): Record<string, string> | undefined => (m && Object.keys(m).length > 0 ? { ...m } : undefined);

/** The controller ownerReference ESO's `SetControllerReference` puts on each child. */
export function stampOwnerReference<O extends KubeObject>(owner: O, kind: StampedKind<O, unknown>): OwnerReference {
  return { apiVersion: kind.apiVersion, kind: kind.ownerKind, name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
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
 * Decides, without I/O, what one reconcile of an owner writes. `namespaces` are all
 * namespaces; `existing` are the children that matter: those named `kind.childName(owner)` in
 * any namespace and those the owner controls.
 *
 * Each selected namespace gets the child with the owner's spec, labels and annotations
 * (replaced wholesale, as ESO's `CreateOrUpdate` does) and a controller ownerReference to the
 * owner; a child of that name it does not control is left alone and reported as a clash. Every
 * child it controls elsewhere (a namespace no longer selected, or the name before it changed)
 * is deleted. An up-to-date child yields no action, so a reconcile with nothing to do writes nothing.
 */
export function planStamped<O extends KubeObject, S>(
  owner: O,
  kind: StampedKind<O, S>,
  namespaces: readonly NamespaceInfo[],
  existing: readonly StampedChild<S>[],
): StampPlan<S> {
  const name = kind.childName(owner);
  const selected = selectNamespaces(kind.selection(owner), namespaces);
  const wanted = new Set(selected);
  const ownerRef = stampOwnerReference(owner, kind);
  const meta = kind.metadata(owner);
  const labels = nonEmpty(meta?.labels);
  const annotations = nonEmpty(meta?.annotations);
  const spec = kind.childSpec(owner);
  const group = groupOf(kind.apiVersion);
  const ours = (c: KubeObject) => controllingOwner(c, kind.ownerKind, group) === owner.metadata.name;
  const byKey = new Map(existing.map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, c]));
  const actions: StampAction<S>[] = [];
  const clashes: NamespaceFailure[] = [];

  for (const ns of selected) {
    const child = byKey.get(`${ns}/${name}`);
    if (!child) {
      actions.push({
        op: "create",
        namespace: ns,
        body: {
          apiVersion: kind.apiVersion,
          kind: kind.childKind,
          metadata: { name, namespace: ns, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}), ownerReferences: [ownerRef] },
          spec,
        },
      });
      continue;
    }
    if (!ours(child)) {
      clashes.push({ namespace: ns, reason: kind.clashReason });
      continue;
    }
    const ownerReferences = upsertOwner(child.metadata.ownerReferences, ownerRef);
    const current = { labels: nonEmpty(child.metadata.labels), annotations: nonEmpty(child.metadata.annotations), ownerReferences: child.metadata.ownerReferences ?? [], spec: child.spec };
    const desired = { labels, annotations, ownerReferences, spec };
    if (stableHash(current) === stableHash(desired)) continue;
    actions.push({ op: "update", namespace: ns, name, resourceVersion: child.metadata.resourceVersion ?? "", labels: labels ?? {}, annotations: annotations ?? {}, ownerReferences, spec });
  }

  for (const child of existing) {
    const ns = child.metadata.namespace ?? "";
    if (!ours(child) || (wanted.has(ns) && child.metadata.name === name) || child.metadata.deletionTimestamp) continue;
    actions.push({ op: "delete", namespace: ns, name: child.metadata.name ?? "", ...(child.metadata.uid ? { uid: child.metadata.uid } : {}) });
  }
  return { childName: name, selected, actions, clashes };
}

/**
 * The status lists after a reconcile: provisioned are the selected namespaces that neither
 * clashed nor failed a write; failed lists both with their reasons (sorted by namespace); Ready
 * is True only when none failed, with ESO's message otherwise.
 */
export function stampStatus(
  plan: StampPlan<unknown>,
  writeFailures: readonly NamespaceFailure[],
): { provisionedNamespaces?: string[]; failedNamespaces?: NamespaceFailure[]; conditions: StampCondition[] } {
  const failed = new Map<string, NamespaceFailure>();
  for (const f of [...plan.clashes, ...writeFailures]) if (!failed.has(f.namespace)) failed.set(f.namespace, f);
  const failedNamespaces = [...failed.values()].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  const provisionedNamespaces = plan.selected.filter((ns) => !failed.has(ns));
  const ready: StampCondition = failedNamespaces.length === 0 ? { type: "Ready", status: "True" } : { type: "Ready", status: "False", message: namespacesFailedMessage };
  return {
    ...(provisionedNamespaces.length > 0 ? { provisionedNamespaces } : {}),
    ...(failedNamespaces.length > 0 ? { failedNamespaces } : {}),
    conditions: [ready],
  };
}
