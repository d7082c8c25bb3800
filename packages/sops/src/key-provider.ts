import type { KeyType, MasterKey, MasterKeyRef } from "./master-key.js";

/**
 * Wraps and unwraps sops data keys for one key type. Implementations live outside the pure
 * core (`@hush/keys`): they may call KMS, run gpg, or read identities. The core only ever
 * hands them the 32-byte data key or a 33-byte Shamir share, never file contents.
 */
export interface KeyProvider {
  readonly type: KeyType;
  /** Encrypts `dataKey` to `key` and returns the `enc` string sops stores for it. */
  wrap(key: MasterKeyRef, dataKey: Uint8Array): Promise<string>;
  /**
   * Recovers the bytes wrapped in `key.enc`. Throws a `HushError` that says why (no identity,
   * access denied, unreachable); the core collects these per key for the final error.
   */
  unwrap(key: MasterKey): Promise<Uint8Array>;
}

/** The providers available to one operation, by key type. Missing types fail per key. */
export type KeyProviders = Partial<Record<KeyType, KeyProvider>>;
