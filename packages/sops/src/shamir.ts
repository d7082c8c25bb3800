import { HushError } from "@hush/errors";
import type { RandomBytes } from "./cipher.js";

// Shamir secret sharing over GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1 (0x11B), laid
// out as sops's fork of Vault's code does: y-bytes first, the x coordinate as the last byte,
// and x = group index + 1 (sequential, not random), so shares interoperate with sops.

function mul(a: number, b: number): number {
  let p = 0;
  while (b > 0) {
    if (b & 1) p ^= a;
    a <<= 1;
    if (a & 0x100) a ^= 0x11b;
    b >>= 1;
  }
  return p;
}

function inv(a: number): number {
  // a^254 = a^-1 in GF(2^8).
  let r = 1;
  let base = a;
  let e = 254;
  while (e > 0) {
    if (e & 1) r = mul(r, base);
    base = mul(base, base);
    e >>= 1;
  }
  return r;
}

/** Splits `secret` into `parts` shares, any `threshold` of which recombine it. */
export function splitSecret(secret: Uint8Array, parts: number, threshold: number, random: RandomBytes): Uint8Array[] {
  if (parts < threshold || threshold < 2 || parts > 255 || secret.length === 0) {
    throw new HushError("HUSH_ERR_SOPS_SHAMIR", `cannot split a key into ${parts} shares with threshold ${threshold} (need 2 <= threshold <= groups <= 255)`);
  }
  const shares = Array.from({ length: parts }, (_, i) => {
    const share = new Uint8Array(secret.length + 1);
    share[secret.length] = i + 1;
    return share;
  });
  for (let idx = 0; idx < secret.length; idx++) {
    const coefficients = [secret[idx] ?? 0, ...random(threshold - 1)];
    for (let i = 0; i < parts; i++) {
      const x = i + 1;
      // Horner's rule from the highest coefficient.
      let y = 0;
      for (let c = coefficients.length - 1; c >= 0; c--) y = mul(y, x) ^ (coefficients[c] ?? 0);
      (shares[i] as Uint8Array)[idx] = y;
    }
  }
  return shares;
}

/** Recombines shares (each: y-bytes then x) by Lagrange interpolation at x = 0. */
export function combineShares(shares: readonly Uint8Array[]): Uint8Array {
  if (shares.length < 2) throw new HushError("HUSH_ERR_SOPS_SHAMIR", "at least two key shares are needed to combine");
  const len = shares[0]?.length ?? 0;
  if (len < 2 || shares.some((s) => s.length !== len)) {
    throw new HushError("HUSH_ERR_SOPS_SHAMIR", "key shares have different or too short lengths");
  }
  const xs = shares.map((s) => s[len - 1] ?? 0);
  if (new Set(xs).size !== xs.length) throw new HushError("HUSH_ERR_SOPS_SHAMIR", "duplicate key shares");
  const secret = new Uint8Array(len - 1);
  for (let idx = 0; idx < len - 1; idx++) {
    let result = 0;
    for (let i = 0; i < xs.length; i++) {
      let basis = 1;
      for (let j = 0; j < xs.length; j++) {
        if (i === j) continue;
        const xi = xs[i] ?? 0;
        const xj = xs[j] ?? 0;
        basis = mul(basis, mul(xj, inv(xi ^ xj)));
      }
      result ^= mul((shares[i] as Uint8Array)[idx] ?? 0, basis);
    }
    secret[idx] = result;
  }
  return secret;
}
