import { SopsTime, type Scalar } from "../tree.js";

// Scalar resolution and quoting as go-yaml v3 does them, because sops reads and writes YAML
// with go-yaml: the same plain text must become the same type (and so the same MAC input).

const nulls = new Set(["", "~", "null", "Null", "NULL"]);
const trues = new Set(["true", "True", "TRUE"]);
const falses = new Set(["false", "False", "FALSE"]);
const specialFloats = new Map<string, number>([
  ...[".nan", ".NaN", ".NAN"].map((s) => [s, NaN] as const),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s) => [s, Infinity] as const),
  ...["-.inf", "-.Inf", "-.INF"].map((s) => [s, -Infinity] as const),
]);
const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const uint64Max = 2n ** 64n - 1n;
const int64Max = 2n ** 63n - 1n;
const int64Min = -(2n ** 63n);

/** Go `strconv.ParseInt(s, 0, 64)`-style parse without range check; `undefined` if not an int. */
function parseGoIntBase0(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const sign = m[1] === "-" ? -1n : 1n;
  const body = m[2] ?? "";
  let n: bigint;
  if (/^0[xXbB]/.test(body)) n = BigInt(body.toLowerCase());
  else if (/^0[oO]/.test(body)) n = BigInt(`0o${body.slice(2)}`);
  else if (body.length > 1 && body.startsWith("0")) n = BigInt(`0o${body.slice(1)}`);
  else n = BigInt(body);
  return sign * n;
}

const timestampRe =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:([Tt])|[ \t]+)(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))?)?$/;

/** go-yaml's timestamp forms, rendered as Go's RFC 3339 (nanosecond) text. */
export function parseYamlTimestamp(s: string): SopsTime | undefined {
  const m = timestampRe.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, t, h, mi, se, frac, z, sign, oh, om] = m;
  const hasTime = h !== undefined;
  const hasZone = z !== undefined || sign !== undefined;
  if (t !== undefined && !hasZone) return undefined; // "T" form needs a zone in go-yaml's layouts
  if (t === undefined && hasTime && hasZone) return undefined; // space form has no zone
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hasTime && (Number(h) > 23 || Number(mi) > 59 || Number(se) > 59)) return undefined;
  const pad = (v: string | undefined, n = 2): string => (v ?? "0").padStart(n, "0");
  let text = `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(se)}`;
  const fraction = (frac ?? "").slice(0, 9).replace(/0+$/, "");
  if (fraction) text += `.${fraction}`;
  if (sign !== undefined && !(oh === "00" && om === "00")) text += `${sign}${oh}:${om}`;
  else text += "Z";
  return new SopsTime(text);
}

/** Resolves a plain (unquoted, untagged) YAML scalar the way go-yaml v3 does. */
export function resolvePlain(s: string): Scalar {
  if (nulls.has(s)) return null;
  if (trues.has(s)) return true;
  if (falses.has(s)) return false;
  const special = specialFloats.get(s);
  if (special !== undefined) return special;
  const c = s.charCodeAt(0);
  const isDigit = c >= 48 && c <= 57;
  if (isDigit || s[0] === "-" || s[0] === "+") {
    const ts = isDigit ? parseYamlTimestamp(s) : undefined;
    if (ts) return ts;
    const plain = s.replace(/_/g, "");
    const int = parseGoIntBase0(plain);
    if (int !== undefined && int <= uint64Max && int >= int64Min) return int; // > int64 is refused on encrypt
    if (yamlStyleFloat.test(plain)) return Number(plain);
    return s;
  }
  if (s[0] === "." && yamlStyleFloat.test(s)) return Number(s);
  return s;
}

const oldBools = new Set(["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]);
const base60Float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}
const isBreak = (ch: string): boolean => ch === "\n" || ch === "\r" || ch === "\u0085" || ch === "\u2028" || ch === "\u2029";
const isBlankz = (ch: string | undefined): boolean => ch === undefined || ch === " " || ch === "\t" || ch === "\0" || isBreak(ch);

interface Analysis {
  readonly blockPlain: boolean;
  readonly single: boolean;
  readonly block: boolean;
  readonly multiline: boolean;
}

/** libyaml's `yaml_emitter_analyze_scalar`, for block context. */
function analyze(s: string): Analysis {
  if (s.length === 0) return { blockPlain: false, single: true, block: false, multiline: false };
  const chars = Array.from(s);
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWs = true;
  if (s.startsWith("---") || s.startsWith("...")) blockIndicators = flowIndicators = true;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const followedByWs = isBlankz(chars[i + 1]);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) flowIndicators = blockIndicators = true;
      if (ch === "?" || ch === ":") {
        flowIndicators = true;
        if (followedByWs) blockIndicators = true;
      }
      if (ch === "-" && followedByWs) flowIndicators = blockIndicators = true;
    } else {
      if (",?[]{}".includes(ch)) flowIndicators = true;
      if (ch === ":") {
        flowIndicators = true;
        if (followedByWs) blockIndicators = true;
      }
      if (ch === "#" && precededByWs) flowIndicators = blockIndicators = true;
    }
    // A tab rules out plain and single-quoted text but not a literal block (libyaml).
    if (ch === "\t") tabs = true;
    else if (!isPrintable(ch.codePointAt(0) ?? 0)) special = true;
    if (isBreak(ch)) lineBreaks = true;
    const last = i === chars.length - 1;
    if (ch === " ") {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(ch)) {
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWs = isBlankz(ch);
  }
  let blockPlain = true;
  let single = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) blockPlain = single = false;
  if (tabs) blockPlain = single = false;
  if (spaceBreak || special) blockPlain = single = block = false;
  if (lineBreaks) blockPlain = false;
  if (blockIndicators) blockPlain = false;
  void flowIndicators;
  return { blockPlain, single, block, multiline: lineBreaks };
}

const simpleText = /^[A-Za-z_][A-Za-z0-9_./+=-]*$/;
const encText = /^[A-Za-z0-9+/=,:[\]_]*$/;

/** How go-yaml writes a string: the style it picks. */
export type StringStyle = "plain" | "single" | "double" | "literal";

/** The style go-yaml v3 (via libyaml) chooses for a string in block context. */
export function chooseStringStyle(s: string, simpleKey: boolean): StringStyle {
  // Fast path for the common case (identifiers, base64, paths): no indicator, space or
  // special character can make libyaml refuse the plain style.
  // sops ciphertext (ENC[AES256_GCM,data:…]) is always written plain.
  if (s.startsWith("ENC[AES256_GCM,data:") && encText.test(s)) return "plain";
  if (simpleText.test(s)) {
    const r = resolvePlain(s);
    return typeof r === "string" && !oldBools.has(s) ? "plain" : "double";
  }
  const a = analyze(s);
  const resolved = resolvePlain(s);
  const canUsePlain = typeof resolved === "string" && !base60Float.test(s) && !oldBools.has(s);
  let style: StringStyle = s.includes("\n") ? "literal" : canUsePlain ? "plain" : "double";
  if (style === "plain") {
    if (!a.blockPlain || (s.length === 0 && simpleKey)) style = "single";
  }
  if (style === "single" && !a.single) style = "double";
  if (style === "literal" && (!a.block || simpleKey)) style = "double";
  return style;
}

/** Writes a double-quoted YAML scalar with libyaml's escapes. */
export function doubleQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case "\0": out += "\\0"; continue;
      case "\x07": out += "\\a"; continue;
      case "\b": out += "\\b"; continue;
      case "\t": out += "\\t"; continue;
      case "\n": out += "\\n"; continue;
      case "\v": out += "\\v"; continue;
      case "\f": out += "\\f"; continue;
      case "\r": out += "\\r"; continue;
      case "\x1b": out += "\\e"; continue;
      case '"': out += '\\"'; continue;
      case "\\": out += "\\\\"; continue;
      case "\u0085": out += "\\N"; continue;
      case "\u00a0": out += "\\_"; continue;
      case "\u2028": out += "\\L"; continue;
      case "\u2029": out += "\\P"; continue;
    }
    if (isPrintable(cp) && cp !== 0xfeff) out += ch;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).toUpperCase().padStart(2, "0")}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).toUpperCase().padStart(8, "0")}`;
  }
  return `${out}"`;
}
