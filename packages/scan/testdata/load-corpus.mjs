// Loads the labelled corpus. `⟦set:len⟧` placeholders expand to seeded pseudo-random
// characters, so the repository never holds a live-looking credential (and push protection
// never trips on it) while every run sees the same bytes.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const sets = {
  a: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  U: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
  B: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
  l: "abcdefghijklmnopqrstuvwxyz0123456789",
  h: "0123456789abcdef",
  H: "0123456789ABCDEF",
  d: "0123456789",
  b: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
  w: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_",
  u: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
  L: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
  s: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%&*+-?^~",
  g: "qpzry9x8gf2tvdw0s3jn54khce6mua7l".toUpperCase(),
};

function rng(seedText) {
  let h = 2166136261;
  for (let i = 0; i < seedText.length; i++) h = Math.imul(h ^ seedText.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Expands `⟦set:len⟧` (and `⟦b64:text⟧`, base64 of an expanded text) deterministically. */
export function expand(text, seed) {
  const rand = rng(seed);
  const one = (t) =>
    t.replace(/⟦([A-Za-z]):(\d+)⟧/g, (_, set, len) => {
      const chars = sets[set];
      if (!chars) throw new Error(`unknown set ${set}`);
      let out = "";
      for (let i = 0; i < Number(len); i++) out += chars[Math.floor(rand() * chars.length)];
      return out;
    });
  // ⟦bin:HEX:N:b64⟧ / ⟦bin:HEX:N:b58c⟧: fixed header bytes, N seeded random bytes, then base64 or
  // Base58Check (for structured key material: DER headers, PGP packets, WIF keys).
  const bin = (t) =>
    t.replace(/⟦bin:([0-9a-f]*):(\d+):(b64|b58c)(?::([0-9a-f]*))?⟧/g, (_, hex, n, enc, tail) => {
      const bytes = Buffer.concat([Buffer.from(hex, "hex"), Buffer.from(Array.from({ length: Number(n) }, () => Math.floor(rand() * 256))), Buffer.from(tail ?? "", "hex")]);
      return enc === "b64" ? bytes.toString("base64") : base58Check(bytes);
    });
  return bin(one(text)).replace(/⟦b64\|([^⟧]*)⟧/g, (_, inner) => Buffer.from(inner, "utf8").toString("base64"));
}

const b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Base58Check of `payload`: payload + first 4 bytes of its double SHA-256, in Bitcoin's alphabet. */
export function base58Check(payload) {
  const sum = createHash("sha256").update(createHash("sha256").update(payload).digest()).digest();
  const bytes = Buffer.concat([payload, sum.subarray(0, 4)]);
  let n = BigInt(`0x${bytes.toString("hex") || "0"}`);
  let out = "";
  while (n > 0n) {
    out = b58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/**
 * The corpus as a list of `{ name, path, text, expect }`: `expect` is the sorted list of rule
 * ids that must fire (empty for a false-positive trap).
 */
export function loadCorpus() {
  const doc = parse(readFileSync(new URL("./corpus.yaml", import.meta.url), "utf8"));
  const cases = [];
  for (const c of doc.cases ?? []) {
    cases.push({ name: c.name, path: c.path ?? "corpus/case.txt", text: expand(c.text, c.name), expect: [...(c.expect ?? [])].sort() });
  }
  for (const [i, l] of (doc.lines ?? []).entries()) {
    const name = `${l.rule ?? "fp"}#${i}: ${l.line.slice(0, 40)}`;
    cases.push({ name, path: l.path ?? "corpus/line.txt", text: `${expand(l.line, name)}\n`, expect: l.rule ? [l.rule] : [] });
  }
  return cases;
}
