/**
 * Go's `time` package as Sprig's date functions use it: layout formatting and parsing
 * (`2006-01-02 15:04:05`), `time.Time.String`, `ParseDuration` and `Duration.String`.
 * Ported from Go's format.go and time.go so outputs match byte for byte. Pure: the clock is
 * the caller's. `time.Local` is UTC, as in ESO's container image, which sets no zone.
 */
import { GoTime } from "./value.js";
import { zoneAbbreviations } from "./zones.js";

const NS = 1_000_000_000n;
const longMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const longDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** An instant from a JS Date (millisecond precision), in Local (UTC). */
export function fromDate(d: Date): GoTime {
  return new GoTime(BigInt(d.getTime()) * 1_000_000n, 0, "UTC");
}

/** `time.Unix(sec, 0)` in Local. */
export function unix(sec: bigint): GoTime {
  return new GoTime(sec * NS, 0, "UTC");
}

/** Go's zero `time.Time` (January 1, year 1, 00:00:00 UTC). */
export function zeroTime(): GoTime {
  return new GoTime(-62135596800n * NS, 0, "UTC");
}

/** Floor division for bigints (toward negative infinity). */
function fdiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

interface Civil {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  weekday: number; // 0 = Sunday
  yday: number; // 1..366
}

/** Days since 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's algorithm). */
function civilFromDays(z0: bigint): { y: number; m: number; d: number } {
  const z = z0 + 719468n;
  const era = fdiv(z, 146097n);
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const y = yoe + era * 400n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  return { y: Number(m <= 2n ? y + 1n : y), m: Number(m), d: Number(d) };
}

function daysFromCivil(y0: number, m: number, d: number): bigint {
  const y = BigInt(m <= 2 ? y0 - 1 : y0);
  const era = fdiv(y, 400n);
  const yoe = y - era * 400n;
  const mm = BigInt(m);
  const doy = (153n * (mm > 2n ? mm - 3n : mm + 9n) + 2n) / 5n + BigInt(d) - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146097n + doe - 719468n;
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function civil(t: GoTime): Civil {
  const local = t.ns + BigInt(t.offset) * NS;
  const secs = fdiv(local, NS);
  const nsec = Number(local - secs * NS);
  const days = fdiv(secs, 86400n);
  const sod = Number(secs - days * 86400n);
  const { y, m, d } = civilFromDays(days);
  const weekday = Number(((days % 7n) + 11n) % 7n); // 1970-01-01 was a Thursday (4)
  const yday = Number(days - daysFromCivil(y, 1, 1)) + 1;
  return { year: y, month: m, day: d, hour: Math.floor(sod / 3600), min: Math.floor(sod / 60) % 60, sec: sod % 60, nsec, weekday, yday };
}

/** `t.In(zone)` for an IANA zone name ("Local" and "UTC" are UTC); null for an unknown zone. */
export function inZone(t: GoTime, zone: string): GoTime | null {
  if (zone === "" || zone === "UTC" || zone === "Local") return new GoTime(t.ns, 0, "UTC");
  // time.LoadLocation refuses names that are not plain paths.
  if (zone.startsWith("/") || zone.includes("..") || zone.includes("\\")) return null;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset", year: "numeric" });
  } catch {
    return null;
  }
  const ms = Number(fdiv(t.ns, 1_000_000n));
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return new GoTime(t.ns, 0, "UTC");
  const date = new Date(ms);
  const off = fmt.formatToParts(date).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(off);
  const offset = m?.[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) : 0;
  return new GoTime(t.ns, offset, tzdataAbbreviation(zone, fmt.resolvedOptions().timeZone, ms, offset) ?? abbreviation(zone, date, offset));
}

const parsedZones = new Map<string, { since: number; offset: number; abbr: string }[]>();

/** The abbreviation Go's tzdata shows for this zone at this offset and instant (zones.ts), if known. */
function tzdataAbbreviation(zone: string, canonical: string, ms: number, offset: number): string | undefined {
  const name = Object.hasOwn(zoneAbbreviations, zone) ? zone : Object.hasOwn(zoneAbbreviations, canonical) ? canonical : undefined;
  if (name === undefined) return undefined;
  let entries = parsedZones.get(name);
  if (!entries) {
    entries = (zoneAbbreviations[name] as string).split(";").map((e) => {
      const [since, off, abbr] = e.split(",") as [string, string, string];
      return { since: parseInt(since, 36) * 3_600_000, offset: parseInt(off, 36), abbr };
    });
    parsedZones.set(name, entries);
  }
  const same = entries.filter((e) => e.offset === offset);
  if (same.length === 0) return undefined;
  let pick = same[0];
  for (const e of same) if (e.since <= ms) pick = e;
  return pick?.abbr;
}

/**
 * The zone abbreviation Go's tzdata gives (`EST`, `CET`); where the ICU data has none, the
 * numeric form tzdata itself uses for such zones (`+04`, `+0530`).
 */
function abbreviation(zone: string, date: Date, offset: number): string {
  for (const locale of ["en-US", "en-GB"]) {
    const name = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "short" }).formatToParts(date).find((p) => p.type === "timeZoneName")?.value ?? "";
    if (/^[A-Z]{3,5}$/.test(name) && name !== "GMT") return name;
    if (name === "GMT" && offset === 0 && /^(Europe|Etc|GMT|Africa)/.test(zone)) return "GMT";
  }
  const sign = offset < 0 ? "-" : "+";
  const a = Math.abs(offset);
  const h = String(Math.floor(a / 3600)).padStart(2, "0");
  const m = Math.floor(a / 60) % 60;
  return `${sign}${h}${m === 0 ? "" : String(m).padStart(2, "0")}`;
}

// ---------- layouts (Go's nextStdChunk) ----------

type Std =
  | "LongMonth" | "Month" | "NumMonth" | "ZeroMonth" | "LongWeekDay" | "WeekDay" | "Day" | "UnderDay" | "ZeroDay"
  | "UnderYearDay" | "ZeroYearDay" | "Hour" | "Hour12" | "ZeroHour12" | "Minute" | "ZeroMinute" | "Second" | "ZeroSecond"
  | "LongYear" | "Year" | "PM" | "pm" | "TZ"
  | "ISO8601TZ" | "ISO8601SecondsTZ" | "ISO8601ShortTZ" | "ISO8601ColonTZ" | "ISO8601ColonSecondsTZ"
  | "NumTZ" | "NumSecondsTz" | "NumShortTZ" | "NumColonTZ" | "NumColonSecondsTZ"
  | "Frac0" | "Frac9";

interface Chunk {
  prefix: string;
  std: Std | null;
  digits: number; // fractional digits
  sep: string; // fractional separator
  suffix: string;
}

const lowerStart = (s: string) => s.length > 0 && s[0]! >= "a" && s[0]! <= "z";
const isDigitAt = (s: string, i: number) => i < s.length && s[i]! >= "0" && s[i]! <= "9";

function nextStdChunk(layout: string): Chunk {
  const at = (i: number, std: Std, len: number): Chunk => ({ prefix: layout.slice(0, i), std, digits: 0, sep: "", suffix: layout.slice(i + len) });
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const has = (s: string) => layout.startsWith(s, i);
    switch (c) {
      case "J":
        if (has("Jan")) {
          if (has("January")) return at(i, "LongMonth", 7);
          if (!lowerStart(layout.slice(i + 3))) return at(i, "Month", 3);
        }
        break;
      case "M":
        if (has("Mon")) {
          if (has("Monday")) return at(i, "LongWeekDay", 6);
          if (!lowerStart(layout.slice(i + 3))) return at(i, "WeekDay", 3);
        }
        if (has("MST")) return at(i, "TZ", 3);
        break;
      case "0": {
        const n = layout[i + 1];
        if (n !== undefined && n >= "1" && n <= "6") return at(i, (["ZeroMonth", "ZeroDay", "ZeroHour12", "ZeroMinute", "ZeroSecond", "Year"] as const)[Number(n) - 1]!, 2);
        if (has("002")) return at(i, "ZeroYearDay", 3);
        break;
      }
      case "1":
        if (layout[i + 1] === "5") return at(i, "Hour", 2);
        return at(i, "NumMonth", 1);
      case "2":
        if (has("2006")) return at(i, "LongYear", 4);
        return at(i, "Day", 1);
      case "_":
        if (layout[i + 1] === "2") {
          if (layout.startsWith("2006", i + 1)) return at(i + 1, "LongYear", 4);
          return at(i, "UnderDay", 2);
        }
        if (has("__2")) return at(i, "UnderYearDay", 3);
        break;
      case "3":
        return at(i, "Hour12", 1);
      case "4":
        return at(i, "Minute", 1);
      case "5":
        return at(i, "Second", 1);
      case "P":
        if (layout[i + 1] === "M") return at(i, "PM", 2);
        break;
      case "p":
        if (layout[i + 1] === "m") return at(i, "pm", 2);
        break;
      case "-":
        if (has("-070000")) return at(i, "NumSecondsTz", 7);
        if (has("-07:00:00")) return at(i, "NumColonSecondsTZ", 9);
        if (has("-0700")) return at(i, "NumTZ", 5);
        if (has("-07:00")) return at(i, "NumColonTZ", 6);
        if (has("-07")) return at(i, "NumShortTZ", 3);
        break;
      case "Z":
        if (has("Z070000")) return at(i, "ISO8601SecondsTZ", 7);
        if (has("Z07:00:00")) return at(i, "ISO8601ColonSecondsTZ", 9);
        if (has("Z0700")) return at(i, "ISO8601TZ", 5);
        if (has("Z07:00")) return at(i, "ISO8601ColonTZ", 6);
        if (has("Z07")) return at(i, "ISO8601ShortTZ", 3);
        break;
      case ".":
      case ",": {
        const ch = layout[i + 1];
        if (ch === "0" || ch === "9") {
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) return { prefix: layout.slice(0, i), std: ch === "0" ? "Frac0" : "Frac9", digits: j - (i + 1), sep: c, suffix: layout.slice(j) };
        }
        break;
      }
    }
  }
  return { prefix: layout, std: null, digits: 0, sep: "", suffix: "" };
}

function pad(n: number, width: number): string {
  const neg = n < 0;
  const s = String(Math.abs(n)).padStart(width, "0");
  return neg ? `-${s}` : s;
}

function fraction(nsec: number, digits: number, trim: boolean, sep: string): string {
  let s = String(nsec).padStart(9, "0").slice(0, digits);
  if (trim) s = s.replace(/0+$/, "");
  return s === "" ? "" : sep + s;
}

function numericZone(std: Std, offset: number): string {
  if (std.startsWith("ISO8601") && offset === 0) return "Z";
  let zone = Math.trunc(offset / 60);
  let abs = offset;
  let out = "+";
  if (zone < 0) {
    out = "-";
    zone = -zone;
    abs = -abs;
  }
  out += pad(Math.floor(zone / 60), 2);
  const colon = std === "ISO8601ColonTZ" || std === "NumColonTZ" || std === "ISO8601ColonSecondsTZ" || std === "NumColonSecondsTZ";
  if (colon) out += ":";
  if (std !== "NumShortTZ" && std !== "ISO8601ShortTZ") out += pad(zone % 60, 2);
  if (std === "ISO8601SecondsTZ" || std === "NumSecondsTz" || std === "NumColonSecondsTZ" || std === "ISO8601ColonSecondsTZ") {
    if (colon) out += ":";
    out += pad(abs % 60, 2);
  }
  return out;
}

/** `t.Format(layout)`. */
export function format(t: GoTime, layout: string): string {
  const c = civil(t);
  let out = "";
  let rest = layout;
  while (rest !== "") {
    const ch = nextStdChunk(rest);
    out += ch.prefix;
    if (ch.std === null) break;
    rest = ch.suffix;
    switch (ch.std) {
      case "Year":
        out += pad(((c.year % 100) + 100) % 100, 2);
        break;
      case "LongYear":
        out += pad(c.year, 4);
        break;
      case "Month":
        out += longMonths[c.month - 1]!.slice(0, 3);
        break;
      case "LongMonth":
        out += longMonths[c.month - 1]!;
        break;
      case "NumMonth":
        out += String(c.month);
        break;
      case "ZeroMonth":
        out += pad(c.month, 2);
        break;
      case "WeekDay":
        out += longDays[c.weekday]!.slice(0, 3);
        break;
      case "LongWeekDay":
        out += longDays[c.weekday]!;
        break;
      case "Day":
        out += String(c.day);
        break;
      case "UnderDay":
        out += c.day < 10 ? ` ${c.day}` : String(c.day);
        break;
      case "ZeroDay":
        out += pad(c.day, 2);
        break;
      case "UnderYearDay":
        out += String(c.yday).padStart(3, " ");
        break;
      case "ZeroYearDay":
        out += pad(c.yday, 3);
        break;
      case "Hour":
        out += pad(c.hour, 2);
        break;
      case "Hour12":
        out += String(c.hour % 12 === 0 ? 12 : c.hour % 12);
        break;
      case "ZeroHour12":
        out += pad(c.hour % 12 === 0 ? 12 : c.hour % 12, 2);
        break;
      case "Minute":
        out += String(c.min);
        break;
      case "ZeroMinute":
        out += pad(c.min, 2);
        break;
      case "Second":
        out += String(c.sec);
        break;
      case "ZeroSecond":
        out += pad(c.sec, 2);
        break;
      case "PM":
        out += c.hour >= 12 ? "PM" : "AM";
        break;
      case "pm":
        out += c.hour >= 12 ? "pm" : "am";
        break;
      case "TZ":
        if (t.zone !== "") out += t.zone;
        else {
          const z = Math.trunc(t.offset / 60);
          out += (z < 0 ? "-" : "+") + pad(Math.floor(Math.abs(z) / 60), 2) + pad(Math.abs(z) % 60, 2);
        }
        break;
      case "Frac0":
      case "Frac9":
        out += fraction(c.nsec, ch.digits, ch.std === "Frac9", ch.sep);
        break;
      default:
        out += numericZone(ch.std, t.offset);
    }
  }
  return out;
}

/** `time.Time.String()` (no monotonic reading: hush's clock has none). */
export function timeString(t: GoTime): string {
  return format(t, "2006-01-02 15:04:05.999999999 -0700 MST");
}

/** encoding/json's form of a time.Time (RFC 3339 with nanoseconds). */
export function timeJson(t: GoTime): string {
  return format(t, "2006-01-02T15:04:05.999999999Z07:00");
}

// ---------- parsing (Go's time.Parse, for the layouts above) ----------

class ParseError extends Error {}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new ParseError("bad number");
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new ParseError("bad number");
    return [Number(s[0]), s.slice(1)];
  }
  return [Number(s.slice(0, 2)), s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + Number(s[i]);
  if (i === 0 || (fixed && i !== 3)) throw new ParseError("bad number");
  return [n, s.slice(i)];
}

function lookup(tab: string[], s: string, len?: number): [number, string] {
  for (let i = 0; i < tab.length; i++) {
    const name = len === undefined ? tab[i]! : tab[i]!.slice(0, len);
    if (s.length >= name.length && s.slice(0, name.length).toLowerCase() === name.toLowerCase()) return [i, s.slice(name.length)];
  }
  throw new ParseError("bad name");
}

/**
 * `time.ParseInLocation(layout, value, time.Local)` with Local = UTC. Throws on a value that
 * does not match, as Go returns an error.
 */
export function parseTime(layout: string, value: string): GoTime {
  let year = 0; // Go: an omitted year is 0 (January 1, year 0)
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pmSet = false;
  let amSet = false;
  let zoneOffset: number | null = null;
  let utc = false; // "Z" or "UTC" in the value: the result is in UTC whatever else was read
  let zoneName = "";
  let rest = layout;
  let v = value;
  const bad = (): never => {
    throw new ParseError(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse`);
  };
  for (;;) {
    const ch = nextStdChunk(rest);
    const prefix = ch.prefix;
    // Go skips runs of spaces in both the layout prefix and the value (skip()).
    let p = prefix;
    while (p.length > 0) {
      if (p[0] === " ") {
        if (v.length > 0 && v[0] !== " ") bad();
        while (p.length > 0 && p[0] === " ") p = p.slice(1);
        while (v.length > 0 && v[0] === " ") v = v.slice(1);
        continue;
      }
      if (v.length === 0 || v[0] !== p[0]) bad();
      p = p.slice(1);
      v = v.slice(1);
    }
    if (ch.std === null) {
      if (v.length !== 0) bad();
      break;
    }
    rest = ch.suffix;
    try {
      switch (ch.std) {
        case "Year": {
          if (v.length < 2 || !isDigitAt(v, 0) || !isDigitAt(v, 1)) bad();
          year = Number(v.slice(0, 2));
          v = v.slice(2);
          year += year >= 69 ? 1900 : 2000;
          break;
        }
        case "LongYear":
          if (v.length < 4 || ![0, 1, 2, 3].every((i) => isDigitAt(v, i))) bad();
          year = Number(v.slice(0, 4));
          v = v.slice(4);
          break;
        case "Month":
          [month, v] = lookup(longMonths, v, 3);
          month++;
          break;
        case "LongMonth":
          [month, v] = lookup(longMonths, v);
          month++;
          break;
        case "NumMonth":
        case "ZeroMonth":
          [month, v] = getnum(v, ch.std === "ZeroMonth");
          if (month <= 0 || month > 12) bad();
          break;
        case "WeekDay":
          [, v] = lookup(longDays, v, 3);
          break;
        case "LongWeekDay":
          [, v] = lookup(longDays, v);
          break;
        case "Day":
        case "UnderDay":
        case "ZeroDay":
          if (ch.std === "UnderDay" && v[0] === " ") v = v.slice(1);
          [day, v] = getnum(v, ch.std === "ZeroDay");
          break;
        case "UnderYearDay":
        case "ZeroYearDay":
          for (let i = 0; i < 2 && ch.std === "UnderYearDay" && v[0] === " "; i++) v = v.slice(1);
          // Any one to three digits; checked against the year at the end, as Go does.
          [yday, v] = getnum3(v, ch.std === "ZeroYearDay");
          break;
        case "Hour":
          [hour, v] = getnum(v, false);
          if (hour < 0 || hour >= 24) bad();
          break;
        case "Hour12":
        case "ZeroHour12":
          [hour, v] = getnum(v, ch.std === "ZeroHour12");
          if (hour < 0 || hour > 12) bad();
          break;
        case "Minute":
        case "ZeroMinute":
          [min, v] = getnum(v, ch.std === "ZeroMinute");
          if (min < 0 || min >= 60) bad();
          break;
        case "Second":
        case "ZeroSecond": {
          [sec, v] = getnum(v, ch.std === "ZeroSecond");
          if (sec < 0 || sec >= 60) bad();
          // A fractional second in the value after seconds in the layout is accepted (Go does too).
          if (v.length >= 2 && (v[0] === "." || v[0] === ",") && isDigitAt(v, 1)) {
            const next = nextStdChunk(rest);
            if (next.std === "Frac0" || next.std === "Frac9") break;
            let n = 1;
            while (isDigitAt(v, n)) n++;
            nsec = fracNs(v.slice(1, n));
            v = v.slice(n);
          }
          break;
        }
        case "PM":
        case "pm": {
          if (v.length < 2) bad();
          const p2 = v.slice(0, 2);
          if ((ch.std === "PM" && p2 === "PM") || (ch.std === "pm" && p2 === "pm")) pmSet = true;
          else if ((ch.std === "PM" && p2 === "AM") || (ch.std === "pm" && p2 === "am")) amSet = true;
          else bad();
          v = v.slice(2);
          break;
        }
        case "TZ": {
          if (v.startsWith("UTC")) {
            utc = true;
            v = v.slice(3);
            break;
          }
          const n = parseTimeZone(v);
          if (n === 0) bad();
          zoneName = v.slice(0, n);
          v = v.slice(n);
          break;
        }
        case "Frac0": {
          const n = ch.digits;
          if (v.length < n + 1 || (v[0] !== "." && v[0] !== ",")) bad();
          const digits = v.slice(1, n + 1);
          if (!/^\d+$/.test(digits)) bad();
          nsec = fracNs(digits);
          v = v.slice(n + 1);
          break;
        }
        case "Frac9": {
          if (v.length < 2 || (v[0] !== "." && v[0] !== ",") || !isDigitAt(v, 1)) break;
          // Any number of digits, as the seconds case takes them.
          let i = 0;
          while (i + 1 < v.length && isDigitAt(v, i + 1)) i++;
          nsec = fracNs(v.slice(1, 1 + i));
          v = v.slice(1 + i);
          break;
        }
        default: {
          if (ch.std.startsWith("ISO8601") && v.length >= 1 && v[0] === "Z") {
            v = v.slice(1);
            utc = true;
            break;
          }
          const colon = ch.std.includes("Colon");
          const seconds = ch.std.includes("Seconds");
          const short = ch.std.includes("Short");
          const re = short ? /^([+-])(\d\d)/ : colon ? (seconds ? /^([+-])(\d\d):(\d\d):(\d\d)/ : /^([+-])(\d\d):(\d\d)/) : seconds ? /^([+-])(\d\d)(\d\d)(\d\d)/ : /^([+-])(\d\d)(\d\d)/;
          const m = re.exec(v);
          if (!m) bad();
          const hh = Number(m![2]);
          const mm = Number(m![3] ?? 0);
          const ss = Number(m![4] ?? 0);
          if (hh > 24 || mm > 60 || ss > 60) bad();
          zoneOffset = (m![1] === "-" ? -1 : 1) * (hh * 3600 + mm * 60 + ss);
          v = v.slice(m![0].length);
        }
      }
    } catch (e) {
      if (e instanceof ParseError) bad();
      throw e;
    }
  }
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let m = 0;
    let d = yday;
    if (yday < 1 || yday > (isLeap(year) ? 366 : 365)) bad();
    const mdays = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    while (d > mdays[m]!) d -= mdays[m++]!;
    if (month >= 0 && month !== m + 1) bad();
    if (day >= 0 && day !== d) bad();
    month = m + 1;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  const mdays = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (day < 1 || day > mdays[month - 1]!) throw new ParseError(`parsing time ${JSON.stringify(value)}: day out of range`);
  const wall = (daysFromCivil(year, month, day) * 86400n + BigInt(hour * 3600 + min * 60 + sec)) * NS + BigInt(nsec);
  if (utc) return new GoTime(wall, 0, "UTC");
  if (zoneOffset !== null) {
    // Local (UTC) when the offset and name are its own; otherwise a fixed zone of that name.
    if (zoneOffset === 0 && (zoneName === "" || zoneName === "UTC")) return new GoTime(wall, 0, "UTC");
    return new GoTime(wall - BigInt(zoneOffset) * NS, zoneOffset, zoneName);
  }
  if (zoneName !== "") {
    // A name Local (UTC) does not know: a fixed zone of that name, at the offset of a GMT+n
    // name and 0 otherwise; the wall clock read is taken as UTC (Go does the same).
    const offset = zoneName.length > 3 && zoneName.startsWith("GMT") ? Number(zoneName.slice(3)) * 3600 : 0;
    return new GoTime(wall, offset, zoneName);
  }
  return new GoTime(wall, 0, "UTC");
}

/** Go's parseTimeZone: the length of a zone abbreviation at the start of `v`, or 0. */
function parseTimeZone(v: string): number {
  if (v.length < 3) return 0;
  if (v.startsWith("ChST") || v.startsWith("MeST")) return 4;
  if (v.startsWith("GMT")) return v.length === 3 ? 3 : 3 + signedOffset(v.slice(3));
  if (v[0] === "+" || v[0] === "-") return signedOffset(v);
  let upper = 0;
  while (upper < 6 && upper < v.length && v[upper]! >= "A" && v[upper]! <= "Z") upper++;
  if (upper === 3) return 3;
  if (upper === 4 && (v[3] === "T" || v.startsWith("WITA"))) return 4;
  if (upper === 5 && v[4] === "T") return 5;
  return 0;
}

/** Go's parseSignedOffset: "+5", "-03" (hours up to 23), else 0. */
function signedOffset(v: string): number {
  if (v[0] !== "+" && v[0] !== "-") return 0;
  let i = 1;
  while (isDigitAt(v, i)) i++;
  if (i === 1 || Number(v.slice(1, i)) > 23) return 0;
  return i;
}

function fracNs(digits: string): number {
  return Number(digits.slice(0, 9).padEnd(9, "0"));
}

/** Whether a parse failure came from {@link parseTime}. */
export function isParseError(e: unknown): boolean {
  return e instanceof ParseError;
}

// ---------- durations ----------

const units: Record<string, bigint> = { ns: 1n, us: 1000n, "µs": 1000n, "μs": 1000n, ms: 1_000_000n, s: NS, m: 60n * NS, h: 3600n * NS };
const maxInt64 = (1n << 63n) - 1n;

/** `time.ParseDuration` (ported step for step, uint64 arithmetic); null where Go returns an error. */
export function parseDuration(s0: string): bigint | null {
  const two63 = 1n << 63n;
  let s = s0;
  let d = 0n;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") return null;
  while (s !== "") {
    if (!(s[0] === "." || isDigitAt(s, 0))) return null;
    // leadingInt: digits up to 1<<63, else an error.
    let v = 0n;
    let i = 0;
    for (; isDigitAt(s, i); i++) {
      if (v > two63 / 10n) return null;
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > two63) return null;
    }
    const pre = i > 0;
    s = s.slice(i);
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      // leadingFraction: digits until the value would pass 1<<63, the rest ignored.
      let k = 0;
      let overflow = false;
      for (; isDigitAt(s, k); k++) {
        if (overflow) continue;
        if (f > (two63 - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(k) - 48);
        if (y > two63) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = k > 0;
      s = s.slice(k);
    }
    if (!pre && !post) return null;
    let j = 0;
    while (j < s.length && s[j] !== "." && !isDigitAt(s, j)) j++;
    if (j === 0) return null;
    const unit = units[s.slice(0, j)];
    if (unit === undefined) return null;
    s = s.slice(j);
    if (v > two63 / unit) return null;
    v *= unit;
    if (f > 0n) {
      // Go scales with float64 arithmetic and truncates to an integer.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > two63) return null;
    }
    d = BigInt.asUintN(64, d + v); // uint64 addition wraps, as in Go
    if (d > two63) return null;
  }
  if (neg) return BigInt.asIntN(64, -d);
  if (d > two63 - 1n) return null;
  return d;
}

/** `time.Duration.String()`. */
export function durationString(d0: bigint): string {
  const d = BigInt.asIntN(64, d0);
  if (d === 0n) return "0s";
  const neg = d < 0n;
  const u = neg ? -d : d;
  if (u < NS) {
    let out: string;
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${fmtFrac(u, 3)}µs`;
    else out = `${fmtFrac(u, 6)}ms`;
    return (neg ? "-" : "") + out;
  }
  const secs = u / NS;
  const frac = u % NS;
  let out = `${secs % 60n}${frac === 0n ? "" : `.${String(frac).padStart(9, "0").replace(/0+$/, "")}`}s`;
  const mins = secs / 60n;
  if (mins > 0n) {
    out = `${mins % 60n}m${out}`;
    const hours = mins / 60n;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return (neg ? "-" : "") + out;
}

function fmtFrac(v: bigint, prec: number): string {
  const p = 10n ** BigInt(prec);
  const whole = v / p;
  const frac = String(v % p).padStart(prec, "0").replace(/0+$/, "");
  return frac === "" ? String(whole) : `${whole}.${frac}`;
}

const maxDuration = (1n << 63n) - 1n;
const minDuration = -(1n << 63n);

/** `Duration.Round(time.Second)`: halves away from zero; past the int64 range, the bound (as Go). */
export function roundSecond(d: bigint): bigint {
  const r = d % NS;
  if (d < 0n) {
    const nr = -r;
    if (nr + nr < NS) return d + nr;
    const d1 = d - NS + nr;
    return d1 < minDuration ? minDuration : d1;
  }
  if (r + r < NS) return d - r;
  const d1 = d + NS - r;
  return d1 > maxDuration ? maxDuration : d1;
}

/** `t.Sub(u)`: the difference, saturated to the int64 range as Go does. */
export function sub(t: GoTime, u: GoTime): bigint {
  const d = t.ns - u.ns;
  return d > maxDuration ? maxDuration : d < minDuration ? minDuration : d;
}

/** `t.Add(d)`. */
export function add(t: GoTime, d: bigint): GoTime {
  return new GoTime(t.ns + d, t.offset, t.zone);
}

/** `t.Unix()`. */
export function unixSeconds(t: GoTime): bigint {
  return fdiv(t.ns, NS);
}
