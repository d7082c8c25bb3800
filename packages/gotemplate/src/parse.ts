import { TemplateError } from "./errors.js";
import { lex, type Token } from "./lex.js";

/** The parse tree, shaped as text/template/parse's nodes. */
export type Node = TextNode | ActionNode | IfNode | RangeNode | WithNode | TemplateNode | BreakNode | ContinueNode;
export type Arg =
  | { kind: "field"; idents: string[] }
  | { kind: "variable"; idents: string[] }
  | { kind: "chain"; node: Arg; fields: string[] }
  | { kind: "identifier"; name: string }
  | { kind: "dot" }
  | { kind: "nil" }
  | { kind: "bool"; value: boolean }
  | { kind: "number"; text: string; isInt: boolean; isFloat: boolean; int: number; float: number }
  | { kind: "string"; value: string }
  | PipeNode;

export interface TextNode {
  kind: "text";
  text: string;
}
export interface PipeNode {
  kind: "pipe";
  line: number;
  isAssign: boolean;
  decl: string[];
  cmds: Arg[][];
}
export interface ActionNode {
  kind: "action";
  line: number;
  pipe: PipeNode;
}
export interface IfNode {
  kind: "if";
  line: number;
  pipe: PipeNode;
  list: Node[];
  elseList: Node[] | null;
}
export interface WithNode {
  kind: "with";
  line: number;
  pipe: PipeNode;
  list: Node[];
  elseList: Node[] | null;
}
export interface RangeNode {
  kind: "range";
  line: number;
  pipe: PipeNode;
  list: Node[];
  elseList: Node[] | null;
}
export interface TemplateNode {
  kind: "template";
  line: number;
  name: string;
  pipe: PipeNode | null;
}
export interface BreakNode {
  kind: "break";
  line: number;
}
export interface ContinueNode {
  kind: "continue";
  line: number;
}

/** A parsed template set: the named main template and every `define`/`block`. */
export interface Parsed {
  readonly name: string;
  readonly templates: Map<string, Node[]>;
}

export interface ParseOptions {
  /** Functions the template may call; any other identifier is a parse error, as in Go. */
  readonly functions: ReadonlySet<string>;
  readonly leftDelim?: string;
  readonly rightDelim?: string;
  /** Maximum nesting of control structures and parentheses. */
  readonly maxDepth: number;
}

/** Parses `source` as Go's `template.New(name).Funcs(...).Parse(source)` does. */
export function parse(name: string, source: string, options: ParseOptions): Parsed {
  const p = new Parser(name, lex(name, source, options.leftDelim, options.rightDelim), options);
  const templates = new Map<string, Node[]>();
  p.templates = templates;
  const root = p.parseRoot();
  // An empty main template does not replace a non-empty one defined in the same text.
  if (!templates.has(name) || !isEmpty(root)) templates.set(name, root);
  return { name, templates };
}

function isEmpty(list: Node[]): boolean {
  return list.every((n) => n.kind === "text" && n.text.trim() === "");
}

class Parser {
  private pos = 0;
  private depth = 0;
  private vars: string[] = ["$"];
  private rangeDepth = 0;
  templates = new Map<string, Node[]>();

  constructor(
    private readonly name: string,
    private readonly tokens: Token[],
    private readonly options: ParseOptions,
  ) {}

  private fail(msg: string, token: Token = this.peek()): never {
    throw new TemplateError("parse", `template: ${this.name}:${token.line}: ${msg}`);
  }

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private next(): Token {
    const t = this.tokens[this.pos] as Token;
    if (t.kind !== "eof") this.pos++;
    return t;
  }

  private nextNonSpace(): Token {
    let t = this.next();
    while (t.kind === "space") t = this.next();
    return t;
  }

  private peekNonSpace(): Token {
    const save = this.pos;
    const t = this.nextNonSpace();
    this.pos = save;
    return t;
  }

  private enter(): void {
    if (++this.depth > this.options.maxDepth) throw new TemplateError("limit", `template: ${this.name}: nesting deeper than ${this.options.maxDepth}`);
  }

  parseRoot(): Node[] {
    const list: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "eof") return list;
      if (t.kind === "leftDelim") {
        const save = this.pos;
        this.next();
        const kw = this.nextNonSpace();
        if (kw.kind === "keyword" && kw.text === "define") {
          this.parseDefine();
          continue;
        }
        this.pos = save;
      }
      const { node, end } = this.textOrAction();
      if (end) this.fail(`unexpected {{${end}}}`);
      if (node) list.push(node);
    }
  }

  private parseDefine(): void {
    const nameTok = this.nextNonSpace();
    if (nameTok.kind !== "string" && nameTok.kind !== "rawString") this.fail("define name must be a string");
    const tname = unquote(nameTok.text, this.fail.bind(this));
    this.expectRightDelim("define");
    const savedVars = this.vars;
    this.vars = ["$"];
    const { list, end } = this.itemList();
    this.vars = savedVars;
    if (end !== "end") this.fail(`unexpected {{${end}}} in define clause`);
    const existing = this.templates.get(tname);
    if (existing && !isEmpty(existing) && !isEmpty(list)) this.fail(`template: multiple definition of template "${tname}"`);
    if (!existing || !isEmpty(list)) this.templates.set(tname, list);
  }

  /** Parses nodes until `{{end}}` or `{{else...}}`; returns which one ended the list. */
  private itemList(): { list: Node[]; end: "end" | "else" } {
    const list: Node[] = [];
    for (;;) {
      if (this.peek().kind === "eof") this.fail("unexpected EOF");
      const { node, end } = this.textOrAction();
      if (end) return { list, end };
      if (node) list.push(node);
    }
  }

  private textOrAction(): { node: Node | null; end?: "end" | "else" } {
    const t = this.next();
    if (t.kind === "text") return { node: { kind: "text", text: t.text } };
    if (t.kind !== "leftDelim") this.fail(`unexpected ${t.text}`);
    const kw = this.peekNonSpace();
    if (kw.kind === "keyword") {
      this.nextNonSpace();
      switch (kw.text) {
        case "end":
          this.expectRightDelim("end");
          return { node: null, end: "end" };
        case "else":
          // `{{else}}`, `{{else if ...}}` and `{{else with ...}}` end the list; the caller reads on.
          return { node: null, end: "else" };
        case "if":
        case "with":
        case "range":
          return { node: this.control(kw.text, kw.line) };
        case "template":
          return { node: this.templateCall(kw.line) };
        case "block":
          return { node: this.block(kw.line) };
        case "break":
        case "continue":
          if (this.rangeDepth === 0) this.fail(`{{${kw.text}}} outside {{range}}`);
          this.expectRightDelim(kw.text);
          return { node: { kind: kw.text, line: kw.line } };
        case "define":
          this.fail("unexpected define (a define clause is allowed only at the top level)");
      }
    }
    const pipe = this.pipeline("command", "rightDelim");
    return { node: { kind: "action", line: t.line, pipe } };
  }

  private control(kind: "if" | "with" | "range", line: number): Node {
    this.enter();
    const savedVars = this.vars.length;
    const pipe = this.pipeline(kind, "rightDelim");
    if (kind === "range") this.rangeDepth++;
    const body = this.itemList();
    if (kind === "range") this.rangeDepth--;
    let elseList: Node[] | null = null;
    if (body.end === "else") {
      const next = this.peekNonSpace();
      if ((kind === "if" || kind === "with") && next.kind === "keyword" && next.text === kind) {
        // `{{else if}}` is `{{else}}{{if}}...{{end}}{{end}}` sharing one `{{end}}`.
        this.nextNonSpace();
        elseList = [this.control(kind, next.line)];
      } else {
        this.expectRightDelim("else");
        const rest = this.itemList();
        if (rest.end !== "end") this.fail(`expected end; found {{else}}`);
        elseList = rest.list;
      }
    }
    this.vars.length = savedVars;
    this.depth--;
    return { kind, line, pipe, list: body.list, elseList } as Node;
  }

  private templateCall(line: number): TemplateNode {
    const nameTok = this.nextNonSpace();
    if (nameTok.kind !== "string" && nameTok.kind !== "rawString") this.fail("template name must be a string constant");
    const name = unquote(nameTok.text, this.fail.bind(this));
    let pipe: PipeNode | null = null;
    if (this.peekNonSpace().kind !== "rightDelim") pipe = this.pipeline("template clause", "rightDelim");
    else this.nextNonSpace();
    return { kind: "template", line, name, pipe };
  }

  private block(line: number): TemplateNode {
    const nameTok = this.nextNonSpace();
    if (nameTok.kind !== "string" && nameTok.kind !== "rawString") this.fail("block name must be a string constant");
    const name = unquote(nameTok.text, this.fail.bind(this));
    const pipe = this.pipeline("block clause", "rightDelim");
    const savedVars = this.vars;
    this.vars = ["$"];
    const body = this.itemList();
    this.vars = savedVars;
    if (body.end !== "end") this.fail("unexpected {{else}} in block clause");
    if (!this.templates.has(name) || isEmpty(this.templates.get(name) as Node[])) this.templates.set(name, body.list);
    return { kind: "template", line, name, pipe };
  }

  private expectRightDelim(context: string): void {
    const t = this.nextNonSpace();
    if (t.kind !== "rightDelim") this.fail(`unexpected ${describe(t)} in ${context}`);
  }

  /** pipeline: [decl] command ('|' command)*, ended by `end` (rightDelim or rightParen). */
  private pipeline(context: string, end: "rightDelim" | "rightParen"): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { kind: "pipe", line: first.line, isAssign: false, decl: [], cmds: [] };
    // Declarations: $x := ..., $x = ..., and in range: $i, $e := ...
    if (first.kind === "variable") {
      const save = this.pos;
      this.nextNonSpace();
      const op = this.peekNonSpace();
      if (op.kind === "declare" || op.kind === "assign") {
        this.nextNonSpace();
        pipe.decl.push(first.text);
        pipe.isAssign = op.kind === "assign";
        if (op.kind === "declare") this.vars.push(first.text);
        else if (!this.vars.includes(first.text)) this.fail(`undefined variable "${first.text}"`);
      } else if (op.kind === "comma" && context === "range") {
        this.nextNonSpace();
        const second = this.nextNonSpace();
        if (second.kind !== "variable") this.fail("range can only initialize variables");
        const decl = this.nextNonSpace();
        if (decl.kind !== "declare" && decl.kind !== "assign") this.fail("expected := or = in range");
        pipe.decl.push(first.text, second.text);
        pipe.isAssign = decl.kind === "assign";
        if (decl.kind === "declare") this.vars.push(first.text, second.text);
      } else {
        this.pos = save;
      }
    }
    for (;;) {
      const t = this.peekNonSpace();
      if (t.kind === end) {
        this.nextNonSpace();
        if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
        return pipe;
      }
      if (t.kind === "eof" || t.kind === "rightDelim" || t.kind === "rightParen") this.fail(`unexpected ${describe(t)} in ${context}`);
      pipe.cmds.push(this.command(end));
    }
  }

  private command(end: "rightDelim" | "rightParen"): Arg[] {
    const args: Arg[] = [];
    for (;;) {
      const t = this.peekNonSpace();
      if (t.kind === "pipe") {
        this.nextNonSpace();
        if (args.length === 0) this.fail("missing command");
        return args;
      }
      if (t.kind === end || t.kind === "rightDelim" || t.kind === "rightParen" || t.kind === "eof") {
        if (args.length === 0) this.fail("empty command");
        return args;
      }
      args.push(this.operand());
    }
  }

  private operand(): Arg {
    const node = this.term();
    const fields: string[] = [];
    while (this.peek().kind === "field") fields.push(this.next().text.slice(1));
    if (fields.length === 0) return node;
    if (node.kind === "field" || node.kind === "variable") return { kind: node.kind, idents: [...node.idents, ...fields] };
    if (node.kind === "bool" || node.kind === "string" || node.kind === "number" || node.kind === "nil" || node.kind === "dot")
      this.fail(`unexpected . after term`);
    return { kind: "chain", node, fields };
  }

  private term(): Arg {
    const t = this.nextNonSpace();
    switch (t.kind) {
      case "identifier":
        if (!this.options.functions.has(t.text)) this.fail(`function "${t.text}" not defined`, t);
        return { kind: "identifier", name: t.text };
      case "dot":
        return { kind: "dot" };
      case "nil":
        return { kind: "nil" };
      case "variable":
        if (!this.vars.includes(t.text)) this.fail(`undefined variable "${t.text}"`, t);
        return { kind: "variable", idents: [t.text] };
      case "field":
        return { kind: "field", idents: [t.text.slice(1)] };
      case "bool":
        return { kind: "bool", value: t.text === "true" };
      case "char":
      case "number":
        return number(t, this.fail.bind(this));
      case "string":
      case "rawString":
        return { kind: "string", value: unquote(t.text, this.fail.bind(this)) };
      case "leftParen": {
        this.enter();
        const pipe = this.pipeline("parenthesized pipeline", "rightParen");
        this.depth--;
        return pipe;
      }
      default:
        return this.fail(`unexpected ${describe(t)} in operand`, t);
    }
  }
}

function describe(t: Token): string {
  if (t.kind === "eof") return "EOF";
  if (t.kind === "rightDelim") return `"${t.text}"`;
  return `<${t.text}>`;
}

function number(t: Token, fail: (m: string) => never): Arg {
  if (t.kind === "char") {
    const ch = unquoteChar(t.text, fail);
    return { kind: "number", text: t.text, isInt: true, isFloat: true, int: ch, float: ch };
  }
  const text = t.text.replace(/_/g, "");
  if (text.endsWith("i")) fail(`complex numbers are not supported: ${t.text}`);
  const lower = text.toLowerCase();
  const isHex = /^[+-]?0x/.test(lower);
  let isInt = false;
  let int = 0;
  let isFloat = false;
  let float = 0;
  const intText = /^[+-]?0[0-7]+$/.test(lower) ? lower.replace(/^([+-]?)0/, "$10o") : lower;
  if (/^[+-]?(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/.test(intText)) {
    const neg = intText.startsWith("-");
    const body = intText.replace(/^[+-]/, "");
    const big = BigInt(body);
    const value = neg ? -big : big;
    if (value <= 9223372036854775807n && value >= -9223372036854775808n) {
      isInt = true;
      int = Number(value);
    }
    isFloat = true;
    float = Number(value);
  } else if (!isHex || /p/.test(lower)) {
    const f = Number(lower);
    if (Number.isNaN(f)) fail(`illegal number syntax: ${JSON.stringify(t.text)}`);
    isFloat = true;
    float = f;
    if (Number.isInteger(f) && Math.abs(f) <= Number.MAX_SAFE_INTEGER) {
      isInt = true;
      int = f;
    }
  } else {
    fail(`illegal number syntax: ${JSON.stringify(t.text)}`);
  }
  return { kind: "number", text: t.text, isInt, isFloat, int, float };
}

const simpleEscapes: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", "'": "'", '"': '"' };

/** strconv.Unquote for "..." and `...` literals. */
export function unquote(text: string, fail: (m: string) => never): string {
  if (text.startsWith("`")) return text.slice(1, -1).replace(/\r/g, "");
  const body = text.slice(1, -1);
  let out = "";
  const bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString("utf8");
    bytes.length = 0;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== "\\") {
      flush();
      out += c;
      continue;
    }
    const e = body[++i] ?? "";
    if (e in simpleEscapes && e !== "'") {
      flush();
      out += simpleEscapes[e];
    } else if (e === "x") {
      const hex = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail(`invalid syntax in string ${text}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (e >= "0" && e <= "7") {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) fail(`invalid syntax in string ${text}`);
      bytes.push(parseInt(oct, 8));
      i += 2;
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) fail(`invalid syntax in string ${text}`);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) fail(`invalid syntax in string ${text}`);
      flush();
      out += String.fromCodePoint(cp);
      i += n;
    } else {
      fail(`invalid syntax in string ${text}`);
    }
  }
  flush();
  return out;
}

function unquoteChar(text: string, fail: (m: string) => never): number {
  const body = text.slice(1, -1);
  if (!body.startsWith("\\")) {
    const cps = [...body];
    if (cps.length !== 1) fail(`malformed character constant: ${text}`);
    return (cps[0] as string).codePointAt(0) as number;
  }
  const s = unquote(`"${body.replace(/^\\'$/, "'")}"`, fail);
  const cps = [...s];
  if (cps.length !== 1) fail(`malformed character constant: ${text}`);
  return (cps[0] as string).codePointAt(0) as number;
}
