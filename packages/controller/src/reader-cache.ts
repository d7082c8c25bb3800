import type { SecretStore } from "@hush/kube";
import type { ProviderContext, ProviderFactory } from "@hush/providers";
import type { Clock } from "./clock.js";
import { StoreReader, type ReadStats } from "./store-reader.js";
import { retryPolicyOf } from "./store-retry.js";

/** A Secret or ConfigMap a store's provider read credentials or a CA bundle from. */
export type CredentialSourceKind = "Secret" | "ConfigMap";

/**
 * Told of every Secret or ConfigMap a store's provider reads (keys, tokens, service-account
 * keys, CA bundles), with the `metadata.resourceVersion` it read (`undefined`: it was missing).
 */
export type CredentialReadObserver = (kind: CredentialSourceKind, namespace: string, name: string, resourceVersion: string | undefined) => void;

/** Options of {@link ReaderCache}. */
export interface ReaderCacheOptions {
  readonly createProvider: ProviderFactory;
  /**
   * What the provider of a store may ask of the controller (credentials, tokens, clock). Its
   * `readSecret` (and `readConfigMap`) must report each read to `onRead`, so a rotated Secret
   * is noticed.
   */
  readonly contextFor: (store: SecretStore, kind: "SecretStore" | "ClusterSecretStore", onRead: CredentialReadObserver) => ProviderContext;
  /**
   * The current `resourceVersion` of a Secret or ConfigMap (`undefined` when it does not
   * exist). Unset: a rotated credential is noticed only when the store changes.
   */
  readonly sourceVersion?: (kind: CredentialSourceKind, namespace: string, name: string) => Promise<string | undefined>;
  /** At most one credential check per store in this period (default 5 s). */
  readonly credentialCheckMs?: number;
  readonly clock: Clock;
  readonly windowMs: number;
  readonly ratePerSecond: number;
}

interface Cached {
  gen: string;
  reader: Promise<StoreReader>;
  /** `kind/namespace/name` → resourceVersion the provider last read ("" when missing). */
  deps: Map<string, string>;
  checkedAt: number;
  checking: Promise<boolean> | undefined;
}

/**
 * One {@link StoreReader} per store, built once per store generation (concurrent callers share
 * the construction) and closed when the store changes or goes away. A failed construction
 * (invalid config) is not cached.
 *
 * Credential rotation: the Secrets (and ConfigMaps) a provider read are remembered with the
 * resourceVersion read. When a reader is asked for (a reconcile about to fetch, a store
 * validation) and no check ran in the last `credentialCheckMs` (or the caller asks for a
 * `recheck`), their current versions are compared; if any changed, appeared or went away, the
 * reader is rebuilt, so the next provider call uses the new keys, token, service-account key
 * or CA, with no store edit and no restart (ESO builds a client per reconcile and gets this for
 * free). Concurrent callers share one check and one rebuild; a failed check keeps the reader.
 */
export class ReaderCache {
  readonly #o: ReaderCacheOptions;
  readonly #readers = new Map<string, Cached>();
  readonly #settled = new WeakMap<Promise<StoreReader>, StoreReader>();
  /** Counters of readers closed since (rebuilt or dropped), so totals never go back. */
  readonly #retired: ReadStats = { requested: 0, deduplicated: 0, providerCalls: 0 };

  constructor(options: ReaderCacheOptions) {
    this.#o = options;
  }

  /**
   * The reader of `store` (cache key from `storeCacheKey`). `recheck`: check the credential
   * sources now, whatever the period (a force-sync, a retry after a failure, a store validation),
   * so a rotation is used by that very call.
   */
  get(key: string, store: SecretStore, options: { recheck?: boolean } = {}): Promise<StoreReader> {
    const gen = `${store.metadata.uid}/${store.metadata.generation}`;
    const cached = this.#readers.get(key);
    if (!cached || cached.gen !== gen) return this.#build(key, store, gen, cached);
    const check = this.#check(cached, options.recheck === true);
    if (!check) return cached.reader;
    return check.then((unchanged) => {
      if (unchanged) return cached.reader;
      const current = this.#readers.get(key);
      // Another caller rebuilt it already: share that one.
      if (current && current !== cached) return current.gen === gen ? current.reader : this.get(key, store, options);
      return this.#build(key, store, gen, cached);
    });
  }

  #build(key: string, store: SecretStore, gen: string, previous: Cached | undefined): Promise<StoreReader> {
    const deps = new Map<string, string>();
    const onRead: CredentialReadObserver = (kind, ns, name, rv) => deps.set(`${kind}/${ns}/${name}`, rv ?? "");
    const reader = (async () => {
      if (previous) await this.#close(previous);
      const kind = key.startsWith("ClusterSecretStore/") ? "ClusterSecretStore" : "SecretStore";
      const retry = retryPolicyOf(store.spec);
      const provider = await this.#o.createProvider(store.spec.provider, this.#o.contextFor(store, kind, onRead));
      return new StoreReader(provider, { clock: this.#o.clock, windowMs: this.#o.windowMs, ratePerSecond: this.#o.ratePerSecond, retry });
    })();
    const entry: Cached = { gen, reader, deps, checkedAt: this.#o.clock.now(), checking: undefined };
    this.#readers.set(key, entry);
    reader
      .then((r) => this.#settled.set(reader, r))
      .catch(() => {
        if (this.#readers.get(key) === entry) this.#readers.delete(key);
      });
    return reader;
  }

  /** A check of the entry's credential Secrets when one is due (`true`: unchanged), else undefined. */
  #check(entry: Cached, force: boolean): Promise<boolean> | undefined {
    const versionOf = this.#o.sourceVersion;
    if (!versionOf || entry.deps.size === 0) return undefined;
    if (entry.checking) return entry.checking;
    const now = this.#o.clock.now();
    if (!force && now - entry.checkedAt < (this.#o.credentialCheckMs ?? 5_000)) return undefined;
    entry.checkedAt = now;
    const seen = [...entry.deps];
    entry.checking = Promise.all(
      seen.map(async ([k, rv]) => {
        const [kind, ns, name] = k.split("/") as [CredentialSourceKind, string, string];
        return ((await versionOf(kind, ns, name)) ?? "") === rv;
      }),
    )
      .then((same) => same.every(Boolean))
      .catch(() => true)
      .finally(() => (entry.checking = undefined));
    return entry.checking;
  }

  /** Closes and forgets the reader of `key` (store deleted or invalid). */
  async drop(key: string): Promise<void> {
    const cached = this.#readers.get(key);
    this.#readers.delete(key);
    if (cached) await this.#close(cached);
  }

  async #close(entry: Cached): Promise<void> {
    const r = this.#settled.get(entry.reader);
    if (r) {
      this.#retired.requested += r.stats.requested;
      this.#retired.deduplicated += r.stats.deduplicated;
      this.#retired.providerCalls += r.stats.providerCalls;
      this.#settled.delete(entry.reader);
    }
    await entry.reader.then((reader) => reader.provider.close()).catch(() => undefined);
  }

  /** Closes every reader (shutdown). */
  async dropAll(): Promise<void> {
    await Promise.all([...this.#readers.keys()].map((k) => this.drop(k)));
  }

  /** Read counters summed over the live readers. */
  stats(): ReadStats {
    const total: ReadStats = { ...this.#retired };
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
