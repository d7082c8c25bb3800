import { isEncryptedValue } from "@hush/sops";

// A value can be one ENC[] value (what sops writes for a key) or a whole encrypted file stored
// under one key (kustomize secretGenerator over a SOPS file). @hush/sops recognises the first;
// the scanners below find ENC[] values and metadata inside the second. Every one of them is a
// single forward pass (Git authors choose these bytes; a backtracking pattern here once took
// seconds per review), and callers cap the bytes inspected per value.

const encStart = "ENC[AES256_GCM,data:";

/** True when `text` contains a SOPS-encrypted value, or SOPS metadata next to an `ENC[` (it was never decrypted). */
export function containsSopsCiphertext(text: string): boolean {
  // Metadata alone is not enough: a decrypted config can carry its own `sops:` section.
  if (!text.includes("ENC[")) return false;
  const whole: unknown = text;
  return isEncryptedValue(whole) || containsEncValue(text) || containsSopsMetadata(text);
}

/** True when a Secret data key is one of the names sops uses for its metadata in flat stores. */
export function isSopsMetadataKey(key: string): boolean {
  return key === "sops" || key === "sops_mac" || key === "sops_version" || key === "sops_lastmodified";
}

/**
 * `ENC[AES256_GCM,data:B*,iv:B+,tag:B+,type:[a-z]+]` anywhere in `text` (B = base64 alphabet).
 * Runs of the alphabet never contain `[`, so successive candidates scan disjoint stretches: O(n).
 */
export function containsEncValue(text: string): boolean {
  for (let at = text.indexOf(encStart); at >= 0; at = text.indexOf(encStart, at + 1)) {
    let i = at + encStart.length;
    i = run(text, i, isBase64);
    let next = literal(text, i, ",iv:");
    if (next < 0) continue;
    i = run(text, next, isBase64);
    if (i === next) continue;
    next = literal(text, i, ",tag:");
    if (next < 0) continue;
    i = run(text, next, isBase64);
    if (i === next) continue;
    next = literal(text, i, ",type:");
    if (next < 0) continue;
    i = run(text, next, isLower);
    if (i === next) continue;
    if (text.charCodeAt(i) === 93 /* ] */) return true;
  }
  return false;
}

const metadataKeywords = ["kms", "age", "pgp", "mac", "lastmodified", "version", "gcp_kms", "azure_kv", "hc_vault"];
const flatKeys = ["sops_version", "sops_mac", "sops_lastmodified"];

/**
 * SOPS metadata as the dotenv/INI stores flatten it (`sops_mac=…` at a line start) or a YAML/JSON
 * document's `sops:` block (`sops: {` or `sops:` followed by an indented `mac:`, `age:`, …).
 * One pass over the lines, each looked at at most twice.
 */
export function containsSopsMetadata(text: string): boolean {
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    let i = skipBlanks(text, start, end);
    for (const key of flatKeys) {
      if (text.startsWith(key, i)) {
        const j = skipBlanks(text, i + key.length, end);
        if (text.charCodeAt(j) === 61 /* = */ && j < end) return true;
      }
    }
    if (text.charCodeAt(i) === 34 /* " */) i++;
    if (text.startsWith("sops", i)) {
      let j = i + 4;
      if (text.charCodeAt(j) === 34) j++;
      j = skipBlanks(text, j, end);
      if (j < end && text.charCodeAt(j) === 58 /* : */) {
        j = skipBlanks(text, j + 1, end);
        if (j < end && text.charCodeAt(j) === 123 /* { */) return true;
        if (j === end && nl >= 0 && indentedKeyword(text, nl + 1)) return true;
      }
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  return false;
}

/** The line at `start` is indented and begins with a metadata keyword ending at a word boundary. */
function indentedKeyword(text: string, start: number): boolean {
  const nl = text.indexOf("\n", start);
  const end = nl < 0 ? text.length : nl;
  const i = skipBlanks(text, start, end);
  if (i === start) return false;
  for (const word of metadataKeywords) {
    if (text.startsWith(word, i) && !isWord(text.charCodeAt(i + word.length))) return true;
  }
  return false;
}

function skipBlanks(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 11 && c !== 12) break;
    i++;
  }
  return i;
}

function run(text: string, i: number, ok: (c: number) => boolean): number {
  while (i < text.length && ok(text.charCodeAt(i))) i++;
  return i;
}

function literal(text: string, i: number, lit: string): number {
  return text.startsWith(lit, i) ? i + lit.length : -1;
}

function isBase64(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function isWord(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95;
}
