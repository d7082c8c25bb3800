/**
 * Sprig's `semverCompare`: Masterminds/semver v3.3.1 (the version ESO builds with) version
 * parsing and constraint checking, ported rule for rule; its regular expressions run on RE2
 * (re2js), the engine Go's regexp is.
 */
import { RE2JS } from "re2js";

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
  metadata: string;
  original: string;
}

class SemverError extends Error {}

const semVerRegex =
  "v?(0|[1-9]\\d*)(?:\\.(0|[1-9]\\d*))?(?:\\.(0|[1-9]\\d*))?" +
  "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?" +
  "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?";
const cvRegex = "v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?" + "(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?" + "(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?";
const ops = "=||!=|>|<|>=|=>|<=|=<|~|~>|\\^";

let compiled: { version: RE2JS; constraint: RE2JS; range: RE2JS; find: RE2JS; valid: RE2JS } | undefined;
function re() {
  compiled ??= {
    version: RE2JS.compile(`^${semVerRegex}$`),
    constraint: RE2JS.compile(`^\\s*(${ops})\\s*(${cvRegex})\\s*$`),
    range: RE2JS.compile(`\\s*(${cvRegex})\\s+-\\s+(${cvRegex})\\s*`),
    find: RE2JS.compile(`(${ops})\\s*(${cvRegex})`),
    valid: RE2JS.compile(`^(\\s*(${ops})\\s*(${cvRegex})\\s*)((?:\\s+|,\\s*)(${ops})\\s*(${cvRegex})\\s*)*$`),
  };
  return compiled;
}

function submatch(r: RE2JS, s: string): string[] | null {
  const m = r.matcher(s);
  if (!m.find()) return null;
  const out: string[] = [];
  for (let i = 0; i <= m.groupCount(); i++) out.push(m.group(i) ?? "");
  return out;
}

const maxU64 = (1n << 64n) - 1n;
function parseU64(s: string): bigint {
  const n = BigInt(s);
  if (n > maxU64) throw new SemverError(`Error parsing version segment: strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

const onlyDigits = (s: string) => /^[0-9]*$/.test(s);
const onlyAllowed = (s: string) => /^[A-Za-z0-9-]*$/.test(s);

function validatePrerelease(p: string): void {
  for (const part of p.split(".")) {
    if (part === "") throw new SemverError("Invalid Metadata string");
    if (onlyDigits(part)) {
      if (part.length > 1 && part[0] === "0") throw new SemverError("Version segment starts with 0");
    } else if (!onlyAllowed(part)) throw new SemverError("Invalid Prerelease string");
  }
}

function validateMetadata(m: string): void {
  for (const part of m.split(".")) if (!onlyAllowed(part)) throw new SemverError("Invalid Metadata string");
}

function newVersion(v: string): Version {
  const m = submatch(re().version, v);
  if (!m) throw new SemverError("Invalid Semantic Version");
  const sv: Version = { major: parseU64(m[1]!), minor: m[2] ? parseU64(m[2]) : 0n, patch: m[3] ? parseU64(m[3]) : 0n, pre: m[4] ?? "", metadata: m[5] ?? "", original: v };
  if (sv.pre !== "") validatePrerelease(sv.pre);
  if (sv.metadata !== "") validateMetadata(sv.metadata);
  return sv;
}

const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === "") return -1;
  if (o === "") return 1;
  const num = (x: string) => (/^[0-9]+$/.test(x) && BigInt(x) <= maxU64 ? BigInt(x) : null);
  const oi = num(o);
  const si = num(s);
  if (oi === null && si === null) return s > o ? 1 : -1;
  if (oi === null) return -1;
  if (si === null) return 1;
  return si > oi ? 1 : -1;
}

function comparePrerelease(v: string, o: string): number {
  const sp = v.split(".");
  const op = o.split(".");
  for (let i = 0; i < Math.max(sp.length, op.length); i++) {
    const d = comparePrePart(sp[i] ?? "", op[i] ?? "");
    if (d !== 0) return d;
  }
  return 0;
}

function compare(v: Version, o: Version): number {
  const d = cmp(v.major, o.major) || cmp(v.minor, o.minor) || cmp(v.patch, o.patch);
  if (d !== 0) return d;
  if (v.pre === "" && o.pre === "") return 0;
  if (v.pre === "") return 1;
  if (o.pre === "") return -1;
  return comparePrerelease(v.pre, o.pre);
}

interface Constraint {
  con: Version;
  op: string;
  minorDirty: boolean;
  patchDirty: boolean;
  dirty: boolean;
}

const isX = (x: string) => x === "x" || x === "*" || x === "X";

function parseConstraint(c: string): Constraint {
  if (c.length === 0) return { con: newVersion("0.0.0"), op: "", minorDirty: false, patchDirty: false, dirty: true };
  const m = submatch(re().constraint, c);
  if (!m) throw new SemverError(`improper constraint: ${c}`);
  let ver = m[2]!;
  let minorDirty = false;
  let patchDirty = false;
  let dirty = false;
  if (isX(m[3]!) || m[3] === "") {
    ver = `0.0.0${m[6]}`;
    dirty = true;
  } else if (isX(m[4]!.replace(/^\./, "")) || m[4] === "") {
    minorDirty = true;
    dirty = true;
    ver = `${m[3]}.0.0${m[6]}`;
  } else if (isX(m[5]!.replace(/^\./, "")) || m[5] === "") {
    dirty = true;
    patchDirty = true;
    ver = `${m[3]}${m[4]}.0${m[6]}`;
  }
  let con: Version;
  try {
    con = newVersion(ver);
  } catch {
    throw new SemverError("constraint Parser Error");
  }
  return { con, op: m[1]!, minorDirty, patchDirty, dirty };
}

function tilde(v: Version, c: Constraint): boolean {
  if (compare(v, c.con) < 0) return false;
  if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  if (v.minor !== c.con.minor && !c.minorDirty) return false;
  return true;
}

function check(v: Version, c: Constraint): boolean {
  const preBlocked = v.pre !== "" && c.con.pre === "";
  switch (c.op) {
    case "!=": {
      if (c.dirty) {
        if (preBlocked) return false;
        if (c.con.major !== v.major) return true;
        if (c.con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (c.con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) {
          if (v.pre !== "" || c.con.pre !== "") return comparePrerelease(v.pre, c.con.pre) !== 0;
          return false;
        }
      }
      return compare(v, c.con) !== 0;
    }
    case ">": {
      if (preBlocked) return false;
      if (!c.dirty) return compare(v, c.con) === 1;
      if (v.major > c.con.major) return true;
      if (v.major < c.con.major) return false;
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor > c.con.minor;
      return compare(v, c.con) === 1;
    }
    case "<":
      return !preBlocked && compare(v, c.con) < 0;
    case ">=":
    case "=>":
      return !preBlocked && compare(v, c.con) >= 0;
    case "<=":
    case "=<": {
      if (preBlocked) return false;
      if (!c.dirty) return compare(v, c.con) <= 0;
      if (v.major > c.con.major) return false;
      if (v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty) return false;
      return true;
    }
    case "~":
    case "~>":
      return !preBlocked && tilde(v, c);
    case "^": {
      if (preBlocked || compare(v, c.con) < 0) return false;
      if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
      if (c.con.major === 0n && v.major > 0n) return false;
      if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
      if (c.con.minor === 0n && v.minor > 0n) return false;
      return c.con.patch === v.patch;
    }
    default: {
      // "" and "=": tilde when the constraint has wildcards, else equality.
      if (preBlocked) return false;
      return c.dirty ? tilde(v, c) : compare(v, c.con) === 0;
    }
  }
}

function rewriteRange(i: string): string {
  const m = re().range.matcher(i);
  let o = i;
  const found: [string, string, string][] = [];
  while (m.find()) found.push([m.group(0) ?? "", m.group(1) ?? "", m.group(11) ?? ""]);
  for (const [all, a, b] of found) {
    const at = o.indexOf(all);
    if (at >= 0) o = `${o.slice(0, at)}>= ${a}, <= ${b} ${o.slice(at + all.length)}`;
  }
  return o;
}

/** `semverCompare constraint version`: true, false, or an error message (Go returns an error). */
export function semverCompare(constraint: string, version: string): boolean | { error: string } {
  try {
    const ors = rewriteRange(constraint)
      .split("||")
      .map((v) => {
        if (!re().valid.matcher(v).find()) throw new SemverError(`improper constraint: ${v}`);
        const m = re().find.matcher(v);
        const cs: string[] = [];
        while (m.find()) cs.push(m.group(0) ?? "");
        return (cs.length === 0 ? [v] : cs).map(parseConstraint);
      });
    const v = newVersion(version);
    return ors.some((and) => and.every((c) => check(v, c)));
  } catch (e) {
    if (e instanceof SemverError) return { error: e.message };
    throw e;
  }
}

/** `semver version`: the parsed version's fields, or an error message. */
export function parseSemver(version: string): { major: bigint; minor: bigint; patch: bigint; pre: string; metadata: string; original: string; string: string } | { error: string } {
  try {
    const v = newVersion(version);
    const string = `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ""}${v.metadata ? `+${v.metadata}` : ""}`;
    return { ...v, string };
  } catch (e) {
    if (e instanceof SemverError) return { error: e.message };
    throw e;
  }
}
