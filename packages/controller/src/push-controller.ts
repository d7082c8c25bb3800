import type { ApiFlavour, PushSecret, SecretStore, StoreRef } from "@hush/kube";
import { Informer, kubeErrorCode, resourcePath, type EventRecorder, type KubeClient, type KubeLogger } from "@hush/kube/client";
import type { Clock } from "./clock.js";
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
  /** The store a ref names, and every store of a kind (from the controller's informers). */
  store(ref: StoreRef, namespace: string): SecretStore | undefined;
  stores(kind: "SecretStore" | "ClusterSecretStore", namespace: string): SecretStore[];
  track(p: Promise<void>): void;
  readonly metrics?: ControllerMetrics | undefined;
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
      onAdd: (o) => this.#queue.add(keyOf(o)),
      onUpdate: (old, o) => {
        if (interesting(old, o)) this.#queue.add(keyOf(o));
      },
      onDelete: (o) => {
        this.#loop.forget(keyOf(o));
        this.#reconciler.forget(keyOf(o));
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

  /** Lists PushSecrets, unless the CRD is not served (then stays off, with a warning). */
  async start(): Promise<void> {
    const { group } = this.#o.flavour;
    const version = this.#o.flavour.pushSecret.version;
    const discovery = await this.#o.client.get<{ resources?: { name: string }[] }>(`/apis/${group}/${version}`).catch(() => undefined);
    if (!discovery?.resources?.some((r) => r.name === plural)) {
      this.#o.log.warn({ group, version }, "PushSecret CRD not installed; PushSecrets are not reconciled");
      return;
    }
    // Installed but not granted (the push-secrets role left out): off, instead of an informer
    // retrying a forbidden list forever and holding the whole controller's start.
    const ns = this.#o.namespace;
    const code = await this.#o.client
      .request("GET", resourcePath({ group, version, plural, ...(ns ? { namespace: ns } : {}) }), { query: { limit: 1 } })
      .then(() => undefined, (err: unknown) => kubeErrorCode(err));
    if (code === "HUSH_ERR_KUBE_FORBIDDEN") {
      this.#o.log.warn({ group, version }, "PushSecrets may not be listed (RBAC); PushSecrets are not reconciled");
      return;
    }
    await this.#informer.start();
    this.#enabled = true;
  }

  /** Runs the worker loop until {@link shutDown}. */
  run(): Promise<void> {
    return this.#loop.run();
  }

  shutDown(): void {
    this.#queue.shutDown();
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    if (this.#enabled) await this.#informer.stop();
  }

  /** True when off, or when the informer is synced and alive. */
  healthy(): boolean {
    return !this.#enabled || this.#informer.healthy();
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
