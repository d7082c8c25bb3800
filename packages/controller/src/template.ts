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

/** Max bytes a single rendered template may produce. */
export const maxTemplateOutput = 1 << 20;

function fail(where: string, what: string): never {
  throw new HushError("HUSH_ERR_CONTROLLER_TEMPLATE", `${where}: ${what}`);
}

function toStr(v: Value): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----\n?/g;

const functions: Record<string, (where: string, ...args: Value[]) => Value> = {
  b64enc: (_w, s) => Buffer.from(toStr(s), "utf8").toString("base64"),
  b64dec: (w, s) => {
    const text = toStr(s).trim();
    if (!/^[A-Za-z0-9+/=_-]*$/.test(text)) fail(w, "b64dec: input is not base64");
    return Buffer.from(text, "base64").toString("utf8");
  },
  toJson: (_w, v) => JSON.stringify(v ?? null),
  toPrettyJson: (_w, v) => JSON.stringify(v ?? null, null, 2),
  fromJson: (w, s) => {
    try {
      return JSON.parse(toStr(s)) as Value;
    } catch {
      return fail(w, "fromJson: input is not valid JSON");
    }
  },
  toString: (_w: string, v: Value) => toStr(v),
  upper: (_w, s) => toStr(s).toUpperCase(),
  lower: (_w, s) => toStr(s).toLowerCase(),
  trim: (_w, s) => toStr(s).trim(),
  trimPrefix: (_w, p, s) => (toStr(s).startsWith(toStr(p)) ? toStr(s).slice(toStr(p).length) : toStr(s)),
  trimSuffix: (_w, p, s) => (toStr(s).endsWith(toStr(p)) && toStr(p) !== "" ? toStr(s).slice(0, -toStr(p).length) : toStr(s)),
  replace: (_w, from, to, s) => toStr(s).split(toStr(from)).join(toStr(to)),
  quote: (_w, s) => JSON.stringify(toStr(s)),
  squote: (_w, s) => `'${toStr(s)}'`,
  default: (_w, d, v) => (v === undefined || v === null || v === "" ? d : v),
  index: (w, v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (cur === null || typeof cur !== "object") fail(w, "index: not a map or list");
      cur = (cur as Record<string, Value>)[toStr(k)];
    }
    return cur;
  },
  join: (w, sep, list) => {
    if (!Array.isArray(list)) fail(w, "join: not a list");
    return list.map(toStr).join(toStr(sep));
  },
  split: (_w, sep, s) => toStr(s).split(toStr(sep)),
  indent: (_w, n, s) => indent(Number(n), toStr(s)),
  nindent: (_w, n, s) => `\n${indent(Number(n), toStr(s))}`,
  printf: (w, fmt, ...args) => {
    let i = 0;
    return toStr(fmt).replace(/%[svdq%]/g, (m) => {
      if (m === "%%") return "%";
      if (i >= args.length) fail(w, "printf: missing argument");
      const a = args[i++];
      return m === "%q" ? JSON.stringify(toStr(a)) : toStr(a);
    });
  },
  /** `filterPEM "CERTIFICATE"`: only the PEM blocks of that type, concatenated. */
  filterPEM: (_w, type, s) => {
    const out: string[] = [];
    for (const m of toStr(s).matchAll(pemBlock)) if (m[1] === toStr(type)) out.push(m[0].endsWith("\n") ? m[0] : `${m[0]}\n`);
    return out.join("");
  },
  /** `pemCertificates`: every CERTIFICATE block (shorthand for filterPEM "CERTIFICATE"). */
  pemCertificates: (w, s) => functions["filterPEM"]!(w, "CERTIFICATE", s),
  /** `pemPrivateKey`: the first private key block (PKCS#8, RSA or EC). */
  pemPrivateKey: (_w, s) => {
    for (const m of toStr(s).matchAll(pemBlock)) if (m[1]!.endsWith("PRIVATE KEY")) return m[0].endsWith("\n") ? m[0] : `${m[0]}\n`;
    return "";
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
  const segs: Segment[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < src.length) {
    const open = src.indexOf("{{", pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.replace(/^\s+/, "");
    trimNext = false;
    if (open < 0) {
      segs.push({ text });
      break;
    }
    let start = open + 2;
    if (src[start] === "-" && /\s/.test(src[start + 1] ?? "")) {
      text = text.replace(/\s+$/, "");
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

function evalNode(node: Node, data: Value, where: string, piped?: { value: Value }): Value {
  switch (node.kind) {
    case "lit":
      return node.value;
    case "field": {
      let cur = data;
      for (const p of node.path) {
        if (cur === null || typeof cur !== "object") return fail(where, `.${node.path.join(".")}: no such field`);
        if (!Object.hasOwn(cur, p)) return fail(where, `.${node.path.join(".")}: no such key`);
        cur = (cur as Record<string, Value>)[p];
      }
      return cur;
    }
    case "ident":
      return callFn(node.name, [], where, piped);
    case "pipe": {
      let carry: { value: Value } | undefined;
      for (const cmd of node.cmds) {
        const head = cmd[0]!;
        const rest = cmd.slice(1);
        if (head.kind === "ident") {
          const args = rest.map((a) => evalNode(a, data, where));
          carry = { value: callFn(head.name, args, where, carry) };
        } else {
          if (rest.length > 0) fail(where, "only functions take arguments");
          if (carry) fail(where, "cannot pipe into a value; pipe into a function");
          carry = { value: evalNode(head, data, where) };
        }
      }
      return carry!.value;
    }
  }
}

function callFn(name: string, args: Value[], where: string, piped?: { value: Value }): Value {
  const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
  if (!fn) return fail(where, `unknown function "${name.slice(0, 40)}"`);
  const all = piped ? [...args, piped.value] : args;
  if (all.length === 0 && fn.length > 1) fail(where, `${name}: missing argument`);
  return fn(where, ...all);
}

/**
 * Renders one template against `data` (fetched keys as strings). `where` names the template
 * in errors (e.g. `spec.target.template.data.config`). Errors never include data values.
 */
export function renderTemplate(src: string, data: Readonly<Record<string, Value>>, where: string): string {
  let out = "";
  for (const seg of parse(src, where)) {
    out += "text" in seg ? seg.text : toStr(evalNode(seg.action, data, where));
    if (out.length > maxTemplateOutput) fail(where, `output exceeds ${maxTemplateOutput} bytes`);
  }
  return out;
}
