import { timeJson, timeString } from "./time.js";
/**
 * The values a template computes with, modelled on the Go types text/template and Sprig
 * produce: `string`, `int` (a JS integer), `float64` ({@link GoFloat}, so `1.0` prints as Go
 * prints it), `bool`, `nil` (`null`), slices (arrays) and string-keyed maps (null-prototype
 * objects, so a key such as `__proto__` is just a key).
 */
export type Value = string | number | bigint | boolean | null | GoFloat | GoTime | GoStruct | Value[] | GoMap;

/** A Go map with string keys. Always created with a null prototype; read with {@link mapGet}. */
export interface GoMap {
  [key: string]: Value;
}

/** A float64. Integers are plain JS numbers; floats are boxed so `%v` and `toJson` match Go. */
export class GoFloat {
  constructor(readonly v: number) {}
}

/**
 * A Go `time.Time`: an instant (nanoseconds since the Unix epoch) and the zone it is shown in
 * (offset east of UTC in seconds and its abbreviation). Printing and formatting live in time.ts.
 */
export class GoTime {
  constructor(
    readonly ns: bigint,
    readonly offset: number,
    readonly zone: string,
  ) {}
}

/**
 * A Go struct (or pointer to one) a function returns: Sprig's `certificate`, semver's
 * `*Version`. Its exported fields and argument-less methods read as fields; it prints as
 * `String()` when it has one, else as fmt prints a struct (`{a b}`), and marshals as `json`.
 */
export class GoStruct {
  constructor(
    readonly type: string,
    readonly fields: Readonly<Record<string, Value>>,
    readonly stringer?: string,
    readonly json?: unknown,
  ) {}
}

export function newMap(): GoMap {
  return Object.create(null) as GoMap;
}

export function isMap(v: Value | undefined): v is GoMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GoFloat) && !(v instanceof GoTime) && !(v instanceof GoStruct);
}

const stringMapTag = Symbol("map[string]string");

/** Marks a map as Go's `map[string]string` (ESO's template data, Sprig's `split` result). */
export function markStringMap<T extends object>(m: T): T {
  Object.defineProperty(m, stringMapTag, { value: true, enumerable: false });
  return m;
}

export function isStringMap(v: unknown): boolean {
  return typeof v === "object" && v !== null && Object.hasOwn(v, stringMapTag);
}

export function mapGet(m: GoMap, key: string): Value | undefined {
  return Object.hasOwn(m, key) ? m[key] : undefined;
}

export function mapSet(m: GoMap, key: string, value: Value): void {
  Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Go's map iteration order in templates and fmt: sorted keys. */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort(compareStrings);
}

/** Byte-wise string order, as Go compares strings (UTF-16 order differs above the BMP). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The Go type name used in messages (`string`, `int`, `float64`, `[]interface {}`, ...). */
export function typeName(v: Value | undefined): string {
  if (v === undefined || v === null) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "int";
  if (typeof v === "bigint") return "int64";
  if (typeof v === "boolean") return "bool";
  if (v instanceof GoFloat) return "float64";
  if (v instanceof GoTime) return "time.Time";
  if (v instanceof GoStruct) return v.type;
  if (Array.isArray(v)) return "[]interface {}";
  return isStringMap(v) ? "map[string]string" : "map[string]interface {}";
}

/** Go's template truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truth(v: Value | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "string") return v.length > 0;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "boolean") return v;
  if (v instanceof GoFloat) return v.v !== 0;
  if (v instanceof GoTime || v instanceof GoStruct) return true;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** `strconv.FormatFloat(f, 'g', -1, 64)` as fmt's `%v` prints a float64. */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  // Shortest round-trip digits, then Go's choice for %v (shortest 'g'): %e when the exponent
  // is < -4 or >= 6 (fmt.Sprint(1e6) is "1e+06").
  const [mantissa, expText] = f.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    const abs = Math.abs(exp);
    return `${mantissa}e${sign}${abs < 10 ? "0" : ""}${abs}`;
  }
  const digits = mantissa.replace("-", "").replace(".", "");
  const neg = f < 0 ? "-" : "";
  const point = exp + 1;
  if (point <= 0) return `${neg}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${neg}${digits}${"0".repeat(point - digits.length)}`;
  return `${neg}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * What an action prints for its pipeline's value: `fmt.Sprint`, except that a nil result is
 * "<no value>" (text/template unwraps a nil interface to an invalid value before printing).
 */
export function printValue(v: Value | undefined): string {
  if (v === undefined || v === null) return "<no value>";
  return sprint(v, false);
}

/** `fmt.Sprint(v)`. */
export function sprint(v: Value, nested = false): string {
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof GoFloat) return formatFloat(v.v);
  if (v instanceof GoTime) return timeString(v);
  if (v instanceof GoStruct) return v.stringer ?? `{${Object.values(v.fields).map((f) => sprint(f, true)).join(" ")}}`;
  if (Array.isArray(v)) return `[${v.map((e) => sprint(e, true)).join(" ")}]`;
  return `map[${sortedKeys(v)
    .map((k) => `${k}:${sprint(v[k] as Value, true)}`)
    .join(" ")}]`;
}

/** Sprig's `strval`/`toString`: strings as they are, everything else as fmt prints it. */
export function toStr(v: Value | undefined): string {
  if (v === undefined || v === null) return "<nil>";
  return sprint(v, false);
}

/** Converts parsed JSON/YAML into template values (integers stay ints only where Go's decoder keeps them). */
export function fromPlain(x: unknown, jsonNumbers: "float" | "keep"): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === "string" || typeof x === "boolean") return x;
  if (typeof x === "number") return jsonNumbers === "float" ? new GoFloat(x) : Number.isInteger(x) ? x : new GoFloat(x);
  if (typeof x === "bigint") return x;
  if (Array.isArray(x)) return x.map((e) => fromPlain(e, jsonNumbers));
  if (x instanceof Date) return x.toISOString();
  if (typeof x === "object") {
    const m = newMap();
    for (const [k, val] of Object.entries(x as Record<string, unknown>)) mapSet(m, k, fromPlain(val, jsonNumbers));
    return m;
  }
  return String(x);
}

/** Template values to plain JSON-able data (floats unboxed). */
export function toPlain(v: Value): unknown {
  if (v instanceof GoFloat) return v.v;
  if (v instanceof GoTime) return timeJson(v);
  if (v instanceof GoStruct) return v.json ?? Object.fromEntries(Object.entries(v.fields).map(([k, f]) => [k, toPlain(f)]));
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(toPlain);
  if (isMap(v)) {
    const out: Record<string, unknown> = {};
    for (const k of sortedKeys(v)) Object.defineProperty(out, k, { value: toPlain(v[k] as Value), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}
