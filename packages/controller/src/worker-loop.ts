import { isHushError } from "@hush/errors";
import type { KubeLogger } from "@hush/kube/client";
import { backoffDelay, type BackoffOptions } from "./refresh.js";
import type { WorkQueue } from "./work-queue.js";

/** What a reconcile asks of the loop (controller-runtime's `reconcile.Result`). */
export interface Result {
  /** Reconcile again after this many milliseconds (the next refresh). */
  readonly requeueAfter?: number;
  /** Reconcile again at once (e.g. after a write conflict). */
  readonly requeue?: boolean;
}

/**
 * Thrown by a reconcile whose failure retrying cannot fix (controller-runtime's
 * `TerminalError`): the loop does not requeue; a change to the object enqueues it again.
 */
export class TerminalError extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.name = "TerminalError";
    this.code = code;
  }
}

/** Options of {@link WorkerLoop}. */
export interface WorkerLoopOptions {
  readonly queue: WorkQueue;
  readonly reconcile: (key: string) => Promise<Result>;
  readonly workers: number;
  readonly log: KubeLogger;
  readonly backoff?: BackoffOptions;
  /** Names the loop in logs. */
  readonly name: string;
}

/**
 * The one generic worker loop, and the only place that schedules reconciles: each worker
 * takes a key, runs `reconcile(key)`, then requeues from the result: `requeueAfter`/`requeue`
 * as asked, capped exponential backoff per key when it throws, nothing for a
 * {@link TerminalError}. A success or terminal failure resets the key's backoff.
 */
export class WorkerLoop {
  readonly #o: WorkerLoopOptions;
  readonly #failures = new Map<string, number>();

  constructor(options: WorkerLoopOptions) {
    this.#o = options;
  }

  /** Consecutive failures of `key` so far (0 when its last reconcile succeeded). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Drops the backoff state of a deleted object. */
  forget(key: string): void {
    this.#failures.delete(key);
    this.#o.queue.forget(key);
  }

  /** Runs the workers until the queue shuts down. */
  run(): Promise<void> {
    return Promise.all(Array.from({ length: this.#o.workers }, () => this.#worker())).then(() => undefined);
  }

  async #worker(): Promise<void> {
    const { queue, log } = this.#o;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = await this.#o.reconcile(key);
        this.#failures.delete(key);
        if (result.requeue) queue.add(key);
        else if (result.requeueAfter !== undefined && result.requeueAfter >= 0) queue.addAfter(key, result.requeueAfter);
      } catch (err) {
        if (err instanceof TerminalError) {
          this.#failures.delete(key);
          log.info({ loop: this.#o.name, key, code: err.code }, "terminal failure; waiting for a change");
        } else {
          const n = (this.#failures.get(key) ?? 0) + 1;
          this.#failures.set(key, n);
          const delay = backoffDelay(n, key, this.#o.backoff);
          const code = isHushError(err) ? err.code : ((err as { code?: unknown } | null)?.code ?? "unknown");
          log.info({ loop: this.#o.name, key, code, failures: n, retryInMs: delay }, "reconcile failed; backing off");
          queue.addAfter(key, delay);
        }
      } finally {
        queue.done(key);
      }
    }
  }
}
