import { kubeErrorCode, resourcePath, type KubeClient } from "./kube-client.js";
import type { KubeLogger } from "./informer.js";
import { abortableDelay } from "./abortable-delay.js";

/** Options of {@link LeaderElector}. Defaults follow controller-runtime (15 s / 10 s / 2 s). */
export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  /** This candidate's identity (pod name + random suffix). */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log?: KubeLogger;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}


/**
 * Leader election on a `coordination.k8s.io/v1` Lease, client-go style: a candidate takes the
 * lease when it is free or its holder has not renewed it for a lease duration (measured on
 * the local clock from when this candidate last saw it change, so clock skew between pods
 * does not matter), renews it every retry period, and steps down when it cannot renew
 * within the renew deadline. Updates use resourceVersion, so two candidates never both win.
 */
export class LeaderElector {
  readonly #client: KubeClient;
  readonly #o: Required<Omit<LeaderElectionOptions, "log">> & { log?: KubeLogger };
  #observed: { record: string; at: number } | undefined;
  #leading = false;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.#client = client;
    this.#o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
  }

  /** True while this candidate holds the lease. */
  get isLeader(): boolean {
    return this.#leading;
  }

  #path(name?: string): string {
    return resourcePath({ group: "coordination.k8s.io", version: "v1", plural: "leases", namespace: this.#o.namespace, ...(name ? { name } : {}) });
  }

  /** One acquire-or-renew attempt; true when this candidate holds the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const me = this.#o.identity;
    const seconds = Math.max(1, Math.round(this.#o.leaseDurationMs / 1000));
    try {
      const lease = await this.#client.get<Lease>(this.#path(this.#o.name));
      if (!lease) {
        await this.#client.request("POST", this.#path(), {
          body: {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name: this.#o.name, namespace: this.#o.namespace },
            spec: { holderIdentity: me, leaseDurationSeconds: seconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
          },
        });
        this.#observed = { record: `${me}|${microTime(now)}`, at: now.getTime() };
        return true;
      }
      const spec = lease.spec ?? {};
      const record = `${spec.holderIdentity ?? ""}|${spec.renewTime ?? ""}`;
      if (!this.#observed || this.#observed.record !== record) this.#observed = { record, at: now.getTime() };
      const holder = spec.holderIdentity ?? "";
      const duration = (spec.leaseDurationSeconds ?? seconds) * 1000;
      if (holder && holder !== me && this.#observed.at + duration > now.getTime()) return false;
      const takeover = holder !== me;
      const next: Lease = {
        ...lease,
        spec: {
          ...spec,
          holderIdentity: me,
          leaseDurationSeconds: seconds,
          renewTime: microTime(now),
          ...(takeover ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
        },
      };
      await this.#client.request("PUT", this.#path(this.#o.name), { body: next });
      this.#observed = { record: `${me}|${microTime(now)}`, at: now.getTime() };
      return true;
    } catch (err) {
      const code = kubeErrorCode(err);
      if (code !== "HUSH_ERR_KUBE_CONFLICT") this.#o.log?.warn({ lease: this.#o.name, code }, "lease update failed");
      return false;
    }
  }

  /**
   * Campaigns until leading, runs `lead(signal)` while leading, and returns when leadership is
   * lost (the signal passed to `lead` aborts first) or `signal` aborts (the lease is then
   * released so another candidate takes over at once).
   */
  async run(signal: AbortSignal, lead: (leading: AbortSignal) => Promise<void>): Promise<"lost" | "stopped"> {
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) await abortableDelay(this.#o.retryPeriodMs, signal);
    if (signal.aborted) return "stopped";
    this.#leading = true;
    this.#o.log?.info({ lease: this.#o.name, identity: this.#o.identity }, "became leader");
    const leading = new AbortController();
    let workEnded = false;
    const work = lead(leading.signal)
      .catch((err: unknown) => {
        this.#o.log?.warn({ code: kubeErrorCode(err) }, "leader work failed");
      })
      .finally(() => {
        workEnded = true;
      });
    let lastRenew = Date.now();
    let result: "lost" | "stopped" = "stopped";
    const wake = new AbortController();
    void work.then(() => wake.abort());
    const stop = AbortSignal.any([signal, wake.signal]);
    while (!signal.aborted) {
      await abortableDelay(this.#o.retryPeriodMs, stop);
      if (signal.aborted) break;
      if (workEnded) {
        // The work gave up on its own (e.g. it could not list): step down rather than hold an idle lease.
        result = "lost";
        await this.#release();
        break;
      }
      if (await this.tryAcquireOrRenew()) lastRenew = Date.now();
      else if (Date.now() - lastRenew > this.#o.renewDeadlineMs) {
        result = "lost";
        break;
      }
    }
    this.#leading = false;
    leading.abort();
    await work;
    if (result === "stopped") await this.#release();
    this.#o.log?.info({ lease: this.#o.name, identity: this.#o.identity, result }, "stopped leading");
    return result;
  }

  async #release(): Promise<void> {
    try {
      const lease = await this.#client.get<Lease>(this.#path(this.#o.name));
      if (!lease || lease.spec?.holderIdentity !== this.#o.identity) return;
      await this.#client.request("PUT", this.#path(this.#o.name), {
        body: { ...lease, spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(new Date()) } },
      });
    } catch {
      // Best effort: the lease expires on its own.
    }
  }
}
