import { HushError } from "@hush/errors";
import { storeAdmitsNamespace, type SecretStore, type StoreRef } from "@hush/kube";

/** Why an ExternalSecret may not read through a store. */
export type StoreDenial =
  /** No such store (a namespaced store is looked up only in the ExternalSecret's own namespace). */
  | "not-found"
  /** The store belongs to another controller class: the ExternalSecret is skipped, not failed. */
  | "other-class"
  /** A ClusterSecretStore whose `spec.conditions` do not admit the ExternalSecret's namespace. */
  | "namespace-not-admitted"
  /** The flood gate: the store has no `Ready=True` condition (not validated yet, or failed). */
  | "not-ready";

/** The decision of {@link resolveStore}. */
export type StoreAccess =
  | { readonly ok: true; readonly store: SecretStore; readonly kind: "SecretStore" | "ClusterSecretStore"; readonly cacheKey: string }
  | { readonly ok: false; readonly reason: StoreDenial; readonly message: string };

/** What {@link resolveStore} decides from: all of it read by the caller beforehand. */
export interface StoreQuery {
  readonly ref: StoreRef;
  /** The ExternalSecret's namespace. */
  readonly namespace: string;
  /** The store named by `ref` (namespaced stores: from `namespace` only), if it exists. */
  readonly store: SecretStore | undefined;
  /** This controller's class (`""` when unset). */
  readonly controllerClass: string;
  /** Labels of `namespace`, current (needed only for `namespaceSelector` conditions). */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /**
   * ESO's flood gate (`--enable-flood-gate`, on by default): only a store whose `Ready`
   * condition is `True` is used. Default true; ESO's PushSecrets do not apply it.
   */
  readonly floodGate?: boolean;
}

/** The reader-cache key of a store: kind, namespace (empty for cluster stores), name. */
export function storeCacheKey(ref: StoreRef, namespace: string): string {
  return ref.kind === "ClusterSecretStore" ? `ClusterSecretStore//${ref.name}` : `SecretStore/${namespace}/${ref.name}`;
}

/**
 * Whether an ExternalSecret in `namespace` may read through the store `ref` names. Pure:
 * existence, controller class, ClusterSecretStore namespace conditions, then the flood gate
 * (as ESO v0.16 `assertStoreIsUsable`: a store not yet validated, or whose validation failed,
 * is not used; its ExternalSecrets are retried once it is `Ready`). The order matters: a store
 * of another class is skipped before anything about it is judged.
 */
export function resolveStore(q: StoreQuery): StoreAccess {
  const kind = q.ref.kind ?? "SecretStore";
  const store = q.store;
  if (!store) return { ok: false, reason: "not-found", message: `${kind} ${q.ref.name} not found` };
  if ((store.spec.controller ?? "") !== "" && store.spec.controller !== q.controllerClass) {
    return { ok: false, reason: "other-class", message: `${kind} ${q.ref.name} belongs to controller class ${store.spec.controller}` };
  }
  if (kind === "ClusterSecretStore" && !storeAdmitsNamespace(store.spec.conditions, q.namespace, q.namespaceLabels)) {
    return { ok: false, reason: "namespace-not-admitted", message: `ClusterSecretStore ${q.ref.name} does not admit namespace ${q.namespace}` };
  }
  const ready = store.status?.conditions?.find((c) => c.type === "Ready");
  // ESO's message: `SecretStore "name" is not ready`.
  if ((q.floodGate ?? true) && ready?.status !== "True") return { ok: false, reason: "not-ready", message: `${kind} ${JSON.stringify(q.ref.name)} is not ready` };
  return { ok: true, store, kind, cacheKey: storeCacheKey({ ...q.ref, kind }, q.namespace) };
}

const denialCodes = {
  "not-found": "HUSH_ERR_CONTROLLER_STORE_NOT_FOUND",
  "other-class": "HUSH_ERR_CONTROLLER_STORE_NOT_FOUND",
  "namespace-not-admitted": "HUSH_ERR_CONTROLLER_STORE_NOT_ALLOWED",
  "not-ready": "HUSH_ERR_CONTROLLER_STORE_NOT_READY",
} as const;

/** The error a denial becomes when it fails a sync. */
export function denialError(access: Extract<StoreAccess, { ok: false }>): HushError {
  return new HushError(denialCodes[access.reason], access.message);
}

/** Every store an ExternalSecret references (the default and per-entry `sourceRef.storeRef`s). */
export function storeRefsOf(es: { spec: { secretStoreRef?: StoreRef; data?: { sourceRef?: { storeRef?: StoreRef } }[]; dataFrom?: { sourceRef?: { storeRef?: StoreRef } }[] } }): StoreRef[] {
  const refs = [es.spec.secretStoreRef, ...(es.spec.data ?? []).map((d) => d.sourceRef?.storeRef), ...(es.spec.dataFrom ?? []).map((d) => d.sourceRef?.storeRef)];
  return refs.filter((r): r is StoreRef => r !== undefined).map((r) => ({ ...r, kind: r.kind ?? "SecretStore" }));
}
