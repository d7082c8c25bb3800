import { GoFloat, GoStruct, GoTime, formatFloat, isMap, sortedKeys, sprint, typeName, type Value } from "./value.js";

/**
 * Go's `fmt.Sprintf` for the verbs templates use: %v %s %d %q %x %X %o %b %c %t %f %F %e %E
 * %g %G %T %%, flags `+ - # 0 space`, width and precision (also `*`) and `%[n]` indexes.
 * Width and precision are capped by `maxWidth` before any padding is built.
 */
export function sprintf(format: string, args: readonly Value[], maxWidth: number): string {
  let out = "";
  let argNum = 0;
  let reordered = false;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    let plus = false;
    let minus = false;
    let sharp = false;
    let zero = false;
    let space = false;
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === "+") plus = true;
      else if (c === "-") minus = true;
      else if (c === "#") sharp = true;
      else if (c === "0") zero = true;
      else if (c === " ") space = true;
      else break;
    }
    const argIndex = (): void => {
      if (format[i] !== "[") return;
      const close = format.indexOf("]", i);
      const n = close > i ? Number(format.slice(i + 1, close)) : NaN;
      if (Number.isInteger(n) && n >= 1) {
        argNum = n - 1;
        reordered = true;
        i = close + 1;
      }
    };
    const readNum = (): number | undefined => {
      argIndex();
      if (format[i] === "*") {
        i++;
        const a = args[argNum++];
        return typeof a === "number" ? a : typeof a === "bigint" ? Number(a) : undefined;
      }
      const start = i;
      while (i < format.length && format[i]! >= "0" && format[i]! <= "9") i++;
      return i > start ? Number(format.slice(start, i)) : undefined;
    };
    let width = readNum();
    if (width !== undefined && width < 0) {
      minus = true;
      width = -width;
    }
    let prec: number | undefined;
    if (format[i] === ".") {
      i++;
      prec = readNum() ?? 0;
    }
    argIndex();
    const verb = format[i];
    if (verb === undefined) {
      out += "%!(NOVERB)";
      break;
    }
    i++;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if ((width ?? 0) > maxWidth || (prec ?? 0) > maxWidth) throw new RangeError("printf width or precision too large");
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argNum++] as Value;
    let s = formatOne(verb, arg, { plus, sharp, space, prec, zero: zero && !minus });
    if (width !== undefined && [...s].length < width) {
      const pad = width - [...s].length;
      if (minus) s += " ".repeat(pad);
      else if (zero && "dfFeEgGxXob".includes(verb) && (typeof arg === "number" || typeof arg === "bigint" || arg instanceof GoFloat)) {
        const sign = s.startsWith("-") || s.startsWith("+") ? (s[0] as string) : "";
        s = sign + "0".repeat(pad) + s.slice(sign.length);
      } else s = " ".repeat(pad) + s;
    }
    out += s;
  }
  if (!reordered && argNum < args.length) {
    out += `%!(EXTRA ${args
      .slice(argNum)
      .map((a) => `${typeName(a)}=${sprint(a)}`)
      .join(", ")})`;
  }
  return out;
}

interface Flags {
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  prec: number | undefined;
}

function bad(verb: string, arg: Value): string {
  return `%!${verb}(${typeName(arg)}=${sprint(arg)})`;
}

function formatOne(verb: string, arg0: Value, f: Flags): string {
  if (verb === "T") return typeName(arg0);
  // A time.Time is a fmt.Stringer: every other verb formats its String() (%d shows it bad).
  const arg = (arg0 instanceof GoTime || (arg0 instanceof GoStruct && arg0.stringer !== undefined)) && verb !== "p" ? sprint(arg0) : arg0;
  if (verb === "v") {
    if (arg instanceof GoFloat) return signed(formatFloat(arg.v), f);
    if (typeof arg === "number" || typeof arg === "bigint") return signed(String(arg), f);
    if (typeof arg === "string" && f.sharp) return JSON.stringify(arg);
    return sprint(arg);
  }
  if (typeof arg === "number" || typeof arg === "bigint") {
    const n = BigInt(arg);
    switch (verb) {
      case "d":
        return signed(n.toString(), f);
      case "x":
      case "X": {
        const s = (n < 0n ? "-" : "") + (f.sharp ? "0x" : "") + (n < 0n ? -n : n).toString(16);
        return verb === "X" ? s.toUpperCase() : s;
      }
      case "o":
        return (n < 0n ? "-" : "") + (f.sharp ? "0" : "") + (n < 0n ? -n : n).toString(8);
      case "b":
        return (n < 0n ? "-" : "") + (n < 0n ? -n : n).toString(2);
      case "c":
        return String.fromCodePoint(Number(n));
      case "q":
        return `'${String.fromCodePoint(Number(n))}'`;
      case "f":
      case "F":
      case "e":
      case "g":
        return bad(verb, arg);
      case "s":
        return bad(verb, arg);
    }
    return bad(verb, arg);
  }
  if (arg instanceof GoFloat) {
    const v = arg.v;
    switch (verb) {
      case "f":
      case "F":
        return signed(v.toFixed(f.prec ?? 6), f);
      case "e":
      case "E": {
        const s = expo(v.toExponential(f.prec ?? 6));
        return signed(verb === "E" ? s.toUpperCase() : s, f);
      }
      case "g":
      case "G":
        return signed(f.prec === undefined ? formatFloat(v) : gFormat(v, f.prec), f);
    }
    return bad(verb, arg);
  }
  if (typeof arg === "string") {
    switch (verb) {
      case "s":
        return f.prec !== undefined ? [...arg].slice(0, f.prec).join("") : arg;
      case "q":
        return goQuote(arg);
      case "x":
      case "X": {
        const s = Buffer.from(arg, "utf8").toString("hex");
        return verb === "X" ? s.toUpperCase() : s;
      }
    }
    return bad(verb, arg);
  }
  if (typeof arg === "boolean") return verb === "t" ? String(arg) : bad(verb, arg);
  if (Array.isArray(arg)) {
    if (verb === "s" || verb === "d" || verb === "q" || verb === "x") return `[${arg.map((a) => formatOne(verb, a, f)).join(" ")}]`;
    return bad(verb, arg);
  }
  if (isMap(arg) && (verb === "s" || verb === "d" || verb === "q")) {
    return `map[${sortedKeys(arg)
      .map((k) => `${formatOne(verb, k, f)}:${formatOne(verb, arg[k] as Value, f)}`)
      .join(" ")}]`;
  }
  if (arg === null) return `%!${verb}(<nil>)`;
  return bad(verb, arg);
}

function signed(s: string, f: Flags): string {
  if (s.startsWith("-")) return s;
  if (f.plus) return `+${s}`;
  if (f.space) return ` ${s}`;
  return s;
}

/** Go writes at least two exponent digits: 1e+06. */
function expo(s: string): string {
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

function gFormat(v: number, prec: number): string {
  const p = prec === 0 ? 1 : prec;
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (v !== 0 && (exp < -4 || exp >= p)) return expo(v.toExponential(p - 1).replace(/\.?0+e/, "e"));
  return String(Number(v.toPrecision(p)));
}

/** strconv.Quote: Go's double-quoted string with \u escapes for non-printables. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp === 0xfffd && ch !== "\ufffd") out += "\\ufffd";
    else out += ch;
  }
  return `${out}"`;
}
