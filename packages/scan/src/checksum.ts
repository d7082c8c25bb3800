import { crc32 } from "node:zlib";
import { base58Check } from "./rules/families.js";

/**
 * Offline checksums of token formats that carry one. A token whose checksum holds was minted by
 * the provider (or copied from one); a failing one is a typo, a truncation or made up for a test.
 * Nothing here touches the network.
 */

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens: 30 random base62
 * characters, then the CRC32 of those 30 characters in base62, left-padded to 6.
 */
export function base62Crc32Valid(token: string): boolean {
  const body = token.slice(token.indexOf("_") + 1);
  if (body.length !== 36) return false;
  const random = body.slice(0, 30);
  let n = 0;
  for (const ch of body.slice(30)) {
    const d = base62.indexOf(ch);
    if (d < 0) return false;
    n = n * 62 + d;
  }
  return n === crc32(random);
}

const bech32Chars = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

function polymod(values: readonly number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ gen[i]!) >>> 0;
  }
  return chk;
}

/** Bech32 checksum (BIP 173), as age uses for `AGE-SECRET-KEY-1…` (any length). */
export function bech32Valid(s: string): boolean {
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf("1");
  if (sep < 1 || lower.length - sep < 7) return false;
  const hrp = lower.slice(0, sep);
  const data: number[] = [];
  for (const ch of lower.slice(sep + 1)) {
    const d = bech32Chars.indexOf(ch);
    if (d < 0) return false;
    data.push(d);
  }
  const expanded = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  return polymod([...expanded, ...data]) === 1;
}

/** Checksum verifiers by rule id. */
export const checksums: Readonly<Record<string, (secret: string) => boolean>> = {
  "github-pat": base62Crc32Valid,
  "github-oauth-token": base62Crc32Valid,
  "github-app-token": base62Crc32Valid,
  "github-refresh-token": base62Crc32Valid,
  "npm-access-token": base62Crc32Valid,
  "age-secret-key": bech32Valid,
  "bitcoin-private-key": (s) => base58Check(s) !== undefined,
};
