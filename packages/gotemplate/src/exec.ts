import { TemplateError } from "./errors.js";
import type { Arg, Node, Parsed, PipeNode } from "./parse.js";
import { GoFloat, GoStruct, GoTime, isMap, isStringMap, mapGet, printValue, sortedKeys, truth, typeName, type Value } from "./value.js";

/** Bounds on one render. Every allocation a function makes is charged before it is made. */
export interface Limits {
  /** Nodes evaluated plus loop iterations. */
  readonly maxSteps: number;
  /** Bytes the template may write. */
  readonly maxOutputBytes: number;
  /** Largest single string or list (elements) a function may return. */
  readonly maxValueBytes: number;
  /** Total bytes all function results may add up to in one render. */
  readonly maxAllocatedBytes: number;
  /** Nesting of `template` calls and of control structures. */
  readonly maxDepth: number;
  /** Largest template source accepted. */
  readonly maxSourceBytes: number;
}

export const defaultLimits: Limits = {
  maxSteps: 100_000,
  maxOutputBytes: 1 << 20,
  maxValueBytes: 1 << 20,
  maxAllocatedBytes: 16 << 20,
  maxDepth: 64,
  maxSourceBytes: 256 << 10,
};

/** How a function parameter converts its argument, as Go's reflection-based call does. */
export type ParamKind = "any" | "string" | "int" | "int64" | "float64" | "bool" | "map" | "time";

/** A template function with Go's parameter types, so wrong-typed calls fail as in Go. */
export interface TemplateFunction {
  readonly params: readonly ParamKind[];
  readonly variadic?: ParamKind;
  readonly call: (ctx: CallContext, args: Value[]) => Value;
}

/** What a function may use: the limits it must respect before allocating. */
export interface CallContext {
  readonly name: string;
  /** Throws a limit error unless `bytes` more may be allocated now. */
  charge(bytes: number): void;
  fail(message: string): never;
  readonly clock: () => Date;
  readonly random: (n: number) => Uint8Array;
}

/** Built-ins evaluated specially (lazily or with access to the evaluator). */
const lazy = new Set(["and", "or"]);

class Break {}
class Continue {}

interface Variable {
  name: string;
  value: Value;
}

/** Executes a parsed template on `data` with `missingkey=error`, as ESO does. */
export function execute(
  parsed: Parsed,
  data: Value,
  functions: ReadonlyMap<string, TemplateFunction>,
  limits: Limits,
  env: { clock: () => Date; random: (n: number) => Uint8Array },
  usage?: Usage,
): string {
  const state = new State(parsed, functions, limits, env);
  const main = parsed.templates.get(parsed.name);
  if (!main) throw new TemplateError("exec", `template: ${parsed.name}: "${parsed.name}" is an incomplete or empty template`);
  state.vars.push({ name: "$", value: data });
  try {
    state.walkList(data, main, 0);
    return state.out.join("");
  } finally {
    // Reported on failure too, so a caller sharing a budget across renders charges what was spent.
    if (usage) state.report(usage);
  }
}

/** What one render spent, for callers that share a budget across several renders. */
export interface Usage {
  steps: number;
  allocatedBytes: number;
  outputBytes: number;
}

class State {
  readonly out: string[] = [];
  private outBytes = 0;
  private steps = 0;
  private allocated = 0;
  readonly vars: Variable[] = [];
  private line = 0;

  constructor(
    private readonly parsed: Parsed,
    private readonly functions: ReadonlyMap<string, TemplateFunction>,
    private readonly limits: Limits,
    private readonly env: { clock: () => Date; random: (n: number) => Uint8Array },
  ) {}

  private fail(msg: string): never {
    throw new TemplateError("exec", `template: ${this.parsed.name}:${this.line}: ${msg}`);
  }

  report(usage: Usage): void {
    usage.steps = this.steps;
    usage.allocatedBytes = this.allocated;
    usage.outputBytes = this.outBytes;
  }

  private limit(what: string): never {
    throw new TemplateError("limit", `template: ${this.parsed.name}:${this.line}: ${what}`);
  }

  private step(): void {
    if (++this.steps > this.limits.maxSteps) this.limit(`more than ${this.limits.maxSteps} evaluation steps`);
  }

  charge(bytes: number): void {
    if (bytes > this.limits.maxValueBytes) this.limit(`a value larger than ${this.limits.maxValueBytes} bytes`);
    this.allocated += bytes;
    if (this.allocated > this.limits.maxAllocatedBytes) this.limit(`more than ${this.limits.maxAllocatedBytes} bytes allocated`);
  }

  private write(s: string): void {
    this.outBytes += Buffer.byteLength(s, "utf8");
    if (this.outBytes > this.limits.maxOutputBytes) this.limit(`output larger than ${this.limits.maxOutputBytes} bytes`);
    this.out.push(s);
  }

  walkList(dot: Value, list: Node[], depth: number): void {
    for (const node of list) this.walk(dot, node, depth);
  }

  private walk(dot: Value, node: Node, depth: number): void {
    this.step();
    if (node.kind !== "text") this.line = node.line;
    switch (node.kind) {
      case "text":
        this.write(node.text);
        return;
      case "action": {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.write(printValue(value));
        return;
      }
      case "if":
      case "with": {
        if (depth + 1 > this.limits.maxDepth) this.limit(`nesting deeper than ${this.limits.maxDepth}`);
        const mark = this.vars.length;
        const value = this.evalPipeline(dot, node.pipe);
        if (truth(value)) this.walkList(node.kind === "with" ? (value as Value) : dot, node.list, depth + 1);
        else if (node.elseList) this.walkList(dot, node.elseList, depth + 1);
        this.vars.length = mark;
        return;
      }
      case "range":
        this.walkRange(dot, node, depth + 1);
        return;
      case "break":
        throw new Break();
      case "continue":
        throw new Continue();
      case "template": {
        if (depth + 1 > this.limits.maxDepth) this.limit(`exceeded maximum template depth (${this.limits.maxDepth})`);
        const body = this.parsed.templates.get(node.name);
        if (!body) this.fail(`template: no template "${node.name}" associated with template "${this.parsed.name}"`);
        const newDot = node.pipe ? (this.evalPipeline(dot, node.pipe) ?? null) : null;
        const saved = this.vars.splice(0);
        this.vars.push({ name: "$", value: newDot });
        try {
          this.walkList(newDot, body, depth + 1);
        } finally {
          this.vars.length = 0;
          this.vars.push(...saved);
        }
        return;
      }
    }
  }

  private walkRange(dot: Value, node: Extract<Node, { kind: "range" }>, depth: number): void {
    if (depth > this.limits.maxDepth) this.limit(`nesting deeper than ${this.limits.maxDepth}`);
    const mark = this.vars.length;
    const value = this.evalPipeline(dot, node.pipe);
    // The declared variables were pushed by evalPipeline; each iteration sets them.
    const decl = node.pipe.decl;
    const oneIteration = (index: Value, elem: Value): boolean => {
      if (decl.length === 1) this.setVar(decl[0] as string, elem, mark);
      else if (decl.length === 2) {
        this.setVar(decl[0] as string, index, mark);
        this.setVar(decl[1] as string, elem, mark);
      }
      const inner = this.vars.length;
      try {
        this.walkList(elem, node.list, depth);
      } catch (e) {
        if (e instanceof Break) return false;
        if (!(e instanceof Continue)) throw e;
      } finally {
        this.vars.length = inner;
      }
      return true;
    };
    let ran = false;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        this.step();
        ran = true;
        if (!oneIteration(i, value[i] as Value)) break;
      }
    } else if (isMap(value)) {
      for (const k of sortedKeys(value)) {
        this.step();
        ran = true;
        if (!oneIteration(k, value[k] as Value)) break;
      }
    } else if (typeof value === "number" || typeof value === "bigint") {
      if (decl.length > 1) this.fail(`can't use ${String(value)} to iterate over more than one variable`);
      const n = Number(value);
      for (let i = 0; i < n; i++) {
        this.step();
        ran = true;
        if (!oneIteration(i, i)) break;
      }
    } else if (value !== null && value !== undefined) {
      this.fail(`range can't iterate over ${printValue(value).length > 0 ? typeName(value) : ""}`.trim());
    }
    this.vars.length = mark;
    if (!ran && node.elseList) this.walkList(dot, node.elseList, depth);
  }

  private setVar(name: string, value: Value, from: number): void {
    for (let i = this.vars.length - 1; i >= from; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.vars.push({ name, value });
  }

  private lookupVar(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    return this.fail(`undefined variable: ${name}`);
  }

  private evalPipeline(dot: Value, pipe: PipeNode): Value {
    this.line = pipe.line;
    let value: Value | undefined;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
    }
    const result = value ?? null;
    for (const name of pipe.decl) {
      if (pipe.isAssign) {
        let found = false;
        for (let i = this.vars.length - 1; i >= 0; i--) {
          const v = this.vars[i] as Variable;
          if (v.name === name) {
            v.value = result;
            found = true;
            break;
          }
        }
        if (!found) this.fail(`undefined variable: ${name}`);
      } else {
        this.vars.push({ name, value: result });
      }
    }
    return result;
  }

  private evalCommand(dot: Value, cmd: Arg[], final: Value | undefined): Value {
    this.step();
    const first = cmd[0] as Arg;
    switch (first.kind) {
      case "identifier":
        return this.evalFunction(dot, first.name, cmd, final);
      case "field":
        this.noArgs(cmd, final, first.idents[first.idents.length - 1] as string);
        return this.evalFieldChain(dot, dot, first.idents);
      case "variable": {
        const value = this.lookupVar(first.idents[0] as string);
        if (first.idents.length === 1) {
          this.noArgs(cmd, final, first.idents[0] as string);
          return value;
        }
        this.noArgs(cmd, final, first.idents[first.idents.length - 1] as string);
        return this.evalFieldChain(dot, value, first.idents.slice(1));
      }
      case "chain": {
        this.noArgs(cmd, final, first.fields[first.fields.length - 1] as string);
        const base = this.evalArgAny(dot, first.node);
        return this.evalFieldChain(dot, base, first.fields);
      }
      case "pipe":
        this.noArgs(cmd, final, "pipeline");
        return this.evalPipeline(dot, first);
    }
    this.noArgs(cmd, final, "constant");
    switch (first.kind) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        return this.fail("nil is not a command");
      case "number":
        return constant(first);
      case "string":
        return first.value;
    }
    return this.fail("can't evaluate command");
  }

  private noArgs(cmd: Arg[], final: Value | undefined, name: string): void {
    if (cmd.length > 1 || final !== undefined) this.fail(`can't give argument to non-function ${name}`);
  }

  private evalFieldChain(_dot: Value, receiver: Value, idents: string[]): Value {
    let v = receiver;
    for (const ident of idents) {
      this.step();
      if (isMap(v)) {
        const got = mapGet(v, ident);
        if (got === undefined) this.fail(`map has no entry for key "${ident}"`);
        v = got;
      } else if (v instanceof GoStruct) {
        const got = Object.hasOwn(v.fields, ident) ? v.fields[ident] : undefined;
        if (got === undefined) this.fail(`can't evaluate field ${ident} in type ${v.type}`);
        v = got;
      } else if (v === null) {
        this.fail(`nil pointer evaluating interface {}.${ident}`);
      } else {
        this.fail(`can't evaluate field ${ident} in type ${typeName(v)}`);
      }
    }
    return v;
  }

  private evalArgAny(dot: Value, arg: Arg): Value {
    switch (arg.kind) {
      case "dot":
        return dot;
      case "nil":
        return null;
      case "bool":
        return arg.value;
      case "number":
        return constant(arg);
      case "string":
        return arg.value;
      case "field":
        return this.evalFieldChain(dot, dot, arg.idents);
      case "variable": {
        const value = this.lookupVar(arg.idents[0] as string);
        return arg.idents.length === 1 ? value : this.evalFieldChain(dot, value, arg.idents.slice(1));
      }
      case "chain":
        return this.evalFieldChain(dot, this.evalArgAny(dot, arg.node), arg.fields);
      case "pipe":
        return this.evalPipeline(dot, arg);
      case "identifier":
        return this.evalFunction(dot, arg.name, [arg], undefined);
    }
  }

  /** Evaluates an argument for a parameter of `kind`; constants convert as Go's untyped constants do. */
  private evalArg(dot: Value, arg: Arg, kind: ParamKind): Value {
    this.step();
    if (arg.kind === "number") {
      switch (kind) {
        case "int":
        case "int64":
          if (!arg.isInt) this.fail(`expected integer; found ${arg.text}`);
          return kind === "int64" ? BigInt(arg.int) : arg.int;
        case "float64":
          return new GoFloat(arg.float);
        case "any":
          return constant(arg);
        default:
          return this.fail(`expected ${goKind(kind)}; found ${arg.text}`);
      }
    }
    if (arg.kind === "nil") {
      if (kind === "any" || kind === "map") return null;
      return this.fail(`cannot assign nil to ${goKind(kind)}`);
    }
    if (arg.kind === "string" && kind !== "string" && kind !== "any") this.fail(`expected ${goKind(kind)}; found "${arg.value}"`);
    if (arg.kind === "bool" && kind !== "bool" && kind !== "any") this.fail(`expected ${goKind(kind)}; found ${String(arg.value)}`);
    return this.validate(this.evalArgAny(dot, arg), kind);
  }

  private validate(value: Value | undefined, kind: ParamKind): Value {
    if (value === undefined || value === null) {
      if (kind === "any" || kind === "map") return null;
      return this.fail(`invalid value; expected ${goKind(kind)}`);
    }
    const ok =
      kind === "any" ||
      (kind === "string" && typeof value === "string") ||
      (kind === "int" && typeof value === "number") ||
      (kind === "int64" && typeof value === "bigint") ||
      (kind === "float64" && value instanceof GoFloat) ||
      (kind === "bool" && typeof value === "boolean") ||
      (kind === "map" && isMap(value) && !isStringMap(value)) ||
      (kind === "time" && value instanceof GoTime);
    if (!ok) this.fail(`wrong type for value; expected ${goKind(kind)}; got ${typeName(value)}`);
    return value;
  }

  private evalFunction(dot: Value, name: string, cmd: Arg[], final: Value | undefined): Value {
    const fn = this.functions.get(name);
    if (!fn) return this.fail(`"${name}" is not a defined function`);
    const args = cmd.slice(1);
    const total = args.length + (final === undefined ? 0 : 1);
    if (lazy.has(name)) {
      // and/or evaluate left to right and stop at the first decisive value (Go 1.18+).
      if (total < 1) this.fail(`wrong number of args for ${name}: want at least 1 got 0`);
      let v: Value = null;
      for (let i = 0; i < total; i++) {
        v = i < args.length ? this.evalArg(dot, args[i] as Arg, "any") : (final as Value);
        if (truth(v) === (name === "or")) return v;
      }
      return v;
    }
    const n = fn.params.length;
    if (fn.variadic ? total < n : total !== n) {
      this.fail(`wrong number of args for ${name}: want ${fn.variadic ? "at least " : ""}${n} got ${total}`);
    }
    const argv: Value[] = [];
    for (let i = 0; i < args.length; i++) argv.push(this.evalArg(dot, args[i] as Arg, (i < n ? fn.params[i] : fn.variadic) as ParamKind));
    if (final !== undefined) argv.push(this.validate(final, (args.length < n ? fn.params[args.length] : fn.variadic) as ParamKind));
    const ctx: CallContext = {
      name,
      charge: (bytes) => this.charge(bytes),
      fail: (message) => this.fail(`error calling ${name}: ${message}`),
      clock: this.env.clock,
      random: this.env.random,
    };
    const result = fn.call(ctx, argv);
    this.charge(sizeOf(result));
    return result;
  }
}

function goKind(kind: ParamKind): string {
  return kind === "any" ? "interface {}" : kind === "map" ? "map[string]interface {}" : kind === "time" ? "time.Time" : kind;
}

/** An untyped constant given to an `interface{}` parameter: int, or float64 when written as a float. */
function constant(n: Extract<Arg, { kind: "number" }>): Value {
  const floaty = !/^[+-]?0[xX]/.test(n.text) && !n.text.startsWith("'") && /[.eEpP]/.test(n.text);
  if (floaty || !n.isInt) return new GoFloat(n.float);
  return n.int;
}

/** Shallow size of a function result, charged against the allocation budget. */
function sizeOf(v: Value): number {
  if (typeof v === "string") return v.length;
  if (Array.isArray(v)) return v.length * 8;
  if (isMap(v)) return Object.keys(v).length * 16;
  return 8;
}
