import { HushError } from "@hush/errors";
import type { KubeObject } from "../types.js";
import { kubeErrorCode, type KubeClient, type WatchEvent } from "./kube-client.js";
import { abortableDelay } from "./abortable-delay.js";

/** Callbacks of an {@link Informer}. Handlers must not throw (errors are logged and dropped). */
export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  /** Also called for every cached object on each periodic re-list (resync), with `old === obj` when unchanged. */
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T): void;
}

/** A minimal logger (structured fields, never values). */
export interface KubeLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  debug?(fields: Record<string, unknown>, msg: string): void;
}

/** Options of {@link Informer}. */
export interface InformerOptions<T> extends InformerHandlers<T> {
  readonly client: KubeClient;
  /** Collection path, e.g. `/api/v1/secrets` or `/apis/hush.dev/v1/namespaces/ns/externalsecrets`. */
  readonly path: string;
  /** Only objects matching this selector are listed and watched. */
  readonly labelSelector?: string;
  /** Full re-list (and resync of every object) this often; default 5 min. */
  readonly relistIntervalMs?: number;
  /** A watch with no event or bookmark for this long is presumed dead and restarted; default 90 s. */
  readonly livenessTimeoutMs?: number;
  /** Server-side watch timeout; default 60 s (each watch ends cleanly and is resumed). */
  readonly watchTimeoutSeconds?: number;
  readonly log?: KubeLogger;
  /** Name for logs and metrics. */
  readonly name?: string;
  /**
   * Applied to every object before it is cached (default: drop `metadata.managedFields`, which
   * can be most of an object's size and is never needed by hush).
   */
  readonly transform?: (obj: T) => T;
}

function stripManagedFields<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata as T["metadata"] & { managedFields?: unknown };
  if (meta.managedFields !== undefined) delete meta.managedFields;
  return obj;
}

/** Counters an informer keeps, for `/metrics` and tests. */
export interface InformerStats {
  lists: number;
  watches: number;
  /** Watches restarted because they went silent (liveness). */
  livenessRestarts: number;
  errors: number;
  events: number;
}

function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? "");
}


/**
 * List-then-watch cache of one resource, hardened against the ways `@kubernetes/client-node`
 * informers have gone silent: every watch has a server-side timeout and is resumed from the
 * last resourceVersion; a watch that produces nothing (not even a bookmark) within the
 * liveness timeout is aborted and restarted; a 410 Gone or repeated errors trigger a re-list;
 * and a periodic full re-list resyncs every object so a missed event is repaired.
 */
export class Informer<T extends KubeObject> {
  readonly stats: InformerStats = { lists: 0, watches: 0, livenessRestarts: 0, errors: 0, events: 0 };
  readonly #o: InformerOptions<T>;
  #store = new Map<string, T>();
  #rv = "";
  #abort = new AbortController();
  #watchAbort: AbortController | undefined;
  #synced: Promise<void>;
  #resolveSynced!: () => void;
  #lastActivity = 0;
  #lastList = 0;
  #running: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    this.#o = options;
    this.#synced = new Promise((r) => (this.#resolveSynced = r));
  }

  /** Starts the list/watch loop; resolves after the first successful list. */
  async start(): Promise<void> {
    this.#running ??= this.#loop();
    await Promise.race([this.#synced, this.#running.then(() => undefined)]);
  }

  /** Stops the loop and any open watch. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#watchAbort?.abort();
    await this.#running;
  }

  /** The cached object `namespace/name` (or `name` for cluster-scoped). */
  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.#store.values()];
  }

  /** Epoch ms of the last list, event or bookmark. */
  get lastActivity(): number {
    return this.#lastActivity;
  }

  /** True once listed and seen alive within twice the liveness timeout. */
  healthy(now = Date.now()): boolean {
    return this.#lastList > 0 && now - this.#lastActivity < 2 * (this.#o.livenessTimeoutMs ?? 90_000);
  }

  #call(fn: (() => void) | undefined): void {
    try {
      fn?.();
    } catch (err) {
      this.#o.log?.warn({ informer: this.#o.name, code: kubeErrorCode(err) }, "informer handler failed");
    }
  }

  async #relist(): Promise<void> {
    const res = await this.#o.client.list<T>(this.#o.path, { ...(this.#o.labelSelector ? { labelSelector: this.#o.labelSelector } : {}), signal: this.#abort.signal });
    this.stats.lists++;
    const next = new Map<string, T>();
    const transform = this.#o.transform ?? stripManagedFields;
    for (const raw of res.items) {
      const item = transform(raw);
      const k = keyOf(item);
      const prev = this.#store.get(k);
      // Unchanged objects keep their identity, so handlers can tell a resync (old === obj).
      next.set(k, prev && prev.metadata.resourceVersion === item.metadata.resourceVersion ? prev : item);
    }
    const old = this.#store;
    this.#store = next;
    this.#rv = res.resourceVersion;
    this.#lastList = this.#lastActivity = Date.now();
    for (const [k, obj] of next) {
      const prev = old.get(k);
      if (!prev) this.#call(this.#o.onAdd && (() => this.#o.onAdd!(obj)));
      else this.#call(this.#o.onUpdate && (() => this.#o.onUpdate!(prev, obj)));
    }
    for (const [k, obj] of old) if (!next.has(k)) this.#call(this.#o.onDelete && (() => this.#o.onDelete!(obj)));
    this.#resolveSynced();
  }

  #apply(ev: WatchEvent<T>): void {
    this.#lastActivity = Date.now();
    this.stats.events++;
    if (ev.type === "BOOKMARK") {
      this.#rv = ev.object.metadata.resourceVersion ?? this.#rv;
      return;
    }
    if (ev.type === "ERROR") {
      const code = (ev.object as unknown as { code?: number }).code;
      throw new HushError("HUSH_ERR_KUBE_WATCH", `watch ${this.#o.path}: error event ${code ?? ""}`.trim(), { cause: code === 410 ? "gone" : undefined });
    }
    const obj = (this.#o.transform ?? stripManagedFields)(ev.object);
    const k = keyOf(obj);
    this.#rv = obj.metadata.resourceVersion ?? this.#rv;
    const prev = this.#store.get(k);
    if (ev.type === "DELETED") {
      this.#store.delete(k);
      if (prev) this.#call(this.#o.onDelete && (() => this.#o.onDelete!(obj)));
      return;
    }
    this.#store.set(k, obj);
    if (prev) this.#call(this.#o.onUpdate && (() => this.#o.onUpdate!(prev, obj)));
    else this.#call(this.#o.onAdd && (() => this.#o.onAdd!(obj)));
  }

  async #loop(): Promise<void> {
    const relistEvery = this.#o.relistIntervalMs ?? 300_000;
    const liveness = this.#o.livenessTimeoutMs ?? 90_000;
    let needList = true;
    let failures = 0;
    while (!this.#abort.signal.aborted) {
      try {
        if (needList || Date.now() - this.#lastList >= relistEvery) {
          await this.#relist();
          needList = false;
        }
        const watchAbort = new AbortController();
        this.#watchAbort = watchAbort;
        const onStop = () => watchAbort.abort();
        this.#abort.signal.addEventListener("abort", onStop, { once: true });
        let silent = false;
        // A new connection starts the liveness clock afresh.
        this.#lastActivity = Date.now();
        const check = setInterval(() => {
          const now = Date.now();
          if (now - this.#lastActivity > liveness) {
            silent = true;
            watchAbort.abort();
          } else if (now - this.#lastList >= relistEvery) watchAbort.abort();
        }, Math.min(1000, liveness / 4));
        check.unref?.();
        this.stats.watches++;
        try {
          await this.#o.client.watch<T>(
            this.#o.path,
            {
              resourceVersion: this.#rv,
              ...(this.#o.labelSelector ? { labelSelector: this.#o.labelSelector } : {}),
              timeoutSeconds: this.#o.watchTimeoutSeconds ?? 60,
              signal: watchAbort.signal,
            },
            (ev) => this.#apply(ev),
          );
          // A clean server-side close proves the connection was alive.
          this.#lastActivity = Date.now();
        } catch (err) {
          if (!watchAbort.signal.aborted) throw err;
        } finally {
          clearInterval(check);
          this.#abort.signal.removeEventListener("abort", onStop);
        }
        if (silent) {
          this.stats.livenessRestarts++;
          this.#o.log?.warn({ informer: this.#o.name }, "watch went silent; restarting it");
        }
        failures = 0;
      } catch (err) {
        if (this.#abort.signal.aborted) break;
        this.stats.errors++;
        failures++;
        const gone = err instanceof HushError && err.cause === "gone";
        needList = gone || failures >= 3;
        this.#o.log?.warn({ informer: this.#o.name, code: kubeErrorCode(err), failures }, gone ? "watch expired; re-listing" : "list/watch failed; retrying");
        await abortableDelay(gone ? 0 : Math.min(30_000, 500 * 2 ** Math.min(failures, 6)), this.#abort.signal);
      }
    }
  }
}
