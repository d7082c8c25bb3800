import { HushError, isHushError, type ErrorCode } from "@hush/errors";
import { generatorVersion, matchesSelector, parseDuration, setCondition, type ApiFlavour, type KubeObject, type PushSecret, type PushSecretStatus, type Secret, type SecretStore, type StoreRef } from "@hush/kube";
import { kubeErrorCode, resourcePath, type EventRecorder, type KubeClient, type KubeLogger } from "@hush/kube/client";
import { patchFinalizers } from "./finalizers.js";
import type { PushOwner, SecretProvider } from "@hush/providers";
import type { Clock } from "./clock.js";
import { removeReadyCondition, setReadyCondition, type ControllerMetrics } from "./metrics.js";
import { stableHash } from "./data-hash.js";
import { readTemplateSources } from "./fetch-data.js";
import { isTerminalCode } from "./failure.js";
import { privilegedSecretTypes } from "./plan-secret.js";
import { generatorResource, runGenerator, type Randomness } from "./generators.js";
import { NamespaceLabels } from "./namespace-labels.js";
import { cryptoRandomness } from "./random.js";
import { parseStoreKey, planCleanup, planPush, pushSourceData, validatePushSecret, withoutSynced, withSynced, type PlannedDelete, type SyncedMap } from "./push-plan.js";
import type { ReaderCache } from "./reader-cache.js";
import { jitteredInterval, syncedResourceVersion } from "./refresh.js";
import { denialError, resolveStore } from "./resolve-store.js";
import { TerminalError, type Result } from "./worker-loop.js";

/** What {@link PushReconciler} reads and writes through; the controller wires informers in. */
export interface PushReconcilerDeps {
  readonly client: KubeClient;
  readonly clock: Clock;
  readonly log: KubeLogger;
  readonly events: EventRecorder;
  readonly controllerClass: string;
  readonly flavour: ApiFlavour;
  /** The same provider cache ExternalSecrets read through (one provider per store generation). */
  readonly readers: ReaderCache;
  /** The cached PushSecret `namespace/name`. */
  pushSecret(key: string): PushSecret | undefined;
  /** The store a ref names, for a PushSecret in `namespace` (namespaced stores: that namespace only). */
  store(ref: StoreRef, namespace: string): SecretStore | undefined;
  /** Every cached store of a kind (SecretStores: of `namespace` only), for `labelSelector` refs. */
  stores(kind: "SecretStore" | "ClusterSecretStore", namespace: string): SecretStore[];
  /** Keeps a best-effort background task (an Event) alive until shutdown. */
  track(p: Promise<void>): void;
  /** Randomness for generators (default: node:crypto). */
  readonly random?: Randomness;
  /** ESO's per-PushSecret metrics (status condition, reconcile duration), under the flavour's names. */
  readonly metrics?: ControllerMetrics | undefined;
}

const plural = "pushsecrets";
const defaultRefreshMs = 3_600_000;

function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The message of a failure: hush's own text (keys and paths, never values) and its code. */
function describe(err: unknown): { code: ErrorCode; text: string } {
  const code: ErrorCode = isHushError(err) ? err.code : "HUSH_ERR_CONTROLLER_INTERNAL";
  return { code, text: `${isHushError(err) ? err.message : "unexpected error"} [${code}]` };
}

/**
 * One sync of one PushSecret, as ESO v0.16's PushSecret reconciler does it: finalizer upkeep
 * for `deletionPolicy: Delete`; skip until the refresh is due; read the source Secret of the
 * PushSecret's own namespace; render the template; resolve every store as an ExternalSecret
 * would (`resolveStore`: ClusterSecretStore conditions, controller class; no flood gate, as ESO); push each
 * entry; then delete what was pushed before and is no longer wanted. Ready reasons are ESO's
 * (`Synced`, `Errored`).
 *
 * Nothing is lost on failure: `status.syncedPushSecrets` keeps every entry pushed (old and
 * new) until its remote copy is confirmed deleted, a delete is attempted only after every push
 * of the sync succeeded, and a provider error deletes nothing. A remote secret that this
 * namespace did not push is never overwritten or deleted (see `ownershipOf`).
 */
export class PushReconciler {
  readonly #d: PushReconcilerDeps;
  readonly #namespaceLabels: NamespaceLabels;
  /**
   * The last successful sync this process recorded, per key: used while the informer has not
   * caught up with the status write, so an event arriving meanwhile (a store turning Ready) does
   * not push everything a second time.
   */
  readonly #synced = new Map<string, { version: string; at: number }>();

  constructor(deps: PushReconcilerDeps) {
    this.#d = deps;
    this.#namespaceLabels = new NamespaceLabels(deps.client);
  }

  async reconcile(key: string): Promise<Result> {
    const started = process.hrtime.bigint();
    const { namespace: ns, name } = splitKey(key);
    try {
      return await this.#reconcile(key);
    } finally {
      if (this.#d.pushSecret(key)) this.#d.metrics?.psReconcileDuration.set({ name, namespace: ns }, Number(process.hrtime.bigint() - started));
    }
  }

  /** Drops the metrics of a deleted PushSecret. */
  forget(key: string): void {
    this.#synced.delete(key);
    const { namespace, name } = splitKey(key);
    this.#d.metrics?.psReconcileDuration.remove({ name, namespace });
    if (this.#d.metrics) removeReadyCondition(this.#d.metrics.psStatusCondition, name, namespace);
  }

  #condition(ps: PushSecret, status: "True" | "False"): void {
    if (this.#d.metrics) setReadyCondition(this.#d.metrics.psStatusCondition, ps.metadata.name ?? "", ps.metadata.namespace ?? "", status);
  }

  async #reconcile(key: string): Promise<Result> {
    const d = this.#d;
    const ps = d.pushSecret(key);
    if (!ps) return {};
    const finalizer = d.flavour.pushSecret.finalizer;
    const has = (ps.metadata.finalizers ?? []).includes(finalizer);
    const policy = ps.spec.deletionPolicy ?? "None";
    if (ps.metadata.deletionTimestamp) {
      if (!has) return {};
      if (policy === "Delete") {
        const { left, error } = await this.#runDeletes(ps, planCleanup(ps.status?.syncedPushSecrets));
        if (error) return this.#fail(key, ps, error, left);
      }
      return this.#setFinalizer(ps, false);
    }
    if (policy === "Delete" && !has) return this.#setFinalizer(ps, true);
    if (policy === "None" && has) return this.#setFinalizer(ps, false);

    const now = d.clock.now();
    let interval: number;
    try {
      validatePushSecret(ps);
      interval = ps.spec.refreshInterval === undefined ? defaultRefreshMs : parseDuration(ps.spec.refreshInterval, "spec.refreshInterval");
    } catch (err) {
      return this.#fail(key, ps, err);
    }
    // ESO's `<generation>-<labels/annotations hash>`, computed as for an ExternalSecret (metadata only).
    const version = syncedResourceVersion({ metadata: ps.metadata, spec: {} });
    let last = ps.status?.refreshTime ? Date.parse(ps.status.refreshTime) : 0;
    let synced = ps.status?.syncedResourceVersion === version && ps.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    const mine = this.#synced.get(key);
    if (mine && mine.at > last) {
      last = mine.at;
      synced = mine.version === version;
    }
    if (synced) {
      if (interval === 0) return {};
      const due = last + interval;
      if (due > now) return { requeueAfter: due - now };
    }

    const { namespace } = splitKey(key);
    let previous: SyncedMap = ps.status?.syncedPushSecrets ?? {};
    try {
      const raw = await this.#source(ps, namespace);
      const sources = ps.spec.template?.templateFrom?.length ? await readTemplateSources({ metadata: ps.metadata, spec: { target: { template: ps.spec.template } } }, this.#templateReader(namespace)) : undefined;
      const data = pushSourceData(ps, raw, sources);
      const stores = await this.#stores(ps, namespace);
      if (stores.size === 0) return {}; // every store belongs to another controller class (ESO: nothing to do)
      const plan = planPush(ps, data, [...stores.keys()], previous);
      // Pushes first, each recorded as it succeeds; entries pushed before stay until deleted.
      let synced: SyncedMap = {};
      for (const p of plan.pushes) {
        const provider = await this.#provider(stores.get(p.store)!, p.store);
        const ref = { remoteKey: p.entry.match.remoteRef.remoteKey, ...(p.entry.match.remoteRef.property ? { property: p.entry.match.remoteRef.property } : {}) };
        try {
          if ((ps.spec.updatePolicy ?? "Replace") === "IfNotExists" && (await provider.secretExists!(ref))) {
            synced = withSynced(synced, p.store, p.statusKey, p.entry);
            continue;
          }
          const outcome = await provider.pushSecret!({ ref, value: p.value, metadata: p.entry.metadata, owner: this.#owner(namespace, p.store) });
          d.log.debug?.({ key, store: p.store, remoteKey: p.statusKey, outcome }, "pushed");
        } catch (err) {
          previous = mergeSynced(synced, previous);
          throw new HushError(isHushError(err) ? err.code : "HUSH_ERR_CONTROLLER_PROVIDER", `could not write remote ref ${p.statusKey} to target secretstore ${p.store}: ${isHushError(err) ? err.message : "unexpected error"}`);
        }
        synced = withSynced(synced, p.store, p.statusKey, p.entry);
      }
      previous = mergeSynced(synced, previous);
      const { left, error } = await this.#runDeletes(ps, plan.deletes, previous, stores);
      previous = left;
      if (error) throw error;
      return this.#done(key, ps, synced, now, version, interval);
    } catch (err) {
      return this.#fail(key, ps, err, previous);
    }
  }

  /**
   * The data to push: the named Secret of the PushSecret's namespace, or what its generator
   * (Password, UUID; the flavour's generator group, same namespace) produces now — a new value at
   * every push, as ESO generates it.
   */
  async #source(ps: PushSecret, namespace: string): Promise<Record<string, Uint8Array>> {
    const d = this.#d;
    const gen = ps.spec.selector.generatorRef;
    if (gen) {
      const where = "spec.selector.generatorRef";
      const r = generatorResource(gen, d.flavour, where);
      // As the CRD: a PushSecret generates only with a Password or UUID of its own namespace.
      if (r.kind !== "Password" && r.kind !== "UUID") throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${where}.kind: only Password and UUID generators are supported here`);
      const obj = await d.client.get<KubeObject & { spec?: unknown }>(resourcePath({ group: d.flavour.generatorGroup, version: generatorVersion, plural: r.plural, namespace, name: r.name }));
      if (!obj) throw new HushError("HUSH_ERR_CONTROLLER_GENERATOR_NOT_FOUND", `${where}: ${r.kind} ${JSON.stringify(r.name)} not found in namespace ${namespace}`);
      return { ...runGenerator(r.kind, obj.spec, d.random ?? cryptoRandomness) };
    }
    const name = ps.spec.selector.secret!.name!;
    const secret = await d.client.get<Secret>(resourcePath({ version: "v1", plural: "secrets", namespace, name }));
    if (!secret) throw new HushError("HUSH_ERR_CONTROLLER_PUSH_SOURCE_NOT_FOUND", `secret ${name} not found in the PushSecret's namespace`);
    // Tokens are credentials of the cluster itself: never carried out of it.
    if (secret.type && privilegedSecretTypes.has(secret.type)) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `secret ${name} has type ${secret.type}, which is never pushed`);
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, "base64"))]));
  }

  /** The owner a push/delete acts for: the namespace; ESO-pushed secrets are adoptable through the tenant's own SecretStore only. */
  #owner(namespace: string, storeKey: string): PushOwner {
    return { ownerTag: this.#d.flavour.pushSecret.ownerTag, namespace, adoptUnowned: parseStoreKey(storeKey).kind === "SecretStore" };
  }

  /**
   * Resolves `spec.secretStoreRefs` to stores, each judged by `resolveStore` exactly as for an
   * ExternalSecret. A store of another controller class is left out (ESO
   * `removeUnmanagedStores`); any other denial fails the sync.
   */
  async #stores(ps: PushSecret, namespace: string): Promise<Map<string, { store: SecretStore; cacheKey: string }>> {
    const d = this.#d;
    const out = new Map<string, { store: SecretStore; cacheKey: string }>();
    const refs: StoreRef[] = [];
    for (const r of ps.spec.secretStoreRefs ?? []) {
      const kind = r.kind ?? "SecretStore";
      if (r.labelSelector) {
        for (const s of d.stores(kind, namespace)) if (s.metadata.name && matchesSelector(r.labelSelector, s.metadata.labels ?? {})) refs.push({ name: s.metadata.name, kind });
      } else if (r.name) refs.push({ name: r.name, kind });
    }
    for (const ref of refs) {
      const store = d.store(ref, namespace);
      // No flood gate: ESO v0.16's PushSecret reconciler pushes through a store whatever its Ready condition.
      const access = resolveStore({ ref, namespace, store, controllerClass: d.controllerClass, namespaceLabels: await this.#namespaceLabels.forStore(ref, store, namespace), floodGate: false });
      if (!access.ok) {
        if (access.reason === "other-class") continue;
        throw denialError(access);
      }
      out.set(`${access.kind}/${ref.name}`, { store: access.store, cacheKey: access.cacheKey });
    }
    return out;
  }

  async #provider(s: { store: SecretStore; cacheKey: string }, storeKey: string): Promise<SecretProvider> {
    const provider = (await this.#d.readers.get(s.cacheKey, s.store)).provider;
    if (!provider.pushSecret || !provider.deleteSecret || !provider.secretExists) {
      throw new HushError("HUSH_ERR_PROVIDERS_PUSH_UNSUPPORTED", `${storeKey}: provider ${provider.kind} cannot be pushed to by hush yet`);
    }
    return provider;
  }

  /**
   * Deletes planned entries one by one; each confirmed delete (or a remote secret found absent,
   * or not ours and so left alone) leaves `synced`. Stops at the first error, which is returned
   * with what is still recorded: nothing unconfirmed is ever dropped from status.
   */
  async #runDeletes(ps: PushSecret, deletes: readonly PlannedDelete[], synced: SyncedMap = ps.status?.syncedPushSecrets ?? {}, known?: Map<string, { store: SecretStore; cacheKey: string }>): Promise<{ left: SyncedMap; error?: unknown }> {
    const d = this.#d;
    const namespace = ps.metadata.namespace ?? "";
    let left = synced;
    for (const del of deletes) {
      try {
        let s = known?.get(del.store);
        if (!s) {
          const ref = parseStoreKey(del.store);
          const store = d.store(ref, namespace);
          const access = resolveStore({ ref, namespace, store, controllerClass: d.controllerClass, namespaceLabels: await this.#namespaceLabels.forStore(ref, store, namespace), floodGate: false });
          if (!access.ok) throw denialError(access);
          s = { store: access.store, cacheKey: access.cacheKey };
        }
        const provider = await this.#provider(s, del.store);
        const r = del.entry.match.remoteRef;
        const outcome = await provider.deleteSecret!({ remoteKey: r.remoteKey, ...(r.property ? { property: r.property } : {}) }, this.#owner(namespace, del.store));
        d.log.info({ pushSecret: `${namespace}/${ps.metadata.name}`, store: del.store, remoteKey: del.statusKey, outcome }, "remote secret deleted");
        left = withoutSynced(left, del.store, del.statusKey);
      } catch (err) {
        return { left, error: new HushError(isHushError(err) ? err.code : "HUSH_ERR_CONTROLLER_PROVIDER", `could not delete remote ref ${del.statusKey} from secretstore ${del.store}: ${isHushError(err) ? err.message : "unexpected error"}`) };
      }
    }
    return { left };
  }

  /** Adds or removes the cleanup finalizer (a merge patch conditional on the version seen). */
  async #setFinalizer(ps: PushSecret, add: boolean): Promise<Result> {
    const d = this.#d;
    const f = d.flavour.pushSecret.finalizer;
    const current = ps.metadata.finalizers ?? [];
    const finalizers = add ? [...current, f] : current.filter((x) => x !== f);
    // The update event brings the PushSecret back; with the finalizer set the sync proceeds.
    return patchFinalizers(d.client, this.#path(ps), ps.metadata.resourceVersion, finalizers, d.flavour.pushSecret.fieldManager);
  }

  #path(ps: PushSecret, subresource?: "status"): string {
    const f = this.#d.flavour;
    return resourcePath({ group: f.group, version: f.pushSecret.version, plural, namespace: ps.metadata.namespace ?? "", name: ps.metadata.name ?? "", ...(subresource ? { subresource } : {}) });
  }

  async #done(key: string, ps: PushSecret, synced: SyncedMap, now: number, version: string, interval: number): Promise<Result> {
    let message = "PushSecret synced successfully";
    if ((ps.spec.updatePolicy ?? "Replace") === "IfNotExists") message += ". Existing secrets in providers unchanged.";
    const nowIso = new Date(now).toISOString();
    await this.#writeStatus(ps, {
      ...ps.status,
      conditions: setCondition(ps.status?.conditions, { type: "Ready", status: "True", reason: "Synced", message }, nowIso),
      syncedPushSecrets: synced,
      refreshTime: nowIso,
      syncedResourceVersion: version,
    });
    this.#synced.set(`${ps.metadata.namespace}/${ps.metadata.name}`, { version, at: now });
    this.#event(ps, "Normal", "Synced", message);
    this.#condition(ps, "True");
    this.#d.log.info({ key }, "pushed");
    return interval > 0 ? { requeueAfter: jitteredInterval(interval, ps.metadata.uid ?? key) } : {};
  }

  async #fail(key: string, ps: PushSecret, err: unknown, synced?: SyncedMap): Promise<Result> {
    const { code, text } = describe(err);
    const message = text.length > 1024 ? `${text.slice(0, 1021)}...` : text;
    const nowIso = new Date(this.#d.clock.now()).toISOString();
    const status: PushSecretStatus = { ...ps.status, conditions: setCondition(ps.status?.conditions, { type: "Ready", status: "False", reason: "Errored", message }, nowIso) };
    if (synced) status.syncedPushSecrets = synced;
    await this.#writeStatus(ps, status);
    this.#synced.delete(key);
    this.#event(ps, "Warning", "Errored", message);
    this.#condition(ps, "False");
    this.#d.log.warn({ key, code }, "push failed");
    if (isTerminalCode(code)) throw new TerminalError(code);
    throw new HushError(code, message);
  }

  #event(ps: PushSecret, type: "Normal" | "Warning", reason: string, message: string): void {
    const target: KubeObject = { apiVersion: `${this.#d.flavour.group}/${this.#d.flavour.pushSecret.version}`, kind: "PushSecret", metadata: ps.metadata };
    this.#d.track(this.#d.events.record(target, { type, reason, message }));
  }

  async #writeStatus(ps: PushSecret, next: PushSecretStatus): Promise<void> {
    if (stableHash(next) === stableHash(ps.status ?? {})) return;
    try {
      // A merge patch would merge syncedPushSecrets with what is stored; null first drops removed entries.
      const body = { status: { ...next, syncedPushSecrets: nullsFor(ps.status?.syncedPushSecrets, next.syncedPushSecrets) } };
      await this.#d.client.request("PATCH", this.#path(ps, "status"), { body, contentType: "application/merge-patch+json", query: { fieldManager: this.#d.flavour.pushSecret.fieldManager } });
    } catch (err) {
      this.#d.log.warn({ pushSecret: `${ps.metadata.namespace}/${ps.metadata.name}`, code: kubeErrorCode(err) }, "could not write push secret status");
    }
  }

  #templateReader(namespace: string): Parameters<typeof readTemplateSources>[1] {
    const d = this.#d;
    const none = () => Promise.reject(new HushError("HUSH_ERR_CONTROLLER_INTERNAL", "not a provider read"));
    return {
      get: none,
      getMap: none,
      find: none,
      readConfigMap: async (name) => {
        const cm = await d.client.get<KubeObject & { data?: Record<string, string> }>(resourcePath({ version: "v1", plural: "configmaps", namespace, name }));
        return cm ? (cm.data ?? {}) : undefined;
      },
      readSecret: async (name) => {
        const s = await d.client.get<Secret>(resourcePath({ version: "v1", plural: "secrets", namespace, name }));
        return s ? Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, "base64"))])) : undefined;
      },
    };
  }
}

/** ESO `mergeSecretState`: `next` plus every entry of `old` it does not have. */
export function mergeSynced(next: SyncedMap, old: SyncedMap): SyncedMap {
  const out: SyncedMap = {};
  for (const [store, entries] of Object.entries(old)) out[store] = { ...entries };
  for (const [store, entries] of Object.entries(next)) out[store] = { ...(out[store] ?? {}), ...entries };
  return out;
}

/** The synced map as a merge patch: removed stores and entries become null. */
function nullsFor(old: SyncedMap | undefined, next: SyncedMap | undefined): Record<string, unknown> | undefined {
  if (!old) return next;
  const out: Record<string, unknown> = {};
  for (const [store, entries] of Object.entries(old)) {
    if (!next?.[store]) {
      out[store] = null;
      continue;
    }
    const e: Record<string, unknown> = {};
    for (const k of Object.keys(entries)) if (!(k in next[store])) e[k] = null;
    out[store] = { ...e, ...next[store] };
  }
  for (const [store, entries] of Object.entries(next ?? {})) if (!(store in out)) out[store] = entries;
  return out;
}
