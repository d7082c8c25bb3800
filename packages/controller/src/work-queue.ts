import type { Clock, Timer } from "./clock.js";

/**
 * controller-runtime's work queue in TypeScript: a key is queued at most once (de-duplicated),
 * never handed to two workers at once (a key added while it is processed is queued again
 * when {@link WorkQueue.done} is called), delayed adds keep the earliest due time, and
 * never-synced objects can jump the line with `priority`.
 */
export class WorkQueue {
  #high: string[] = [];
  #normal: string[] = [];
  #dirty = new Set<string>();
  #processing = new Set<string>();
  #delayed = new Map<string, { at: number; timer: Timer }>();
  #waiters: ((key: string | undefined) => void)[] = [];
  #shutdown = false;
  #priority = new Set<string>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Queues `key` now. */
  add(key: string, options: { priority?: boolean } = {}): void {
    if (this.#shutdown) return;
    if (options.priority) this.#priority.add(key);
    if (this.#dirty.has(key)) {
      if (options.priority && this.#normal.includes(key)) {
        this.#normal.splice(this.#normal.indexOf(key), 1);
        this.#high.push(key);
      }
      return;
    }
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  #push(key: string): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#take(key);
      waiter(key);
      return;
    }
    (this.#priority.has(key) ? this.#high : this.#normal).push(key);
  }

  #take(key: string): void {
    this.#dirty.delete(key);
    this.#priority.delete(key);
    this.#processing.add(key);
  }

  /** Queues `key` after `ms`; an earlier pending due time wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shutdown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + ms;
    const prev = this.#delayed.get(key);
    if (prev && prev.at <= at) return;
    prev?.timer.cancel();
    const timer = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, timer });
  }

  /** Drops any pending delayed add of `key`. */
  forget(key: string): void {
    this.#delayed.get(key)?.timer.cancel();
    this.#delayed.delete(key);
  }

  /** When `key` is next due by a delayed add, if any (epoch ms). */
  dueAt(key: string): number | undefined {
    return this.#delayed.get(key)?.at;
  }

  /** The next key to process; `undefined` once shut down. Call {@link WorkQueue.done} after. */
  get(): Promise<string | undefined> {
    const key = this.#high.shift() ?? this.#normal.shift();
    if (key !== undefined) {
      this.#take(key);
      return Promise.resolve(key);
    }
    if (this.#shutdown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks `key` processed; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#push(key);
  }

  /** Queued (not delayed, not processing) keys. */
  get length(): number {
    return this.#high.length + this.#normal.length;
  }

  /** Keys being processed now. */
  get inFlight(): number {
    return this.#processing.size;
  }

  /** Stops handing out work; pending `get()` calls resolve `undefined`. */
  shutDown(): void {
    this.#shutdown = true;
    for (const d of this.#delayed.values()) d.timer.cancel();
    this.#delayed.clear();
    for (const w of this.#waiters.splice(0)) w(undefined);
  }
}
