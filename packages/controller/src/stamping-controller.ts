import { HushError, type ErrorCode } from "@hush/errors";
import type { KubeObject } from "@hush/kube";
import { Informer, kubeErrorCode, resourcePath, type KubeClient, type KubeLogger } from "@hush/kube/client";
import type { Clock, Timer } from "./clock.js";
import { stableHash } from "./data-hash.js";
import { controllingOwner, groupOf, planStamped, type NamespaceFailure, type NamespaceInfo, type StampAction, type StampedChild, type StampedKind, type StampPlan } from "./plan-stamped.js";
import { WorkQueue } from "./work-queue.js";
import { WorkerLoop, type Result } from "./worker-loop.js";

/** An owner as the stamping controller reads it: its status carries the failed namespaces. */
export interface StampingOwner extends KubeObject {
  status?: { failedNamespaces?: NamespaceFailure[] | undefined; conditions?: { status?: string }[] | undefined } | undefined;
}

/** What one cluster-scoped stamping kind (ClusterExternalSecret, ClusterPushSecret) supplies to {@link StampingController}. */
export interface StampingKindConfig<O extends StampingOwner, S> {
  /** The owner's plural (`clusterexternalsecrets`). */
  readonly plural: string;
  /** The child's plural (`externalsecrets`). */
  readonly childPlural: string;
  /** Group and version of both owner and child. */
  readonly group: string;
  readonly version: string;
  /** The field manager of every write. */
  readonly fieldManager: string;
  readonly kind: StampedKind<O, S>;
  /** Every cached child of the flavour (the child controller's informer). */
  children(): readonly StampedChild<S>[];
  refreshMs(owner: O): number;
  /** The status after a reconcile, as the owner carries it. */
  status(plan: StampPlan<S>, failures: readonly NamespaceFailure[]): NonNullable<O["status"]>;
  /** The merge-patch body's status (absent lists as null). */
  statusPatch(status: NonNullable<O["status"]>): Record<string, unknown>;
  /** The status fields compared to skip a no-op write. */
  normStatus(status: O["status"] | undefined): unknown;
  /** The error code of a failed write. */
  readonly writeError: ErrorCode;
  /** Metrics hooks (cluster-scoped: no namespace). */
  onReconciled?(name: string, ready: boolean | undefined, durationNs: number): void;
  onForgotten?(name: string): void;
}

/** Options of {@link StampingController}. */
export interface StampingControllerOptions {
  readonly client: KubeClient;
  readonly log: KubeLogger;
  readonly clock: Clock;
  readonly workers?: number;
  readonly relistIntervalMs: number;
  readonly livenessTimeoutMs: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** How often to look again for an owner CRD that was not installed (default 30 s). */
  readonly discoveryRetryMs?: number;
}

interface NamespaceObject extends KubeObject {
  status?: { phase?: string };
}

/** Label, annotation, ownership and spec changes of a child matter to its owner; its status does not. */
function childChanged(old: KubeObject, o: KubeObject): boolean {
  if (old === o) return true; // periodic resync
  const m = (x: KubeObject) => [x.metadata.generation, x.metadata.labels, x.metadata.annotations, x.metadata.ownerReferences, x.metadata.deletionTimestamp];
  return stableHash(m(old)) !== stableHash(m(o));
}

/**
 * One controller for every cluster-scoped kind that stamps a namespaced child into selected
 * namespaces (ClusterExternalSecret → ExternalSecret, ClusterPushSecret → PushSecret). Informers
 * on the owners and on Namespaces (plus the child controller's cache) only enqueue owner names;
 * its own {@link WorkerLoop} plans with {@link planStamped} and writes. The children are ordinary
 * objects: their own controller judges them under the same rules as any other in their namespace.
 */
export class StampingController<O extends StampingOwner, S> {
  readonly #o: StampingControllerOptions;
  readonly #k: StampingKindConfig<O, S>;
  readonly #queue: WorkQueue;
  readonly #loop: WorkerLoop;
  readonly #owners: Informer<O>;
  readonly #namespaces: Informer<NamespaceObject>;
  #enabled = false;
  #stopped = false;
  #retry: Timer | undefined;

  constructor(options: StampingControllerOptions, kind: StampingKindConfig<O, S>) {
    this.#o = options;
    this.#k = kind;
    const { group, version, plural } = kind;
    this.#queue = new WorkQueue(options.clock);
    const common = { client: options.client, log: options.log, relistIntervalMs: options.relistIntervalMs, livenessTimeoutMs: options.livenessTimeoutMs };
    const enqueue = (o: KubeObject) => this.#queue.add(o.metadata.name ?? "");
    this.#owners = new Informer<O>({
      ...common,
      name: plural,
      path: resourcePath({ group, version, plural }),
      onAdd: enqueue,
      onUpdate: (old, o) => {
        // Its own status writes do not drive scheduling.
        if (old === o || old.metadata.generation !== o.metadata.generation || old.metadata.deletionTimestamp !== o.metadata.deletionTimestamp) enqueue(o);
      },
      onDelete: enqueue,
    });
    const all = () => {
      for (const c of this.#owners.list()) enqueue(c);
    };
    this.#namespaces = new Informer<NamespaceObject>({
      ...common,
      name: `namespaces-${plural}`,
      path: resourcePath({ version: "v1", plural: "namespaces" }),
      // Only what selection needs is cached.
      transform: (n) => ({
        metadata: { name: n.metadata.name ?? "", ...(n.metadata.labels ? { labels: n.metadata.labels } : {}), ...(n.metadata.deletionTimestamp ? { deletionTimestamp: n.metadata.deletionTimestamp } : {}) },
        ...(n.status?.phase ? { status: { phase: n.status.phase } } : {}),
      }),
      onAdd: all,
      onUpdate: (old, n) => {
        if (stableHash([old.metadata.labels, old.metadata.deletionTimestamp]) !== stableHash([n.metadata.labels, n.metadata.deletionTimestamp])) all();
      },
      onDelete: all,
    });
    this.#loop = new WorkerLoop({
      queue: this.#queue,
      reconcile: (k) => this.reconcile(k),
      workers: options.workers ?? 2,
      log: options.log,
      name: plural,
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
  }

  /** False when the owner CRD is not installed (the controller then runs without it). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * Checks by discovery that the group serves the owner kind, then lists owners and Namespaces.
   * Without the CRD it logs once and looks again every `discoveryRetryMs`, so installing the other
   * CRDs alone keeps working and a CRD installed later is picked up without a restart.
   */
  async start(): Promise<void> {
    if (await this.#served()) {
      await this.#startInformers();
      return;
    }
    const { group, version, kind } = this.#k;
    this.#o.log.warn({ group, version }, `${kind.ownerKind} CRD not installed; ${kind.ownerKind}s are not reconciled until it is`);
    this.#scheduleDiscovery();
  }

  async #served(): Promise<boolean> {
    const { group, version, plural } = this.#k;
    const discovery = await this.#o.client.get<{ resources?: { name: string }[] }>(`/apis/${group}/${version}`);
    return discovery?.resources?.some((r) => r.name === plural) ?? false;
  }

  async #startInformers(): Promise<void> {
    await Promise.all([this.#owners.start(), this.#namespaces.start()]);
    this.#enabled = true;
  }

  #scheduleDiscovery(): void {
    if (this.#stopped) return;
    this.#retry = this.#o.clock.setTimeout(() => {
      this.#retry = undefined;
      void this.#served()
        .then(async (served) => {
          if (!served || this.#stopped) return this.#scheduleDiscovery();
          this.#o.log.info({ group: this.#k.group }, `${this.#k.kind.ownerKind} CRD found; reconciling ${this.#k.kind.ownerKind}s`);
          await this.#startInformers();
        })
        .catch(() => this.#scheduleDiscovery());
    }, this.#o.discoveryRetryMs ?? 30_000);
  }

  /** Runs the workers until {@link StampingController.shutDown}; they idle while the CRD is missing. */
  run(): Promise<void> {
    return this.#loop.run();
  }

  /** Stops handing out work and closes the informers. */
  async stop(): Promise<void> {
    this.shutDown();
    await Promise.all([this.#owners.stop(), this.#namespaces.stop()]);
  }

  /** Shuts the queue down (the worker loop then ends) and stops looking for the CRD. */
  shutDown(): void {
    this.#stopped = true;
    this.#retry?.cancel();
    this.#queue.shutDown();
  }

  /** True when off, or when both informers are synced and alive. */
  healthy(): boolean {
    return !this.#enabled || (this.#owners.healthy() && this.#namespaces.healthy());
  }

  #controller(child: KubeObject): string | undefined {
    return controllingOwner(child, this.#k.kind.ownerKind, this.#k.group);
  }

  /**
   * Called by the child informer: a change to (or the deletion of) a child an owner controls
   * requeues it (a tenant's edit is put back, a deleted one recreated); the deletion of a foreign
   * one may end a clash, so the owners that reported that namespace as failed are requeued.
   */
  onChild(old: KubeObject | undefined, child: KubeObject, deleted: boolean): void {
    if (!this.#enabled) return;
    if (old && !childChanged(old, child)) return;
    const owner = this.#controller(child) ?? (old ? this.#controller(old) : undefined);
    if (owner) this.#queue.add(owner);
    if (!deleted) return;
    for (const c of this.#owners.list()) {
      if (this.#k.kind.childName(c) === child.metadata.name && c.status?.failedNamespaces?.some((f) => f.namespace === child.metadata.namespace)) this.#queue.add(c.metadata.name ?? "");
    }
  }

  #childPath(namespace: string, name?: string): string {
    const { group, version, childPlural } = this.#k;
    return resourcePath({ group, version, plural: childPlural, namespace, ...(name ? { name } : {}) });
  }

  /** One reconcile of the owner `name`: plan, write, record status, come back after its refresh time. */
  async reconcile(name: string): Promise<Result> {
    const started = process.hrtime.bigint();
    let ready: boolean | undefined;
    try {
      const r = await this.#reconcile(name);
      ready = r.ready;
      return r.result;
    } finally {
      if (this.#owners.get(name)) this.#k.onReconciled?.(name, ready, Number(process.hrtime.bigint() - started));
    }
  }

  async #reconcile(name: string): Promise<{ result: Result; ready?: boolean }> {
    const owner = this.#owners.get(name);
    if (!owner || owner.metadata.deletionTimestamp) return { result: await this.#cleanUp(name, owner) };
    const existing = this.#existing(owner);
    const namespaces: NamespaceInfo[] = this.#namespaces.list().map((n) => ({
      name: n.metadata.name ?? "",
      labels: n.metadata.labels ?? {},
      terminating: n.metadata.deletionTimestamp !== undefined || n.status?.phase === "Terminating",
    }));
    const plan = planStamped(owner, this.#k.kind, namespaces, existing);
    const failures: NamespaceFailure[] = [];
    let retry = false;
    for (const action of plan.actions) {
      const outcome = await this.#apply(action);
      if (outcome === "ok") continue;
      if (outcome === "conflict") retry = true;
      else failures.push({ namespace: action.namespace, reason: outcome.reason });
    }
    const status = this.#k.status(plan, failures);
    await this.#writeStatus(owner, status);
    const ready = failures.length === 0 && plan.clashes.length === 0;
    if (retry) return { result: { requeue: true }, ready };
    if (failures.length > 0) {
      this.#k.onReconciled?.(name, false, 0);
      throw new HushError(this.#k.writeError, `${this.#k.kind.ownerKind} ${name}: could not write the ${this.#k.kind.childKind} in ${failures.length} namespace(s)`);
    }
    const refresh = this.#k.refreshMs(owner);
    return { result: refresh > 0 ? { requeueAfter: refresh } : {}, ready };
  }

  /** Children that matter to `owner`: its child name anywhere, or controlled by it. */
  #existing(owner: O): StampedChild<S>[] {
    const childName = this.#k.kind.childName(owner);
    return this.#k.children().filter((c) => c.metadata.name === childName || this.#controller(c) === owner.metadata.name);
  }

  /**
   * The owner is gone (or going): its children are deleted. The owner reference lets Kubernetes'
   * garbage collector do the same; doing it here too covers clusters and moments where it has
   * not run. A live read first, so a stale cache never deletes the children of an owner that exists.
   */
  async #cleanUp(name: string, cached: O | undefined): Promise<Result> {
    const { group, version, plural } = this.#k;
    if (!cached) {
      const live = await this.#o.client.get<O>(resourcePath({ group, version, plural, name }));
      if (live && !live.metadata.deletionTimestamp) return { requeueAfter: 1_000 }; // the cache is behind; come back
    }
    const owned = this.#k.children().filter((c) => this.#controller(c) === name && !c.metadata.deletionTimestamp);
    let failed = 0;
    for (const c of owned) {
      const outcome = await this.#apply({ op: "delete", namespace: c.metadata.namespace ?? "", name: c.metadata.name ?? "", ...(c.metadata.uid ? { uid: c.metadata.uid } : {}) });
      if (outcome !== "ok") failed++;
    }
    if (failed > 0) throw new HushError(this.#k.writeError, `${this.#k.kind.ownerKind} ${name} deleted: ${failed} of its ${this.#k.kind.childKind}s could not be deleted yet`);
    if (!cached) {
      this.#loop.forget(name);
      this.#k.onForgotten?.(name);
    }
    return {};
  }

  async #apply(action: StampAction<S>): Promise<"ok" | "conflict" | { reason: string }> {
    const client = this.#o.client;
    const query = { fieldManager: this.#k.fieldManager };
    const childKind = this.#k.kind.childKind;
    try {
      if (action.op === "create") {
        await client.request("POST", this.#childPath(action.namespace), { body: action.body, query });
      } else if (action.op === "update") {
        // A JSON patch (verb patch, not update) replacing what the owner owns wholesale; the
        // resourceVersion in it makes the API server refuse a stale plan (409).
        await client.request("PATCH", this.#childPath(action.namespace, action.name), {
          body: [
            { op: "add", path: "/metadata/resourceVersion", value: action.resourceVersion },
            { op: "add", path: "/metadata/labels", value: action.labels },
            { op: "add", path: "/metadata/annotations", value: action.annotations },
            { op: "add", path: "/metadata/ownerReferences", value: action.ownerReferences },
            { op: "add", path: "/spec", value: action.spec },
          ],
          contentType: "application/json-patch+json",
          query,
        });
      } else {
        await client.request("DELETE", this.#childPath(action.namespace, action.name), {
          body: { apiVersion: "v1", kind: "DeleteOptions", ...(action.uid ? { preconditions: { uid: action.uid } } : {}) },
        });
      }
      return "ok";
    } catch (err) {
      const code = kubeErrorCode(err);
      if (action.op === "delete" && code === "HUSH_ERR_KUBE_NOT_FOUND") return "ok";
      // Someone wrote first (or the cache is behind): plan again from fresh state.
      if (code === "HUSH_ERR_KUBE_CONFLICT" || (action.op === "update" && code === "HUSH_ERR_KUBE_NOT_FOUND")) return "conflict";
      const verb = action.op === "delete" ? `could not delete ${childKind}` : `could not create or update ${childKind}`;
      this.#o.log.warn({ [`${this.#k.kind.ownerKind.charAt(0).toLowerCase()}${this.#k.kind.ownerKind.slice(1)}Action`]: action.op, namespace: action.namespace, code }, verb);
      // The client's messages name the request, status and field paths only, never values.
      return { reason: `${verb}: ${(err as Error).message}`.slice(0, 512) };
    }
  }

  async #writeStatus(owner: O, status: NonNullable<O["status"]>): Promise<void> {
    if (stableHash(this.#k.normStatus(owner.status)) === stableHash(this.#k.normStatus(status))) return;
    const { group, version, plural } = this.#k;
    try {
      await this.#o.client.request("PATCH", resourcePath({ group, version, plural, name: owner.metadata.name ?? "", subresource: "status" }), {
        // Merge patch: absent lists are removed with null, as ESO's omitempty leaves them out.
        body: { apiVersion: `${group}/${version}`, kind: this.#k.kind.ownerKind, status: this.#k.statusPatch(status) },
        contentType: "application/merge-patch+json",
        query: { fieldManager: this.#k.fieldManager },
      });
      owner.status = status;
    } catch (err) {
      if (kubeErrorCode(err) === "HUSH_ERR_KUBE_NOT_FOUND") return;
      throw err;
    }
  }
}


