import { RE2JS } from "re2js";

/** Longest regular expression a tenant may write (ESO's fields are RE2 too; real patterns are short). */
export const maxTenantRegexpLength = 1024;
/** Longest input a tenant regular expression is run on (Secret keys are at most 253 characters). */
export const maxTenantRegexpInput = 4096;

/**
 * A regular expression written by a tenant (ExternalSecret `rewrite`/`find`, ClusterSecretStore
 * `namespaceRegexes`), with Go RE2 semantics: `(?i)`, `(?P<name>…)` work as in ESO, and
 * matching runs in time linear in the input, so no pattern can stall the event loop.
 */
export interface TenantRegexp {
  readonly source: string;
  /** True when the pattern matches anywhere in `input` (Go `MatchString`). */
  test(input: string): boolean;
  /**
   * Go `ReplaceAllString`: every non-overlapping match replaced by `template` expanded the Go
   * way (`$1`, `${1}`, `$name`, `${name}`, `$$`).
   */
  replaceAll(input: string, template: string): string;
}

/** Why a tenant pattern was refused. */
export type TenantRegexpResult = { readonly ok: true; readonly regexp: TenantRegexp } | { readonly ok: false; readonly reason: "too-long" | "invalid" };

/** Compiles a tenant pattern with RE2 semantics and the length cap; never throws. */
export function compileTenantRegexp(source: string): TenantRegexpResult {
  if (source.length > maxTenantRegexpLength) return { ok: false, reason: "too-long" };
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch {
    return { ok: false, reason: "invalid" };
  }
  return {
    ok: true,
    regexp: {
      source,
      test: (input) => re.matcher(input).find(),
      replaceAll: (input, template) => replaceAllGo(re, input, template),
    },
  };
}

function replaceAllGo(re: RE2JS, input: string, template: string): string {
  const m = re.matcher(input);
  let out = "";
  let last = 0;
  let prevEnd = -1;
  let from = 0;
  while (from <= input.length && m.find(from)) {
    const start = m.start();
    const end = m.end();
    // Go: an empty match right after the previous match is not a match.
    if (start === end && start === prevEnd) {
      if (start >= input.length) break;
      from = start + 1;
      continue;
    }
    out += input.slice(last, start) + expand(m, template);
    last = end;
    prevEnd = end;
    from = end > start ? end : end + 1;
  }
  return out + input.slice(last);
}

type Match = { group(g?: string | number): string | null; groupCount(): number };

function expand(m: Match, template: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf("$", i);
    if (d < 0) return out + template.slice(i);
    out += template.slice(i, d);
    const ref = /^(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/.exec(template.slice(d + 1, d + 1 + 2 + 256));
    if (!ref) {
      out += "$";
      i = d + 1;
      continue;
    }
    i = d + 1 + ref[0].length;
    if (ref[0] === "$") {
      out += "$";
      continue;
    }
    out += groupValue(m, (ref[1] ?? ref[2])!);
  }
  return out;
}

function groupValue(m: Match, name: string): string {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    return n <= m.groupCount() ? (m.group(n) ?? "") : "";
  }
  try {
    return m.group(name) ?? "";
  } catch {
    return "";
  }
}
