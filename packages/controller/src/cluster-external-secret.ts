import { HushError } from "@hush/errors";
import { apiVersionOf, type ApiFlavour, type ExternalSecret, type KubeObject } from "@hush/kube";
import { Informer, kubeErrorCode, resourcePath, type KubeClient, type KubeLogger } from "@hush/kube/client";
import type { Clock, Timer } from "./clock.js";
import type { ControllerMetrics } from "./metrics.js";
import { stableHash } from "./data-hash.js";
import {
  cesRefreshMs,
  clusterExternalSecretStatus,
  controllingClusterExternalSecret,
  externalSecretNameOf,
  planClusterExternalSecret,
  type CesAction,
  type ClusterExternalSecret,
  type NamespaceFailure,
  type NamespaceInfo,
} from "./plan-cluster-external-secret.js";
import { WorkQueue } from "./work-queue.js";
import { WorkerLoop, type Result } from "./worker-loop.js";

const plural = "clusterexternalsecrets";

/** Options of {@link ClusterExternalSecretController}. */
export interface ClusterExternalSecretControllerOptions {
  readonly client: KubeClient;
  readonly log: KubeLogger;
  readonly clock: Clock;
  readonly flavour: ApiFlavour;
  /** Every cached ExternalSecret of the flavour (the ExternalSecret controller's informer). */
  readonly externalSecrets: () => readonly ExternalSecret[];
  readonly workers?: number;
  readonly relistIntervalMs: number;
  readonly livenessTimeoutMs: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly metrics?: ControllerMetrics | undefined;
  /** How often to look again for a ClusterExternalSecret CRD that was not installed (default 30 s). */
  readonly discoveryRetryMs?: number;
}

interface NamespaceObject extends KubeObject {
  status?: { phase?: string };
}

/** Label, annotation, ownership and spec changes matter to the ClusterExternalSecret owning an ExternalSecret; its status does not. */
function esChanged(old: ExternalSecret, es: ExternalSecret): boolean {
  if (old === es) return true; // periodic resync
  const m = (o: ExternalSecret) => [o.metadata.generation, o.metadata.labels, o.metadata.annotations, o.metadata.ownerReferences, o.metadata.deletionTimestamp];
  return stableHash(m(old)) !== stableHash(m(es));
}

/**
 * The ClusterExternalSecret controller (ESO v0.16 semantics): for each ClusterExternalSecret,
 * keeps one ExternalSecret in every selected namespace, owned by it. Informers on
 * ClusterExternalSecrets and Namespaces (plus the ExternalSecret controller's cache) only
 * enqueue ClusterExternalSecret names; its own {@link WorkerLoop} runs
 * {@link ClusterExternalSecretController.reconcile}, which plans with
 * {@link planClusterExternalSecret} and writes. The ExternalSecrets it creates are ordinary
 * ones: the ExternalSecret controller syncs them under the same store-access rules as any
 * other in their namespace.
 */
export class ClusterExternalSecretController {
  readonly #o: ClusterExternalSecretControllerOptions;
  readonly #queue: WorkQueue;
  readonly #loop: WorkerLoop;
  readonly #ces: Informer<ClusterExternalSecret>;
  readonly #namespaces: Informer<NamespaceObject>;
  #enabled = false;
  #stopped = false;
  #retry: Timer | undefined;

  constructor(options: ClusterExternalSecretControllerOptions) {
    this.#o = options;
    const { group, version } = options.flavour;
    this.#queue = new WorkQueue(options.clock);
    const common = { client: options.client, log: options.log, relistIntervalMs: options.relistIntervalMs, livenessTimeoutMs: options.livenessTimeoutMs };
    const enqueue = (o: KubeObject) => this.#queue.add(o.metadata.name ?? "");
    this.#ces = new Informer<ClusterExternalSecret>({
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
      for (const c of this.#ces.list()) enqueue(c);
    };
    this.#namespaces = new Informer<NamespaceObject>({
      ...common,
      name: "namespaces",
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

  /** False when the ClusterExternalSecret CRD is not installed (the controller then runs without it). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * Checks by discovery that the flavour serves ClusterExternalSecrets, then lists
   * ClusterExternalSecrets and Namespaces. Without the CRD it logs once and looks again every
   * `discoveryRetryMs`, so installing hush's other CRDs alone keeps working and a CRD installed
   * later (a chart upgrade, CRDs applied after the Deployment) is picked up without a restart.
   */
  async start(): Promise<void> {
    if (await this.#served()) {
      await this.#startInformers();
      return;
    }
    const { group, version } = this.#o.flavour;
    this.#o.log.warn({ group, version }, "ClusterExternalSecret CRD not installed; ClusterExternalSecrets are not reconciled until it is");
    this.#scheduleDiscovery();
  }

  async #served(): Promise<boolean> {
    const { group, version } = this.#o.flavour;
    const discovery = await this.#o.client.get<{ resources?: { name: string }[] }>(`/apis/${group}/${version}`);
    return discovery?.resources?.some((r) => r.name === plural) ?? false;
  }

  async #startInformers(): Promise<void> {
    await Promise.all([this.#ces.start(), this.#namespaces.start()]);
    this.#enabled = true;
  }

  #scheduleDiscovery(): void {
    if (this.#stopped) return;
    this.#retry = this.#o.clock.setTimeout(() => {
      this.#retry = undefined;
      void this.#served()
        .then(async (served) => {
          if (!served || this.#stopped) return this.#scheduleDiscovery();
          this.#o.log.info({ group: this.#o.flavour.group }, "ClusterExternalSecret CRD found; reconciling ClusterExternalSecrets");
          await this.#startInformers();
        })
        .catch(() => this.#scheduleDiscovery());
    }, this.#o.discoveryRetryMs ?? 30_000);
  }

  /** Runs the workers until {@link ClusterExternalSecretController.shutDown}; they idle while the CRD is missing. */
  run(): Promise<void> {
    return this.#loop.run();
  }

  /** Stops handing out work and closes the informers. */
  async stop(): Promise<void> {
    this.shutDown();
    await Promise.all([this.#ces.stop(), this.#namespaces.stop()]);
  }

  /** Shuts the queue down (the worker loop then ends) and stops looking for the CRD. */
  shutDown(): void {
    this.#stopped = true;
    this.#retry?.cancel();
    this.#queue.shutDown();
  }

  /** True when off, or when both informers are synced and alive. */
  healthy(): boolean {
    return !this.#enabled || (this.#ces.healthy() && this.#namespaces.healthy());
  }

  /**
   * Called by the ExternalSecret informer: a change to (or the deletion of) an ExternalSecret a
   * ClusterExternalSecret controls requeues it (a tenant's edit is put back, a deleted one
   * recreated); the deletion of a foreign one may end a clash, so the ClusterExternalSecrets
   * that reported that namespace as failed are requeued.
   */
  onExternalSecret(old: ExternalSecret | undefined, es: ExternalSecret, deleted: boolean): void {
    if (!this.#enabled) return;
    if (old && !esChanged(old, es)) return;
    const owner = controllingClusterExternalSecret(es, this.#o.flavour) ?? (old ? controllingClusterExternalSecret(old, this.#o.flavour) : undefined);
    if (owner) this.#queue.add(owner);
    if (!deleted) return;
    for (const c of this.#ces.list()) {
      if (externalSecretNameOf(c) === es.metadata.name && c.status?.failedNamespaces?.some((f) => f.namespace === es.metadata.namespace)) this.#queue.add(c.metadata.name ?? "");
    }
  }

  #esPath(namespace: string, name?: string): string {
    const { group, version } = this.#o.flavour;
    return resourcePath({ group, version, plural: "externalsecrets", namespace, ...(name ? { name } : {}) });
  }

  /** One reconcile of the ClusterExternalSecret `name`: plan, write, record status, come back after `refreshTime`. */
  async reconcile(name: string): Promise<Result> {
    const started = process.hrtime.bigint();
    try {
      return await this.#reconcile(name);
    } finally {
      // ESO's unit: nanoseconds; cluster-scoped, so the namespace label is empty.
      if (this.#ces.get(name)) this.#o.metrics?.cesReconcileDuration.set({ name, namespace: "" }, Number(process.hrtime.bigint() - started));
    }
  }

  async #reconcile(name: string): Promise<Result> {
    const ces = this.#ces.get(name);
    if (!ces || ces.metadata.deletionTimestamp) return this.#cleanUp(name, ces);
    const existing = this.#existing(ces);
    const namespaces: NamespaceInfo[] = this.#namespaces.list().map((n) => ({
      name: n.metadata.name ?? "",
      labels: n.metadata.labels ?? {},
      terminating: n.metadata.deletionTimestamp !== undefined || n.status?.phase === "Terminating",
    }));
    const plan = planClusterExternalSecret(ces, namespaces, existing, this.#o.flavour);
    const failures: NamespaceFailure[] = [];
    let retry = false;
    for (const action of plan.actions) {
      const outcome = await this.#apply(action);
      if (outcome === "ok") continue;
      if (outcome === "conflict") retry = true;
      else failures.push({ namespace: action.namespace, reason: outcome.reason });
    }
    const status = clusterExternalSecretStatus(plan, failures);
    await this.#writeStatus(ces, status);
    const ready = status.conditions?.[0]?.status === "True" ? "True" : "False";
    this.#o.metrics?.cesStatusCondition.set({ name, namespace: "", condition: "Ready", status: ready }, 1);
    this.#o.metrics?.cesStatusCondition.set({ name, namespace: "", condition: "Ready", status: ready === "True" ? "False" : "True" }, 0);
    if (retry) return { requeue: true };
    if (failures.length > 0) {
      throw new HushError("HUSH_ERR_CONTROLLER_CES_WRITE", `ClusterExternalSecret ${name}: could not write the ExternalSecret in ${failures.length} namespace(s)`);
    }
    const refresh = cesRefreshMs(ces);
    return refresh > 0 ? { requeueAfter: refresh } : {};
  }

  /** ExternalSecrets that matter to `ces`: its name anywhere, or controlled by it. */
  #existing(ces: ClusterExternalSecret): ExternalSecret[] {
    const esName = externalSecretNameOf(ces);
    return this.#o.externalSecrets().filter((es) => es.metadata.name === esName || controllingClusterExternalSecret(es, this.#o.flavour) === ces.metadata.name);
  }

  /**
   * The ClusterExternalSecret is gone (or going): its ExternalSecrets are deleted. The owner
   * reference lets Kubernetes' garbage collector do the same; doing it here too covers clusters
   * and moments where it has not run. A live read first, so a stale cache never deletes the
   * ExternalSecrets of a ClusterExternalSecret that exists.
   */
  async #cleanUp(name: string, cached: ClusterExternalSecret | undefined): Promise<Result> {
    if (!cached) {
      const { group, version } = this.#o.flavour;
      const live = await this.#o.client.get<ClusterExternalSecret>(resourcePath({ group, version, plural, name }));
      if (live && !live.metadata.deletionTimestamp) return { requeueAfter: 1_000 }; // the cache is behind; come back
    }
    const owned = this.#o.externalSecrets().filter((es) => controllingClusterExternalSecret(es, this.#o.flavour) === name && !es.metadata.deletionTimestamp);
    let failed = 0;
    for (const es of owned) {
      const outcome = await this.#apply({ op: "delete", namespace: es.metadata.namespace ?? "", name: es.metadata.name ?? "", ...(es.metadata.uid ? { uid: es.metadata.uid } : {}) });
      if (outcome !== "ok") failed++;
    }
    if (failed > 0) throw new HushError("HUSH_ERR_CONTROLLER_CES_WRITE", `ClusterExternalSecret ${name} deleted: ${failed} of its ExternalSecrets could not be deleted yet`);
    if (!cached) {
      this.#loop.forget(name);
      this.#o.metrics?.cesReconcileDuration.remove({ name, namespace: "" });
      for (const status of ["True", "False"]) this.#o.metrics?.cesStatusCondition.remove({ name, namespace: "", condition: "Ready", status });
    }
    return {};
  }

  async #apply(action: CesAction): Promise<"ok" | "conflict" | { reason: string }> {
    const client = this.#o.client;
    const query = { fieldManager: this.#o.flavour.component };
    try {
      if (action.op === "create") {
        await client.request("POST", this.#esPath(action.namespace), { body: action.body, query });
      } else if (action.op === "update") {
        // A JSON patch (verb patch, not update) replacing what the ClusterExternalSecret owns
        // wholesale; the resourceVersion in it makes the API server refuse a stale plan (409).
        await client.request("PATCH", this.#esPath(action.namespace, action.name), {
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
        await client.request("DELETE", this.#esPath(action.namespace, action.name), {
          body: { apiVersion: "v1", kind: "DeleteOptions", ...(action.uid ? { preconditions: { uid: action.uid } } : {}) },
        });
      }
      return "ok";
    } catch (err) {
      const code = kubeErrorCode(err);
      if (action.op === "delete" && code === "HUSH_ERR_KUBE_NOT_FOUND") return "ok";
      // Someone wrote first (or the cache is behind): plan again from fresh state.
      if (code === "HUSH_ERR_KUBE_CONFLICT" || (action.op === "update" && code === "HUSH_ERR_KUBE_NOT_FOUND")) return "conflict";
      const verb = action.op === "delete" ? "could not delete ExternalSecret" : "could not create or update ExternalSecret";
      this.#o.log.warn({ clusterExternalSecretAction: action.op, namespace: action.namespace, code }, verb);
      // The client's messages name the request, status and field paths only, never values.
      return { reason: `${verb}: ${(err as Error).message}`.slice(0, 512) };
    }
  }

  async #writeStatus(ces: ClusterExternalSecret, status: ReturnType<typeof clusterExternalSecretStatus>): Promise<void> {
    const norm = (s: ClusterExternalSecret["status"]) => ({
      externalSecretName: s?.externalSecretName,
      provisionedNamespaces: s?.provisionedNamespaces?.length ? s.provisionedNamespaces : undefined,
      failedNamespaces: s?.failedNamespaces?.length ? s.failedNamespaces : undefined,
      conditions: s?.conditions?.map((c) => ({ type: c.type, status: c.status, message: c.message || undefined })),
    });
    if (stableHash(norm(ces.status)) === stableHash(norm(status))) return;
    const { group, version } = this.#o.flavour;
    try {
      await this.#o.client.request("PATCH", resourcePath({ group, version, plural, name: ces.metadata.name ?? "", subresource: "status" }), {
        // Merge patch: absent lists are removed with null, as ESO's omitempty leaves them out.
        body: {
          apiVersion: apiVersionOf(this.#o.flavour),
          kind: "ClusterExternalSecret",
          status: { externalSecretName: status.externalSecretName, provisionedNamespaces: status.provisionedNamespaces ?? null, failedNamespaces: status.failedNamespaces ?? null, conditions: status.conditions },
        },
        contentType: "application/merge-patch+json",
        query: { fieldManager: this.#o.flavour.component },
      });
      ces.status = status;
    } catch (err) {
      if (kubeErrorCode(err) === "HUSH_ERR_KUBE_NOT_FOUND") return;
      throw err;
    }
  }
}
