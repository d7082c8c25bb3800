import type { CallContext, ParamKind, TemplateFunction } from "./exec.js";
import { goQuote } from "./fmt.js";
import { add, durationString, format, fromDate, inZone, parseDuration, parseTime, roundSecond, sub, unix, unixSeconds, zeroTime } from "./time.js";
import { GoTime, type Value } from "./value.js";

/**
 * Sprig's date functions (date.go) and its random-string functions, on the clock and the
 * random source the caller injects (see `RenderOptions`); without them they fail.
 */

type Call = (ctx: CallContext, args: Value[]) => Value;
const f = (params: ParamKind[], call: Call): TemplateFunction => ({ params, call });
const str = (v: Value | undefined): string => v as string;

function now(c: CallContext): GoTime {
  return fromDate(c.clock());
}

/** The time a date argument stands for: time.Time, int (seconds), int64 (seconds); anything else is now. */
function timeArg(c: CallContext, v: Value | undefined): GoTime {
  if (v instanceof GoTime) return v;
  if (typeof v === "number") return unix(BigInt(v));
  if (typeof v === "bigint") return unix(v);
  return now(c);
}

function dateInZone(c: CallContext, layout: string, date: Value | undefined, zone: string): string {
  const t = timeArg(c, date);
  // time.LoadLocation failing means UTC.
  const z = inZone(t, zone) ?? (inZone(t, "UTC") as GoTime);
  // A layout can repeat long fields: charge what it can grow to before formatting.
  c.charge(layout.length * 12);
  return format(z, layout);
}

/** strconv.ParseInt(s, 10, 64), Sprig ignoring the error (0, or the bound on overflow). */
function parseInt64(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) return 0n;
  const n = BigInt(s);
  const max = (1n << 63n) - 1n;
  return n > max ? max : n < -max - 1n ? -max - 1n : n;
}

/** Sprig's durationRound: the largest whole unit of a duration (`2h`, `3mo`, `1y`). */
function durationRound(d: bigint): string {
  const u = d < 0n ? -d : d;
  const second = 1_000_000_000n;
  const steps: [bigint, string][] = [
    [second * 3600n * 24n * 365n, "y"],
    [second * 3600n * 24n * 30n, "mo"],
    [second * 3600n * 24n, "d"],
    [second * 3600n, "h"],
    [second * 60n, "m"],
    [second, "s"],
  ];
  for (const [unit, suffix] of steps) if (u > unit) return `${u / unit}${suffix}`;
  return "0s";
}

function since(c: CallContext, t: GoTime): bigint {
  return sub(now(c), t);
}

export const dateFunctions: Record<string, TemplateFunction> = {
  now: f([], (c) => now(c)),
  date: f(["string", "any"], (c, [l, d]) => dateInZone(c, str(l), d, "Local")),
  dateInZone: f(["string", "any", "string"], (c, [l, d, z]) => dateInZone(c, str(l), d, str(z))),
  date_in_zone: f(["string", "any", "string"], (c, [l, d, z]) => dateInZone(c, str(l), d, str(z))),
  htmlDate: f(["any"], (c, [d]) => dateInZone(c, "2006-01-02", d, "Local")),
  htmlDateInZone: f(["any", "string"], (c, [d, z]) => dateInZone(c, "2006-01-02", d, str(z))),
  dateModify: f(["string", "time"], (_c, [s, t]) => {
    const d = parseDuration(str(s));
    return d === null ? (t as GoTime) : add(t as GoTime, d);
  }),
  date_modify: f(["string", "time"], (_c, [s, t]) => {
    const d = parseDuration(str(s));
    return d === null ? (t as GoTime) : add(t as GoTime, d);
  }),
  mustDateModify: f(["string", "time"], (c, [s, t]) => {
    const d = parseDuration(str(s));
    return d === null ? c.fail(`time: invalid duration ${goQuote(str(s))}`) : add(t as GoTime, d);
  }),
  must_date_modify: f(["string", "time"], (c, [s, t]) => {
    const d = parseDuration(str(s));
    return d === null ? c.fail(`time: invalid duration ${goQuote(str(s))}`) : add(t as GoTime, d);
  }),
  ago: f(["any"], (c, [d]) => {
    // Sprig's ago takes time.Time, int64 and int; anything else is now.
    const t = d instanceof GoTime ? d : typeof d === "number" ? unix(BigInt(d)) : typeof d === "bigint" ? unix(d) : now(c);
    return durationString(roundSecond(since(c, t)));
  }),
  duration: f(["any"], (_c, [v]) => {
    // Only string and int64 count; an int (a template literal) is 0, as in Sprig.
    const n = typeof v === "string" ? parseInt64(v) : typeof v === "bigint" ? v : 0n;
    return durationString(BigInt.asIntN(64, n * 1_000_000_000n));
  }),
  durationRound: f(["any"], (c, [v]) => {
    const d = typeof v === "string" ? (parseDuration(v) ?? 0n) : typeof v === "bigint" ? v : v instanceof GoTime ? since(c, v) : 0n;
    return durationRound(d);
  }),
  toDate: f(["string", "string"], (_c, [l, s]) => {
    try {
      return parseTime(str(l), str(s));
    } catch {
      return zeroTime();
    }
  }),
  mustToDate: f(["string", "string"], (c, [l, s]) => {
    try {
      return parseTime(str(l), str(s));
    } catch {
      return c.fail(`parsing time ${goQuote(str(s))} as ${goQuote(str(l))}: cannot parse`);
    }
  }),
  unixEpoch: f(["time"], (_c, [t]) => String(unixSeconds(t as GoTime))),
};

// ---------- random (goutils.CryptoRandom*, Sprig's randInt, randBytes, shuffle) ----------

/** Largest string a random-string function may build; larger requests fail before allocating. */
export const maxRandomLength = 1 << 16;

const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const digits = "0123456789";
let ascii = "";
for (let i = 32; i < 127; i++) ascii += String.fromCharCode(i);

/** A uniform integer in [0, n), n ≤ 2^48, by rejection sampling over the injected source. */
export function uniform(c: CallContext, n: number): number {
  if (n <= 1) return 0;
  const limit = Math.floor(2 ** 48 / n) * n;
  for (;;) {
    const b = c.random(6);
    let x = 0;
    for (const byte of b) x = x * 256 + byte;
    if (x < limit) return x % n;
  }
}

function randomString(c: CallContext, count: number, alphabet: string): string {
  // goutils returns an error for a negative count, which Sprig drops: "".
  if (count <= 0) return "";
  if (count > maxRandomLength) c.charge(Number.MAX_SAFE_INTEGER);
  c.charge(count);
  let out = "";
  for (let i = 0; i < count; i++) out += alphabet[uniform(c, alphabet.length)];
  return out;
}

export const randomFunctions: Record<string, TemplateFunction> = {
  randAlphaNum: f(["int"], (c, [n]) => randomString(c, n as number, letters + digits)),
  randAlpha: f(["int"], (c, [n]) => randomString(c, n as number, letters)),
  randNumeric: f(["int"], (c, [n]) => randomString(c, n as number, digits)),
  randAscii: f(["int"], (c, [n]) => randomString(c, n as number, ascii)),
  randBytes: f(["int"], (c, [n]) => {
    const count = n as number;
    if (count < 0) c.fail("runtime error: makeslice: len out of range");
    if (count > maxRandomLength) c.charge(Number.MAX_SAFE_INTEGER);
    c.charge(Math.ceil(count / 3) * 4);
    return count === 0 ? "" : Buffer.from(c.random(count)).toString("base64");
  }),
  randInt: f(["int", "int"], (c, [lo, hi]) => {
    const a = lo as number;
    const b = hi as number;
    // rand.Intn panics on a range that is not positive.
    if (b - a <= 0) c.fail("invalid argument to Intn");
    return a + uniform(c, Math.min(b - a, 2 ** 48));
  }),
  shuffle: f(["string"], (c, [s]) => {
    const chars = [...str(s)];
    if (chars.length > maxRandomLength) c.charge(Number.MAX_SAFE_INTEGER);
    for (let i = chars.length - 1; i > 0; i--) {
      const j = uniform(c, i + 1);
      [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
    }
    return chars.join("");
  }),
};
