/**
 * Go's float formatting, which sops uses for MAC input, value plaintext and output text.
 * JavaScript's `String(x)` yields the same shortest round-trip digits as Go; only the layout
 * (exponent or not, exponent width) differs, so we re-layout those digits.
 */

interface Digits {
  readonly neg: boolean;
  /** Significant digits without leading/trailing zeros ("0" for zero). */
  readonly digits: string;
  /** Position of the decimal point relative to the digits: value = 0.digits × 10^point. */
  readonly point: number;
}

function shortestDigits(x: number): Digits {
  const neg = x < 0 || Object.is(x, -0);
  const s = String(Math.abs(x));
  const ei = s.indexOf("e");
  const mantissa = ei >= 0 ? s.slice(0, ei) : s;
  const e = ei >= 0 ? Number(s.slice(ei + 1)) : 0;
  const dot = mantissa.indexOf(".");
  const intPart = dot >= 0 ? mantissa.slice(0, dot) : mantissa;
  let all = intPart + (dot >= 0 ? mantissa.slice(dot + 1) : "");
  let point = intPart.length + e;
  const lead = /^0*/.exec(all)?.[0].length ?? 0;
  all = all.slice(lead).replace(/0+$/, "");
  point -= lead;
  return { neg, digits: all === "" ? "0" : all, point: all === "" ? 1 : point };
}

function special(x: number): string | undefined {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return undefined;
}

function layoutF({ neg, digits, point }: Digits): string {
  let out: string;
  if (digits === "0") out = "0";
  else if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (neg ? "-" : "") + out;
}

function layoutE({ neg, digits, point }: Digits, minExpDigits: number): string {
  const exp = point - 1;
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = String(Math.abs(exp)).padStart(minExpDigits, "0");
  return `${neg ? "-" : ""}${mant}e${exp < 0 ? "-" : "+"}${e}`;
}

/** Go `strconv.FormatFloat(x, 'f', -1, 64)`: shortest digits, never an exponent (1e21 → "1000…"). */
export function formatFloatF(x: number): string {
  return special(x) ?? layoutF(shortestDigits(x));
}

/** Go `strconv.FormatFloat(x, 'g', -1, 64)`: exponent form when the decimal exponent is < -4 or >= 6 */
export function formatFloatG(x: number): string {
  const s = special(x);
  if (s !== undefined) return s;
  const d = shortestDigits(x);
  const exp = d.point - 1;
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  // Go: "if precision was the shortest possible, use precision 6 for this decision".
  return exp < -4 || exp >= 6 ? layoutE(d, 2) : layoutF(d);
}

/** Go `encoding/json` float text: 'f' within [1e-6, 1e21), else 'e' with a short exponent. */
export function formatFloatJson(x: number): string {
  const s = special(x);
  if (s !== undefined) return s;
  const abs = Math.abs(x);
  const d = shortestDigits(x);
  return abs !== 0 && (abs < 1e-6 || abs >= 1e21) ? layoutE(d, 1) : layoutF(d);
}
