import { HushError, type ErrorCode } from "@hush/errors";
import { formatFloatJson } from "../go-format.js";
import { Comment, SopsTime, TreeList, TreeMap, type Scalar, type Tree, type TreeValue } from "../tree.js";

const int64Max = 2n ** 63n - 1n;
const int64Min = -(2n ** 63n);

/**
 * Parses JSON keeping what `JSON.parse` loses and sops keeps: key order, duplicate keys as
 * separate items, and integers as 64-bit ints (sops ≥ 3.13.2; anything else is a float).
 */
export function parseJson(text: string, errorCode: ErrorCode): Tree {
  let i = 0;
  const fail = (what: string): never => {
    throw new HushError(errorCode, `invalid JSON at offset ${i}: ${what}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const value = (): TreeValue => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const map = new TreeMap();
      ws();
      if (text[i] === "}") {
        i++;
        return map;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a string key");
        const key = string();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        map.items.push({ key, value: value() });
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return map;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const list = new TreeList();
      ws();
      if (text[i] === "]") {
        i++;
        return list;
      }
      for (;;) {
        list.items.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return list;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "" || m[0] === "-") return fail("unexpected character");
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const n = BigInt(m[0]);
      if (n >= int64Min && n <= int64Max) return n;
    }
    return Number(m[0]);
  };
  const string = (): string => {
    i++; // opening quote
    let out = "";
    let start = i;
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (ch < 0x20) fail("control character in string");
      if (ch === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail("invalid escape");
        start = i;
        continue;
      }
      i++;
    }
  };
  const root = value();
  ws();
  if (i < text.length) fail("trailing data after the top-level value");
  if (!(root instanceof TreeMap)) {
    throw new HushError(errorCode, "a JSON document must be an object at the top level");
  }
  return { branches: [root] };
}

/** Characters Go's JSON encoder escapes (it also escapes <, > and & for HTML safety). */
const needsEscape = /["\\\u0000-\u001f<>&\u2028\u2029]/;

function quote(s: string): string {
  // Most values (every ENC[...] string, a binary file's whole ciphertext) need no escape:
  // one scan, no per-character rebuilding, which for a 100 MB value is the difference
  // between one copy and gigabytes of garbage.
  if (!needsEscape.test(s)) return `"${s}"`;
  const parts: string[] = ['"'];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = "\\\\";
    else if (c === 0x0a) esc = "\\n";
    else if (c === 0x0d) esc = "\\r";
    else if (c === 0x09) esc = "\\t";
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) esc = `\\u${c.toString(16).padStart(4, "0")}`;
    if (esc === undefined) continue;
    parts.push(s.slice(from, i), esc);
    from = i + 1;
  }
  parts.push(s.slice(from), '"');
  return parts.join("");
}

function scalarJson(v: Scalar): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString(10);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new HushError("HUSH_ERR_SOPS_EMIT", "JSON cannot hold NaN or infinite numbers");
    return formatFloatJson(v);
  }
  if (v instanceof SopsTime) return quote(v.text);
  if (v instanceof Uint8Array) return quote(new TextDecoder().decode(v));
  return quote(v);
}

/**
 * Renders JSON as sops does (Go's `json.Indent` over compact output): one item per line,
 * `": "`, `indent` spaces per level (-1 or default: a tab; 0: none), trailing newline.
 * Comments have no JSON form and are dropped, as sops drops them.
 */
export function emitJsonValue(v: TreeValue, indent = -1): string {
  const unit = indent < 0 ? "\t" : " ".repeat(indent);
  const write = (value: TreeValue, depth: number): string => {
    const pad = unit.repeat(depth + 1);
    const end = unit.repeat(depth);
    if (value instanceof TreeMap) {
      const items = value.entries();
      if (items.length === 0) return "{}";
      return `{\n${items.map((e) => `${pad}${quote(e.key)}: ${write(e.value, depth + 1)}`).join(",\n")}\n${end}}`;
    }
    if (value instanceof TreeList) {
      const items = value.items.filter((x): x is TreeValue => !(x instanceof Comment));
      if (items.length === 0) return "[]";
      return `[\n${items.map((x) => `${pad}${write(x, depth + 1)}`).join(",\n")}\n${end}]`;
    }
    return scalarJson(value);
  };
  return write(v, 0);
}

/** Serialises a (single-branch) tree as JSON. */
export function emitJson(tree: Tree, indent = -1): string {
  return `${emitJsonValue(tree.branches[0] ?? new TreeMap(), indent)}\n`;
}
