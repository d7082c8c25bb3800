import { createHash } from "node:crypto";

/**
 * SHA-256 over a canonical encoding of Secret data (base64 values, keys sorted), hex.
 * Written to the data-hash annotation so out-of-band edits and deletions are noticed. A
 * hash of the data never reveals it, and `keys` restricts it to the keys hush manages.
 */
export function hashSecretData(data: Readonly<Record<string, string>> | undefined, keys?: readonly string[]): string {
  const h = createHash("sha256");
  const names = (keys ?? Object.keys(data ?? {})).slice().sort();
  for (const k of names) {
    const v = data?.[k];
    h.update(`${k.length}:${k}=${v === undefined ? "-" : `${v.length}:${v}`};`);
  }
  return h.digest("hex");
}

/** A short stable hash of any JSON-serialisable value (object keys sorted). */
export function stableHash(value: unknown, length = 16): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, length);
}

function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
}
