import { isRetryable, type FindSpec, type RemoteRef, type SecretProvider } from "@hush/providers";
import type { Clock } from "./clock.js";
import type { RetryPolicy } from "./store-retry.js";
import { TokenBucket } from "./token-bucket.js";

/** Counts what a {@link StoreReader} did, for metrics and the benchmark. */
export interface ReadStats {
  /** Reads asked for by reconciles. */
  requested: number;
  /** Reads answered from a recent or in-flight identical read (provider calls saved). */
  deduplicated: number;
  /** Calls made to the provider (a batch counts once, each retry once more). */
  providerCalls: number;
}

/** Observes each provider call (for the `hush_provider_calls_total` metric). */
export type CallObserver = (call: { provider: string; operation: string; result: "ok" | "error"; seconds: number }) => void;

/** Options of {@link StoreReader}. */
export interface StoreReaderOptions {
  readonly clock: Clock;
  /** Identical reads within this window are made once (default 10 s). */
  readonly windowMs?: number;
  /** How long to gather single reads into one batch call (default 10 ms). */
  readonly batchDelayMs?: number;
  /** Max refs per batch call (AWS BatchGetSecretValue takes 20). */
  readonly maxBatch?: number;
  /** Provider calls per second for this store (default 20), with `burst` (default 40). */
  readonly ratePerSecond?: number;
  readonly burst?: number;
  readonly observe?: CallObserver;
  /**
   * The store's `retrySettings` (see `retryPolicyOf`): a call failing with a retryable error
   * (throttled, unavailable) is made again after the policy's waits, each retry taking a
   * rate-limit token like any call.
   */
  readonly retry?: RetryPolicy | undefined;
}

/** Per-read options. */
export interface ReadOptions {
  /** Skip completed cached results (force-sync); in-flight identical reads are still shared. */
  readonly fresh?: boolean;
  /** A cached result older than this is not reused (the caller's refresh interval). */
  readonly maxAgeMs?: number;
}

interface Entry<T> {
  at: number;
  settled: boolean;
  promise: Promise<T>;
}

interface Pending {
  ref: RemoteRef;
  key: string;
  resolve: (v: Uint8Array) => void;
  reject: (e: unknown) => void;
}

/**
 * All reads of one store go through one reader: identical reads across ExternalSecrets in
 * one refresh window are made once (in-flight reads are shared too), single reads arriving
 * together are sent as one batch (`getSecrets`), and every provider call passes the
 * store's token-bucket rate limit. Failed reads are never cached.
 */
export class StoreReader {
  readonly stats: ReadStats = { requested: 0, deduplicated: 0, providerCalls: 0 };
  readonly #provider: SecretProvider;
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #batchDelayMs: number;
  readonly #maxBatch: number;
  readonly #bucket: TokenBucket;
  readonly #observe: CallObserver | undefined;
  readonly #retry: RetryPolicy | undefined;
  #cache = new Map<string, Entry<unknown>>();
  #pending: Pending[] = [];
  #pumping: Promise<void> | undefined;
  #gather: (() => void) | undefined;

  constructor(provider: SecretProvider, options: StoreReaderOptions) {
    this.#provider = provider;
    this.#clock = options.clock;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#batchDelayMs = options.batchDelayMs ?? 10;
    this.#maxBatch = options.maxBatch ?? 20;
    const rate = options.ratePerSecond ?? 20;
    this.#bucket = new TokenBucket({ ratePerSecond: rate, burst: options.burst ?? rate * 2, clock: options.clock });
    this.#observe = options.observe;
    this.#retry = options.retry;
  }

  /** The provider behind this reader. */
  get provider(): SecretProvider {
    return this.#provider;
  }

  #cached<T>(key: string, options: ReadOptions, load: () => Promise<T>): Promise<T> {
    this.stats.requested++;
    const now = this.#clock.now();
    const hit = this.#cache.get(key) as Entry<T> | undefined;
    const maxAge = Math.min(this.#windowMs, options.maxAgeMs ?? Infinity);
    if (hit && (!hit.settled || (!options.fresh && now - hit.at < maxAge))) {
      this.stats.deduplicated++;
      return hit.promise;
    }
    if (this.#cache.size > 50_000) this.#evict(now);
    const entry: Entry<T> = { at: now, settled: false, promise: load() };
    this.#cache.set(key, entry as Entry<unknown>);
    entry.promise.then(
      () => {
        entry.settled = true;
        entry.at = this.#clock.now();
      },
      () => {
        if (this.#cache.get(key) === entry) this.#cache.delete(key);
      },
    );
    return entry.promise;
  }

  #evict(now: number): void {
    for (const [k, e] of this.#cache) if (e.settled && now - e.at >= this.#windowMs) this.#cache.delete(k);
  }

  async #call<T>(operation: string, fn: () => Promise<T>, limited = true): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (limited || attempt > 0) await this.#bucket.acquire();
      this.stats.providerCalls++;
      const start = performance.now();
      try {
        const v = await fn();
        this.#observe?.({ provider: this.#provider.kind, operation, result: "ok", seconds: (performance.now() - start) / 1000 });
        return v;
      } catch (err) {
        this.#observe?.({ provider: this.#provider.kind, operation, result: "error", seconds: (performance.now() - start) / 1000 });
        const wait = this.#retry?.delaysMs[attempt];
        if (wait === undefined || !isRetryable(err)) throw err;
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, wait));
      }
    }
  }

  /** Checks the store's credentials and reachability (store status), rate limited and retried like a read. */
  validate(): Promise<void> {
    return this.#call("validate", () => this.#provider.validate());
  }

  /** One value (whole remote secret; callers pick properties), batched with concurrent reads. */
  get(ref: RemoteRef, options: ReadOptions = {}): Promise<Uint8Array> {
    const key = `get:${JSON.stringify([ref.key, ref.version ?? "", ref.metadataPolicy ?? "None"])}`;
    return this.#cached(key, options, () => this.#enqueue(ref, key));
  }

  /** A JSON/KV secret expanded into keys (dataFrom.extract). */
  getMap(ref: RemoteRef, options: ReadOptions = {}): Promise<Record<string, Uint8Array>> {
    const key = `map:${JSON.stringify([ref.key, ref.property ?? "", ref.version ?? "", ref.metadataPolicy ?? "None"])}`;
    return this.#cached(key, options, () => this.#call("getSecretMap", () => this.#provider.getSecretMap(ref)));
  }

  /** dataFrom.find. */
  find(find: FindSpec, options: ReadOptions = {}): Promise<Record<string, Uint8Array>> {
    const key = `find:${JSON.stringify([find.path ?? "", find.name?.regexp ?? "", Object.entries(find.tags ?? {}).sort()])}`;
    return this.#cached(key, options, () => this.#call("findSecrets", () => this.#provider.findSecrets(find)));
  }

  #enqueue(ref: RemoteRef, key: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ ref, key, resolve, reject });
      if (this.#pending.length >= this.#maxBatch && this.#gather) this.#gather();
      this.#pumping ??= this.#pump().finally(() => (this.#pumping = undefined));
    });
  }

  /**
   * Sends pending reads: gathers for `batchDelayMs` (less if a full batch is waiting), then takes
   * a rate-limit token and sends up to `maxBatch` refs per call. Batches are formed when a token
   * is granted, so while the store is rate limited reads pile up into fuller batches.
   */
  async #pump(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(done, this.#batchDelayMs);
      function done() {
        timer.cancel();
        resolve();
      }
      this.#gather = done;
    });
    this.#gather = undefined;
    while (this.#pending.length > 0) {
      await this.#bucket.acquire();
      const batch = this.#pending.splice(0, this.#maxBatch);
      void this.#sendBatch(batch);
    }
  }

  async #sendBatch(batch: Pending[]): Promise<void> {
    try {
      if (batch.length === 1) {
        const p = batch[0]!;
        p.resolve(await this.#call("getSecret", () => this.#provider.getSecret(p.ref), false));
        return;
      }
      const results = await this.#call("getSecrets", () => this.#provider.getSecrets(batch.map((p) => p.ref)), false);
      batch.forEach((p, i) => {
        const r = results[i];
        if (r?.ok) p.resolve(r.value);
        else p.reject(r ? r.error : new Error("provider returned too few results"));
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
