import { randomFillSync } from "node:crypto";

/**
 * Cryptographically random bytes for the sops core, drawn from a pooled buffer: encrypting a
 * large file takes a fresh 32-byte IV per value, and one system call per value is most of that
 * cost. Every byte is handed out once.
 */
export function pooledRandom(poolSize = 64 * 1024): (length: number) => Uint8Array {
  let pool = new Uint8Array(0);
  let offset = 0;
  return (length) => {
    if (length > poolSize) return randomFillSync(new Uint8Array(length));
    if (offset + length > pool.length) {
      pool = randomFillSync(new Uint8Array(poolSize));
      offset = 0;
    }
    // A view, not a copy: each refill allocates a new pool, so handed-out views never change.
    const out = pool.subarray(offset, offset + length);
    offset += length;
    return out;
  };
}
