/**
 * A hand-written reader for `key <op> value` assignments on one line, shared by the generic
 * (keyword + entropy) rules. It understands just enough code to tell a credential literal from
 * everything else a credential-named key is followed by in real code: parameters and argument
 * lists (`password, opts`), types (`password: string`), comparisons (`password == x`),
 * variable references (`Password: opts.Password`) and multi-line constructs.
 *
 * Linear: candidate keys are found by one forward regex over literal keywords, each key and
 * value is walked once with bounded loops, and the search resumes after the key.
 */

/** One parsed assignment. */
export interface Assignment {
  /** The whole identifier the value is assigned to (`db_admin_password`, `Data.apiKey`). */
  readonly key: string;
  readonly value: string;
  /** UTF-16 offset of the value's first character. */
  readonly offset: number;
  /** True when the value was a string literal (`"…"`, `'…'`, `` `…` ``). */
  readonly quoted: boolean;
}

const maxKey = 64;

function isKeyChar(c: number): boolean {
  // [A-Za-z0-9_.-]
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;
}

const isBlank = (c: string | undefined) => c === " " || c === "\t";

// Source files where an unquoted right-hand side is an expression (a variable, a call, a type),
// never a literal. Shell, Makefiles, Dockerfiles and config formats are not in the list: there an
// unquoted value is a literal.
const codePath = /\.(?:[cm]?[jt]sx?|go|py|pyi|java|kt|kts|scala|groovy|gradle|rb|php|cs|fs|vb|c|cc|cpp|cxx|h|hh|hpp|rs|swift|m|mm|dart|lua|pl|pm|r|jl|ex|exs|erl|clj|hs|ml|vue|svelte)$/i;

/** True for source files whose unquoted right-hand sides are expressions, not literals. */
export function isCodePath(path: string): boolean {
  return codePath.test(path);
}

/**
 * Splits an identifier into lower-case words: `dbAdminPassword2` → `db admin password2`,
 * `API_KEY` → `api key`, `client-secret.v1` → `client secret v1`.
 */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Options for {@link findAssignments}. */
export interface AssignmentOptions {
  /** Global, case-insensitive pattern over literal keywords; each match is a candidate key. */
  readonly candidates: RegExp;
  /** Accepts or rejects the whole key. */
  readonly acceptKey: (key: string) => boolean;
  /** Accept unquoted values in source code files too (for values with a distinctive shape). */
  readonly unquotedInCode?: boolean;
  /** Longest value considered. */
  readonly maxValue: number;
}

/**
 * Every `key op value` on one line where the key contains a candidate keyword. Operators: `=`,
 * `:`, `:=`, `=>`, `->`, `?=` (not `==`, `!=`, `<=`, `::`, `?:`). Values: a string literal closed
 * on the same line, or (outside source code, or with `unquotedInCode`) a run of non-blank
 * characters ending the token.
 */
export function findAssignments(text: string, path: string, opts: AssignmentOptions): Assignment[] {
  const out: Assignment[] = [];
  const code = isCodePath(path);
  const re = new RegExp(opts.candidates.source, opts.candidates.flags.includes("g") ? opts.candidates.flags : `${opts.candidates.flags}g`);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let ks = m.index;
    while (ks > 0 && m.index - ks < maxKey && isKeyChar(text.charCodeAt(ks - 1))) ks--;
    let ke = m.index + m[0].length;
    while (ke < text.length && ke - ks < maxKey && isKeyChar(text.charCodeAt(ke))) ke++;
    re.lastIndex = Math.max(re.lastIndex, ke);
    if (ke - ks >= maxKey || (ks > 0 && isKeyChar(text.charCodeAt(ks - 1)))) continue;
    const key = text.slice(ks, ke).replace(/^[.-]+|[.-]+$/g, "");
    if (key.length === 0 || !opts.acceptKey(key)) continue;
    const a = parseRest(text, ke, code && !opts.unquotedInCode, opts.maxValue);
    if (!a) continue;
    if ("value" in a) out.push({ key, ...a });
    // A value run too long to be one is skipped whole: every key inside it would read the
    // same run again (what keeps `secret=secret=…` linear).
    else re.lastIndex = Math.max(re.lastIndex, a.skipTo);
  }
  return out;
}

const stopUnquoted = new Set([..." \t\r\n\f\v\"'`,;"].map((c) => c.charCodeAt(0)));

function parseRest(text: string, from: number, quotedOnly: boolean, maxValue: number): Omit<Assignment, "key"> | { skipTo: number } | undefined {
  let i = from;
  // Closing quote of a quoted key (`"password":`), and an index close (`cfg["password"] =`).
  if (text[i] === '"' || text[i] === "'" || text[i] === "`") i++;
  if (text[i] === "]") i++;
  for (let n = 0; n < 16 && isBlank(text[i]); n++) i++; // aligned struct fields
  const c = text[i];
  const next = text[i + 1];
  if (c === ":") {
    if (next === ":") return undefined;
    i += next === "=" ? 2 : 1;
  } else if (c === "=") {
    if (next === "=" || next === "~") return undefined;
    i += next === ">" ? 2 : 1;
  } else if ((c === "-" || c === "?") && (next === ">" || next === "=")) {
    if (c === "-" && next === "=") return undefined; // `-=` is arithmetic
    i += 2;
  } else return undefined;
  for (let n = 0; n < 16 && isBlank(text[i]); n++) i++; // aligned struct fields
  // Python string prefixes: r"…", b"…", u"…".
  if (/[rbuRBU]/.test(text[i] ?? "") && /["']/.test(text[i + 1] ?? "")) i++;
  const q = text[i];
  if (q === '"' || q === "'" || q === "`") {
    const start = i + 1;
    let j = start;
    for (; j < text.length && j - start <= maxValue; j++) {
      const ch = text[j];
      if (ch === "\\") {
        j++;
        continue;
      }
      if (ch === q || ch === "\n" || ch === "\r") break;
    }
    if (j - start > maxValue) return { skipTo: j };
    if (text[j] !== q || j === start) return undefined;
    return { value: text.slice(start, j), offset: start, quoted: true };
  }
  if (quotedOnly) return undefined;
  const start = i;
  let j = start;
  while (j < text.length && j - start <= maxValue && !stopUnquoted.has(text.charCodeAt(j))) j++;
  if (j - start > maxValue) return { skipTo: j };
  if (j === start) return undefined;
  // The value must end the token: a blank, a line end, or a separator.
  if (j < text.length && !/[\s,;]/.test(text[j]!)) return undefined;
  return { value: text.slice(start, j), offset: start, quoted: false };
}
