import { HushError } from "@hush/errors";
import { apiVersionOf, generatorVersion, hushFlavour, isReady, setCondition, type ApiFlavour, type Condition, type ExternalSecret, type ExternalSecretStatus, type KubeObject, type Secret, type SecretStore, type StoreRef } from "@hush/kube";
import { kubeErrorCode, resourcePath, type EventRecorder, type KubeClient, type KubeLogger } from "@hush/kube/client";
import type { Clock } from "./clock.js";
import { stableHash } from "./data-hash.js";
import { patchFinalizers } from "./finalizers.js";
import { failure } from "./failure.js";
import { fetchExternalSecretData, type SourceReader } from "./fetch-data.js";
import { clusterGeneratorTarget, generatorResource, isAwsGeneratorKind, runGenerator, type AwsGeneratorKind, type Randomness } from "./generators.js";
import { NamespaceLabels } from "./namespace-labels.js";
import { cryptoRandomness } from "./random.js";
import { vaultDynamicRequest, vaultDynamicResult, type VaultDynamicSecretSpec } from "./vault-dynamic.js";
import type { SecretProvider } from "@hush/providers";
import { setReadyCondition, type ControllerMetrics } from "./metrics.js";
import { mergesInto, planCleanup, planSecret, secretIsIntact, targetName, validateExternalSecret, type Plan } from "./plan-secret.js";
import type { ReaderCache } from "./reader-cache.js";
import { jitteredInterval, refreshDecision, refreshIntervalMs, syncedResourceVersion } from "./refresh.js";
import { denialError, resolveStore, storeRefsOf, type StoreAccess } from "./resolve-store.js";
import type { SecretWriter } from "./secret-writer.js";
import type { ReadStats, StoreReader } from "./store-reader.js";
import { TerminalError, type Result } from "./worker-loop.js";

/** Counters for tests, the benchmark and logs. */
export interface ControllerStats {
  reconciles: number;
  secretWrites: number;
  statusWrites: number;
  /** Provider API calls actually made (logins, batch reads, single reads). */
  apiCalls: number;
  /** Reads requested by reconciles, answered by de-duplication, and calls the readers made. */
  reads: ReadStats;
}

/** What {@link Reconciler} reads and writes through; the controller wires informers and clients in. */
export interface ReconcilerDeps {
  readonly client: KubeClient;
  readonly clock: Clock;
  readonly log: KubeLogger;
  readonly metrics?: ControllerMetrics | undefined;
  readonly events: EventRecorder;
  readonly eventsMode: "all" | "warnings";
  readonly controllerClass: string;
  /** The API group served and its names (labels, annotations, metrics); default `hush.dev`. */
  readonly flavour?: ApiFlavour;
  readonly readers: ReaderCache;
  readonly writer: SecretWriter;
  readonly stats: ControllerStats;
  /** Randomness for generators (default the OS CSPRNG). */
  readonly random?: Randomness;
  /**
   * A Vault provider for a VaultDynamicSecret generator of `namespace`: built as a namespaced
   * SecretStore there would be (credentials from that namespace only, no ambient identity
   * unless allowed), used for one request, then closed. Absent: VaultDynamicSecret fails.
   */
  generatorProvider?(namespace: string, vaultSpec: unknown, retrySettings?: { maxRetries?: number; retryInterval?: string }): Promise<SecretProvider>;
  /**
   * Runs an ECRAuthorizationToken or STSSessionToken generator for an ExternalSecret of
   * `namespace` with the rules of a namespaced AWS SecretStore there (credential refs in that
   * namespace only). `clusterGenerator`: the settings come from an admin-written
   * ClusterGenerator, which may use the controller's own identity as a ClusterSecretStore may.
   * Absent: those generators fail.
   */
  awsGenerator?(namespace: string, kind: AwsGeneratorKind, spec: unknown, options?: { clusterGenerator?: boolean }): Promise<Record<string, Uint8Array>>;
  /** The cached ExternalSecret `namespace/name`. */
  externalSecret(key: string): ExternalSecret | undefined;
  /** The cached managed Secret `namespace/name`. */
  managedSecret(key: string): Secret | undefined;
  /** The store a ref names, for an ExternalSecret in `namespace`. */
  store(ref: StoreRef, namespace: string): SecretStore | undefined;
  /** Keys of the managed Secrets that name this ExternalSecret (targets left behind by a rename). */
  managedBy(esKey: string): Iterable<string>;
  /** Consecutive failures of the key (from the worker loop). */
  failures(key: string): number;
  /** Keeps a best-effort background task (an Event) alive until shutdown. */
  track(p: Promise<void>): void;
  /** Forgets a deleted ExternalSecret. */
  forget(key: string): void;
}

function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * One sync of one ExternalSecret, read top to bottom: look it up; skip it when a store belongs
 * to another controller class; decide whether a fetch is due; fetch through the stores it may
 * use; plan; write; record status and events; return when to come back. Failures are planned
 * by the one failure builder, recorded in status, and then thrown so the worker loop backs
 * off (or, when terminal, waits for a change).
 */
export class Reconciler {
  readonly #d: ReconcilerDeps & { readonly flavour: ApiFlavour };
  /** Status this process last wrote, used while the informer has not caught up. */
  readonly #synced = new Map<string, ExternalSecretStatus>();
  /** Keys whose last status write failed: the next reconcile writes status again. */
  readonly #statusPending = new Set<string>();
  readonly #namespaceLabels: NamespaceLabels;
  /** Keys → uid of the ExternalSecret this process put the cleanup finalizer on, until the cache shows it. */
  readonly #finalizerAdded = new Map<string, string>();
  #dedupReported = 0;

  constructor(deps: ReconcilerDeps) {
    this.#d = { ...deps, flavour: deps.flavour ?? hushFlavour };
    this.#namespaceLabels = new NamespaceLabels(deps.client);
  }

  /** Drops what is remembered about a deleted ExternalSecret. */
  forget(key: string): void {
    this.#synced.delete(key);
    this.#statusPending.delete(key);
    this.#finalizerAdded.delete(key);
  }

  async reconcile(key: string): Promise<Result> {
    const d = this.#d;
    const cached = d.externalSecret(key);
    if (!cached) {
      d.forget(key);
      return {};
    }
    const { namespace } = splitKey(key);
    if (cached.metadata.deletionTimestamp) return this.#finalize(key, cached);
    const es = this.#withOwnStatus(key, cached);
    if (this.#otherClass(es, namespace)) {
      // Another controller's ExternalSecret (ESO's shouldSkipUnmanagedStore): no status, no
      // event, no finalizer.
      d.metrics?.reconciles.inc({ result: "skipped" });
      return {};
    }
    const finalizing = await this.#ensureFinalizer(key, cached);
    if (finalizing) return finalizing;
    const started = performance.now();
    const now = d.clock.now();
    let decision: ReturnType<typeof refreshDecision>;
    try {
      // An invalid spec (a token Secret type, a non-RE2 pattern…) fails before any provider call.
      validateExternalSecret(es);
      decision = refreshDecision(es, now);
    } catch (err) {
      return this.#finish(key, es, { action: { type: "none" }, ...failure(err, "invalid spec") }, now, started);
    }
    const creation = es.spec.target?.creationPolicy ?? "Owner";
    const secretName = targetName(es);
    let existing = d.managedSecret(`${namespace}/${secretName}`);
    if (!existing && mergesInto(creation)) existing = await this.#getSecret(namespace, secretName);
    const failing = d.failures(key) > 0 || !isReady(es.status?.conditions);
    if (!decision.due && secretIsIntact(es, existing, d.flavour) && !failing) {
      d.metrics?.reconciles.inc({ result: "skipped" });
      return decision.reason === "not-due" && decision.nextAt !== undefined ? { requeueAfter: decision.nextAt - now } : {};
    }
    d.stats.reconciles++;

    // A cached read may be reused by another ExternalSecret only within half its own refresh interval.
    // A change, a repair or a retry reads the provider afresh (ESO reads live whenever it fetches).
    const fresh = decision.due ? decision.reason === "spec-changed" : true;
    const maxAgeMs = Math.max(0, refreshIntervalMs(es) / 2) || Infinity;
    const fetched = await fetchExternalSecretData(es, this.#sourceReader(es, fresh, maxAgeMs));
    let plan = planSecret(es, fetched, existing, d.flavour);
    try {
      if (plan.action.type !== "none" && (await d.writer.write(namespace, plan.action, existing?.type)) === "exists") {
        // Not in the managed cache but present: a Secret hush does not manage. Plan against it
        // once; unless it opted in, the plan refuses to touch it.
        existing = await this.#getSecret(namespace, secretName);
        plan = planSecret(es, fetched, existing, d.flavour);
        if ((await d.writer.write(namespace, plan.action, existing?.type)) === "exists") return { requeue: true };
      }
      if (plan.action.type !== "none") {
        d.stats.secretWrites++;
        d.metrics?.secretWrites.inc({ action: plan.action.type });
      }
      if (plan.outcome === "synced" && creation === "Owner") await this.#deleteRenamedTargets(key, es, `${namespace}/${secretName}`);
    } catch (err) {
      if (kubeErrorCode(err) === "HUSH_ERR_KUBE_CONFLICT") return { requeue: true };
      plan = { action: { type: "none" }, ...failure(err, "could not update secret") };
    }
    return this.#finish(key, es, plan, now, started);
  }

  /**
   * Puts the flavour's cleanup finalizer on the ExternalSecret, as ESO's Reconcile does before
   * anything else (`controllerutil.AddFinalizer` of `ExternalSecretFinalizer`,
   * pkg/controllers/externalsecret/externalsecret_controller.go): a merge patch conditional on
   * the version seen. Returns a result only when the reconcile must stop (a conflict requeues).
   * A controller not allowed to patch ExternalSecrets (RBAC from an older release) keeps
   * syncing without it; the garbage collector still removes Owner Secrets.
   */
  async #ensureFinalizer(key: string, es: ExternalSecret): Promise<Result | undefined> {
    const d = this.#d;
    const finalizers = es.metadata.finalizers ?? [];
    if (finalizers.includes(d.flavour.finalizer)) {
      this.#finalizerAdded.delete(key);
      return undefined;
    }
    // Added already; the cache has not caught up yet.
    if (es.metadata.uid !== undefined && this.#finalizerAdded.get(key) === es.metadata.uid) return undefined;
    try {
      const r = await patchFinalizers(d.client, this.#path(key), es.metadata.resourceVersion, [...finalizers, d.flavour.finalizer], d.flavour.component);
      if (r.requeue) return r;
    } catch (err) {
      if (kubeErrorCode(err) !== "HUSH_ERR_KUBE_FORBIDDEN") throw err;
      d.log.warn({ key, code: kubeErrorCode(err) }, "could not add the cleanup finalizer");
      return undefined;
    }
    if (es.metadata.uid !== undefined) this.#finalizerAdded.set(key, es.metadata.uid);
    return undefined;
  }

  /**
   * A deleted ExternalSecret, as ESO's Reconcile handles it: `cleanupManagedSecrets` (see
   * {@link planCleanup}: with `deletionPolicy: Delete`, the target Secret this very
   * ExternalSecret controls), attempted even when the finalizer was removed by someone else,
   * then the finalizer is removed. A failed delete keeps the finalizer and is retried with
   * backoff. An ExternalSecret of another controller class is left to that controller.
   */
  async #finalize(key: string, es: ExternalSecret): Promise<Result> {
    const d = this.#d;
    const { namespace } = splitKey(key);
    if (this.#otherClass(es, namespace)) return {};
    if ((es.spec.target?.deletionPolicy ?? "Retain") === "Delete") {
      const action = planCleanup(es, await this.#getSecret(namespace, targetName(es)));
      if (action.type === "delete") {
        await d.writer.write(namespace, action);
        d.stats.secretWrites++;
        d.metrics?.secretWrites.inc({ action: "delete" });
        d.log.info({ key, secret: action.name }, "deleted the managed secret of a deleted ExternalSecret");
      }
    }
    const finalizers = es.metadata.finalizers ?? [];
    if (!finalizers.includes(d.flavour.finalizer)) return {};
    return patchFinalizers(d.client, this.#path(key), es.metadata.resourceVersion, finalizers.filter((f) => f !== d.flavour.finalizer), d.flavour.component);
  }

  #path(key: string): string {
    const { namespace, name } = splitKey(key);
    return resourcePath({ group: this.#d.flavour.group, version: this.#d.flavour.version, plural: "externalsecrets", namespace, name });
  }

  /** True when any store the ExternalSecret names belongs to another controller class. */
  #otherClass(es: ExternalSecret, namespace: string): boolean {
    return storeRefsOf(es).some((ref) => {
      const store = this.#d.store(ref, namespace);
      return store !== undefined && (store.spec.controller ?? "") !== "" && store.spec.controller !== this.#d.controllerClass;
    });
  }

  /** A reader per store for one ExternalSecret; every ref is checked by {@link resolveStore}. */
  #sourceReader(es: ExternalSecret, fresh: boolean, maxAgeMs: number): SourceReader {
    const d = this.#d;
    const namespace = es.metadata.namespace ?? "";
    const resolve = async (ref: StoreRef): Promise<StoreReader> => {
      const store = d.store(ref, namespace);
      const access: StoreAccess = resolveStore({
        ref,
        namespace,
        store,
        controllerClass: d.controllerClass,
        namespaceLabels: await this.#namespaceLabels.forStore(ref, store, namespace),
      });
      if (!access.ok) throw denialError(access);
      // A forced, repairing or retrying fetch also re-checks the store's credential Secrets.
      return d.readers.get(access.cacheKey, access.store, { recheck: fresh });
    };
    const opts = { fresh, maxAgeMs };
    return {
      get: async (ref, r) => (await resolve(ref)).get(r, opts),
      getMap: async (ref, r) => (await resolve(ref)).getMap(r, opts),
      find: async (ref, f) => (await resolve(ref)).find(f, opts),
      // templateFrom: only the ExternalSecret's own namespace, read live (no cache to go stale).
      readConfigMap: async (name) => {
        const cm = await d.client.get<KubeObject & { data?: Record<string, string> }>(resourcePath({ version: "v1", plural: "configmaps", namespace, name }));
        return cm ? (cm.data ?? {}) : undefined;
      },
      readSecret: async (name) => {
        const s = await this.#getSecret(namespace, name);
        return s ? Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")])) : undefined;
      },
      // Generators: only the flavour's generator group, only in the ExternalSecret's own
      // namespace, read live at each refresh (a new value each time, as ESO generates).
      generate: async (ref, where) => {
        const r = generatorResource(ref, d.flavour, where);
        if (r.kind === "ClusterGenerator") {
          // Cluster-scoped and admin-written: run as the generator kind it wraps (ESO's virtual
          // generator); never a VaultDynamicSecret (see clusterGeneratorKinds).
          const cg = await d.client.get<KubeObject & { spec?: unknown }>(resourcePath({ group: d.flavour.generatorGroup, version: generatorVersion, plural: r.plural, name: r.name }));
          if (!cg) throw new HushError("HUSH_ERR_CONTROLLER_GENERATOR_NOT_FOUND", `${where}: ClusterGenerator ${JSON.stringify(r.name)} not found`);
          const target = clusterGeneratorTarget(cg.spec, where);
          if (isAwsGeneratorKind(target.kind)) {
            if (!d.awsGenerator) throw new HushError("HUSH_ERR_CONTROLLER_GENERATOR", `${where}: ${target.kind} is not available here`);
            return d.awsGenerator(namespace, target.kind, target.spec, { clusterGenerator: true });
          }
          return runGenerator(target.kind, target.spec, d.random ?? cryptoRandomness);
        }
        const gen = await d.client.get<KubeObject & { spec?: unknown }>(resourcePath({ group: d.flavour.generatorGroup, version: generatorVersion, plural: r.plural, namespace, name: r.name }));
        if (!gen) throw new HushError("HUSH_ERR_CONTROLLER_GENERATOR_NOT_FOUND", `${where}: ${r.kind} ${JSON.stringify(r.name)} not found in namespace ${namespace}`);
        if (r.kind === "VaultDynamicSecret") return this.#vaultDynamic(namespace, gen.spec, where);
        if (isAwsGeneratorKind(r.kind)) {
          if (!d.awsGenerator) throw new HushError("HUSH_ERR_CONTROLLER_GENERATOR", `${where}: ${r.kind} is not available here`);
          return d.awsGenerator(namespace, r.kind, gen.spec);
        }
        return runGenerator(r.kind, gen.spec, d.random ?? cryptoRandomness);
      },
    };
  }

  /** One VaultDynamicSecret request with a provider built for it and closed after (a new value each refresh, as ESO). */
  async #vaultDynamic(namespace: string, spec: unknown, where: string): Promise<Record<string, Uint8Array>> {
    const { provider: vaultSpec, request, retrySettings } = vaultDynamicRequest(spec);
    if (!this.#d.generatorProvider) throw new HushError("HUSH_ERR_CONTROLLER_GENERATOR", `${where}: VaultDynamicSecret is not available here`);
    const provider = await this.#d.generatorProvider(namespace, vaultSpec, retrySettings);
    try {
      if (!provider.vaultRequest) throw new HushError("HUSH_ERR_CONTROLLER_GENERATOR", `${where}: spec.provider must be a Vault provider`);
      return vaultDynamicResult(spec as VaultDynamicSecretSpec, await provider.vaultRequest(request));
    } finally {
      await provider.close().catch(() => undefined);
    }
  }

  /** The ExternalSecret with the status this process last wrote, if the cache has not caught up. */
  #withOwnStatus(key: string, es: ExternalSecret): ExternalSecret {
    const mine = this.#synced.get(key);
    if (!mine?.refreshTime) return es;
    const cached = es.status?.refreshTime ? Date.parse(es.status.refreshTime) : 0;
    if (Date.parse(mine.refreshTime) <= cached) return es;
    return { ...es, status: { ...es.status, ...mine } };
  }

  async #getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.#d.client.get<Secret>(resourcePath({ version: "v1", plural: "secrets", namespace, name }));
  }

  /** With `Owner`, a Secret this ExternalSecret controls under a previous target name is deleted (ESO semantics). */
  async #deleteRenamedTargets(key: string, es: ExternalSecret, current: string): Promise<void> {
    const d = this.#d;
    for (const other of d.managedBy(key)) {
      if (other === current) continue;
      const s = d.managedSecret(other);
      if (!s?.metadata.ownerReferences?.some((r) => r.controller && r.uid === es.metadata.uid)) continue;
      await d.writer.write(s.metadata.namespace ?? "", { type: "delete", name: s.metadata.name ?? "", ...(s.metadata.uid ? { uid: s.metadata.uid } : {}) });
      d.metrics?.secretWrites.inc({ action: "delete" });
      d.track(d.events.record({ apiVersion: apiVersionOf(d.flavour), kind: "ExternalSecret", metadata: es.metadata }, { type: "Normal", reason: "Deleted", message: "secret deleted because it was orphaned by a target rename" }));
    }
  }

  /** Records status, events and metrics, then tells the worker loop when to come back. */
  async #finish(key: string, es: ExternalSecret, plan: Plan, now: number, started: number): Promise<Result> {
    const d = this.#d;
    const { namespace, name } = splitKey(key);
    const nowIso = new Date(now).toISOString();
    const ready: Omit<Condition, "lastTransitionTime"> = { type: "Ready", ...plan.ready, ...(es.metadata.generation !== undefined ? { observedGeneration: es.metadata.generation } : {}) };
    const next: ExternalSecretStatus = { ...es.status, conditions: setCondition(es.status?.conditions, ready, nowIso) };
    if (plan.outcome === "synced") {
      next.refreshTime = nowIso;
      next.syncedResourceVersion = syncedResourceVersion(es);
      next.binding = { name: targetName(es) };
    }
    if (this.#statusPending.has(key) || stableHash(next) !== stableHash(es.status ?? {})) {
      try {
        await d.client.request("PATCH", resourcePath({ group: d.flavour.group, version: d.flavour.version, plural: "externalsecrets", namespace, name, subresource: "status" }), {
          body: { status: next },
          contentType: "application/merge-patch+json",
          // The flavour's controller name (ESO's `external-secrets`), as ESO's status writes show in managedFields.
          query: { fieldManager: d.flavour.component },
        });
        d.stats.statusWrites++;
        this.#statusPending.delete(key);
      } catch (err) {
        d.log.warn({ key, code: kubeErrorCode(err) }, "could not write status");
        if (kubeErrorCode(err) === "HUSH_ERR_KUBE_NOT_FOUND") return {};
        // The Secret is what users depend on: a status the API server refuses (RBAC, a
        // webhook, a conflict) must not stall refreshes behind a growing backoff. The write is
        // tried again at the next reconcile, which keeps its normal schedule.
        this.#statusPending.add(key);
      }
      // Scheduling uses what this process knows, not what the API server stored.
      this.#synced.set(key, next);
    }
    // Events are best effort and off the reconcile's critical path (tracked for shutdown).
    const target = { apiVersion: apiVersionOf(d.flavour), kind: "ExternalSecret", metadata: es.metadata };
    for (const e of plan.events) if (e.type === "Warning" || d.eventsMode !== "warnings") d.track(d.events.record(target, e));

    const m = d.metrics;
    m?.ready.set({ namespace, name }, plan.ready.status === "True" ? 1 : 0);
    if (m) {
      // As ESO reports them: the current Ready status is 1, the opposite one 0, and any
      // `Deleted` series of an earlier object of that name is dropped; the duration gauge holds
      // the last reconcile in nanoseconds (Go's time.Duration as a float).
      setReadyCondition(m.statusCondition, name, namespace, plan.ready.status, { dropDeleted: true });
      m.syncCalls.inc({ name, namespace });
      if (plan.outcome === "retry" || plan.outcome === "terminal") m.syncCallsError.inc({ name, namespace });
      m.reconcileDuration.set({ name, namespace }, Math.round((performance.now() - started) * 1e6));
    }
    const result = plan.outcome === "synced" ? "success" : plan.outcome === "waiting" ? "waiting" : "error";
    m?.reconciles.inc({ result });
    m?.reconcileSeconds.observe({ result }, (performance.now() - started) / 1000);
    if (plan.errorCode) m?.syncErrors.inc({ code: plan.errorCode });
    d.stats.reads = d.readers.stats();
    if (m && d.stats.reads.deduplicated > this.#dedupReported) {
      m.readsDeduplicated.inc(d.stats.reads.deduplicated - this.#dedupReported);
      this.#dedupReported = d.stats.reads.deduplicated;
    }

    if (plan.outcome === "retry") throw new HushError(plan.errorCode ?? "HUSH_ERR_CONTROLLER_INTERNAL", plan.ready.message);
    if (plan.outcome === "terminal") throw new TerminalError(plan.errorCode ?? "HUSH_ERR_CONTROLLER_INVALID_SPEC");
    if (plan.outcome === "synced") d.log.info({ key, action: plan.action.type, reason: plan.ready.reason }, "synced");
    else d.log.info({ key, outcome: plan.outcome }, "not synced");
    let interval = 0;
    try {
      interval = refreshIntervalMs(es);
    } catch {
      interval = 0;
    }
    if (interval > 0 && (es.spec.refreshPolicy ?? "Periodic") === "Periodic") return { requeueAfter: jitteredInterval(interval, es.metadata.uid ?? key) };
    return plan.outcome === "synced" ? {} : { requeueAfter: 60_000 };
  }
}
