import { RE2JS } from "re2js";
import { HushError } from "@hush/errors";
import type { Pattern, PatternMatch } from "./types.js";

/**
 * Wraps a built-in JS RegExp. Built-in patterns are audited for linear behaviour: every
 * quantifier is bounded, and token patterns open with a negative look-behind over their own
 * body alphabet so a match can start only once per run of token characters (see
 * docs/scan.md, "Linear-time patterns"). User patterns never come here: see {@link re2Pattern}.
 */
export function jsPattern(re: RegExp): Pattern {
  const flags = re.flags.includes("g") ? re.flags : `${re.flags}g`;
  const g = new RegExp(re.source, flags);
  return {
    exec(text: string, from: number): PatternMatch | null {
      g.lastIndex = from;
      const m = g.exec(text);
      if (!m) return null;
      const end = m.index + m[0].length;
      return { start: m.index, end: end === m.index ? end + 1 : end, groups: [...m] };
    },
    test(text: string): boolean {
      g.lastIndex = 0;
      return g.test(text);
    },
  };
}

/**
 * Compiles a user-supplied pattern (hush config or gitleaks TOML) with RE2JS, a linear-time
 * RE2 port: Go RE2 syntax, `(?i)` flags, no look-around, no catastrophic backtracking.
 * @throws HushError HUSH_ERR_SCAN_INVALID_PATTERN naming `where`, never echoing the pattern.
 */
export function re2Pattern(source: string, where: string): Pattern {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (cause) {
    throw new HushError("HUSH_ERR_SCAN_INVALID_PATTERN", `${where}: invalid regular expression`, { cause });
  }
  return {
    exec(text: string, from: number): PatternMatch | null {
      const m = re.matcher(text);
      if (!m.find(from)) return null;
      const groups: (string | undefined)[] = [];
      for (let i = 0; i <= m.groupCount(); i++) groups.push(m.group(i) ?? undefined);
      const start = m.start();
      const end = m.end();
      return { start, end: end === start ? end + 1 : end, groups };
    },
    test(text: string): boolean {
      return re.matcher(text).find();
    },
  };
}

/**
 * A built-in pattern that opens with a character class but always contains `anchor` (a
 * case-sensitive literal) at most `before` characters after the match start and at most
 * `after` characters before its end. Only windows around occurrences of the anchor (found
 * with `indexOf`) are matched, so the regex never tries every position of a large file.
 */
export function anchoredPattern(re: RegExp, anchor: string, before: number, after: number): Pattern {
  const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
  const exec = (text: string, from: number): PatternMatch | null => {
    for (let search = from; ; ) {
      const i = text.indexOf(anchor, search);
      if (i === -1) return null;
      const ws = Math.max(from, i - before);
      // One extra character on each side lets look-behind/look-ahead boundaries see context.
      const lead = ws > 0 ? 1 : 0;
      const win = text.slice(ws - lead, Math.min(text.length, i + anchor.length + after + 1));
      g.lastIndex = lead;
      const m = g.exec(win);
      if (m && m.index - lead + ws <= i) {
        const start = ws - lead + m.index;
        return { start, end: start + Math.max(1, m[0].length), groups: [...m] };
      }
      search = i + 1;
    }
  };
  return { exec, test: (text) => exec(text, 0) !== null };
}
