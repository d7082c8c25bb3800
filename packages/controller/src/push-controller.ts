import type { ApiFlavour, PushSecret, SecretStore, StoreRef } from "@hush/kube";
import { Informer, kubeErrorCode, resourcePath, type EventRecorder, type KubeClient, type KubeLogger } from "@hush/kube/client";
import type { Clock, Timer } from "./clock.js";
import type { ControllerMetrics } from "./metrics.js";
import { PushReconciler } from "./push-reconcile.js";
import type { ReaderCache } from "./reader-cache.js";
import { WorkQueue } from "./work-queue.js";
import { WorkerLoop } from "./worker-loop.js";

/** Options of {@link PushSecretController}. */
export interface PushSecretControllerOptions {
  readonly client: KubeClient;
  readonly log: KubeLogger;
  readonly clock: Clock;
  readonly flavour: ApiFlavour;
  readonly events: EventRecorder;
  readonly readers: ReaderCache;
  readonly controllerClass: string;
  /** Only this namespace's PushSecrets; all namespaces when unset. */
  readonly namespace?: string;
  readonly workers?: number;
  readonly relistIntervalMs: number;
  readonly livenessTimeoutMs: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** How often to look again for a PushSecret CRD that was not installed or not granted (default 30 s). */
  readonly discoveryRetryMs?: number;
  /** The store a ref names, and every store of a kind (from the controller's informers). */
  store(ref: StoreRef, namespace: string): SecretStore | undefined;
  stores(kind: "SecretStore" | "ClusterSecretStore", namespace: string): SecretStore[];
  track(p: Promise<void>): void;
  readonly metrics?: ControllerMetrics | undefined;
  /** Told of every PushSecret added, changed or deleted (the ClusterPushSecret controller follows the ones it stamps). */
  onPushSecret?(old: PushSecret | undefined, o: PushSecret, deleted: boolean): void;
}

const plural = "pushsecrets";

function keyOf(o: PushSecret): string {
  return `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
}

/**
 * PushSecrets beside the ExternalSecret controller: their own informer, queue and
 * {@link WorkerLoop} (`reconcile(key) → Result`), sharing the store informers and the provider
 * cache. Off when the PushSecret CRD is not installed (checked once at start by discovery).
 * Source Secrets are not watched (as in ESO): a PushSecret pushes again at its refresh interval
 * or when it changes.
 */
export class PushSecretController {
  readonly #o: PushSecretControllerOptions;
  readonly #queue: WorkQueue;
  readonly #loop: WorkerLoop;
  readonly #informer: Informer<PushSecret>;
  readonly #reconciler: PushReconciler;
  #enabled = false;
  #stopped = false;
  #retry: Timer | undefined;

  constructor(options: PushSecretControllerOptions) {
    this.#o = options;
    this.#queue = new WorkQueue(options.clock);
    const { group } = options.flavour;
    const version = options.flavour.pushSecret.version;
    const ns = options.namespace;
    const interesting = (a: PushSecret, b: PushSecret) => {
      if (a === b) return true; // periodic resync
      const m = (o: PushSecret) => [o.metadata.generation, o.metadata.labels, o.metadata.annotations, o.metadata.deletionTimestamp, o.metadata.finalizers];
      return JSON.stringify(m(a)) !== JSON.stringify(m(b));
    };
    this.#informer = new Informer<PushSecret>({
      client: options.client,
      log: options.log,
      relistIntervalMs: options.relistIntervalMs,
      livenessTimeoutMs: options.livenessTimeoutMs,
      name: plural,
      path: resourcePath({ group, version, plural, ...(ns ? { namespace: ns } : {}) }),
      onAdd: (o) => {
        this.#queue.add(keyOf(o));
        options.onPushSecret?.(undefined, o, false);
      },
      onUpdate: (old, o) => {
        if (interesting(old, o)) this.#queue.add(keyOf(o));
        options.onPushSecret?.(old, o, false);
      },
      onDelete: (o) => {
        this.#loop.forget(keyOf(o));
        this.#reconciler.forget(keyOf(o));
        options.onPushSecret?.(undefined, o, true);
      },
    });
    this.#reconciler = new PushReconciler({
      client: options.client,
      clock: options.clock,
      log: options.log,
      events: options.events,
      controllerClass: options.controllerClass,
      flavour: options.flavour,
      readers: options.readers,
      pushSecret: (key) => this.#informer.get(key),
      store: (ref, namespace) => options.store(ref, namespace),
      stores: (kind, namespace) => options.stores(kind, namespace),
      track: (p) => options.track(p),
      metrics: options.metrics,
    });
    this.#loop = new WorkerLoop({ queue: this.#queue, reconcile: (k) => this.#reconciler.reconcile(k), workers: options.workers ?? 2, log: options.log, name: plural, ...(options.backoff ? { backoff: options.backoff } : {}) });
  }

  /**
   * Lists PushSecrets when the CRD is served and listing them is granted. Otherwise logs once
   * and looks again every `discoveryRetryMs`, so the rest of the controller starts without them
   * and a CRD (or role) installed later is picked up without a restart.
   */
  async start(): Promise<void> {
    const why = await this.#unavailable();
    if (!why) {
      await this.#informer.start();
      this.#enabled = true;
      return;
    }
    this.#o.log.warn({ group: this.#o.flavour.group, version: this.#o.flavour.pushSecret.version }, `${why}; PushSecrets are not reconciled until it is`);
    this.#scheduleDiscovery();
  }

  /** Why PushSecrets cannot be watched now, or undefined when they can. */
  async #unavailable(): Promise<string | undefined> {
    const { group } = this.#o.flavour;
    const version = this.#o.flavour.pushSecret.version;
    const discovery = await this.#o.client.get<{ resources?: { name: string }[] }>(`/apis/${group}/${version}`).catch(() => undefined);
    if (!discovery?.resources?.some((r) => r.name === plural)) return "PushSecret CRD not installed";
    // Installed but not granted (the push-secrets role left out): an informer would retry a
    // forbidden list forever and hold the whole controller's start.
    const ns = this.#o.namespace;
    const code = await this.#o.client
      .request("GET", resourcePath({ group, version, plural, ...(ns ? { namespace: ns } : {}) }), { query: { limit: 1 } })
      .then(() => undefined, (err: unknown) => kubeErrorCode(err));
    return code === "HUSH_ERR_KUBE_FORBIDDEN" ? "PushSecrets may not be listed (RBAC)" : undefined;
  }

  #scheduleDiscovery(): void {
    if (this.#stopped) return;
    this.#retry = this.#o.clock.setTimeout(() => {
      this.#retry = undefined;
      void this.#unavailable()
        .then(async (why) => {
          if (why || this.#stopped) return this.#scheduleDiscovery();
          this.#o.log.info({ group: this.#o.flavour.group }, "PushSecret CRD found; reconciling PushSecrets");
          await this.#informer.start();
          this.#enabled = true;
        })
        .catch(() => this.#scheduleDiscovery());
    }, this.#o.discoveryRetryMs ?? 30_000);
  }

  /** Runs the worker loop until {@link shutDown}. */
  run(): Promise<void> {
    return this.#loop.run();
  }

  /** Stops handing out work and looking for the CRD. */
  shutDown(): void {
    this.#stopped = true;
    this.#retry?.cancel();
    this.#queue.shutDown();
  }

  async stop(): Promise<void> {
    this.shutDown();
    await this.#informer.stop();
  }

  /** True when off, or when the informer is synced and alive. */
  healthy(): boolean {
    return !this.#enabled || this.#informer.healthy();
  }

  /** Every cached PushSecret (empty while PushSecrets are not reconciled). */
  list(): readonly PushSecret[] {
    return this.#informer.list();
  }

  /** Whether PushSecrets are reconciled (the CRD was found). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Requeues the PushSecrets that name a store (it became valid): they retry now, not after backoff. */
  onStoreReady(kind: "SecretStore" | "ClusterSecretStore", namespace: string, name: string): void {
    if (!this.#enabled) return;
    for (const ps of this.#informer.list()) {
      if (kind === "SecretStore" && ps.metadata.namespace !== namespace) continue;
      if ((ps.spec.secretStoreRefs ?? []).some((r) => (r.kind ?? "SecretStore") === kind && (r.name === name || r.labelSelector))) this.#queue.add(keyOf(ps));
    }
  }
}
