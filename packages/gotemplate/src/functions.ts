import { createHash } from "node:crypto";
import { RE2JS } from "re2js";
import { Document as YamlDocument, parseAllDocuments, visit as yamlVisit } from "yaml";
import { goBytes, goString } from "./bytes.js";
import { cryptoFunctions } from "./crypto.js";
import { parseSemver, semverCompare } from "./semver.js";
import { urlJoin, urlParse } from "./url.js";
import { dateFunctions, randomFunctions } from "./dates.js";
import { esoFunctions, pemDecode, pemEncode } from "./eso.js";
import type { CallContext, ParamKind, TemplateFunction } from "./exec.js";
import { goQuote, sprintf } from "./fmt.js";
import {
  GoFloat,
  GoStruct,
  GoTime,
  compareStrings,
  formatFloat,
  fromPlain,
  isMap,
  isStringMap,
  mapGet,
  mapSet,
  markStringMap,
  newMap,
  sortedKeys,
  sprint,
  toPlain,
  toStr,
  truth,
  typeName,
  type GoMap,
  type Value,
} from "./value.js";

type Call = (ctx: CallContext, args: Value[]) => Value;
const f = (params: ParamKind[], call: Call, variadic?: ParamKind): TemplateFunction =>
  variadic === undefined ? { params, call } : { params, call, variadic };

const str = (v: Value): string => v as string;
const int = (v: Value): number => v as number;

/** A string result whose size is known before it is built. */
function sized(ctx: CallContext, bytes: number, build: () => string): string {
  ctx.charge(bytes);
  return build();
}

// ---------- Go's text/template built-ins (text/template/funcs.go) ----------

type BasicKind = "bool" | "int" | "float" | "string" | "invalid" | "other";
function basicKind(v: Value): BasicKind {
  if (v === null || v === undefined) return "invalid";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number" || typeof v === "bigint") return "int";
  if (v instanceof GoFloat) return "float";
  if (typeof v === "string") return "string";
  return "other";
}

function numeric(v: Value): number {
  return v instanceof GoFloat ? v.v : Number(v);
}

function eq(ctx: CallContext, args: Value[]): Value {
  const [a, ...rest] = args as [Value, ...Value[]];
  if (rest.length === 0) ctx.fail("missing argument for comparison");
  const k1 = basicKind(a);
  for (const b of rest) {
    const k2 = basicKind(b);
    if (k1 !== k2) {
      if (k1 !== "invalid" && k2 !== "invalid") ctx.fail("incompatible types for comparison");
      continue;
    }
    if (k1 === "other") {
      if (Array.isArray(a) || isMap(a)) ctx.fail(`non-comparable type ${sprint(a)}: ${typeName(a)}`);
      continue;
    }
    if (k1 === "invalid") return true;
    if (k1 === "int" ? BigInt(a as number) === BigInt(b as number) : k1 === "float" ? numeric(a) === numeric(b) : a === b) return true;
  }
  return false;
}

function less(ctx: CallContext, a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === "bool" || k1 === "other" || k1 === "invalid") ctx.fail("invalid type for comparison");
  if (k1 !== k2) ctx.fail("incompatible types for comparison");
  if (k1 === "string") return compareStrings(a as string, b as string) < 0;
  if (k1 === "int") return BigInt(a as number) < BigInt(b as number);
  return numeric(a) < numeric(b);
}

function length(ctx: CallContext, v: Value): number {
  if (typeof v === "string") return goBytes(v).length;
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  if (v === null) return ctx.fail("len of nil pointer");
  return ctx.fail(`len of type ${typeName(v)}`);
}

function indexArg(ctx: CallContext, i: Value, cap: number): number {
  if (typeof i !== "number" && typeof i !== "bigint") ctx.fail(`cannot index slice/array with type ${typeName(i)}`);
  const n = Number(i);
  if (n < 0 || n > cap) ctx.fail(`index out of range: ${n}`);
  return n;
}

function index(ctx: CallContext, args: Value[]): Value {
  let v = args[0] as Value;
  for (const key of args.slice(1)) {
    if (Array.isArray(v)) {
      const n = indexArg(ctx, key, v.length);
      if (n === v.length) ctx.fail(`index out of range: ${n}`);
      v = v[n] as Value;
    } else if (typeof v === "string") {
      const bytes = Buffer.from(v, "utf8");
      const n = indexArg(ctx, key, bytes.length);
      if (n === bytes.length) ctx.fail(`index out of range: ${n}`);
      v = bytes[n] as number;
    } else if (isMap(v)) {
      if (typeof key !== "string") ctx.fail(`value has type ${typeName(key)}; should be string`);
      const got = mapGet(v, key);
      v = got === undefined ? (isStringMap(v) ? "" : null) : got;
    } else if (v === null) {
      ctx.fail("index of untyped nil");
    } else {
      ctx.fail(`can't index item of type ${typeName(v)}`);
    }
  }
  return v;
}

function slice(ctx: CallContext, args: Value[]): Value {
  const v = args[0] as Value;
  const idx = args.slice(1);
  if (idx.length > 3) ctx.fail(`too many slice indexes: ${idx.length}`);
  if (typeof v === "string") {
    if (idx.length === 3) ctx.fail("cannot 3-index slice a string");
    const bytes = Buffer.from(v, "utf8");
    const lo = idx.length > 0 ? indexArg(ctx, idx[0] as Value, bytes.length) : 0;
    const hi = idx.length > 1 ? indexArg(ctx, idx[1] as Value, bytes.length) : bytes.length;
    if (lo > hi) ctx.fail(`invalid slice index: ${lo} > ${hi}`);
    return bytes.subarray(lo, hi).toString("utf8");
  }
  if (Array.isArray(v)) {
    const lo = idx.length > 0 ? indexArg(ctx, idx[0] as Value, v.length) : 0;
    const hi = idx.length > 1 ? indexArg(ctx, idx[1] as Value, v.length) : v.length;
    if (lo > hi) ctx.fail(`invalid slice index: ${lo} > ${hi}`);
    return v.slice(lo, hi);
  }
  if (v === null) return ctx.fail("slice of untyped nil");
  return ctx.fail(`can't slice item of type ${typeName(v)}`);
}

/** fmt.Sprint: a space between operands when neither side is a string. */
function goSprint(args: Value[]): string {
  let out = "";
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as Value;
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += sprint(a);
  }
  return out;
}

function htmlEscape(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&#34;", "\0": "\uFFFD" })[c] as string);
}

function jsEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += "\\\"";
    else if (ch === "<") out += "\\u003C";
    else if (ch === ">") out += "\\u003E";
    else if (ch === "&") out += "\\u0026";
    else if (ch === "=") out += "\\u003D";
    else if (ch !== " " && !printable.test(ch)) out += jsUnicode(cp);
    else out += ch;
  }
  return out;
}

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function jsUnicode(cp: number): string {
  if (cp <= 0xffff) return `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  const v = cp - 0x10000;
  return jsUnicode(0xd800 + (v >> 10)) + jsUnicode(0xdc00 + (v & 0x3ff));
}

function queryEscape(s: string): string {
  return encodeURIComponent(s.toWellFormed())
    .replace(/%20/g, "+")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const builtins: Record<string, TemplateFunction> = {
  and: f([], () => null, "any"),
  or: f([], () => null, "any"),
  not: f(["any"], (_c, [v]) => !truth(v as Value)),
  len: f(["any"], (c, [v]) => length(c, v as Value)),
  index: f(["any"], index, "any"),
  slice: f(["any"], slice, "any"),
  print: f([], (c, a) => sized(c, a.reduce<number>((n, v) => n + sprint(v).length + 1, 0), () => goSprint(a)), "any"),
  println: f([], (c, a) => sized(c, a.reduce<number>((n, v) => n + sprint(v).length + 1, 0), () => `${a.map((v) => sprint(v)).join(" ")}\n`), "any"),
  printf: f(["string"], (c, [fmt, ...a]) => {
    try {
      return sprintf(str(fmt as Value), a, 1 << 16);
    } catch (e) {
      if (e instanceof RangeError) c.charge(Number.MAX_SAFE_INTEGER);
      throw e;
    }
  }, "any"),
  html: f([], (_c, a) => htmlEscape(goSprint(a)), "any"),
  js: f([], (_c, a) => jsEscape(goSprint(a)), "any"),
  urlquery: f([], (_c, a) => queryEscape(goSprint(a)), "any"),
  eq: f(["any"], eq, "any"),
  ne: f(["any", "any"], (c, [a, b]) => !eq(c, [a as Value, b as Value])),
  lt: f(["any", "any"], (c, [a, b]) => less(c, a as Value, b as Value)),
  le: f(["any", "any"], (c, [a, b]) => less(c, a as Value, b as Value) || (eq(c, [a as Value, b as Value]) as boolean)),
  gt: f(["any", "any"], (c, [a, b]) => !less(c, a as Value, b as Value) && !(eq(c, [a as Value, b as Value]) as boolean)),
  ge: f(["any", "any"], (c, [a, b]) => !less(c, a as Value, b as Value)),
  call: f(["any"], (c) => c.fail("non-function of type interface {}"), "any"),
};

// ---------- Sprig (github.com/Masterminds/sprig/v3), as ESO registers it ----------

/** Sprig's strslice: a list as strings (nil elements dropped), or one value as a one-element list. */
function strslice(v: Value): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v.filter((e) => e !== null).map((e) => toStr(e));
  return [toStr(v)];
}

/** cast.ToInt64 as Sprig uses it: unparsable input is 0. */
function toInt64(v: Value): bigint {
  if (typeof v === "number") return BigInt(v);
  if (typeof v === "bigint") return v;
  if (v instanceof GoFloat) return Number.isFinite(v.v) ? BigInt(Math.trunc(v.v)) : 0n;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "string") {
    // cast 1.7 drops a zero decimal part ("3.0", "3.00"), then parses with base 0 (0x, 0o, 0b,
    // leading 0 = octal); anything else is 0.
    const s = trimZeroDecimal(v);
    const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[1-9][0-9_]*|0)$/.exec(s);
    if (!m) return 0n;
    let body = (m[2] as string).replace(/_/g, "");
    if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
    try {
      const n = BigInt(body);
      const r = m[1] === "-" ? -n : n;
      return r > 9223372036854775807n || r < -9223372036854775808n ? 0n : r;
    } catch {
      return 0n;
    }
  }
  return 0n;
}

/**
 * Go's strings.ToUpper/ToLower map rune by rune (Unicode simple case mapping); JavaScript also
 * applies the special casings that change length (ß → SS, ΐ → Ϊ́), which Go leaves alone.
 */
function simpleCase(s: string, upper: boolean): string {
  // ASCII needs no care; elsewhere context (final sigma) and expansions differ from Go.
  if (/^[\x00-\x7f]*$/.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = "";
  for (const ch of s) {
    if (!upper && ch === "\u0130") {
      out += "i";
      continue;
    }
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

/** unicode.ToTitle of one letter: the digraphs have title forms of their own (ǅ, ǈ, ǋ, ǲ). */
function titleRune(l: string): string {
  const digraph: Record<string, string> = { "\u01c4": "\u01c5", "\u01c5": "\u01c5", "\u01c6": "\u01c5", "\u01c7": "\u01c8", "\u01c8": "\u01c8", "\u01c9": "\u01c8", "\u01ca": "\u01cb", "\u01cb": "\u01cb", "\u01cc": "\u01cb", "\u01f1": "\u01f2", "\u01f2": "\u01f2", "\u01f3": "\u01f2" };
  return digraph[l] ?? simpleCase(l, true);
}

/** cast's trimZeroDecimal: "3.0" → "3"; anything else unchanged. */
function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const ch = s[i - 1];
    if (ch === ".") {
      if (foundZero) return s.slice(0, i - 1);
    } else if (ch === "0") foundZero = true;
    else return s;
  }
  return s;
}

const isConnector = (r: string) => r === "-" || r === "_" || goSpace.has(r);
const isUpper = (r: string) => /^\p{Lu}$/u.test(r);

/** xstrings v1.5 ToCamelCase (Sprig's `camelcase` as ESO builds it): "hello_world" → "helloWorld". */
function toCamelCase(input: string): string {
  const runes = [...input];
  if (runes.length === 0) return "";
  let out = "";
  let i = 0;
  let r0 = "";
  let firstUpper = false;
  // A leading connector run is kept as it is.
  while (i < runes.length) {
    r0 = runes[i++] as string;
    if (!isConnector(r0)) {
      firstUpper = isUpper(r0);
      r0 = r0.toLowerCase();
      break;
    }
    out += r0;
  }
  // Go writes the last rune again when the string ends here (even a connector).
  if (i >= runes.length) return out + r0;
  while (i < runes.length) {
    const r1 = r0;
    r0 = runes[i++] as string;
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) {
      firstUpper = isUpper(r0);
      r0 = r0.toUpperCase();
    } else {
      if (firstUpper) {
        if (isUpper(r0)) r0 = r0.toLowerCase();
        else firstUpper = false;
      }
      out += r1;
    }
  }
  if (firstUpper) r0 = r0.toLowerCase();
  return out + r0;
}

function toFloat64(v: Value): number {
  if (typeof v === "number" || typeof v === "bigint") return Number(v);
  if (v instanceof GoFloat) return v.v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    const n = Number(v.trim() === v ? v : NaN);
    return v !== "" && Number.isFinite(n) ? n : 0;
  }
  return 0;
}

function clampInt64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

/** unicode.IsSpace, as strings.TrimSpace uses it. */
const goSpace = new Set([..."\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"]);

// A scan from both ends: a backtracking `\s+$` is quadratic on long runs of spaces.
function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && goSpace.has(s[a] as string)) a++;
  while (b > a && goSpace.has(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

function latin1Bytes(s: string): number[] {
  return [...Buffer.from(s, "utf8")];
}

function empty(v: Value): boolean {
  return !truth(v);
}

function listOf(c: CallContext, v: Value, name: string): Value[] {
  if (Array.isArray(v)) return v;
  return c.fail(`Cannot ${name} on type ${typeName(v)}`);
}

/** Go's encoding/json Marshal: sorted map keys, HTML-safe escaping unless `raw`. */
function goJson(v: Value, indent: string, raw: boolean): string {
  const text = JSON.stringify(toPlain(v), null, indent === "" ? undefined : indent) ?? "null";
  const escaped = text.replace(/[\u2028\u2029]/g, (c) => (c === "\u2028" ? "\\u2028" : "\\u2029"));
  return raw ? escaped : escaped.replace(/[<>&]/g, (c) => ({ "<": "\\u003c", ">": "\\u003e", "&": "\\u0026" })[c] as string);
}

/** RE2 semantics (Go's regexp), linear time on any input. */
function re2(c: CallContext, pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch {
    return c.fail(`error parsing regexp: invalid pattern`);
  }
}

function regexFindAll(c: CallContext, pattern: string, s: string, n: number): string[] {
  const m = re2(c, pattern).matcher(s);
  const out: string[] = [];
  while ((n < 0 || out.length < n) && m.find()) {
    out.push(m.group() ?? "");
    if (out.length > 1 << 16) c.charge(Number.MAX_SAFE_INTEGER);
  }
  return out;
}

/** Go's Regexp.Expand template syntax ($1, ${name}) is what Sprig passes through. */
function regexReplaceAll(c: CallContext, pattern: string, s: string, repl: string, literal: boolean): string {
  const re = re2(c, pattern);
  const m = re.matcher(s);
  let out = "";
  let last = 0;
  while (m.find()) {
    const piece = literal ? repl : expand(repl, m);
    c.charge(m.start() - last + piece.length);
    out += s.slice(last, m.start()) + piece;
    last = m.end();
    if (m.end() === m.start()) {
      if (m.end() >= s.length) break;
    }
  }
  return out + s.slice(last);
}

function expand(template: string, m: ReturnType<RE2JS["matcher"]>): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch !== "$") {
      out += ch;
      continue;
    }
    if (template[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string;
    if (template[i + 1] === "{") {
      const close = template.indexOf("}", i + 2);
      if (close < 0) {
        out += ch;
        continue;
      }
      name = template.slice(i + 2, close);
      i = close;
    } else {
      let j = i + 1;
      while (j < template.length && /[A-Za-z0-9_]/.test(template[j] as string)) j++;
      name = template.slice(i + 1, j);
      if (name === "") {
        out += ch;
        continue;
      }
      i = j - 1;
    }
    try {
      out += /^\d+$/.test(name) ? (Number(name) <= m.groupCount() ? (m.group(Number(name)) ?? "") : "") : (m.group(name) ?? "");
    } catch {
      /* an unknown group name expands to nothing, as in Go */
    }
  }
  return out;
}

function indentLines(c: CallContext, spaces: number, v: string): string {
  if (spaces < 0) c.fail("strings: negative Repeat count");
  const lines = v.split("\n").length;
  c.charge(v.length + spaces * lines);
  const pad = " ".repeat(spaces);
  return pad + v.split("\n").join(`\n${pad}`);
}

/** goutils.WrapCustom(s, width, "\n", false) over the string's bytes, as Sprig's `wrap`. */
function wrap(s: string, width: number): string {
  return wrapCustom(s, width, "\n", false);
}

function words(s: string): string[] {
  return s.split(/[^A-Za-z0-9]+/).filter((w) => w !== "");
}

function dictOf(c: CallContext, args: Value[]): GoMap {
  const d = newMap();
  for (let i = 0; i < args.length; i += 2) {
    const key = toStr(args[i] as Value);
    mapSet(d, key, i + 1 < args.length ? (args[i + 1] as Value) : "");
  }
  c.charge(args.length * 16);
  return d;
}

function deepCopy(v: Value): Value {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isMap(v)) {
    const m = newMap();
    for (const k of Object.keys(v)) mapSet(m, k, deepCopy(v[k] as Value));
    return m;
  }
  return v;
}

function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean): void {
  for (const k of Object.keys(src)) {
    const sv = src[k] as Value;
    const dv = mapGet(dst, k);
    if (isMap(dv) && isMap(sv)) mergeInto(dv, sv, overwrite);
    else if (dv === undefined || (overwrite && !(sv === null || (empty(sv) && typeof sv !== "boolean" && typeof sv !== "number")))) mapSet(dst, k, deepCopy(sv));
    else if (!overwrite && empty(dv) && !empty(sv)) mapSet(dst, k, deepCopy(sv));
  }
}

function sha(algo: string, s: string): string {
  return createHash(algo).update(goBytes(s)).digest("hex");
}

function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (const byte of goBytes(s)) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(data: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += b32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += b32[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += "=";
  return out;
}

function unbase32(s: string): Buffer | null {
  const clean = s.replace(/=+$/, "");
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = b32.indexOf(ch);
    if (i < 0) return null;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function b64decode(s: string): string {
  // Go's StdEncoding is strict: padding required, no whitespace, alphabet only.
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return "illegal base64 data at input byte 0";
  return goString(Buffer.from(s, "base64"));
}

/**
 * Whether go-yaml v2 (under sigs.k8s.io/yaml) would read this plain text as something other
 * than a string: then it writes the string double-quoted (its resolve(), YAML 1.1 rules).
 */
function yamlV2NonString(text: string): boolean {
  if (/^(|~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(text)) return true;
  if (/^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/.test(text)) return true;
  const plain = text.replace(/_/g, "");
  // Integers as strconv.ParseInt/ParseUint(s, 0, 64) read them, and 0b binaries.
  if (/^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/.test(plain)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return true;
  // Timestamps in the layouts go-yaml accepts.
  if (/^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ ]+)\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:[ ]*(?:Z|[-+]\d{1,2}(?::\d{2})?))?)?$/.test(text)) return true;
  // Sexagesimal numbers (isBase60Float).
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(text);
}

function toYaml(v: Value): string {
  // sigs.k8s.io/yaml: JSON-compatible YAML with sorted keys, and no trailing newline (ESO trims it).
  // Strings that read as another type are double-quoted, the others plain or single-quoted.
  const doc = new YamlDocument(toPlain(v), { sortMapEntries: true, version: "1.1" });
  yamlVisit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && !node.value.includes("\n") && yamlV2NonString(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  const text = doc.toString({ lineWidth: 0, indentSeq: false, singleQuote: true });
  return text.replace(/\n$/, "");
}

/** ESO's fromYaml: a map; a document that is not a map yields {"Error": ...} instead of failing. */
function fromYaml(s: string): Value {
  const m = newMap();
  // sigs.k8s.io/yaml reads YAML 1.1 (y, yes, on are booleans).
  const docs = parseAllDocuments(s, { version: "1.1" });
  const doc = Array.isArray(docs) ? docs[0] : docs;
  if (!doc) return m;
  const plain: unknown = doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 });
  if (plain === null || plain === undefined) {
    if (doc.errors.length > 0) mapSet(m, "Error", "error converting YAML to JSON");
    return m;
  }
  if (typeof plain !== "object" || Array.isArray(plain)) {
    mapSet(m, "Error", "error unmarshaling JSON: cannot unmarshal into a map");
    return m;
  }
  return fromPlain(plain, "float");
}

/** ESO's filterPEM: the blocks of one type (any case), re-encoded as Go's pem.Encode writes them. */
function filterPEM(c: CallContext, pemType: string, input: string): string {
  let out = "";
  let matched = false;
  let rest = input;
  for (;;) {
    const next = pemDecode(rest);
    rest = next.rest;
    if (!next.block) break;
    if (next.block.type.toLowerCase() !== pemType.toLowerCase()) continue;
    matched = true;
    const pem = pemEncode(next.block.bytes, next.block.type, next.block.headers);
    c.charge(pem.length);
    out += pem;
  }
  // Go fails only when nothing matched and text that is no block remains.
  if (!matched && rest.length !== 0) c.fail("error filtering pem: found junk");
  return out;
}

const sprig: Record<string, TemplateFunction> = {
  // strings
  upper: f(["string"], (_c, [s]) => simpleCase(str(s as Value), true)),
  lower: f(["string"], (_c, [s]) => simpleCase(str(s as Value), false)),
  // strings.Title: a letter after an ASCII non-alphanumeric (not _) or a space starts a word.
  title: f(["string"], (_c, [s]) => str(s as Value).replace(/(^|[\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f\s])(\p{L})/gu, (_m, p: string, l: string) => p + titleRune(l))),
  untitle: f(["string"], (_c, [s]) => str(s as Value).replace(/(^|\s)(\p{L})/gu, (_m, p: string, l: string) => p + l.toLowerCase())),
  trim: f(["string"], (_c, [s]) => trimSpace(str(s as Value))),
  trimAll: f(["string", "string"], (_c, [cut, s]) => {
    const set = new Set([...str(cut as Value)]);
    const chars = [...str(s as Value)];
    let a = 0;
    let b = chars.length;
    while (a < b && set.has(chars[a] as string)) a++;
    while (b > a && set.has(chars[b - 1] as string)) b--;
    return chars.slice(a, b).join("");
  }),
  trimPrefix: f(["string", "string"], (_c, [p, s]) => (str(s as Value).startsWith(str(p as Value)) ? str(s as Value).slice(str(p as Value).length) : str(s as Value))),
  trimSuffix: f(["string", "string"], (_c, [p, s]) => {
    const t = str(s as Value);
    const suffix = str(p as Value);
    return suffix !== "" && t.endsWith(suffix) ? t.slice(0, t.length - suffix.length) : t;
  }),
  // goutils.DeleteWhiteSpace and Initials read bytes as runes (Latin-1); kept as Go does it.
  // (nospace returns its input untouched when it finds nothing to delete).
  nospace: f(["string"], (_c, [s]) => {
    const bytes = latin1Bytes(str(s as Value));
    const kept = bytes.filter((b) => !goSpace.has(String.fromCharCode(b)));
    return kept.length === bytes.length ? str(s as Value) : kept.map((b) => String.fromCharCode(b)).join("");
  }),
  repeat: f(["int", "string"], (c, [n, s]) => {
    if (int(n as Value) < 0) c.fail("strings: negative Repeat count");
    return sized(c, int(n as Value) * str(s as Value).length, () => str(s as Value).repeat(int(n as Value)));
  }),
  // substr and trunc cut Go strings, which are bytes.
  substr: f(["int", "int", "string"], (c, [start, end, s]) => {
    const t = Buffer.from(str(s as Value), "utf8");
    const a = int(start as Value);
    const b = int(end as Value);
    const cut = (lo: number, hi: number): string => {
      if (lo < 0 || hi > t.length || lo > hi) c.fail(`runtime error: slice bounds out of range [${lo}:${hi}]`);
      return t.subarray(lo, hi).toString("utf8");
    };
    if (a < 0) return cut(0, b);
    if (b < 0 || b > t.length) return cut(a, t.length);
    return cut(a, b);
  }),
  trunc: f(["int", "string"], (_c, [n, s]) => {
    const t = Buffer.from(str(s as Value), "utf8");
    const c = int(n as Value);
    if (c < 0 && t.length + c > 0) return t.subarray(t.length + c).toString("utf8");
    if (c >= 0 && t.length > c) return t.subarray(0, c).toString("utf8");
    return str(s as Value);
  }),
  abbrev: f(["int", "string"], (_c, [w, s]) => {
    const t = Buffer.from(str(s as Value), "utf8");
    const width = int(w as Value);
    if (width < 4 || t.length <= width) return str(s as Value);
    return `${t.subarray(0, width - 3).toString("utf8")}...`;
  }),
  initials: f(["string"], (_c, [s]) => {
    let out = "";
    let gap = true;
    for (const b of latin1Bytes(str(s as Value))) {
      if (goSpace.has(String.fromCharCode(b))) gap = true;
      else if (gap) {
        out += String.fromCharCode(b);
        gap = false;
      }
    }
    return out;
  }),
  contains: f(["string", "string"], (_c, [sub, s]) => str(s as Value).includes(str(sub as Value))),
  hasPrefix: f(["string", "string"], (_c, [p, s]) => str(s as Value).startsWith(str(p as Value))),
  hasSuffix: f(["string", "string"], (_c, [p, s]) => str(s as Value).endsWith(str(p as Value))),
  quote: f([], (_c, a) => a.filter((v) => v !== null).map((v) => goQuote(toStr(v))).join(" "), "any"),
  squote: f([], (_c, a) => a.filter((v) => v !== null).map((v) => `'${toStr(v)}'`).join(" "), "any"),
  cat: f([], (c, a) => {
    const parts = a.filter((v) => v !== null).map((v) => sprint(v));
    return sized(c, parts.reduce((n, p) => n + p.length + 1, 0), () => parts.join(" "));
  }, "any"),
  indent: f(["int", "string"], (c, [n, s]) => indentLines(c, int(n as Value), str(s as Value))),
  nindent: f(["int", "string"], (c, [n, s]) => `\n${indentLines(c, int(n as Value), str(s as Value))}`),
  replace: f(["string", "string", "string"], (c, [from, to, s]) => {
    const src = str(s as Value);
    const old = str(from as Value);
    const rep = str(to as Value);
    const count = old === "" ? [...src].length + 1 : src.split(old).length - 1;
    c.charge(src.length + count * Math.max(0, rep.length - old.length));
    if (old === "") return rep + [...src].join(rep) + (src === "" ? "" : rep);
    return src.split(old).join(rep);
  }),
  plural: f(["string", "string", "int"], (_c, [one, many, n]) => (int(n as Value) === 1 ? str(one as Value) : str(many as Value))),
  wrap: f(["int", "string"], (c, [n, s]) => sized(c, str(s as Value).length * 2, () => wrap(str(s as Value), int(n as Value)))),
  snakecase: f(["string"], (_c, [s]) => words(str(s as Value).replace(/([a-z0-9])([A-Z])/g, "$1 $2")).join("_").toLowerCase()),
  kebabcase: f(["string"], (_c, [s]) => words(str(s as Value).replace(/([a-z0-9])([A-Z])/g, "$1 $2")).join("-").toLowerCase()),
  camelcase: f(["string"], (_c, [s]) => toCamelCase(str(s as Value))),
  swapcase: f(["string"], (_c, [s]) => [...str(s as Value)].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join("")),
  toString: f(["any"], (_c, [v]) => toStr(v as Value)),
  toStrings: f(["any"], (_c, [v]) => strslice(v as Value)),
  split: f(["string", "string"], (_c, [sep, s]) => {
    const m = markStringMap(newMap());
    str(s as Value).split(str(sep as Value)).forEach((p, i) => mapSet(m, `_${i}`, p));
    return m;
  }),
  splitList: f(["string", "string"], (_c, [sep, s]) => (str(sep as Value) === "" ? [...str(s as Value)] : str(s as Value).split(str(sep as Value)))),
  splitn: f(["string", "int", "string"], (_c, [sep, n, s]) => {
    const parts = str(s as Value).split(str(sep as Value));
    const limit = int(n as Value);
    const m = markStringMap(newMap());
    const kept = limit > 0 && parts.length > limit ? [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(str(sep as Value))] : limit === 0 ? [] : parts;
    kept.forEach((p, i) => mapSet(m, `_${i}`, p));
    return m;
  }),
  join: f(["string", "any"], (c, [sep, v]) => {
    const parts = strslice(v as Value);
    return sized(c, parts.reduce((n, p) => n + p.length + str(sep as Value).length, 0), () => parts.join(str(sep as Value)));
  }),
  sortAlpha: f(["any"], (_c, [v]) => strslice(v as Value).sort(compareStrings)),
  // encoding and hashing
  b64enc: f(["string"], (c, [s]) => sized(c, Math.ceil(str(s as Value).length / 3) * 4 * 3, () => goBytes(str(s as Value)).toString("base64"))),
  b64dec: f(["string"], (_c, [s]) => b64decode(str(s as Value))),
  b32enc: f(["string"], (c, [s]) => sized(c, str(s as Value).length * 2 * 3, () => base32(goBytes(str(s as Value))))),
  b32dec: f(["string"], (_c, [s]) => (() => { const b = unbase32(str(s as Value)); return b ? goString(b) : null; })() ?? "illegal base32 data at input byte 0"),
  sha1sum: f(["string"], (_c, [s]) => sha("sha1", str(s as Value))),
  sha256sum: f(["string"], (_c, [s]) => sha("sha256", str(s as Value))),
  adler32sum: f(["string"], (_c, [s]) => String(adler32(str(s as Value)))),
  // defaults and flow
  default: f(["any"], (_c, [d, ...given]) => (given.length === 0 || empty(given[0] as Value) ? (d as Value) : (given[0] as Value)), "any"),
  empty: f(["any"], (_c, [v]) => empty(v as Value)),
  coalesce: f([], (_c, a) => a.find((v) => !empty(v)) ?? null, "any"),
  all: f([], (_c, a) => a.every((v) => !empty(v)), "any"),
  any: f([], (_c, a) => a.some((v) => !empty(v)), "any"),
  ternary: f(["any", "any", "bool"], (_c, [t, e, cond]) => (cond ? (t as Value) : (e as Value))),
  fromJson: f(["string"], (_c, [s]) => {
    try {
      return fromPlain(JSON.parse(str(s as Value)), "float");
    } catch {
      return null;
    }
  }),
  mustFromJson: f(["string"], (c, [s]) => {
    try {
      return fromPlain(JSON.parse(str(s as Value)), "float");
    } catch {
      return c.fail("invalid JSON");
    }
  }),
  toJson: f(["any"], (_c, [v]) => goJson(v as Value, "", false)),
  mustToJson: f(["any"], (_c, [v]) => goJson(v as Value, "", false)),
  toPrettyJson: f(["any"], (_c, [v]) => goJson(v as Value, "  ", false)),
  mustToPrettyJson: f(["any"], (_c, [v]) => goJson(v as Value, "  ", false)),
  toRawJson: f(["any"], (_c, [v]) => goJson(v as Value, "", true)),
  mustToRawJson: f(["any"], (_c, [v]) => goJson(v as Value, "", true)),
  deepCopy: f(["any"], (_c, [v]) => deepCopy(v as Value)),
  typeOf: f(["any"], (_c, [v]) => typeName(v as Value)),
  kindOf: f(["any"], (_c, [v]) => {
    const t = typeName(v as Value);
    return t.startsWith("[]") ? "slice" : t.startsWith("map") ? "map" : t === "<nil>" ? "invalid" : t;
  }),
  kindIs: f(["string", "any"], (_c, [k, v]) => {
    const t = typeName(v as Value);
    const kind = t.startsWith("[]") ? "slice" : t.startsWith("map") ? "map" : t === "<nil>" ? "invalid" : t;
    return kind === k;
  }),
  typeIs: f(["string", "any"], (_c, [t, v]) => typeName(v as Value) === t),
  // numbers (Sprig's integer math is int64)
  atoi: f(["string"], (_c, [s]) => {
    const t = str(s as Value);
    return /^[+-]?\d+$/.test(t) && Math.abs(Number(t)) <= Number.MAX_SAFE_INTEGER ? Number(t) : 0;
  }),
  int: f(["any"], (_c, [v]) => Number(toInt64(v as Value))),
  int64: f(["any"], (_c, [v]) => toInt64(v as Value)),
  float64: f(["any"], (_c, [v]) => new GoFloat(toFloat64(v as Value))),
  add1: f(["any"], (_c, [v]) => clampInt64(toInt64(v as Value) + 1n)),
  add: f([], (_c, a) => clampInt64(a.reduce<bigint>((s, v) => s + toInt64(v), 0n)), "any"),
  sub: f(["any", "any"], (_c, [a, b]) => clampInt64(toInt64(a as Value) - toInt64(b as Value))),
  mul: f(["any"], (_c, [a, ...rest]) => clampInt64(rest.reduce<bigint>((s, v) => s * toInt64(v), toInt64(a as Value))), "any"),
  div: f(["any", "any"], (c, [a, b]) => {
    const d = toInt64(b as Value);
    if (d === 0n) c.fail("runtime error: integer divide by zero");
    return clampInt64(toInt64(a as Value) / d);
  }),
  mod: f(["any", "any"], (c, [a, b]) => {
    const d = toInt64(b as Value);
    if (d === 0n) c.fail("runtime error: integer divide by zero");
    return toInt64(a as Value) % d;
  }),
  max: f(["any"], (_c, [a, ...rest]) => rest.reduce<bigint>((m, v) => (toInt64(v) > m ? toInt64(v) : m), toInt64(a as Value)), "any"),
  biggest: f(["any"], (_c, [a, ...rest]) => rest.reduce<bigint>((m, v) => (toInt64(v) > m ? toInt64(v) : m), toInt64(a as Value)), "any"),
  min: f(["any"], (_c, [a, ...rest]) => rest.reduce<bigint>((m, v) => (toInt64(v) < m ? toInt64(v) : m), toInt64(a as Value)), "any"),
  addf: f([], (_c, a) => new GoFloat(a.reduce<number>((s, v) => s + toFloat64(v), 0)), "any"),
  subf: f(["any"], (_c, [a, ...rest]) => new GoFloat(rest.reduce<number>((s, v) => s - toFloat64(v), toFloat64(a as Value))), "any"),
  mulf: f(["any"], (_c, [a, ...rest]) => new GoFloat(rest.reduce<number>((s, v) => s * toFloat64(v), toFloat64(a as Value))), "any"),
  divf: f(["any"], (_c, [a, ...rest]) => new GoFloat(rest.reduce<number>((s, v) => s / toFloat64(v), toFloat64(a as Value))), "any"),
  floor: f(["any"], (_c, [v]) => new GoFloat(Math.floor(toFloat64(v as Value)))),
  ceil: f(["any"], (_c, [v]) => new GoFloat(Math.ceil(toFloat64(v as Value)))),
  until: f(["int"], (c, [n]) => {
    const count = int(n as Value);
    const len = Math.abs(count);
    c.charge(len * 8);
    return Array.from({ length: len }, (_v, i) => (count < 0 ? -i : i));
  }),
  untilStep: f(["int", "int", "int"], (c, [start, stop, step]) => {
    const a = int(start as Value);
    const b = int(stop as Value);
    const s = int(step as Value);
    if (s === 0 || (s > 0 && a >= b) || (s < 0 && a <= b)) return [];
    const len = Math.ceil(Math.abs(b - a) / Math.abs(s));
    c.charge(len * 8);
    return Array.from({ length: len }, (_v, i) => a + i * s);
  }),
  seq: f([], (c, a) => {
    const nums = a.map((v) => Number(v));
    let [start, step, end] = nums.length === 1 ? [1, 1, nums[0] as number] : nums.length === 2 ? [nums[0] as number, 1, nums[1] as number] : (nums as [number, number, number]);
    if (nums.length === 0 || nums.length > 3) return "";
    if (nums.length === 2 && start > end) step = -1;
    if (step === 0 || (step > 0 && start > end) || (step < 0 && start < end)) return "";
    const len = Math.floor(Math.abs(end - start) / Math.abs(step)) + 1;
    c.charge(len * 8);
    const out: number[] = [];
    for (let i = 0; i < len; i++) out.push(start + i * step);
    return out.join(" ");
  }, "int"),
  // lists
  list: f([], (c, a) => {
    c.charge(a.length * 8);
    return [...a];
  }, "any"),
  tuple: f([], (_c, a) => [...a], "any"),
  first: f(["any"], (c, [l]) => listOf(c, l as Value, "find first")[0] ?? null),
  last: f(["any"], (c, [l]) => listOf(c, l as Value, "find last").at(-1) ?? null),
  rest: f(["any"], (c, [l]) => listOf(c, l as Value, "find rest").slice(1)),
  initial: f(["any"], (c, [l]) => listOf(c, l as Value, "find initial").slice(0, -1)),
  append: f(["any", "any"], (c, [l, v]) => [...listOf(c, l as Value, "append"), v as Value]),
  push: f(["any", "any"], (c, [l, v]) => [...listOf(c, l as Value, "push"), v as Value]),
  prepend: f(["any", "any"], (c, [l, v]) => [v as Value, ...listOf(c, l as Value, "prepend")]),
  concat: f([], (c, a) => a.flatMap((l) => listOf(c, l, "concat")), "any"),
  reverse: f(["any"], (c, [l]) => [...listOf(c, l as Value, "find reverse")].reverse()),
  uniq: f(["any"], (c, [l]) => {
    const out: Value[] = [];
    for (const v of listOf(c, l as Value, "find uniq")) if (!out.some((o) => sameValue(o, v))) out.push(v);
    return out;
  }),
  without: f(["any"], (c, [l, ...omit]) => listOf(c, l as Value, "find without").filter((v) => !omit.some((o) => sameValue(o, v))), "any"),
  has: f(["any", "any"], (c, [needle, l]) => (l === null ? false : listOf(c, l as Value, "find has").some((v) => sameValue(v, needle as Value)))),
  compact: f(["any"], (c, [l]) => listOf(c, l as Value, "compact").filter((v) => !empty(v))),
  // Sprig's `slice` replaces Go's built-in: lists only, indexes converted like its other numbers.
  slice: f(["any"], (c, [l, ...idx]) => {
    if (!Array.isArray(l)) return c.fail(`list should be type of slice or array but ${typeName(l as Value)}`);
    if (l.length === 0) return null;
    const start = idx.length > 0 ? Number(toInt64(idx[0] as Value)) : 0;
    const end = idx.length > 1 ? Number(toInt64(idx[1] as Value)) : l.length;
    if (start < 0 || end > l.length || start > end) c.fail(`runtime error: slice bounds out of range [${start}:${end}]`);
    return l.slice(start, end);
  }, "any"),
  // dicts
  dict: f([], dictOf, "any"),
  get: f(["map", "string"], (_c, [d, k]) => (d === null ? "" : (mapGet(d as GoMap, str(k as Value)) ?? ""))),
  set: f(["map", "string", "any"], (_c, [d, k, v]) => {
    mapSet(d as GoMap, str(k as Value), v as Value);
    return d as Value;
  }),
  unset: f(["map", "string"], (_c, [d, k]) => {
    delete (d as GoMap)[str(k as Value)];
    return d as Value;
  }),
  hasKey: f(["map", "string"], (_c, [d, k]) => d !== null && mapGet(d as GoMap, str(k as Value)) !== undefined),
  keys: f([], (_c, ds) => ds.flatMap((d) => (isMap(d) ? sortedKeys(d) : [])), "map"),
  values: f(["map"], (_c, [d]) => (isMap(d as Value) ? sortedKeys(d as GoMap).map((k) => (d as GoMap)[k] as Value) : [])),
  pluck: f(["string"], (_c, [k, ...ds]) => ds.flatMap((d) => (isMap(d) && mapGet(d, str(k as Value)) !== undefined ? [mapGet(d, str(k as Value)) as Value] : [])), "map"),
  pick: f(["map"], (_c, [d, ...ks]) => {
    const m = newMap();
    for (const k of ks) if (isMap(d as Value) && mapGet(d as GoMap, k as string) !== undefined) mapSet(m, k as string, mapGet(d as GoMap, k as string) as Value);
    return m;
  }, "string"),
  omit: f(["map"], (_c, [d, ...ks]) => {
    const m = newMap();
    if (isMap(d as Value)) for (const k of Object.keys(d as GoMap)) if (!ks.includes(k)) mapSet(m, k, (d as GoMap)[k] as Value);
    return m;
  }, "string"),
  merge: f(["map"], (_c, [dst, ...srcs]) => {
    for (const s of srcs) if (isMap(s)) mergeInto(dst as GoMap, s, false);
    return dst as Value;
  }, "map"),
  mergeOverwrite: f(["map"], (_c, [dst, ...srcs]) => {
    for (const s of srcs) if (isMap(s)) mergeInto(dst as GoMap, s, true);
    return dst as Value;
  }, "map"),
  dig: f(["any"], (c, a) => {
    if (a.length < 3) c.fail("dig needs at least three arguments");
    const d = a[a.length - 1] as Value;
    const dflt = a[a.length - 2] as Value;
    let cur: Value = d;
    for (const k of a.slice(0, -2)) {
      if (!isMap(cur)) return dflt;
      const next = mapGet(cur, toStr(k));
      if (next === undefined) return dflt;
      cur = next;
    }
    return cur;
  }, "any"),
  // regular expressions: RE2 (linear time), as Go's regexp
  // Sprig's regexMatch treats an invalid pattern as no match; mustRegexMatch fails.
  regexMatch: f(["string", "string"], (_c, [re, s]) => {
    try {
      return RE2JS.compile(str(re as Value)).matcher(str(s as Value)).find();
    } catch {
      return false;
    }
  }),
  mustRegexMatch: f(["string", "string"], (c, [re, s]) => re2(c, str(re as Value)).matcher(str(s as Value)).find()),
  regexFind: f(["string", "string"], (c, [re, s]) => regexFindAll(c, str(re as Value), str(s as Value), 1)[0] ?? ""),
  regexFindAll: f(["string", "string", "int"], (c, [re, s, n]) => regexFindAll(c, str(re as Value), str(s as Value), int(n as Value))),
  regexReplaceAll: f(["string", "string", "string"], (c, [re, s, r]) => regexReplaceAll(c, str(re as Value), str(s as Value), str(r as Value), false)),
  regexReplaceAllLiteral: f(["string", "string", "string"], (c, [re, s, r]) => regexReplaceAll(c, str(re as Value), str(s as Value), str(r as Value), true)),
  regexSplit: f(["string", "string", "int"], (c, [re, s, n]) => {
    const text = str(s as Value);
    const limit = int(n as Value);
    if (limit === 0) return [];
    const m = re2(c, str(re as Value)).matcher(text);
    const out: string[] = [];
    let last = 0;
    while ((limit < 0 || out.length < limit - 1) && m.find()) {
      if (m.end() === 0 && m.start() === 0) continue;
      out.push(text.slice(last, m.start()));
      last = m.end();
    }
    out.push(text.slice(last));
    return out;
  }),
  regexQuoteMeta: f(["string"], (_c, [s]) => RE2JS.quote(str(s as Value)).replace(/^\\Q|\\E$/g, "")),
  fail: f(["string"], (c, [m]) => c.fail(str(m as Value))),
  uuidv4: f([], (c) => {
    const b = Buffer.from(c.random(16));
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }),
  // ESO's own helpers (runtime/template/v2)
  toYaml: f(["any"], (_c, [v]) => toYaml(v as Value)),
  fromYaml: f(["string"], (_c, [s]) => fromYaml(str(s as Value))),
  filterPEM: f(["string", "string"], (c, [t, s]) => filterPEM(c, str(t as Value), str(s as Value))),
};

function sameValue(a: Value, b: Value): boolean {
  if (a instanceof GoFloat && b instanceof GoFloat) return a.v === b.v;
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint")) return typeName(a) === typeName(b) && BigInt(a) === BigInt(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i] as Value));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => mapGet(b, k) !== undefined && sameValue(a[k] as Value, b[k] as Value));
  }
  return a === b;
}

// ---------- the rest of Sprig v3.3.0 (ESO's fork) ----------

/** Go's path.Clean. */
function cleanPath(path: string): string {
  if (path === "") return ".";
  const rooted = path[0] === "/";
  const n = path.length;
  let out = rooted ? "/" : "";
  let r = rooted ? 1 : 0;
  let dotdot = rooted ? 1 : 0;
  while (r < n) {
    if (path[r] === "/") r++;
    else if (path[r] === "." && (r + 1 === n || path[r + 1] === "/")) r++;
    else if (path[r] === "." && path[r + 1] === "." && (r + 2 === n || path[r + 2] === "/")) {
      r += 2;
      if (out.length > dotdot) {
        let w = out.length - 1;
        while (w > dotdot && out[w] !== "/") w--;
        out = out.slice(0, w);
      } else if (!rooted) {
        if (out.length > 0) out += "/";
        out += "..";
        dotdot = out.length;
      }
    } else {
      if ((rooted && out.length !== 1) || (!rooted && out.length !== 0)) out += "/";
      for (; r < n && path[r] !== "/"; r++) out += path[r];
    }
  }
  return out === "" ? "." : out;
}

function basePath(path: string): string {
  if (path === "") return ".";
  const p = path.replace(/\/+$/, "");
  if (p === "") return "/";
  return p.slice(p.lastIndexOf("/") + 1);
}

function dirPath(path: string): string {
  return cleanPath(path.slice(0, path.lastIndexOf("/") + 1));
}

function extPath(path: string): string {
  for (let i = path.length - 1; i >= 0 && path[i] !== "/"; i--) if (path[i] === ".") return path.slice(i);
  return "";
}

/** goutils.WrapCustom over the string's bytes. */
function wrapCustom(s: string, width0: number, newline0: string, wrapLong: boolean): string {
  const str = Buffer.from(s, "utf8");
  if (str.length === 0) return "";
  const nl = Buffer.from(newline0 === "" ? "\n" : newline0, "utf8");
  const width = width0 < 1 ? 1 : width0;
  const parts: Buffer[] = [];
  let offset = 0;
  while (str.length - offset > width) {
    if (str[offset] === 0x20) {
      offset++;
      continue;
    }
    const end = Math.min(width + offset + 1, str.length);
    const at = str.subarray(offset, end).lastIndexOf(0x20);
    if (at >= 0) {
      parts.push(str.subarray(offset, offset + at), nl);
      offset += at + 1;
    } else if (wrapLong) {
      parts.push(str.subarray(offset, offset + width), nl);
      offset += width;
    } else {
      const index = str.indexOf(0x20, width + offset);
      if (index < 0) {
        parts.push(str.subarray(offset));
        offset = str.length;
      } else {
        parts.push(str.subarray(offset, index), nl);
        offset = index + 1;
      }
    }
  }
  parts.push(str.subarray(offset));
  return Buffer.concat(parts).toString("utf8");
}

/** goutils.AbbreviateFull (bytes), as Sprig's abbrevboth calls it. */
function abbreviateFull(s: string, offset0: number, maxWidth: number): string {
  const b = Buffer.from(s, "utf8");
  if (b.length === 0 || maxWidth < 4) return "";
  if (b.length <= maxWidth) return s;
  let offset = Math.min(offset0, b.length);
  if (b.length - offset < maxWidth - 3) offset = b.length - (maxWidth - 3);
  if (offset <= 4) return `${b.subarray(0, maxWidth - 3).toString("utf8")}...`;
  if (maxWidth < 7) return "";
  if (offset + maxWidth - 3 < b.length) return `...${abbreviateFull(b.subarray(offset).toString("utf8"), 0, maxWidth - 3)}`;
  return `...${b.subarray(b.length - (maxWidth - 3)).toString("utf8")}`;
}

/** reflect.DeepEqual on template values: same Go types all the way down. */
function deepEqual(a: Value, b: Value): boolean {
  if (typeName(a) !== typeName(b)) return false;
  if (a instanceof GoFloat && b instanceof GoFloat) return a.v === b.v;
  if (a instanceof GoTime && b instanceof GoTime) return a.ns === b.ns && a.offset === b.offset && a.zone === b.zone;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i] as Value));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => mapGet(b, k) !== undefined && deepEqual(a[k] as Value, b[k] as Value));
  }
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint")) return BigInt(a) === BigInt(b);
  return a === b;
}

/** A float's shortest decimal form as m * 10^e (shopspring/decimal's NewFromFloat). */
function decimalOf(x: number): [bigint, number] {
  const [mant, exp] = x.toExponential().split("e") as [string, string];
  const frac = (mant.split(".")[1] ?? "").length;
  return [BigInt(mant.replace(".", "")), Number(exp) - frac];
}

function chunk(c: CallContext, size: number, l: Value): Value {
  if (!Array.isArray(l)) return c.fail(`Cannot chunk type ${typeName(l)}`);
  if (size <= 0) return c.fail("runtime error: makeslice: len out of range");
  const out: Value[] = [];
  for (let i = 0; i < l.length; i += size) out.push(l.slice(i, i + size));
  c.charge(out.length * 8);
  return out;
}

const moreSprig: Record<string, TemplateFunction> = {
  hello: f([], () => "Hello!"),
  abbrevboth: f(["int", "int", "string"], (_c, [l, r, s]) => (int(r as Value) < 4 || (int(l as Value) > 0 && int(r as Value) < 7) ? str(s as Value) : abbreviateFull(str(s as Value), int(l as Value), int(r as Value)))),
  wrapWith: f(["int", "string", "string"], (c, [n, sep, s]) => sized(c, str(s as Value).length * (1 + str(sep as Value).length), () => wrapCustom(str(s as Value), int(n as Value), str(sep as Value), true))),
  trimall: f(["string", "string"], (c, [cut, s]) => (sprig["trimAll"] as TemplateFunction).call(c, [cut as Value, s as Value])),
  chunk: f(["int", "any"], (c, [n, l]) => chunk(c, int(n as Value), l as Value)),
  mustChunk: f(["int", "any"], (c, [n, l]) => chunk(c, int(n as Value), l as Value)),
  base: f(["string"], (_c, [p]) => basePath(str(p as Value))),
  dir: f(["string"], (_c, [p]) => dirPath(str(p as Value))),
  clean: f(["string"], (_c, [p]) => cleanPath(str(p as Value))),
  ext: f(["string"], (_c, [p]) => extPath(str(p as Value))),
  isAbs: f(["string"], (_c, [p]) => str(p as Value).startsWith("/")),
  // filepath on Linux, where ESO runs, is path.
  osBase: f(["string"], (_c, [p]) => basePath(str(p as Value))),
  osDir: f(["string"], (_c, [p]) => dirPath(str(p as Value))),
  osClean: f(["string"], (_c, [p]) => cleanPath(str(p as Value))),
  osExt: f(["string"], (_c, [p]) => extPath(str(p as Value))),
  osIsAbs: f(["string"], (_c, [p]) => str(p as Value).startsWith("/")),
  round: f(["any", "int"], (_c, [a, p, ...opt]) => {
    const roundOn = opt.length > 0 ? (opt[0] as GoFloat).v : 0.5;
    const pow = 10 ** int(p as Value);
    const digit = pow * toFloat64(a as Value);
    const frac = digit - Math.trunc(digit);
    return new GoFloat((frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow);
  }, "float64"),
  maxf: f(["any"], (_c, [a, ...rest]) => new GoFloat(rest.reduce<number>((m, v) => Math.max(m, toFloat64(v)), toFloat64(a as Value))), "any"),
  minf: f(["any"], (_c, [a, ...rest]) => new GoFloat(rest.reduce<number>((m, v) => Math.min(m, toFloat64(v)), toFloat64(a as Value))), "any"),
  add1f: f(["any"], (c, [v]) => {
    const x = toFloat64(v as Value);
    if (!Number.isFinite(x)) c.fail(`Cannot create a Decimal from ${formatFloat(x)}`);
    const [m, e] = decimalOf(x);
    // Exact decimal sum, then the nearest float64, as decimal.Add(1).Float64().
    const sum = e >= 0 ? m * 10n ** BigInt(e) + 1n : m + 10n ** BigInt(-e);
    return new GoFloat(Number(`${sum}e${e >= 0 ? 0 : e}`));
  }),
  toDecimal: f(["any"], (_c, [v]) => {
    const t = toStr(v as Value);
    if (!/^[+-]?[0-7]+$/.test(t)) return 0n;
    const abs = BigInt(`0o${t.replace(/^[+-]/, "")}`);
    const n = t.startsWith("-") ? -abs : abs;
    return n > 9223372036854775807n || n < -9223372036854775808n ? 0n : n;
  }),
  typeIsLike: f(["string", "any"], (_c, [t, v]) => {
    if (v === null) return false;
    const name = typeName(v as Value);
    return str(t as Value) === name || `*${str(t as Value)}` === name;
  }),
  deepEqual: f(["any", "any"], (_c, [a, b]) => deepEqual(a as Value, b as Value)),
  urlParse: f(["string"], (c, [v]) => {
    if (str(v as Value).length > 1 << 16) c.charge(Number.MAX_SAFE_INTEGER);
    const r = urlParse(str(v as Value));
    if (typeof r["error"] === "string" && Object.keys(r).length === 1) return c.fail(r["error"]);
    const m = newMap();
    for (const [k, x] of Object.entries(r)) mapSet(m, k, x);
    return m;
  }),
  urlJoin: f(["map"], (c, [d]) => {
    const parts: Record<string, string> = {};
    for (const k of ["scheme", "host", "path", "query", "opaque", "fragment", "userinfo"]) {
      const x = isMap(d as Value) ? mapGet(d as GoMap, k) : undefined;
      if (x === undefined) continue;
      if (typeof x !== "string") return c.fail(`unable to parse ${k} key, must be of type string, but ${x === null ? "invalid" : typeName(x).startsWith("[]") ? "slice" : typeName(x).startsWith("map") ? "map" : typeName(x)} found`);
      parts[k] = x;
    }
    const r = urlJoin(parts);
    return typeof r === "string" ? r : c.fail(r.error);
  }),
  // A *semver.Version: its argument-less methods read as fields; it prints as String().
  semver: f(["string"], (c, [v]) => {
    if (str(v as Value).length > 4096) c.charge(Number.MAX_SAFE_INTEGER);
    const r = parseSemver(str(v as Value));
    if ("error" in r) return c.fail(r.error);
    return new GoStruct("*semver.Version", { Major: r.major, Minor: r.minor, Patch: r.patch, Prerelease: r.pre, Metadata: r.metadata, Original: r.original, String: r.string }, r.string, r.string);
  }),
  semverCompare: f(["string", "string"], (c, [con, v]) => {
    if (str(con as Value).length + str(v as Value).length > 4096) c.charge(Number.MAX_SAFE_INTEGER);
    const r = semverCompare(str(con as Value), str(v as Value));
    return typeof r === "boolean" ? r : c.fail(r.error);
  }),
};

// Sprig's must* forms fail where the plain forms panic; here both fail, with the same message.
for (const name of ["append", "push", "compact", "first", "has", "initial", "last", "prepend", "rest", "reverse", "slice", "uniq", "without", "deepCopy", "merge", "mergeOverwrite", "regexFind", "regexFindAll", "regexReplaceAll", "regexReplaceAllLiteral", "regexSplit"]) {
  const plain = sprig[name];
  const must = `must${name[0]!.toUpperCase()}${name.slice(1)}`;
  if (plain && !(must in sprig)) moreSprig[must] = plain;
}

/**
 * Every function a template may call: Go's built-ins, then Sprig (without env access) and
 * ESO's helpers, which replace a built-in of the same name (`slice`) as a FuncMap does in Go.
 * Left out on purpose: `env`/`expandenv` (ESO removes them) and `getHostByName` (a DNS lookup
 * from a tenant's template; hush does no I/O while rendering).
 */
export const functions: ReadonlyMap<string, TemplateFunction> = new Map(Object.entries({ ...builtins, ...sprig, ...moreSprig, ...dateFunctions, ...randomFunctions, ...cryptoFunctions, ...esoFunctions }));
