import { HushError, isHushError } from "@hush/errors";
import {
  apiVersionOf,
  hushFlavour,
  managedLabelValue,
  setCondition,
  type ApiFlavour,
  type Condition,
  type ExternalSecret,
  type KubeObject,
  type Secret,
  type SecretStore,
  type StoreRef,
} from "@hush/kube";
import { EventRecorder, Informer, kubeErrorCode, resourcePath, type KubeClient, type KubeLogger } from "@hush/kube/client";
import type { ClientOverrides, ProviderContext, ProviderFactory } from "@hush/providers";
import { systemClock, type Clock } from "./clock.js";
import { ClusterExternalSecretController } from "./cluster-external-secret.js";
import { ClusterPushSecretController } from "./cluster-push-secret.js";
import { PushSecretController } from "./push-controller.js";
import { stableHash } from "./data-hash.js";
import { esoApiCall } from "./eso-api-calls.js";
import { removeReadyCondition, reportExternalSecretDeleted, setReadyCondition, type ControllerMetrics } from "./metrics.js";
import { writersOf } from "./plan-secret.js";
import { ReaderCache } from "./reader-cache.js";
import { Reconciler, type ControllerStats } from "./reconcile.js";
import type { CredentialReadObserver } from "./reader-cache.js";
import { storeRefreshIntervalMs } from "./refresh.js";
import { storeCacheKey, storeRefsOf } from "./resolve-store.js";
import { SecretWriter } from "./secret-writer.js";
import { WorkQueue } from "./work-queue.js";
import { WorkerLoop, type Result } from "./worker-loop.js";

export type { ControllerStats } from "./reconcile.js";

/** Options of {@link Controller}. */
export interface ControllerOptions {
  readonly client: KubeClient;
  /** Builds providers from store specs (`createProvider` from `@hush/providers`). */
  readonly createProvider: ProviderFactory;
  /** Endpoint overrides handed to providers (tests: moto, the GCP fake). */
  readonly clientOverrides?: ClientOverrides;
  /**
   * Lets namespaced SecretStores act with the controller's own identity (cloud default
   * credentials, its own ServiceAccount token for Vault kubernetes auth). Default false:
   * ClusterSecretStores only.
   */
  readonly allowAmbientCredentials?: boolean;
  /**
   * The controller's own ServiceAccount token file, read at each Vault kubernetes login without a
   * ref (default `/var/run/secrets/kubernetes.io/serviceaccount/token`, kubelet rotates it).
   */
  readonly serviceAccountTokenPath?: string;
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
  /**
   * The API group served and the names that go with it (default `hush.dev`; `esoFlavour`
   * serves `external-secrets.io` with ESO's labels, annotations and metric names).
   */
  readonly flavour?: ApiFlavour;
  /**
   * Reconcile ClusterExternalSecrets (default on; always off with `namespace`, since they
   * create ExternalSecrets across namespaces). Without the CRD it waits for it, looking again
   * every `discoveryRetryMs` (default 30 s).
   */
  readonly clusterExternalSecrets?: boolean | { readonly discoveryRetryMs?: number };
  /**
   * Reconcile PushSecrets (default on). While the PushSecret CRD is not installed (or listing
   * PushSecrets is not granted) they are not reconciled; discovery is retried every
   * `discoveryRetryMs` (default 30 s).
   */
  readonly pushSecrets?: boolean | { readonly discoveryRetryMs?: number };
  /**
   * Reconcile ClusterPushSecrets (default on with PushSecrets; always off with `namespace`, as
   * ClusterExternalSecrets are). Without the CRD it waits for it, looking again every
   * `discoveryRetryMs` (default 30 s).
   */
  readonly clusterPushSecrets?: boolean | { readonly discoveryRetryMs?: number };
}

const esPlural = "externalsecrets";
/** Concurrent store validations. */
const storeWorkers = 4;

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
}

function interesting(old: ExternalSecret, obj: ExternalSecret): boolean {
  if (old === obj) return true; // periodic resync
  const m = (o: ExternalSecret) => [o.metadata.generation, o.metadata.labels, o.metadata.annotations, o.metadata.deletionTimestamp];
  return JSON.stringify(m(old)) !== JSON.stringify(m(obj));
}

/**
 * The ExternalSecret sync controller, as controller-runtime shapes one: informers only enqueue
 * `namespace/name` keys; one {@link WorkerLoop} per queue runs `reconcile(key) → Result` and is
 * the only place anything is requeued. The sync itself is {@link Reconciler.reconcile}; store
 * access is decided by `resolveStore`, readers live in a {@link ReaderCache}, writes go through
 * a {@link SecretWriter}. Its own status writes never drive scheduling.
 */
export class Controller {
  readonly stats: ControllerStats = { reconciles: 0, secretWrites: 0, statusWrites: 0, apiCalls: 0, reads: { requested: 0, deduplicated: 0, providerCalls: 0 } };
  readonly #o: ControllerOptions;
  readonly #flavour: ApiFlavour;
  readonly #clock: Clock;
  readonly #queue: WorkQueue;
  readonly #storeQueue: WorkQueue;
  readonly #loop: WorkerLoop;
  readonly #storeLoop: WorkerLoop;
  readonly #es: Informer<ExternalSecret>;
  readonly #stores: Informer<SecretStore>;
  readonly #clusterStores: Informer<SecretStore>;
  readonly #secrets: Informer<Secret>;
  readonly #events: EventRecorder;
  readonly #readers: ReaderCache;
  readonly #writer: SecretWriter;
  readonly #reconciler: Reconciler;
  /** ExternalSecret key → keys of the managed Secrets that name it (finds targets left behind by a rename). */
  readonly #managedBy = new Map<string, Set<string>>();
  /**
   * The last validation verdict per store (key → the store's uid and its Ready status). The flood
   * gate uses it ahead of the cached status, so a store is usable as soon as it is validated,
   * even while its status write is on its way or refused (RBAC, a webhook).
   */
  readonly #verdicts = new Map<string, { readonly uid: string | undefined; readonly ready: "True" | "False" }>();
  /** Deleted ExternalSecrets holding a `condition="Deleted"` series (bounded, oldest first). */
  readonly #deletedSeries = new Map<string, { name: string; namespace: string }>();
  #started = false;
  readonly #background = new Set<Promise<void>>();
  /** ClusterExternalSecrets, when reconciled (cluster-wide controllers only). */
  readonly #ces: ClusterExternalSecretController | undefined;
  /** PushSecrets, when reconciled. */
  readonly #push: PushSecretController | undefined;
  /** ClusterPushSecrets, when reconciled (cluster-wide controllers with PushSecrets only). */
  readonly #cps: ClusterPushSecretController | undefined;

  constructor(options: ControllerOptions) {
    this.#o = options;
    const flavour = options.flavour ?? hushFlavour;
    this.#flavour = flavour;
    const { group, version } = flavour;
    this.#clock = options.clock ?? systemClock;
    this.#queue = new WorkQueue(this.#clock);
    this.#storeQueue = new WorkQueue(this.#clock);
    const ns = options.namespace;
    const common = { client: options.client, log: options.log, relistIntervalMs: options.relistIntervalMs ?? 300_000, livenessTimeoutMs: options.livenessTimeoutMs ?? 90_000 };
    this.#es = new Informer<ExternalSecret>({
      ...common,
      name: "externalsecrets",
      path: resourcePath({ group, version, plural: esPlural, ...(ns ? { namespace: ns } : {}) }),
      onAdd: (o) => {
        this.#queue.add(keyOf(o), { priority: !o.status?.refreshTime });
        this.#ces?.onExternalSecret(undefined, o, false);
      },
      onUpdate: (old, o) => {
        if (interesting(old, o)) this.#queue.add(keyOf(o));
        this.#ces?.onExternalSecret(old, o, false);
      },
      onDelete: (o) => {
        this.#forget(keyOf(o));
        this.#ces?.onExternalSecret(undefined, o, true);
      },
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
      // Through the store queue, so a validation in flight finishes before its metrics go.
      onDelete: (o) => onStore(o, "SecretStore"),
    });
    this.#clusterStores = new Informer<SecretStore>({
      ...common,
      name: "clustersecretstores",
      path: resourcePath({ group, version, plural: "clustersecretstores" }),
      onAdd: (o) => onStore(o, "ClusterSecretStore"),
      onUpdate: (old, o) => {
        if (old.metadata.generation !== o.metadata.generation) onStore(o, "ClusterSecretStore");
      },
      onDelete: (o) => onStore(o, "ClusterSecretStore"),
    });
    const index = (s: Secret, add: boolean) => {
      for (const writer of writersOf(s, flavour)) {
        const esKey = `${s.metadata.namespace}/${writer}`;
        const set = this.#managedBy.get(esKey) ?? new Set<string>();
        if (add) set.add(keyOf(s));
        else set.delete(keyOf(s));
        if (set.size > 0) this.#managedBy.set(esKey, set);
        else this.#managedBy.delete(esKey);
      }
    };
    const onSecret = (s: Secret) => {
      index(s, true);
      if (this.#writer.isOwnWrite(s)) return;
      for (const writer of writersOf(s, flavour)) this.#queue.add(`${s.metadata.namespace}/${writer}`);
    };
    this.#secrets = new Informer<Secret>({
      ...common,
      name: "secrets",
      path: resourcePath({ version: "v1", plural: "secrets", ...(ns ? { namespace: ns } : {}) }),
      labelSelector: `${flavour.managedLabel}=${managedLabelValue}`,
      onAdd: onSecret,
      onUpdate: (old, s) => {
        if (old !== s) onSecret(s);
      },
      onDelete: (s) => {
        index(s, false);
        this.#writer.forget(s.metadata.namespace ?? "", s.metadata.name ?? "");
        for (const writer of writersOf(s, flavour)) this.#queue.add(`${s.metadata.namespace}/${writer}`);
      },
    });
    this.#events = new EventRecorder(options.client, { component: flavour.component, log: options.log });
    this.#writer = new SecretWriter(options.client);
    this.#readers = new ReaderCache({
      createProvider: options.createProvider,
      contextFor: (store, kind, onRead) => this.#providerContext(store, kind, onRead),
      // Credential rotation: the Secrets a provider read are checked for a new version before use.
      sourceVersion: async (kind, ns, name) => (await options.client.get<KubeObject>(resourcePath({ version: "v1", plural: kind === "Secret" ? "secrets" : "configmaps", namespace: ns, name })))?.metadata.resourceVersion,
      clock: this.#clock,
      windowMs: options.dedupWindowMs ?? 60_000,
      ratePerSecond: options.storeRatePerSecond ?? 20,
    });
    this.#loop = new WorkerLoop({ queue: this.#queue, reconcile: (k) => this.#reconciler.reconcile(k), workers: options.workers ?? 8, log: options.log, name: "externalsecrets", ...(options.backoff ? { backoff: options.backoff } : {}) });
    // Several workers: ExternalSecrets wait for their store's first validation (the flood
    // gate), so one slow or unreachable store must not hold up every other store's.
    this.#storeLoop = new WorkerLoop({ queue: this.#storeQueue, reconcile: (k) => this.#reconcileStore(k), workers: storeWorkers, log: options.log, name: "stores", backoff: { baseMs: 1000, maxMs: Math.min(30_000, options.storeRefreshMs ?? 300_000) } });
    this.#ces =
      options.clusterExternalSecrets !== false && !ns
        ? new ClusterExternalSecretController({
            client: options.client,
            log: options.log,
            clock: this.#clock,
            flavour,
            externalSecrets: () => this.#es.list(),
            metrics: options.metrics,
            relistIntervalMs: common.relistIntervalMs,
            livenessTimeoutMs: common.livenessTimeoutMs,
            ...(options.backoff ? { backoff: options.backoff } : {}),
            ...(typeof options.clusterExternalSecrets === "object" && options.clusterExternalSecrets.discoveryRetryMs !== undefined
              ? { discoveryRetryMs: options.clusterExternalSecrets.discoveryRetryMs }
              : {}),
          })
        : undefined;
    this.#push =
      (options.pushSecrets ?? true) !== false
        ? new PushSecretController({
            client: options.client,
            log: options.log,
            clock: this.#clock,
            flavour,
            events: this.#events,
            readers: this.#readers,
            controllerClass: options.controllerClass ?? "",
            ...(ns ? { namespace: ns } : {}),
            relistIntervalMs: common.relistIntervalMs,
            livenessTimeoutMs: common.livenessTimeoutMs,
            ...(options.backoff ? { backoff: options.backoff } : {}),
            store: (ref, namespace) => this.#store(ref, namespace),
            stores: (kind, namespace) => (kind === "ClusterSecretStore" ? this.#clusterStores.list() : this.#stores.list().filter((s) => s.metadata.namespace === namespace)),
            track: (p) => this.#track(p),
            metrics: options.metrics,
            ...(typeof options.pushSecrets === "object" && options.pushSecrets.discoveryRetryMs !== undefined ? { discoveryRetryMs: options.pushSecrets.discoveryRetryMs } : {}),
            onPushSecret: (old, o, deleted) => this.#cps?.onChild(old, o, deleted),
          })
        : undefined;
    const push = this.#push;
    this.#cps =
      push && options.clusterPushSecrets !== false && !ns
        ? new ClusterPushSecretController({
            client: options.client,
            log: options.log,
            clock: this.#clock,
            flavour,
            pushSecrets: () => push.list(),
            metrics: options.metrics,
            relistIntervalMs: common.relistIntervalMs,
            livenessTimeoutMs: common.livenessTimeoutMs,
            ...(options.backoff ? { backoff: options.backoff } : {}),
            ...(typeof options.clusterPushSecrets === "object" && options.clusterPushSecrets.discoveryRetryMs !== undefined
              ? { discoveryRetryMs: options.clusterPushSecrets.discoveryRetryMs }
              : {}),
          })
        : undefined;
    this.#reconciler = new Reconciler({
      client: options.client,
      clock: this.#clock,
      log: options.log,
      metrics: options.metrics,
      events: this.#events,
      eventsMode: options.events ?? "all",
      controllerClass: options.controllerClass ?? "",
      flavour,
      readers: this.#readers,
      writer: this.#writer,
      stats: this.stats,
      externalSecret: (key) => this.#es.get(key),
      managedSecret: (key) => this.#secrets.get(key),
      store: (ref, namespace) => this.#store(ref, namespace),
      managedBy: (key) => this.#managedBy.get(key) ?? [],
      failures: (key) => this.#loop.failures(key),
      track: (p) => this.#track(p),
      forget: (key) => this.#forget(key),
      // VaultDynamicSecret: the generator's provider block, treated as a SecretStore of the
      // ExternalSecret's namespace would be (credential refs there only, no ambient identity).
      generatorProvider: (namespace, vaultSpec, retrySettings) => {
        const store: SecretStore = { metadata: { namespace, name: "vaultdynamicsecret" }, spec: { provider: { vault: vaultSpec }, ...(retrySettings ? { retrySettings } : {}) } };
        return options.createProvider(store.spec.provider, this.#providerContext(store, "SecretStore", () => undefined));
      },
      // ECRAuthorizationToken, STSSessionToken: the generator's identity, treated as an AWS
      // SecretStore of the ExternalSecret's namespace would be (credential refs there only, no
      // ambient identity unless allowed; a ClusterGenerator, admin-written, may use it as a
      // ClusterSecretStore may); the AWS SDK is loaded on first use.
      awsGenerator: async (namespace, kind, spec, opts) => {
        const store: SecretStore = { metadata: { namespace, name: kind.toLowerCase() }, spec: { provider: { aws: {} } } };
        const ctx = this.#providerContext(store, "SecretStore", () => undefined);
        const { runAwsGenerator } = await import("@hush/providers/aws");
        return runAwsGenerator(kind, spec, opts?.clusterGenerator ? { ...ctx, allowAmbientCredentials: true } : ctx);
      },
    });
  }

  /** True once every informer has listed and their watches look alive. */
  ready(): boolean {
    return this.#started && [this.#es, this.#secrets, this.#stores, this.#clusterStores].every((i) => i.healthy()) && (this.#ces?.healthy() ?? true) && (this.#push?.healthy() ?? true) && (this.#cps?.healthy() ?? true);
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
    // Before the ExternalSecret informer, so its first events already find the ClusterExternalSecrets.
    await this.#ces?.start();
    // Before the PushSecret informer, for the same reason.
    await this.#cps?.start();
    await this.#push?.start();
    await this.#es.start();
    this.#started = true;
    this.#o.log.info({ workers: this.#o.workers ?? 8, namespace: this.#o.namespace ?? "*" }, "controller started");
    const loops = [this.#loop.run(), this.#storeLoop.run(), ...(this.#ces ? [this.#ces.run()] : []), ...(this.#push ? [this.#push.run()] : []), ...(this.#cps ? [this.#cps.run()] : [])];
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
    this.#ces?.shutDown();
    this.#push?.shutDown();
    this.#cps?.shutDown();
    await Promise.all(loops);
    await Promise.all([...this.#background]);
    await Promise.all([...informers.map((i) => i.stop()), this.#ces?.stop(), this.#push?.stop(), this.#cps?.stop()]);
    await this.#readers.dropAll();
    this.#o.log.info({}, "controller stopped");
  }

  #track(p: Promise<void>): void {
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }

  #forget(key: string): void {
    this.#loop.forget(key);
    this.#reconciler.forget(key);
    const i = key.indexOf("/");
    const labels = { namespace: key.slice(0, i), name: key.slice(i + 1) };
    this.#o.metrics?.ready.remove(labels);
    // As ESO v0.16: the Ready series go and `condition="Deleted",status="False"` is set to 1.
    if (this.#o.metrics) reportExternalSecretDeleted(this.#o.metrics.statusCondition, this.#deletedSeries, labels.name, labels.namespace);
    this.#o.metrics?.reconcileDuration.remove(labels);
  }

  #store(ref: StoreRef, namespace: string): SecretStore | undefined {
    const store = ref.kind === "ClusterSecretStore" ? this.#clusterStores.get(ref.name) : this.#stores.get(`${namespace}/${ref.name}`);
    const verdict = store ? this.#verdicts.get(storeCacheKey(ref, namespace)) : undefined;
    if (!store || !verdict || verdict.uid !== store.metadata.uid) return store;
    const conditions = store.status?.conditions ?? [];
    if (conditions.find((c) => c.type === "Ready")?.status === verdict.ready) return store;
    // This process's validation, which the cached status does not show (yet).
    const ready: Condition = verdict.ready === "True" ? { type: "Ready", status: "True", reason: "Valid", message: "store validated", lastTransitionTime: "" } : { type: "Ready", status: "False", reason: "InvalidProviderConfig", message: "unable to validate store", lastTransitionTime: "" };
    return { ...store, status: { ...store.status, conditions: [...conditions.filter((c) => c.type !== "Ready"), ready] } };
  }

  #providerContext(store: SecretStore, kind: "SecretStore" | "ClusterSecretStore", onRead: CredentialReadObserver): ProviderContext {
    const client = this.#o.client;
    const m = this.#o.metrics;
    return {
      namespace: store.metadata.namespace ?? "",
      storeKind: kind,
      // With retrySettings, the store's reader retries as ESO does (retryPolicyOf), so the SDK
      // itself makes one attempt per call; without them the SDK keeps its own defaults.
      ...(store.spec.retrySettings ? { retrySettings: { ...store.spec.retrySettings, maxRetries: 0 } } : {}),
      observe: (c) => {
        this.stats.apiCalls++;
        m?.providerCalls.inc({ provider: c.provider, operation: c.operation, result: c.result });
        // The same call under ESO's provider and call names, for ESO's dashboards and alerts.
        const eso = m ? esoApiCall(store.spec.provider, c) : undefined;
        if (eso) m?.providerApiCalls.inc(eso);
        m?.providerSeconds.observe({ provider: c.provider, operation: c.operation }, c.durationMs / 1000);
      },
      now: () => this.#clock.now(),
      readSecret: async (ns, name, key) => {
        const s = await client.get<Secret>(resourcePath({ version: "v1", plural: "secrets", namespace: ns, name }));
        onRead("Secret", ns, name, s?.metadata.resourceVersion);
        const v = s?.data?.[key];
        if (v === undefined) throw new HushError("HUSH_ERR_KUBE_NOT_FOUND", `credentials secret ${ns}/${name} has no key ${JSON.stringify(key.slice(0, 80))}`);
        return new Uint8Array(Buffer.from(v, "base64"));
      },
      ...(this.#o.allowAmbientCredentials ? { allowAmbientCredentials: true } : {}),
      ownServiceAccountToken: async () => {
        // Bounded read: the projected token is a few KiB; anything larger is not a token.
        const { readFile } = await import("node:fs/promises");
        const bytes = await readFile(this.#o.serviceAccountTokenPath ?? "/var/run/secrets/kubernetes.io/serviceaccount/token");
        if (bytes.length > 64 * 1024) throw new HushError("HUSH_ERR_KUBE_API", "service account token file is larger than 64 KiB");
        return bytes.toString("utf8").trim();
      },
      serviceAccountAnnotations: async (ns, name) => {
        const sa = await client.get<KubeObject>(resourcePath({ version: "v1", plural: "serviceaccounts", namespace: ns, name }));
        if (!sa) throw new HushError("HUSH_ERR_KUBE_NOT_FOUND", `service account ${ns}/${name} not found`);
        return sa.metadata.annotations ?? {};
      },
      readConfigMap: async (ns, name, key) => {
        const cm = await client.get<KubeObject & { data?: Record<string, string> }>(resourcePath({ version: "v1", plural: "configmaps", namespace: ns, name }));
        onRead("ConfigMap", ns, name, cm?.metadata.resourceVersion);
        const v = cm?.data?.[key];
        if (v === undefined) throw new HushError("HUSH_ERR_KUBE_NOT_FOUND", `configmap ${ns}/${name} has no key ${JSON.stringify(key.slice(0, 80))}`);
        return v;
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

  /**
   * Validates one store and records `Ready` Valid/InvalidProviderConfig on its status, with
   * ESO's store metrics (`secretstore_*`, `clustersecretstore_*`); a deleted store's reader
   * and metrics are dropped.
   */
  async #reconcileStore(key: string): Promise<Result> {
    const [kind, namespace, name] = key.split("/") as ["SecretStore" | "ClusterSecretStore", string, string];
    const store = kind === "ClusterSecretStore" ? this.#clusterStores.get(name) : this.#stores.get(`${namespace}/${name}`);
    const m = this.#o.metrics;
    const gauges = m ? (kind === "ClusterSecretStore" ? { condition: m.cssStatusCondition, duration: m.cssReconcileDuration } : { condition: m.ssStatusCondition, duration: m.ssReconcileDuration }) : undefined;
    if (!store) {
      await this.#readers.drop(key);
      this.#verdicts.delete(key);
      if (gauges) {
        removeReadyCondition(gauges.condition, name, namespace);
        gauges.duration.remove({ name, namespace });
      }
      return {};
    }
    // Another controller class's store: not ours to validate or report on.
    if ((store.spec.controller ?? "") !== "" && store.spec.controller !== (this.#o.controllerClass ?? "")) return {};
    const started = performance.now();
    try {
      return await this.#validateStore(key, kind, namespace, name, store);
    } finally {
      // Both gauges at once, when the reconcile ends (status written, event recorded), so a
      // scrape never sees the verdict without its duration. ESO's duration unit: the
      // reconcile's Go time.Duration, nanoseconds as a float.
      const verdict = this.#verdicts.get(key);
      if (gauges && verdict && verdict.uid === store.metadata.uid) setReadyCondition(gauges.condition, name, namespace, verdict.ready);
      gauges?.duration.set({ name, namespace }, Math.round((performance.now() - started) * 1e6));
    }
  }

  async #validateStore(key: string, kind: "SecretStore" | "ClusterSecretStore", namespace: string, name: string, store: SecretStore): Promise<Result> {
    let cond: Omit<Condition, "lastTransitionTime">;
    let valid = false;
    let failedCode: string | undefined;
    try {
      const reader = await this.#readers.get(key, store, { recheck: true });
      // Through the reader: rate limited and retried per the store's retrySettings, as ESO's client.
      await reader.validate();
      cond = { type: "Ready", status: "True", reason: "Valid", message: "store validated" };
      valid = true;
    } catch (err) {
      failedCode = isHushError(err) ? err.code : "HUSH_ERR_CONTROLLER_INTERNAL";
      cond = { type: "Ready", status: "False", reason: "InvalidProviderConfig", message: `unable to validate store [${failedCode}]` };
      if (failedCode === "HUSH_ERR_PROVIDERS_INVALID_CONFIG") await this.#readers.drop(key);
    }
    const previous = this.#verdicts.get(key);
    const wasReady = previous && previous.uid === store.metadata.uid ? previous.ready : store.status?.conditions?.find((c) => c.type === "Ready")?.status;
    this.#verdicts.set(key, { uid: store.metadata.uid, ready: valid ? "True" : "False" });
    const conditions = setCondition(store.status?.conditions, cond, new Date(this.#clock.now()).toISOString());
    if (stableHash(conditions) !== stableHash(store.status?.conditions ?? [])) {
      const plural = kind === "ClusterSecretStore" ? "clustersecretstores" : "secretstores";
      try {
        await this.#o.client.request("PATCH", resourcePath({ group: this.#flavour.group, version: this.#flavour.version, plural, ...(kind === "SecretStore" ? { namespace } : {}), name, subresource: "status" }), {
          body: { status: { ...store.status, conditions } },
          contentType: "application/merge-patch+json",
          query: { fieldManager: this.#flavour.component },
        });
        // Keep the cached copy in step until the watch brings the written status.
        store.status = { ...store.status, conditions };
      } catch (err) {
        // The flood gate goes by the verdict kept above; the write is tried again at the next validation.
        this.#o.log.warn({ store: key, code: kubeErrorCode(err) }, "could not write store status");
      }
      const target = { apiVersion: apiVersionOf(this.#flavour), kind, metadata: store.metadata };
      await this.#events.record(target, valid ? { type: "Normal", reason: "Valid", message: "store validated" } : { type: "Warning", reason: "InvalidProviderConfig", message: cond.message });
    }
    if (valid && wasReady !== "True") {
      // A store that just became valid (new, or recovered): retry its ExternalSecrets now
      // instead of waiting for their backoff.
      this.#push?.onStoreReady(kind, namespace, name);
      for (const es of this.#es.list()) {
        if (storeRefsOf(es).some((r) => storeCacheKey(r, es.metadata.namespace ?? "") === key)) this.#queue.add(keyOf(es));
      }
    }
    if (!valid) throw new HushError("HUSH_ERR_CONTROLLER_STORE_NOT_READY", `${kind} ${name} is not valid [${failedCode}]`);
    // The store's own spec.refreshInterval (seconds, as ESO), floored so a tenant cannot make it spin.
    return { requeueAfter: storeRefreshIntervalMs(store, this.#o.storeRefreshMs ?? 300_000) };
  }
}
