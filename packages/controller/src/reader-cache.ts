import type { SecretStore } from "@hush/kube";
import type { ProviderContext, ProviderFactory } from "@hush/providers";
import type { Clock } from "./clock.js";
import { StoreReader, type ReadStats } from "./store-reader.js";

/** Options of {@link ReaderCache}. */
export interface ReaderCacheOptions {
  readonly createProvider: ProviderFactory;
  /** What the provider of a store may ask of the controller (credentials, tokens, clock). */
  readonly contextFor: (store: SecretStore, kind: "SecretStore" | "ClusterSecretStore") => ProviderContext;
  readonly clock: Clock;
  readonly windowMs: number;
  readonly ratePerSecond: number;
}

interface Cached {
  gen: string;
  reader: Promise<StoreReader>;
}

/**
 * One {@link StoreReader} per store, built once per store generation (concurrent callers share
 * the construction) and closed when the store changes or goes away. A failed construction
 * (invalid config) is not cached.
 */
export class ReaderCache {
  readonly #o: ReaderCacheOptions;
  readonly #readers = new Map<string, Cached>();
  readonly #settled = new WeakMap<Promise<StoreReader>, StoreReader>();

  constructor(options: ReaderCacheOptions) {
    this.#o = options;
  }

  /** The reader of `store` (cache key from `storeCacheKey`). */
  get(key: string, store: SecretStore): Promise<StoreReader> {
    const gen = `${store.metadata.uid}/${store.metadata.generation}`;
    const cached = this.#readers.get(key);
    if (cached && cached.gen === gen) return cached.reader;
    const previous = cached;
    const reader = (async () => {
      if (previous) await previous.reader.then((r) => r.provider.close()).catch(() => undefined);
      const kind = key.startsWith("ClusterSecretStore/") ? "ClusterSecretStore" : "SecretStore";
      const provider = await this.#o.createProvider(store.spec.provider, this.#o.contextFor(store, kind));
      return new StoreReader(provider, { clock: this.#o.clock, windowMs: this.#o.windowMs, ratePerSecond: this.#o.ratePerSecond });
    })();
    const entry = { gen, reader };
    this.#readers.set(key, entry);
    reader
      .then((r) => this.#settled.set(reader, r))
      .catch(() => {
        if (this.#readers.get(key) === entry) this.#readers.delete(key);
      });
    return reader;
  }

  /** Closes and forgets the reader of `key` (store deleted or invalid). */
  async drop(key: string): Promise<void> {
    const cached = this.#readers.get(key);
    this.#readers.delete(key);
    await cached?.reader.then((r) => r.provider.close()).catch(() => undefined);
  }

  /** Closes every reader (shutdown). */
  async dropAll(): Promise<void> {
    await Promise.all([...this.#readers.keys()].map((k) => this.drop(k)));
  }

  /** Read counters summed over the live readers. */
  stats(): ReadStats {
    const total: ReadStats = { requested: 0, deduplicated: 0, providerCalls: 0 };
    for (const { reader } of this.#readers.values()) {
      const r = this.#settled.get(reader);
      if (!r) continue;
      total.requested += r.stats.requested;
      total.deduplicated += r.stats.deduplicated;
      total.providerCalls += r.stats.providerCalls;
    }
    return total;
  }
}
