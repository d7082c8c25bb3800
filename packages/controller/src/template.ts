import { HushError } from "@hush/errors";

/**
 * A small, safe subset of Go's text/template (as ESO's v2 engine uses it): `{{ pipeline }}`
 * actions with `{{-`/`-}}` trimming, field access (`.key`, `.a.b`), string/number literals,
 * parenthesised pipelines, and function calls chained with `|`. No loops, no variables,
 * no `define`/`include`, no environment or file access — so rendering always terminates and
 * can reach nothing but the data it is given. Output is capped in size.
 */

/** A template value: strings, or JSON values from `fromJson`. */
type Value = unknown;

type Node =
  | { kind: "field"; path: string[] }
  | { kind: "lit"; value: Value }
  | { kind: "ident"; name: string }
  | { kind: "pipe"; cmds: Node[][] };

/** Max characters a single rendered template, or any intermediate value, may hold. */
export const maxTemplateOutput = 1 << 20;
/** Max characters of one template's source. */
export const maxTemplateSource = 64 * 1024;

/**
 * What one ExternalSecret's templates may spend, all of them together: characters allocated by
 * function results and output, and evaluation steps (operands and calls). Every function
 * computes the size of its result and charges it *before* allocating, so a hostile template
 * (say, chained `replace` calls growing tenfold each) fails with a clear error instead of
 * exhausting the heap.
 */
export class TemplateBudget {
  /** Characters left to allocate. */
  chars: number;
  /** Evaluation steps left. */
  steps: number;
  constructor(limits: { readonly chars?: number; readonly steps?: number } = {}) {
    this.chars = limits.chars ?? 8 * maxTemplateOutput;
    this.steps = limits.steps ?? 20_000;
  }
  /** Reserves `n` characters for a value about to be built, or fails naming `what`. */
  charge(n: number, where: string, what: string): void {
    if (n > maxTemplateOutput) fail(where, `${what}: result would exceed ${maxTemplateOutput} characters`);
    if (n > this.chars) fail(where, `${what}: the templates of this ExternalSecret exceed their total size budget`);
    this.chars -= n;
  }
  step(where: string): void {
    if (--this.steps < 0) fail(where, "the templates of this ExternalSecret exceed their evaluation step budget");
  }
}

function fail(where: string, what: string): never {
  throw new HushError("HUSH_ERR_CONTROLLER_TEMPLATE", `${where}: ${what}`);
}

/** Max nesting of JSON values a template may print or index. */
const maxJsonDepth = 64;

/**
 * Characters of `JSON.stringify(v)` (pretty: with 2-space indentation), computed without
 * building the string; stops counting once past `limit`. Fails on nesting deeper than
 * {@link maxJsonDepth} (pretty printing costs depth × lines).
 */
function jsonSize(v: Value, pretty: boolean, limit: number, where: string): number {
  let total = 0;
  const stack: { v: Value; depth: number }[] = [{ v, depth: 0 }];
  while (stack.length > 0 && total <= limit) {
    const { v: cur, depth } = stack.pop()!;
    if (depth > maxJsonDepth) fail(where, `JSON nested deeper than ${maxJsonDepth}`);
    if (cur === null || cur === undefined) total += 4;
    else if (typeof cur === "string") total += cur.length * 6 + 2;
    else if (typeof cur !== "object") total += String(cur).length;
    else {
      const entries = Array.isArray(cur) ? cur.map((x) => ["", x] as const) : Object.entries(cur as Record<string, Value>);
      total += 2 + entries.length + (pretty ? (entries.length + 1) * (2 * depth + 3) : 0);
      for (const [k, x] of entries) {
        total += Array.isArray(cur) ? 0 : k.length * 6 + 3;
        stack.push({ v: x, depth: depth + 1 });
      }
    }
  }
  return total;
}

/** Upper bound of `toStr(v).length`, without building it. */
function strSize(v: Value, where: string): number {
  if (typeof v === "string") return v.length;
  if (v instanceof Uint8Array) return v.length;
  if (v === null || v === undefined) return 0;
  if (typeof v === "object") return jsonSize(v, false, maxTemplateOutput + 1, where);
  return String(v).length;
}

function toStr(v: Value): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Occurrences of `needle` (non-empty) in `s`, counted without allocating. */
function occurrences(s: string, needle: string): number {
  let n = 0;
  for (let i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length)) n++;
  return n;
}

/**
 * PEM blocks `{type, text}` in `s`: what `/-----BEGIN (T)-----[\s\S]*?-----END \1-----\n?/g`
 * finds, computed from one scan for markers plus a per-type index, so hostile input (thousands
 * of unterminated or distinct BEGIN lines) costs O(n log n), never O(n²).
 */
function pemBlocks(s: string): { type: string; text: string }[] {
  const begins: { at: number; type: string; bodyAt: number }[] = [];
  const ends = new Map<string, number[]>();
  for (let i = s.indexOf("-----", 0); i >= 0; ) {
    const isBegin = s.startsWith("BEGIN ", i + 5);
    const isEnd = !isBegin && s.startsWith("END ", i + 5);
    if (!isBegin && !isEnd) {
      i = s.indexOf("-----", i + 1);
      continue;
    }
    const typeAt = i + 5 + (isBegin ? 6 : 4);
    const close = s.indexOf("-----", typeAt);
    if (close < 0) break;
    const type = s.slice(typeAt, close);
    if (/^[A-Z0-9 ]+$/.test(type)) {
      if (isBegin) begins.push({ at: i, type, bodyAt: close + 5 });
      else {
        const list = ends.get(type) ?? [];
        list.push(i);
        ends.set(type, list);
      }
    }
    i = s.indexOf("-----", i + 1);
  }
  const out: { type: string; text: string }[] = [];
  let from = 0;
  for (const b of begins) {
    if (b.at < from) continue;
    const list = ends.get(b.type);
    if (!list) continue;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! < b.bodyAt) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= list.length) continue;
    let stop = list[lo]! + 5 + 4 + b.type.length + 5;
    if (s[stop] === "\n") stop++;
    const text = s.slice(b.at, stop);
    out.push({ type: b.type, text: text.endsWith("\n") ? text : `${text}\n` });
    from = stop;
  }
  return out;
}

type Fn = (c: Call, ...args: Value[]) => Value;

/** What a function call may use: where it is (for errors) and the ExternalSecret's budget. */
interface Call {
  readonly where: string;
  readonly budget: TemplateBudget;
  /** Reserves `n` characters for the result of `fn`. */
  charge(n: number): void;
}

function indentSize(n: number, s: string): number {
  const pad = Math.max(0, Math.min(64, n | 0));
  return s.length + pad * (occurrences(s, "\n") + 1);
}

const functions: Record<string, Fn> = {
  b64enc: (c, s) => {
    const str = toStr(s);
    c.charge(Math.ceil(Buffer.byteLength(str, "utf8") / 3) * 4);
    return Buffer.from(str, "utf8").toString("base64");
  },
  b64dec: (c, s) => {
    const text = toStr(s).trim();
    if (!/^[A-Za-z0-9+/=_-]*$/.test(text)) fail(c.where, "b64dec: input is not base64");
    c.charge(text.length);
    return Buffer.from(text, "base64").toString("utf8");
  },
  toJson: (c, v) => {
    c.charge(jsonSize(v ?? null, false, maxTemplateOutput + 1, c.where));
    return JSON.stringify(v ?? null);
  },
  toPrettyJson: (c, v) => {
    c.charge(jsonSize(v ?? null, true, maxTemplateOutput + 1, c.where));
    return JSON.stringify(v ?? null, null, 2);
  },
  fromJson: (c, s) => {
    const text = toStr(s);
    c.charge(text.length);
    let parsed: Value;
    try {
      parsed = JSON.parse(text) as Value;
    } catch {
      return fail(c.where, "fromJson: input is not valid JSON");
    }
    jsonSize(parsed, false, maxTemplateOutput + 1, c.where);
    return parsed;
  },
  toString: (c: Call, v: Value) => {
    c.charge(strSize(v, c.where));
    return toStr(v);
  },
  upper: (c, s) => {
    // A few characters grow when case-mapped (ß → SS, ŉ → ʼN): at most threefold.
    c.charge(3 * strSize(s, c.where));
    return toStr(s).toUpperCase();
  },
  lower: (c, s) => {
    c.charge(3 * strSize(s, c.where));
    return toStr(s).toLowerCase();
  },
  trim: (c, s) => {
    c.charge(strSize(s, c.where));
    return toStr(s).trim();
  },
  trimPrefix: (c, p, s) => {
    c.charge(strSize(s, c.where) + strSize(p, c.where));
    return toStr(s).startsWith(toStr(p)) ? toStr(s).slice(toStr(p).length) : toStr(s);
  },
  trimSuffix: (c, p, s) => {
    c.charge(strSize(s, c.where) + strSize(p, c.where));
    return toStr(s).endsWith(toStr(p)) && toStr(p) !== "" ? toStr(s).slice(0, -toStr(p).length) : toStr(s);
  },
  replace: (c, from, to, s) => {
    const [f, t] = [toStr(from), toStr(to)];
    c.charge(strSize(s, c.where) + f.length + t.length);
    const str = toStr(s);
    // The result's size is known before it is built: no intermediate can outgrow the budget.
    const n = f === "" ? Math.max(0, str.length - 1) : occurrences(str, f);
    c.charge(str.length + n * Math.max(0, t.length - f.length));
    return str.split(f).join(t);
  },
  quote: (c, s) => {
    c.charge(6 * strSize(s, c.where) + 2);
    return JSON.stringify(toStr(s));
  },
  squote: (c, s) => {
    c.charge(strSize(s, c.where) + 2);
    return `'${toStr(s)}'`;
  },
  default: (_c, d, v) => (v === undefined || v === null || v === "" ? d : v),
  index: (c, v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (cur === null || typeof cur !== "object") fail(c.where, "index: not a map or list");
      const key = toStr(k);
      cur = Object.hasOwn(cur, key) ? (cur as Record<string, Value>)[key] : undefined;
    }
    return cur;
  },
  join: (c, sep, list) => {
    if (!Array.isArray(list)) fail(c.where, "join: not a list");
    const s = toStr(sep);
    let size = Math.max(0, list.length - 1) * s.length;
    for (const x of list) size += strSize(x, c.where);
    c.charge(size);
    return list.map(toStr).join(s);
  },
  split: (c, sep, s) => {
    const str = toStr(s);
    const f = toStr(sep);
    const parts = f === "" ? str.length : occurrences(str, f) + 1;
    c.charge(str.length + 16 * parts);
    return str.split(f);
  },
  indent: (c, n, s) => {
    const str = toStr(s);
    c.charge(indentSize(Number(n), str));
    return indent(Number(n), str);
  },
  nindent: (c, n, s) => {
    const str = toStr(s);
    c.charge(indentSize(Number(n), str) + 1);
    return `\n${indent(Number(n), str)}`;
  },
  printf: (c, fmt, ...args) => {
    const f = toStr(fmt);
    let size = f.length;
    for (const a of args) size += 6 * strSize(a, c.where) + 2;
    c.charge(size);
    let i = 0;
    let out = "";
    let last = 0;
    for (let p = f.indexOf("%"); p >= 0 && p + 1 < f.length; p = f.indexOf("%", last)) {
      const verb = f[p + 1]!;
      if (!"svdq%".includes(verb)) {
        out += f.slice(last, p + 2);
        last = p + 2;
        continue;
      }
      out += f.slice(last, p);
      last = p + 2;
      if (verb === "%") {
        out += "%";
        continue;
      }
      if (i >= args.length) fail(c.where, "printf: missing argument");
      const a = args[i++];
      out += verb === "q" ? JSON.stringify(toStr(a)) : toStr(a);
    }
    return out + f.slice(last);
  },
  /** `filterPEM "CERTIFICATE"`: only the PEM blocks of that type, concatenated. */
  filterPEM: (c, type, s) => {
    c.charge(strSize(s, c.where));
    const t = toStr(type);
    return pemBlocks(toStr(s))
      .filter((b) => b.type === t)
      .map((b) => b.text)
      .join("");
  },
  /** `pemCertificates`: every CERTIFICATE block (shorthand for filterPEM "CERTIFICATE"). */
  pemCertificates: (c, s) => functions["filterPEM"]!(c, "CERTIFICATE", s),
  /** `pemPrivateKey`: the first private key block (PKCS#8, RSA or EC). */
  pemPrivateKey: (c, s) => {
    c.charge(strSize(s, c.where));
    return pemBlocks(toStr(s)).find((b) => b.type.endsWith("PRIVATE KEY"))?.text ?? "";
  },
};

function indent(n: number, s: string): string {
  const pad = " ".repeat(Math.max(0, Math.min(64, n | 0)));
  return s
    .split("\n")
    .map((l) => pad + l)
    .join("\n");
}

/** Names of the template functions, for docs and errors. */
export const templateFunctions = Object.keys(functions).sort();

type Segment = { text: string } | { action: Node };

function parse(src: string, where: string): Segment[] {
  if (src.length > maxTemplateSource) fail(where, `template longer than ${maxTemplateSource} characters`);
  const segs: Segment[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < src.length) {
    const open = src.indexOf("{{", pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.trimStart();
    trimNext = false;
    if (open < 0) {
      segs.push({ text });
      break;
    }
    let start = open + 2;
    if (src[start] === "-" && /\s/.test(src[start + 1] ?? "")) {
      text = text.trimEnd();
      start += 1;
    }
    segs.push({ text });
    const close = findClose(src, start, where);
    let end = close;
    if (src[close - 1] === "-" && /\s/.test(src[close - 2] ?? "")) {
      end = close - 1;
      trimNext = true;
    }
    const body = src.slice(start, end).trim();
    if (body.startsWith("/*")) {
      pos = close + 2;
      continue;
    }
    const p = new Parser(body, where);
    const node = p.pipeline();
    p.expectEnd();
    segs.push({ action: node });
    pos = close + 2;
  }
  return segs;
}

function findClose(src: string, from: number, where: string): number {
  let i = from;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '"' || ch === "`") {
      const q = ch;
      i++;
      while (i < src.length && src[i] !== q) i += src[i] === "\\" && q === '"' ? 2 : 1;
      i++;
      continue;
    }
    if (src.startsWith("}}", i)) return i;
    i++;
  }
  return fail(where, "unclosed action: missing }}");
}

class Parser {
  #s: string;
  #i = 0;
  #where: string;
  constructor(s: string, where: string) {
    this.#s = s;
    this.#where = where;
  }
  #ws(): void {
    while (this.#i < this.#s.length && /\s/.test(this.#s[this.#i]!)) this.#i++;
  }
  expectEnd(): void {
    this.#ws();
    if (this.#i < this.#s.length) fail(this.#where, `unexpected input at column ${this.#i + 1}`);
  }
  pipeline(): Node {
    const cmds: Node[][] = [this.#command()];
    this.#ws();
    while (this.#s[this.#i] === "|") {
      this.#i++;
      cmds.push(this.#command());
      this.#ws();
    }
    return { kind: "pipe", cmds };
  }
  #command(): Node[] {
    const args: Node[] = [];
    for (;;) {
      this.#ws();
      const ch = this.#s[this.#i];
      if (ch === undefined || ch === "|" || ch === ")") break;
      args.push(this.#operand());
    }
    if (args.length === 0) fail(this.#where, "empty command in pipeline");
    return args;
  }
  #operand(): Node {
    const s = this.#s;
    const ch = s[this.#i]!;
    if (ch === "(") {
      this.#i++;
      const p = this.pipeline();
      this.#ws();
      if (s[this.#i] !== ")") fail(this.#where, "missing )");
      this.#i++;
      return p;
    }
    if (ch === '"') {
      let j = this.#i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      if (j >= s.length) fail(this.#where, "unterminated string");
      const raw = s.slice(this.#i, j + 1);
      this.#i = j + 1;
      try {
        return { kind: "lit", value: JSON.parse(raw) as string };
      } catch {
        return fail(this.#where, "bad string literal");
      }
    }
    if (ch === "`") {
      const j = s.indexOf("`", this.#i + 1);
      if (j < 0) fail(this.#where, "unterminated raw string");
      const value = s.slice(this.#i + 1, j);
      this.#i = j + 1;
      return { kind: "lit", value };
    }
    if (ch === ".") {
      const m = /^\.((?:[A-Za-z0-9_-]+)(?:\.[A-Za-z0-9_-]+)*)?/.exec(s.slice(this.#i))!;
      this.#i += m[0].length;
      return { kind: "field", path: m[1] ? m[1].split(".") : [] };
    }
    const num = /^-?\d+(\.\d+)?/.exec(s.slice(this.#i));
    if (num) {
      this.#i += num[0].length;
      return { kind: "lit", value: Number(num[0]) };
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.#i));
    if (id) {
      this.#i += id[0].length;
      if (id[0] === "true" || id[0] === "false") return { kind: "lit", value: id[0] === "true" };
      if (id[0] === "nil") return { kind: "lit", value: null };
      if (["if", "else", "end", "range", "with", "define", "template", "block"].includes(id[0])) {
        fail(this.#where, `"${id[0]}" actions are not supported; use functions in a single pipeline`);
      }
      return { kind: "ident", name: id[0] };
    }
    return fail(this.#where, `unexpected character at column ${this.#i + 1}`);
  }
}

function evalNode(node: Node, data: Value, c: Call, piped?: { value: Value }): Value {
  c.budget.step(c.where);
  switch (node.kind) {
    case "lit":
      return node.value;
    case "field": {
      let cur = data;
      for (const p of node.path) {
        if (cur === null || typeof cur !== "object") return fail(c.where, `.${node.path.join(".")}: no such field`);
        if (!Object.hasOwn(cur, p)) return fail(c.where, `.${node.path.join(".")}: no such key`);
        cur = (cur as Record<string, Value>)[p];
      }
      return cur;
    }
    case "ident":
      return callFn(node.name, [], c, piped);
    case "pipe": {
      let carry: { value: Value } | undefined;
      for (const cmd of node.cmds) {
        const head = cmd[0]!;
        const rest = cmd.slice(1);
        if (head.kind === "ident") {
          const args = rest.map((a) => evalNode(a, data, c));
          carry = { value: callFn(head.name, args, c, carry) };
        } else {
          if (rest.length > 0) fail(c.where, "only functions take arguments");
          if (carry) fail(c.where, "cannot pipe into a value; pipe into a function");
          carry = { value: evalNode(head, data, c) };
        }
      }
      return carry!.value;
    }
  }
}

function callFn(name: string, args: Value[], c: Call, piped?: { value: Value }): Value {
  c.budget.step(c.where);
  const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
  if (!fn) return fail(c.where, `unknown function "${name.slice(0, 40)}"`);
  const all = piped ? [...args, piped.value] : args;
  if (all.length === 0 && fn.length > 1) fail(c.where, `${name}: missing argument`);
  return fn(c, ...all);
}

/**
 * Renders one template against `data` (fetched keys as strings). `where` names the template
 * in errors (e.g. `spec.target.template.data.config`). Errors never include data values.
 * Pass one `budget` to every template of an ExternalSecret so they share its limits; without
 * one the template gets a budget of its own.
 */
export function renderTemplate(src: string, data: Readonly<Record<string, Value>>, where: string, budget: TemplateBudget = new TemplateBudget()): string {
  const c: Call = { where, budget, charge: (n) => budget.charge(n, where, "template") };
  let out = "";
  for (const seg of parse(src, where)) {
    const piece = "text" in seg ? seg.text : evalNode(seg.action, data, c);
    const size = strSize(piece, where);
    if (out.length + size > maxTemplateOutput) fail(where, `output exceeds ${maxTemplateOutput} characters`);
    budget.charge(size, where, "output");
    out += toStr(piece);
  }
  return out;
}
