import { HushError } from "@hush/errors";
import { compileTenantRegexp, maxTenantRegexpInput, maxTenantRegexpLength, type ExternalSecretRewrite, type ExternalSecretRewriteMerge, type TenantRegexp } from "@hush/kube";
import { renderTransform } from "./template.js";

const utf8 = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/** Kubernetes Secret key rule. */
const secretKeyPattern = /^[-._a-zA-Z0-9]+$/;

/** True when `key` is a valid Kubernetes Secret data key. */
export function isValidSecretKey(key: string): boolean {
  return key.length > 0 && key.length <= 253 && secretKeyPattern.test(key) && key !== "." && key !== "..";
}

/**
 * Picks `property` out of a JSON value: an exact top-level key first, then a dotted path
 * (`a.b.0.c`). Strings come back raw, anything else as compact JSON. `where` names the spec
 * entry in errors; the value itself is never echoed.
 */
export function extractProperty(value: Uint8Array, property: string, where: string): Uint8Array {
  const parsed = parseJsonObject(value, where);
  if (Object.hasOwn(parsed, property)) return jsonMemberBytes(parsed[property]);
  let cur: unknown = parsed;
  for (const part of property.split(".")) {
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur, part)) {
      throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: property ${JSON.stringify(property.slice(0, 120))} not found in the remote secret`);
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return jsonMemberBytes(cur);
}

/** Expands a JSON object into one entry per top-level member (dataFrom.extract). */
export function expandJsonObject(value: Uint8Array, where: string): Record<string, Uint8Array> {
  const parsed = parseJsonObject(value, where);
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(parsed)) out[k] = jsonMemberBytes(v);
  return out;
}

function parseJsonObject(value: Uint8Array, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(value));
  } catch {
    throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: the remote secret is not JSON, so a property cannot be read from it`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: the remote secret is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function jsonMemberBytes(v: unknown): Uint8Array {
  return encoder.encode(typeof v === "string" ? v : JSON.stringify(v));
}

/** Applies `decodingStrategy` (None, Base64, Base64URL, Auto). */
export function decodeValue(value: Uint8Array, strategy: string | undefined, where: string): Uint8Array {
  if (!strategy || strategy === "None") return value;
  const text = utf8.decode(value).trim();
  const std = /^[A-Za-z0-9+/]*={0,2}$/;
  const url = /^[A-Za-z0-9_-]*={0,2}$/;
  if (strategy === "Base64" || strategy === "Base64URL") {
    const ok = strategy === "Base64" ? std.test(text) : url.test(text);
    if (!ok || text.replace(/=+$/, "").length % 4 === 1) {
      throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: value is not ${strategy} (decodingStrategy)`);
    }
    return new Uint8Array(Buffer.from(text, strategy === "Base64" ? "base64" : "base64url"));
  }
  if (strategy === "Auto") {
    if (text.length > 0 && text.replace(/=+$/, "").length % 4 !== 1) {
      if (std.test(text)) return new Uint8Array(Buffer.from(text, "base64"));
      if (url.test(text)) return new Uint8Array(Buffer.from(text, "base64url"));
    }
    return value;
  }
  throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${where}: unknown decodingStrategy`);
}

/** Rejects values with NUL bytes when `nullBytePolicy: Fail`. */
export function checkNullBytes(value: Uint8Array, policy: string | undefined, where: string): void {
  if (policy === "Fail" && value.includes(0)) {
    throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: value contains a NUL byte (nullBytePolicy: Fail)`);
  }
}

/** `conversionStrategy` of `extract`/`find` keys when no rewrite is given (`Default` or `Unicode`). */
export function convertKey(key: string, strategy: string | undefined): string {
  // ESO's utils.convert: a rune that is not a letter or number (Go's unicode.IsLetter and
  // IsNumber: Unicode categories L and N), `-`, `.` or `_` becomes `_` by default, or `_UXXXX_`
  // (Go's %04x of the code point) with the Unicode strategy.
  let out = "";
  for (const ch of key) {
    if (keptInKey.test(ch)) out += ch;
    else out += strategy === "Unicode" ? `_U${ch.codePointAt(0)!.toString(16).padStart(4, "0")}_` : "_";
  }
  return out;
}

const keptInKey = /^[\p{L}\p{N}._-]$/u;

/**
 * Compiles a tenant regular expression (`rewrite[].regexp.source`, `find.name.regexp`) with
 * RE2 semantics, as ESO does, or throws `HUSH_ERR_CONTROLLER_INVALID_SPEC` naming `where`.
 */
export function tenantRegexp(source: string, where: string): TenantRegexp {
  const r = compileTenantRegexp(source);
  if (r.ok) return r.regexp;
  throw new HushError(
    "HUSH_ERR_CONTROLLER_INVALID_SPEC",
    r.reason === "too-long" ? `${where} is longer than ${maxTenantRegexpLength} characters` : `${where} is not a valid RE2 regular expression`,
  );
}

/**
 * Applies `dataFrom[].rewrite` in order to `data`: `regexp` and `transform` rename keys,
 * `merge` combines JSON values ({@link rewriteMerge}). Regexps are RE2 (linear time) and keys
 * longer than {@link maxTenantRegexpInput} are refused before any matching. Every merge of
 * the chain charges what it reads and writes to one {@link MergeBudget}.
 */
export function rewriteKeys(data: Record<string, Uint8Array>, rewrites: readonly ExternalSecretRewrite[], where: string, budget: MergeBudget = new MergeBudget()): Record<string, Uint8Array> {
  let cur = data;
  rewrites.forEach((rw, i) => {
    const at = `${where}.rewrite[${i}]`;
    const next: Record<string, Uint8Array> = {};
    for (const k of Object.keys(cur)) {
      if (k.length > maxTenantRegexpInput) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `${at}: a key is longer than ${maxTenantRegexpInput} characters`);
    }
    if (rw.merge) {
      cur = rewriteMerge(rw.merge, cur, `${at}.merge`, budget);
      return;
    }
    if (rw.regexp) {
      const re = tenantRegexp(rw.regexp.source, `${at}.regexp.source`);
      if (rw.regexp.target.length > maxTenantRegexpLength) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${at}.regexp.target is longer than ${maxTenantRegexpLength} characters`);
      for (const [k, v] of Object.entries(cur)) {
        const renamed = re.replaceAll(k, rw.regexp.target);
        if (renamed.length > maxTenantRegexpInput) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `${at}: a rewritten key is longer than ${maxTenantRegexpInput} characters`);
        next[renamed] = v;
      }
    } else if (rw.transform) {
      for (const [k, v] of Object.entries(cur)) {
        // Each key gets a small budget of its own, and a result too long to be a key fails at once.
        const renamed = renderTransform(rw.transform.template, k, `${at}.transform.template`);
        if (renamed.length > maxTenantRegexpInput) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `${at}: a rewritten key is longer than ${maxTenantRegexpInput} characters`);
        next[renamed] = v;
      }
    } else {
      throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${at} must set regexp, transform or merge`);
    }
    cur = next;
  });
  return cur;
}

/** Throws `HUSH_ERR_CONTROLLER_INVALID_KEY` for the first key that is not a valid Secret key. */
export function assertValidKeys(data: Readonly<Record<string, unknown>>, where: string): void {
  for (const k of Object.keys(data)) {
    if (!isValidSecretKey(k)) {
      const shown = k.replace(/[^\x20-\x7e]/g, "?").slice(0, 80);
      throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `${where}: ${JSON.stringify(shown)} is not a valid Secret key`);
    }
  }
}

/** Bytes one `dataFrom[]` entry's merges may read and write together (16 MiB). */
export const maxRewriteMergeBytes = 16 * 1024 * 1024;
/** Deepest JSON nesting a merged value may have (ESO's Go decoder allows 10000; hush less, to bound its stack). */
export const maxRewriteMergeDepth = 1000;

/** What the merges of one `dataFrom[]` entry may still read and write, in bytes. */
export class MergeBudget {
  bytes: number;
  constructor(bytes = maxRewriteMergeBytes) {
    this.bytes = bytes;
  }

  charge(n: number, where: string): void {
    this.bytes -= n;
    if (this.bytes < 0) throw mergeError(`${where}: the merged values exceed ${maxRewriteMergeBytes} bytes`);
  }
}

function mergeError(message: string): HushError {
  return new HushError("HUSH_ERR_CONTROLLER_REWRITE_MERGE", message);
}

const goDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
/** Go's byte-wise string order (sort.Strings, encoding/json map keys), not UTF-16's. */
const goCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/**
 * `rewrite[].merge`, as ESO's `esutils.RewriteMerge` (runtime/esutils/utils.go: RewriteMerge,
 * merge, sortKeysWithPriority, GetByteValue) does it: the input keys are visited in byte order,
 * then the `priority` keys in their order (a missing one fails unless `priorityPolicy:
 * IgnoreNotFound`); each value must be a JSON object (or `null`) and its members are merged,
 * a later key winning; a member seen twice fails unless `conflictPolicy: Ignore`. `Extract`
 * (the default) returns one key per merged member (strings raw, numbers as Go's `%f`, objects
 * and arrays as Go's `json.Marshal`), dropping the input keys; `JSON` keeps the input and adds
 * the merged object, marshalled as Go does, under `into`. Errors name keys, never values.
 */
export function rewriteMerge(op: ExternalSecretRewriteMerge, input: Readonly<Record<string, Uint8Array>>, where: string, budget: MergeBudget = new MergeBudget()): Record<string, Uint8Array> {
  const priority = op.priority ?? [];
  const keys = [...Object.keys(input).filter((k) => !priority.includes(k)).sort(goCompare), ...priority];
  const merged = new Map<string, unknown>();
  const conflicts: string[] = [];
  for (const key of keys) {
    if (!Object.hasOwn(input, key)) {
      if (op.priorityPolicy === "IgnoreNotFound") continue;
      throw mergeError(`${where}: key ${shown(key)} not found in input map`);
    }
    const raw = input[key]!;
    budget.charge(raw.length, where);
    let parsed: unknown;
    try {
      parsed = JSON.parse(goDecoder.decode(raw));
    } catch {
      throw mergeError(`${where}: the value of key ${shown(key)} is not JSON`);
    }
    // Go's json.Unmarshal into a map leaves it empty for `null` and refuses any other non-object.
    if (parsed === null) continue;
    if (typeof parsed !== "object" || Array.isArray(parsed)) throw mergeError(`${where}: the value of key ${shown(key)} is not a JSON object`);
    checkGoDecodable(parsed, `${where}: the value of key ${shown(key)}`);
    for (const [k, v] of Object.entries(parsed)) {
      if (merged.has(k)) conflicts.push(k);
      merged.set(k, v);
    }
  }
  if (op.conflictPolicy !== "Ignore" && conflicts.length > 0) {
    throw mergeError(`${where}: merge failed with conflicts: ${conflicts.slice(0, 10).map(shown).join(", ")}${conflicts.length > 10 ? ", ..." : ""}`);
  }
  const out = new Map<string, Uint8Array>();
  const put = (k: string, v: Uint8Array) => {
    budget.charge(v.length, where);
    out.set(k, v);
  };
  if (op.strategy === "JSON") {
    if (!op.into) throw mergeError(`${where}: merge failed with missing 'into' field`);
    for (const [k, v] of Object.entries(input)) out.set(k, v);
    put(op.into, encoder.encode(goJson(Object.fromEntries(merged), false)));
  } else {
    for (const [k, v] of merged) put(k, goByteValue(v));
  }
  return Object.fromEntries(out);
}

function shown(key: string): string {
  return JSON.stringify(key.replace(/[^\x20-\x7e]/g, "?").slice(0, 80));
}

/** Refuses what Go's decoder refuses after parsing: numbers beyond float64, nesting deeper than {@link maxRewriteMergeDepth}. */
function checkGoDecodable(value: unknown, what: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === "number" && !Number.isFinite(v)) throw mergeError(`${what} has a number out of range`);
    if (v === null || typeof v !== "object") continue;
    if (depth > maxRewriteMergeDepth) throw mergeError(`${what} is nested deeper than ${maxRewriteMergeDepth} levels`);
    for (const c of Array.isArray(v) ? v : Object.values(v)) stack.push([c, depth + 1]);
  }
}

/** ESO's `esutils.GetByteValue` of a decoded JSON value. */
function goByteValue(v: unknown): Uint8Array {
  if (typeof v === "string") return encoder.encode(v);
  if (typeof v === "number") return encoder.encode(goFormatF(v));
  if (typeof v === "boolean") return encoder.encode(String(v));
  if (v === null) return new Uint8Array(0);
  return encoder.encode(goJson(v, true));
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: the shortest round-trip digits, never an exponent. */
export function goFormatF(v: number): string {
  if (Object.is(v, -0)) return "-0";
  const plain = String(v);
  if (!plain.includes("e")) return plain;
  const sign = v < 0 ? "-" : "";
  const [mantissa, exp] = Math.abs(v).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const e = Number(exp);
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  return digits.length <= e + 1 ? `${sign}${digits}${"0".repeat(e + 1 - digits.length)}` : `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}

/** Go's encoding/json float64: `%f` in [1e-6, 1e21), else `%e` with a two-digit exponent trimmed; JavaScript's shortest form matches, apart from -0. */
function goFloatJson(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}

const hex = "0123456789abcdef";

/** Go's encoding/json string quoting (Go 1.22+): `\b` `\f` `\n` `\r` `\t` short, other controls `\u00xx`, U+2028/2029 and lone surrogates escaped or replaced, `<>&` escaped when `escapeHTML`. */
function goQuote(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += "\\\\";
      else if (c === 0x08) out += "\\b";
      else if (c === 0x0c) out += "\\f";
      else if (c === 0x0a) out += "\\n";
      else if (c === 0x0d) out += "\\r";
      else if (c === 0x09) out += "\\t";
      else if (c < 0x20 || (escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26))) out += `\\u00${hex[c >> 4]}${hex[c & 15]}`;
      else out += s[i];
    } else if (c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16)}`;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += "\ufffd";
    } else {
      out += s[i];
    }
  }
  return `${out}"`;
}

/** Go's `json.Marshal` of a decoded JSON value: object members in byte order, Go's number and string forms. */
function goJson(v: unknown, escapeHTML: boolean): string {
  if (v === null) return "null";
  if (typeof v === "string") return goQuote(v, escapeHTML);
  if (typeof v === "number") return goFloatJson(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (const x of v) parts.push(goJson(x, escapeHTML));
    return `[${parts.join(",")}]`;
  }
  const obj = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort(goCompare)) parts.push(`${goQuote(k, escapeHTML)}:${goJson(obj[k], escapeHTML)}`);
  return `{${parts.join(",")}}`;
}
