import { HushError, isHushError } from "@hush/errors";
import {
  apiVersion,
  group,
  isReady,
  managedLabel,
  managedLabelValue,
  ownerAnnotation,
  setCondition,
  storeAdmitsNamespace,
  version,
  type Condition,
  type ExternalSecret,
  type ExternalSecretStatus,
  type KubeObject,
  type Secret,
  type SecretStore,
  type StoreRef,
} from "@hush/kube";
import { EventRecorder, Informer, kubeErrorCode, resourcePath, type KubeClient, type KubeLogger } from "@hush/kube/client";
import type { ClientOverrides, ProviderContext, ProviderFactory } from "@hush/providers";
import { systemClock, type Clock } from "./clock.js";
import { stableHash } from "./data-hash.js";
import { fetchExternalSecretData, type SourceReader } from "./fetch-data.js";
import type { ControllerMetrics } from "./metrics.js";
import { planSecret, secretIsIntact, targetName, type Plan } from "./plan-secret.js";
import { backoffDelay, jitteredInterval, refreshDecision, refreshIntervalMs, syncedResourceVersion } from "./refresh.js";
import { StoreReader, type ReadStats } from "./store-reader.js";
import { WorkQueue } from "./work-queue.js";

/** Options of {@link Controller}. */
export interface ControllerOptions {
  readonly client: KubeClient;
  /** Builds providers from store specs (`createProvider` from `@hush/providers`). */
  readonly createProvider: ProviderFactory;
  /** Endpoint overrides handed to providers (tests: moto, the GCP fake). */
  readonly clientOverrides?: ClientOverrides;
  /** Only this namespace's ExternalSecrets, SecretStores and Secrets; all namespaces when unset. */
  readonly namespace?: string;
  /** Concurrent reconciles (default 8). */
  readonly workers?: number;
  readonly clock?: Clock;
  readonly log: KubeLogger;
  readonly metrics?: ControllerMetrics;
  /** Provider calls per second per store (default 20). */
  readonly storeRatePerSecond?: number;
  /** Identical provider reads within this window (and half the reader's refresh interval) are made once (default 60 s). */
  readonly dedupWindowMs?: number;
  /** Failure backoff (default 1 s doubling to 5 min). */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Informer full re-list period (default 5 min) and watch liveness timeout (default 90 s). */
  readonly relistIntervalMs?: number;
  readonly livenessTimeoutMs?: number;
  /** Store re-validation period (default 5 min). */
  readonly storeRefreshMs?: number;
  /** Only stores whose `spec.controller` is unset or equals this. */
  readonly controllerClass?: string;
  /** Which Events to record: `all` (default) or only `warnings` (saves one API write per sync at scale). */
  readonly events?: "all" | "warnings";
}

/** Live counters for tests, the benchmark and logs. */
export interface ControllerStats {
  reconciles: number;
  secretWrites: number;
  statusWrites: number;
  /** Provider API calls actually made (logins, batch reads, single reads). */
  apiCalls: number;
  /** Reads requested by reconciles, answered by de-duplication, and calls the readers made. */
  reads: ReadStats;
}

interface Cached {
  gen: string;
  reader: Promise<StoreReader>;
}

const esPlural = "externalsecrets";

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
}

function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

function storeKey(ref: StoreRef, namespace: string): string {
  return ref.kind === "ClusterSecretStore" ? `ClusterSecretStore//${ref.name}` : `SecretStore/${namespace}/${ref.name}`;
}

function interesting(old: ExternalSecret, obj: ExternalSecret): boolean {
  if (old === obj) return true; // periodic resync
  const m = (o: ExternalSecret) => [o.metadata.generation, o.metadata.labels, o.metadata.annotations, o.metadata.deletionTimestamp];
  return JSON.stringify(m(old)) !== JSON.stringify(m(obj));
}

/**
 * The ExternalSecret sync controller. Informers only enqueue `namespace/name` keys; a pool
 * of workers reconciles keys level-triggered (read current state, converge), never two for
 * the same key at once. Each reconcile decides from {@link refreshDecision} and
 * {@link secretIsIntact} whether to fetch, calls {@link planSecret}, performs the write it
 * returns, patches status only when it changed, and schedules itself: the next refresh
 * after a success, capped exponential backoff after a failure. Its own status writes never
 * drive scheduling.
 */
export class Controller {
  readonly stats: ControllerStats = { reconciles: 0, secretWrites: 0, statusWrites: 0, apiCalls: 0, reads: { requested: 0, deduplicated: 0, providerCalls: 0 } };
  readonly #o: ControllerOptions;
  readonly #clock: Clock;
  readonly #queue: WorkQueue;
  readonly #storeQueue: WorkQueue;
  readonly #es: Informer<ExternalSecret>;
  readonly #stores: Informer<SecretStore>;
  readonly #clusterStores: Informer<SecretStore>;
  readonly #secrets: Informer<Secret>;
  readonly #events: EventRecorder;
  #readers = new Map<string, Cached>();
  #settled = new WeakMap<Promise<StoreReader>, StoreReader>();
  #failures = new Map<string, number>();
  #synced = new Map<string, ExternalSecretStatus>();
  #ourWrites = new Map<string, string>();
  /** ExternalSecret key → keys of the managed Secrets that name it (finds targets left behind by a rename). */
  #managedBy = new Map<string, Set<string>>();
  #storeFailures = new Map<string, number>();
  #namespaceLabels = new Map<string, { at: number; labels: Record<string, string> }>();
  #started = false;
  #background = new Set<Promise<void>>();

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#queue = new WorkQueue(this.#clock);
    this.#storeQueue = new WorkQueue(this.#clock);
    const ns = options.namespace;
    const common = { client: options.client, log: options.log, relistIntervalMs: options.relistIntervalMs ?? 300_000, livenessTimeoutMs: options.livenessTimeoutMs ?? 90_000 };
    this.#es = new Informer<ExternalSecret>({
      ...common,
      name: "externalsecrets",
      path: resourcePath({ group, version, plural: esPlural, ...(ns ? { namespace: ns } : {}) }),
      onAdd: (o) => this.#queue.add(keyOf(o), { priority: !o.status?.refreshTime }),
      onUpdate: (old, o) => {
        if (interesting(old, o)) this.#queue.add(keyOf(o));
      },
      onDelete: (o) => this.#forget(keyOf(o)),
    });
    const onStore = (o: SecretStore, kind: "SecretStore" | "ClusterSecretStore") => this.#storeQueue.add(`${kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`);
    this.#stores = new Informer<SecretStore>({
      ...common,
      name: "secretstores",
      path: resourcePath({ group, version, plural: "secretstores", ...(ns ? { namespace: ns } : {}) }),
      onAdd: (o) => onStore(o, "SecretStore"),
      onUpdate: (old, o) => {
        if (old.metadata.generation !== o.metadata.generation) onStore(o, "SecretStore");
      },
      onDelete: (o) => void this.#dropReader(`SecretStore/${o.metadata.namespace}/${o.metadata.name}`),
    });
    this.#clusterStores = new Informer<SecretStore>({
      ...common,
      name: "clustersecretstores",
      path: resourcePath({ group, version, plural: "clustersecretstores" }),
      onAdd: (o) => onStore(o, "ClusterSecretStore"),
      onUpdate: (old, o) => {
        if (old.metadata.generation !== o.metadata.generation) onStore(o, "ClusterSecretStore");
      },
      onDelete: (o) => void this.#dropReader(`ClusterSecretStore//${o.metadata.name}`),
    });
    const index = (s: Secret, add: boolean) => {
      const owner = s.metadata.annotations?.[ownerAnnotation];
      if (!owner) return;
      const esKey = `${s.metadata.namespace}/${owner}`;
      const set = this.#managedBy.get(esKey) ?? new Set<string>();
      if (add) set.add(keyOf(s));
      else set.delete(keyOf(s));
      if (set.size > 0) this.#managedBy.set(esKey, set);
      else this.#managedBy.delete(esKey);
    };
    const onSecret = (s: Secret) => {
      index(s, true);
      const k = keyOf(s);
      if (this.#ourWrites.get(k) === s.metadata.resourceVersion) return;
      const owner = s.metadata.annotations?.[ownerAnnotation];
      if (owner) this.#queue.add(`${s.metadata.namespace}/${owner}`);
    };
    this.#secrets = new Informer<Secret>({
      ...common,
      name: "secrets",
      path: resourcePath({ version: "v1", plural: "secrets", ...(ns ? { namespace: ns } : {}) }),
      labelSelector: `${managedLabel}=${managedLabelValue}`,
      onAdd: onSecret,
      onUpdate: (old, s) => {
        if (old !== s) onSecret(s);
      },
      onDelete: (s) => {
        index(s, false);
        this.#ourWrites.delete(keyOf(s));
        const owner = s.metadata.annotations?.[ownerAnnotation];
        if (owner) this.#queue.add(`${s.metadata.namespace}/${owner}`);
      },
    });
    this.#events = new EventRecorder(options.client, { component: "hush-controller", log: options.log });
  }

  /** True once every informer has listed and their watches look alive. */
  ready(): boolean {
    return this.#started && [this.#es, this.#secrets, this.#stores, this.#clusterStores].every((i) => i.healthy());
  }

  /** Keys waiting or in flight (for tests and the benchmark). */
  get queueLength(): number {
    return this.#queue.length + this.#queue.inFlight;
  }

  /**
   * Starts informers and workers and runs until `signal` aborts, then stops everything and
   * closes providers. Throws only if the initial lists fail.
   */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.#secrets, this.#stores, this.#clusterStores, this.#es];
    await Promise.all([this.#secrets.start(), this.#stores.start(), this.#clusterStores.start()]);
    await this.#es.start();
    this.#started = true;
    this.#o.log.info({ workers: this.#o.workers ?? 8, namespace: this.#o.namespace ?? "*" }, "controller started");
    const workers = Array.from({ length: this.#o.workers ?? 8 }, () => this.#work(this.#queue, (k) => this.#reconcile(k)));
    const storeWorker = this.#work(this.#storeQueue, (k) => this.#reconcileStore(k));
    const seen = new Map<string, number>();
    const depth = setInterval(() => {
      this.#o.metrics?.queueDepth.set(this.#queue.length);
      for (const [name, i] of [["externalsecrets", this.#es], ["secrets", this.#secrets], ["secretstores", this.#stores], ["clustersecretstores", this.#clusterStores]] as const) {
        const delta = i.stats.livenessRestarts - (seen.get(name) ?? 0);
        if (delta > 0) this.#o.metrics?.informerRestarts.inc({ informer: name }, delta);
        seen.set(name, i.stats.livenessRestarts);
      }
    }, 5_000);
    depth.unref?.();
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
    clearInterval(depth);
    this.#started = false;
    this.#queue.shutDown();
    this.#storeQueue.shutDown();
    await Promise.all([...workers, storeWorker]);
    await Promise.all([...this.#background]);
    await Promise.all(informers.map((i) => i.stop()));
    await Promise.all([...this.#readers.keys()].map((k) => this.#dropReader(k)));
    this.#o.log.info({}, "controller stopped");
  }

  async #work(queue: WorkQueue, fn: (key: string) => Promise<void>): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await fn(key);
      } catch (err) {
        this.#o.log.warn({ key, code: isHushError(err) ? err.code : "unknown" }, "reconcile crashed");
        queue.addAfter(key, backoffDelay(this.#bump(key), key, this.#o.backoff));
      } finally {
        queue.done(key);
      }
    }
  }

  #track(p: Promise<void>): void {
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }

  #bump(key: string): number {
    const n = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, n);
    return n;
  }

  #forget(key: string): void {
    this.#queue.forget(key);
    this.#failures.delete(key);
    this.#synced.delete(key);
    const { namespace, name } = splitKey(key);
    this.#o.metrics?.ready.remove({ namespace, name });
  }

  async #dropReader(key: string): Promise<void> {
    const cached = this.#readers.get(key);
    this.#readers.delete(key);
    await cached?.reader.then((r) => r.provider.close()).catch(() => undefined);
  }

  #store(ref: StoreRef, namespace: string): SecretStore | undefined {
    return ref.kind === "ClusterSecretStore" ? this.#clusterStores.get(ref.name) : this.#stores.get(`${namespace}/${ref.name}`);
  }

  #providerContext(store: SecretStore, kind: "SecretStore" | "ClusterSecretStore"): ProviderContext {
    const client = this.#o.client;
    const m = this.#o.metrics;
    return {
      namespace: store.metadata.namespace ?? "",
      storeKind: kind,
      ...(store.spec.retrySettings ? { retrySettings: store.spec.retrySettings } : {}),
      observe: (c) => {
        this.stats.apiCalls++;
        m?.providerCalls.inc({ provider: c.provider, operation: c.operation, result: c.result });
        m?.providerSeconds.observe({ provider: c.provider, operation: c.operation }, c.durationMs / 1000);
      },
      now: () => this.#clock.now(),
      readSecret: async (ns, name, key) => {
        const s = await client.get<Secret>(resourcePath({ version: "v1", plural: "secrets", namespace: ns, name }));
        const v = s?.data?.[key];
        if (v === undefined) throw new HushError("HUSH_ERR_KUBE_NOT_FOUND", `credentials secret ${ns}/${name} has no key ${JSON.stringify(key.slice(0, 80))}`);
        return new Uint8Array(Buffer.from(v, "base64"));
      },
      serviceAccountToken: async (ns, sa, audiences) => {
        const res = await client.request<{ status?: { token?: string } }>("POST", resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns, name: sa, subresource: "token" }), {
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences, expirationSeconds: 3600 } },
        });
        if (!res.status?.token) throw new HushError("HUSH_ERR_KUBE_API", `no token issued for service account ${ns}/${sa}`);
        return res.status.token;
      },
      ...(this.#o.clientOverrides ? { clients: this.#o.clientOverrides } : {}),
    };
  }

  /** The reader of a store, created once per store generation (concurrent callers share it). */
  #reader(key: string, store: SecretStore): Promise<StoreReader> {
    const gen = `${store.metadata.uid}/${store.metadata.generation}`;
    const cached = this.#readers.get(key);
    if (cached && cached.gen === gen) return cached.reader;
    const previous = cached;
    const reader = (async () => {
      if (previous) await previous.reader.then((r) => r.provider.close()).catch(() => undefined);
      const kind = key.startsWith("ClusterSecretStore/") ? "ClusterSecretStore" : "SecretStore";
      const provider = await this.#o.createProvider(store.spec.provider, this.#providerContext(store, kind));
      return new StoreReader(provider, {
        clock: this.#clock,
        windowMs: this.#o.dedupWindowMs ?? 60_000,
        ratePerSecond: this.#o.storeRatePerSecond ?? 20,
      });
    })();
    const entry = { gen, reader };
    this.#readers.set(key, entry);
    // A failed construction (e.g. invalid config) is not cached.
    reader.then((r) => this.#settled.set(reader, r)).catch(() => {
      if (this.#readers.get(key) === entry) this.#readers.delete(key);
    });
    return reader;
  }

  async #namespaceAllowed(store: SecretStore, namespace: string): Promise<boolean> {
    const conditions = store.spec.conditions;
    if (!conditions || conditions.length === 0) return true;
    let labels: Record<string, string> = {};
    if (conditions.some((c) => c.namespaceSelector)) {
      const hit = this.#namespaceLabels.get(namespace);
      if (hit && this.#clock.now() - hit.at < 60_000) labels = hit.labels;
      else {
        const ns = await this.#o.client.get<KubeObject>(resourcePath({ version: "v1", plural: "namespaces", name: namespace }));
        labels = ns?.metadata.labels ?? {};
        this.#namespaceLabels.set(namespace, { at: this.#clock.now(), labels });
      }
    }
    return storeAdmitsNamespace(conditions, namespace, labels);
  }

  /** A reader per store for one ExternalSecret, enforcing store existence, class, namespace conditions and the flood gate. */
  #sourceReader(es: ExternalSecret, fresh: boolean, maxAgeMs: number): SourceReader {
    const namespace = es.metadata.namespace ?? "";
    const resolve = async (ref: StoreRef): Promise<StoreReader> => {
      const kind = ref.kind ?? "SecretStore";
      const store = this.#store({ ...ref, kind }, namespace);
      if (!store) throw new HushError("HUSH_ERR_CONTROLLER_STORE_NOT_FOUND", `${kind} ${ref.name} not found`);
      if (store.spec.controller && store.spec.controller !== (this.#o.controllerClass ?? "")) {
        throw new HushError("HUSH_ERR_CONTROLLER_STORE_NOT_FOUND", `${kind} ${ref.name} belongs to controller class ${store.spec.controller}`);
      }
      if (kind === "ClusterSecretStore" && !(await this.#namespaceAllowed(store, namespace))) {
        throw new HushError("HUSH_ERR_CONTROLLER_STORE_NOT_ALLOWED", `ClusterSecretStore ${ref.name} does not admit namespace ${namespace}`);
      }
      const ready = store.status?.conditions?.find((c) => c.type === "Ready");
      if (ready?.status === "False") throw new HushError("HUSH_ERR_CONTROLLER_STORE_NOT_READY", `${kind} ${ref.name} is not ready`);
      return this.#reader(storeKey({ ...ref, kind }, namespace), store);
    };
    const opts = { fresh, maxAgeMs };
    return {
      get: async (ref, r) => (await resolve(ref)).get(r, opts),
      getMap: async (ref, r) => (await resolve(ref)).getMap(r, opts),
      find: async (ref, f) => (await resolve(ref)).find(f, opts),
    };
  }

  /** The ExternalSecret with the status this process last wrote, if the cache has not caught up. */
  #withOwnStatus(key: string, es: ExternalSecret): ExternalSecret {
    const mine = this.#synced.get(key);
    if (!mine?.refreshTime) return es;
    const cached = es.status?.refreshTime ? Date.parse(es.status.refreshTime) : 0;
    if (Date.parse(mine.refreshTime) <= cached) return es;
    return { ...es, status: { ...es.status, ...mine } };
  }

  async #reconcile(key: string): Promise<void> {
    const cachedEs = this.#es.get(key);
    if (!cachedEs) {
      this.#forget(key);
      return;
    }
    if (cachedEs.metadata.deletionTimestamp) return;
    const started = performance.now();
    const es = this.#withOwnStatus(key, cachedEs);
    const now = this.#clock.now();
    const { namespace } = splitKey(key);
    const secretName = targetName(es);
    const secretKey = `${namespace}/${secretName}`;
    const creation = es.spec.target?.creationPolicy ?? "Owner";
    let existing = this.#secrets.get(secretKey);
    if (!existing && creation === "Merge") existing = await this.#getSecret(namespace, secretName);

    let decision: ReturnType<typeof refreshDecision>;
    try {
      decision = refreshDecision(es, now);
    } catch (err) {
      await this.#finish(key, es, planFailure(err), now, started);
      return;
    }
    const failing = (this.#failures.get(key) ?? 0) > 0 || !isReady(es.status?.conditions);
    const intact = secretIsIntact(es, existing);
    if (!decision.due && intact && !failing) {
      this.#o.metrics?.reconciles.inc({ result: "skipped" });
      if (decision.reason === "not-due" && decision.nextAt !== undefined) this.#queue.addAfter(key, decision.nextAt - now);
      return;
    }
    this.stats.reconciles++;
    const fresh = decision.due && decision.reason === "spec-changed";
    // A cached read may be reused by another ExternalSecret only within half its own refresh interval.
    const maxAgeMs = Math.max(0, refreshIntervalMs(es) / 2) || Infinity;
    const fetched = await fetchExternalSecretData(es, this.#sourceReader(es, fresh, maxAgeMs));
    let plan = planSecret(es, fetched, existing);
    try {
      const conflict = await this.#apply(namespace, plan);
      if (conflict === "exists") {
        // Not in the managed cache but present: an unlabelled Secret; plan against it once.
        existing = await this.#getSecret(namespace, secretName);
        plan = planSecret(es, fetched, existing);
        await this.#apply(namespace, plan);
      }
      if (plan.outcome === "synced" && creation === "Owner") await this.#deleteRenamedTargets(key, es, secretKey);
    } catch (err) {
      if (kubeErrorCode(err) === "HUSH_ERR_KUBE_CONFLICT") {
        this.#queue.add(key);
        return;
      }
      plan = planFailure(err, "could not update secret");
    }
    await this.#finish(key, es, plan, now, started);
  }

  /** With `Owner`, a Secret this ExternalSecret controls under a previous target name is deleted (ESO semantics). */
  async #deleteRenamedTargets(key: string, es: ExternalSecret, current: string): Promise<void> {
    for (const other of this.#managedBy.get(key) ?? []) {
      if (other === current) continue;
      const s = this.#secrets.get(other);
      if (!s?.metadata.ownerReferences?.some((r) => r.controller && r.uid === es.metadata.uid)) continue;
      await this.#o.client.request("DELETE", resourcePath({ version: "v1", plural: "secrets", namespace: s.metadata.namespace ?? "", name: s.metadata.name ?? "" })).catch((err: unknown) => {
        if (kubeErrorCode(err) !== "HUSH_ERR_KUBE_NOT_FOUND") throw err;
      });
      this.#o.metrics?.secretWrites.inc({ action: "delete" });
      this.#track(this.#events.record({ apiVersion, kind: "ExternalSecret", metadata: es.metadata }, { type: "Normal", reason: "Deleted", message: "secret deleted because it was orphaned by a target rename" }));
    }
  }

  async #getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.#o.client.get<Secret>(resourcePath({ version: "v1", plural: "secrets", namespace, name }));
  }

  /** Performs the plan's write; "exists" when a create found the Secret already there. */
  async #apply(namespace: string, plan: Plan): Promise<"ok" | "exists"> {
    const a = plan.action;
    if (a.type === "none") return "ok";
    const path = (name?: string) => resourcePath({ version: "v1", plural: "secrets", namespace, ...(name ? { name } : {}) });
    let written: Secret | undefined;
    if (a.type === "create") {
      try {
        written = await this.#o.client.request<Secret>("POST", path(), { body: a.secret, query: { fieldManager: "hush-controller" } });
      } catch (err) {
        if (kubeErrorCode(err) === "HUSH_ERR_KUBE_CONFLICT") return "exists";
        throw err;
      }
    } else if (a.type === "update") {
      written = await this.#o.client.request<Secret>("PUT", path(a.secret.metadata.name), { body: a.secret, query: { fieldManager: "hush-controller" } });
    } else {
      await this.#o.client.request("DELETE", path(a.name)).catch((err: unknown) => {
        if (kubeErrorCode(err) !== "HUSH_ERR_KUBE_NOT_FOUND") throw err;
      });
    }
    if (written?.metadata.resourceVersion) this.#ourWrites.set(`${namespace}/${written.metadata.name}`, written.metadata.resourceVersion);
    this.stats.secretWrites++;
    this.#o.metrics?.secretWrites.inc({ action: a.type });
    return "ok";
  }

  async #finish(key: string, es: ExternalSecret, plan: Plan, now: number, started: number): Promise<void> {
    const { namespace, name } = splitKey(key);
    const nowIso = new Date(now).toISOString();
    const ready: Omit<Condition, "lastTransitionTime"> = { type: "Ready", ...plan.ready, ...(es.metadata.generation !== undefined ? { observedGeneration: es.metadata.generation } : {}) };
    const conditions = setCondition(es.status?.conditions, ready, nowIso);
    const next: ExternalSecretStatus = { ...es.status, conditions };
    if (plan.outcome === "synced") {
      next.refreshTime = nowIso;
      next.syncedResourceVersion = syncedResourceVersion(es);
      next.binding = { name: targetName(es) };
    }
    if (stableHash(next) !== stableHash(es.status ?? {})) {
      try {
        await this.#o.client.request("PATCH", resourcePath({ group, version, plural: esPlural, namespace, name, subresource: "status" }), {
          body: { status: next },
          contentType: "application/merge-patch+json",
        });
        this.stats.statusWrites++;
        this.#synced.set(key, next);
      } catch (err) {
        this.#o.log.warn({ key, code: kubeErrorCode(err) }, "could not write status");
        if (kubeErrorCode(err) === "HUSH_ERR_KUBE_NOT_FOUND") return;
        // Scheduling uses what this process knows, not what the API server stored: remember the
        // sync and retry the status write with backoff.
        this.#synced.set(key, next);
        plan = { ...plan, outcome: "retry" };
      }
    }
    // Events are best effort and off the reconcile's critical path (tracked for shutdown).
    const target = { apiVersion, kind: "ExternalSecret", metadata: es.metadata };
    for (const e of plan.events) if (e.type === "Warning" || this.#o.events !== "warnings") this.#track(this.#events.record(target, e));

    const m = this.#o.metrics;
    m?.ready.set({ namespace, name }, plan.ready.status === "True" ? 1 : 0);
    const result = plan.outcome === "synced" ? "success" : plan.outcome === "waiting" ? "waiting" : "error";
    m?.reconciles.inc({ result });
    m?.reconcileSeconds.observe({ result }, (performance.now() - started) / 1000);
    if (plan.errorCode) m?.syncErrors.inc({ code: plan.errorCode });
    this.#collectReadStats();

    let interval = 0;
    try {
      interval = refreshIntervalMs(es);
    } catch {
      interval = 0;
    }
    const uid = es.metadata.uid ?? key;
    if (plan.outcome === "retry") {
      const failures = this.#bump(key);
      const delay = backoffDelay(failures, uid, this.#o.backoff);
      this.#o.log.info({ key, code: plan.errorCode, failures, retryInMs: delay }, "sync failed; backing off");
      this.#queue.addAfter(key, delay);
      return;
    }
    this.#failures.delete(key);
    if (plan.outcome === "synced") this.#o.log.info({ key, action: plan.action.type, reason: plan.ready.reason }, "synced");
    else this.#o.log.info({ key, code: plan.errorCode, outcome: plan.outcome }, "not synced");
    if (interval > 0 && (es.spec.refreshPolicy ?? "Periodic") === "Periodic") this.#queue.addAfter(key, jitteredInterval(interval, uid));
    else if (plan.outcome !== "synced") this.#queue.addAfter(key, 60_000);
  }

  #collectReadStats(): void {
    const total: ReadStats = { requested: 0, deduplicated: 0, providerCalls: 0 };
    for (const { reader } of this.#readers.values()) {
      const r = this.#settled.get(reader);
      if (!r) continue;
      total.requested += r.stats.requested;
      total.deduplicated += r.stats.deduplicated;
      total.providerCalls += r.stats.providerCalls;
    }
    const m = this.#o.metrics;
    if (m && total.deduplicated > this.stats.reads.deduplicated) m.readsDeduplicated.inc(total.deduplicated - this.stats.reads.deduplicated);
    this.stats.reads = total;
  }

  /** Validates one store and records `Ready` Valid/InvalidProviderConfig on its status. */
  async #reconcileStore(key: string): Promise<void> {
    const [kind, namespace, name] = key.split("/") as ["SecretStore" | "ClusterSecretStore", string, string];
    const store = kind === "ClusterSecretStore" ? this.#clusterStores.get(name) : this.#stores.get(`${namespace}/${name}`);
    if (!store) {
      await this.#dropReader(key);
      return;
    }
    if (store.spec.controller && store.spec.controller !== (this.#o.controllerClass ?? "")) return;
    let cond: Omit<Condition, "lastTransitionTime">;
    let valid = false;
    try {
      const reader = await this.#reader(key, store);
      await reader.provider.validate();
      cond = { type: "Ready", status: "True", reason: "Valid", message: "store validated" };
      valid = true;
    } catch (err) {
      const code = isHushError(err) ? err.code : "HUSH_ERR_CONTROLLER_INTERNAL";
      cond = { type: "Ready", status: "False", reason: "InvalidProviderConfig", message: `unable to validate store [${code}]` };
      if (code === "HUSH_ERR_PROVIDERS_INVALID_CONFIG") await this.#dropReader(key);
    }
    const wasReady = store.status?.conditions?.find((c) => c.type === "Ready");
    const conditions = setCondition(store.status?.conditions, cond, new Date(this.#clock.now()).toISOString());
    if (stableHash(conditions) !== stableHash(store.status?.conditions ?? [])) {
      const plural = kind === "ClusterSecretStore" ? "clustersecretstores" : "secretstores";
      try {
        await this.#o.client.request("PATCH", resourcePath({ group, version, plural, ...(kind === "SecretStore" ? { namespace } : {}), name, subresource: "status" }), {
          body: { status: { ...store.status, conditions } },
          contentType: "application/merge-patch+json",
        });
        // Keep the cached copy in step so the flood gate sees the result immediately.
        store.status = { ...store.status, conditions };
      } catch (err) {
        this.#o.log.warn({ store: key, code: kubeErrorCode(err) }, "could not write store status");
      }
      const target = { apiVersion, kind, metadata: store.metadata };
      await this.#events.record(target, valid ? { type: "Normal", reason: "Valid", message: "store validated" } : { type: "Warning", reason: "InvalidProviderConfig", message: cond.message });
    }
    if (valid && wasReady?.status !== "True") {
      // A store that just became valid (new, or recovered): retry its ExternalSecrets now instead
      // of waiting for their backoff.
      for (const es of this.#es.list()) {
        const refs = [es.spec.secretStoreRef, ...(es.spec.data ?? []).map((d) => d.sourceRef?.storeRef), ...(es.spec.dataFrom ?? []).map((d) => d.sourceRef?.storeRef)];
        if (refs.some((r) => r && storeKey({ ...r, kind: r.kind ?? "SecretStore" }, es.metadata.namespace ?? "") === key)) this.#queue.add(keyOf(es));
      }
    }
    if (valid) {
      this.#storeFailures.delete(key);
      this.#storeQueue.addAfter(key, this.#o.storeRefreshMs ?? 300_000);
    } else {
      const n = (this.#storeFailures.get(key) ?? 0) + 1;
      this.#storeFailures.set(key, n);
      this.#storeQueue.addAfter(key, Math.min(this.#o.storeRefreshMs ?? 300_000, backoffDelay(n, key, { baseMs: 1000, maxMs: 30_000 })));
    }
  }
}

function planFailure(err: unknown, context = "invalid spec"): Plan {
  const code = isHushError(err) ? err.code : "HUSH_ERR_CONTROLLER_INTERNAL";
  const message = `${context}: ${isHushError(err) ? err.message : "unexpected error"} [${code}]`;
  const terminal = code === "HUSH_ERR_KUBE_INVALID_OBJECT";
  return {
    action: { type: "none" },
    ready: { status: "False", reason: "SecretSyncedError", message },
    events: [{ type: "Warning", reason: "UpdateFailed", message }],
    outcome: terminal ? "terminal" : "retry",
    errorCode: code,
  };
}
