/** A Vault token as returned by a login, lookup-self or renew-self. */
export interface VaultToken {
  token: string;
  /** Lease duration in seconds; 0 means it never expires (root / non-expiring tokens). */
  ttlSeconds: number;
  renewable: boolean;
}

/** The Vault calls the token cache needs; the provider binds them to the shared Vault client (`@hush/cloud/vault`). */
export interface VaultTokenSource {
  /** Logs in (approle, kubernetes) or, for a static token, reads and looks it up. */
  login(): Promise<VaultToken>;
  /** `renew-self` with the given token. */
  renew(token: string): Promise<VaultToken>;
  /** `revoke-self`; unset for tokens hush did not create (static tokens). */
  revoke?(token: string): Promise<void>;
}

/** Tuning for {@link VaultTokenCache}. */
export interface VaultTokenCacheOptions {
  /** Renew once this fraction of the TTL has passed. Default 2/3. */
  renewFraction?: number;
  /** A token with less than this left is treated as expired and replaced. Default 10 s. */
  expiryMarginMs?: number;
}

interface State {
  token: VaultToken;
  obtainedAt: number;
}

/**
 * One Vault token per store, cached across reconciles: logged in once, renewed when
 * `renewFraction` of its TTL has passed (by the injected clock, checked on each use), replaced by
 * a fresh login when it is about to expire, when renewal fails, or when Vault rejects it.
 * Concurrent callers share one login or renewal. Not a login per reconcile.
 */
export class VaultTokenCache {
  readonly #source: VaultTokenSource;
  readonly #now: () => number;
  readonly #renewFraction: number;
  readonly #margin: number;
  #state: State | undefined;
  #pending: Promise<State> | undefined;
  #closed = false;

  constructor(source: VaultTokenSource, now: () => number, options: VaultTokenCacheOptions = {}) {
    this.#source = source;
    this.#now = now;
    this.#renewFraction = options.renewFraction ?? 2 / 3;
    this.#margin = options.expiryMarginMs ?? 10_000;
  }

  /** A usable token, logging in or renewing first when due. */
  async token(): Promise<string> {
    if (this.#closed) throw new Error("vault token cache is closed");
    const state = this.#state;
    if (state && this.#phase(state) === "fresh") return state.token.token;
    if (!this.#pending) {
      const run = state && this.#phase(state) === "renew" ? this.#renew(state) : this.#login();
      this.#pending = run.finally(() => {
        this.#pending = undefined;
      });
    }
    return (await this.#pending).token.token;
  }

  /** Forgets `token` after Vault rejected it, so the next call logs in again. */
  invalidate(token: string): void {
    if (this.#state?.token.token === token) this.#state = undefined;
  }

  /** Forgets the current token whatever it is (the identity behind it changed), without revoking it. */
  reset(): void {
    this.#state = undefined;
  }

  /** Revokes a token hush created and stops using the cache. Errors are swallowed. */
  async close(): Promise<void> {
    this.#closed = true;
    const state = this.#state;
    this.#state = undefined;
    if (state && this.#source.revoke && this.#phase(state) !== "expired") {
      await this.#source.revoke(state.token.token).catch(() => undefined);
    }
  }

  /** `fresh` (use as is), `renew` (renew before use) or `expired` (log in again). */
  #phase(state: State): "fresh" | "renew" | "expired" {
    const ttlMs = state.token.ttlSeconds * 1000;
    if (ttlMs <= 0) return "fresh";
    const age = this.#now() - state.obtainedAt;
    if (age >= ttlMs - Math.min(this.#margin, ttlMs / 10)) return "expired";
    if (age >= ttlMs * this.#renewFraction) return state.token.renewable ? "renew" : "fresh";
    return "fresh";
  }

  async #login(): Promise<State> {
    const obtainedAt = this.#now();
    const token = await this.#source.login();
    const state = { token, obtainedAt };
    this.#state = state;
    return state;
  }

  async #renew(state: State): Promise<State> {
    try {
      const obtainedAt = this.#now();
      const renewed = await this.#source.renew(state.token.token);
      const next = { token: { ...renewed, token: renewed.token || state.token.token }, obtainedAt };
      this.#state = next;
      return next;
    } catch {
      // The token may have been revoked or hit its max TTL: start over.
      this.#state = undefined;
      return this.#login();
    }
  }
}
