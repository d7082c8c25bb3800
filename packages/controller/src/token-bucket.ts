import type { Clock, Timer } from "./clock.js";

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained rate, tokens per second (> 0). */
  readonly ratePerSecond: number;
  /** Bucket size: how many calls may go at once after a quiet period. */
  readonly burst: number;
  readonly clock: Clock;
}

/** A FIFO token bucket: {@link TokenBucket.acquire} resolves when a token is available. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  #waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  #timer: Timer | undefined;
  readonly #o: TokenBucketOptions;

  constructor(options: TokenBucketOptions) {
    this.#o = options;
    this.#tokens = options.burst;
    this.#last = options.clock.now();
  }

  #refill(): void {
    const now = this.#o.clock.now();
    this.#tokens = Math.min(this.#o.burst, this.#tokens + ((now - this.#last) / 1000) * this.#o.ratePerSecond);
    this.#last = now;
  }

  /** Takes one token, waiting (by the injected clock) if none is left. */
  acquire(signal?: AbortSignal): Promise<void> {
    this.#refill();
    if (this.#waiters.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      this.#waiters.push(waiter);
      signal?.addEventListener("abort", () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal.reason);
      }, { once: true });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#timer || this.#waiters.length === 0) return;
    const wait = Math.max(1, Math.ceil(((1 - this.#tokens) / this.#o.ratePerSecond) * 1000));
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#refill();
      while (this.#waiters.length > 0 && this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#waiters.shift()!.resolve();
      }
      this.#schedule();
    }, wait);
  }
}
