import type { Pattern, RawHit } from "./types.js";
import { anchoredPattern, jsPattern } from "./pattern.js";

/** Per-file facts a procedural detector may use. */
export interface DetectContext {
  readonly path: string;
}

/** A detection rule: a keyword-gated pattern, or a procedural detector. */
export interface Rule {
  readonly id: string;
  readonly description: string;
  /** Lower-case literals; the rule runs only if one occurs in the file. Empty = always run. */
  readonly keywords: readonly string[];
  readonly pattern?: Pattern;
  /** Capture group holding the secret; default: the first non-empty group, else the match. */
  readonly secretGroup?: number;
  /** Minimum Shannon entropy (bits/char) of the secret; at or below it the hit is dropped. */
  readonly entropy?: number;
  /** Only files whose path matches. */
  readonly path?: Pattern;
  /** Apply the shared placeholder/stopword gate used by generic rules. */
  readonly generic?: boolean;
  /** Rule-specific allowlist. */
  readonly allow?: { readonly regexes?: readonly Pattern[]; readonly stopwords?: readonly string[] };
  /** Extra built-in veto (receives the secret and the full match's groups). */
  readonly veto?: (secret: string, groups: readonly (string | undefined)[]) => boolean;
  /** Drop this rule's hit when an earlier specific rule reported the same secret at the same place. */
  readonly yields?: boolean;
  /** Procedural detector used instead of `pattern`. */
  readonly detect?: (text: string, ctx: DetectContext) => RawHit[];
}

interface TokenOptions {
  /** A literal always inside the token, with the most characters before and after it. */
  readonly anchor?: { readonly literal: string; readonly before: number; readonly after: number };
  /** Minimum entropy of the secret (default 3 for tokens with a random body). */
  readonly entropy?: number;
  /** Characters a token is made of; used for the left and right boundaries. */
  readonly alphabet?: string;
  readonly flags?: string;
}

/**
 * A token with a distinctive prefix, e.g. `ghp_` + 36 alphanumerics. The look-behind over the
 * token alphabet makes a match start only at the beginning of a run of token characters,
 * which keeps a backtracking engine linear (each run is walked once).
 */
export function token(
  id: string,
  description: string,
  keywords: readonly string[],
  body: string,
  opts: TokenOptions = {},
): Rule {
  const a = opts.alphabet ?? String.raw`\w`;
  return {
    id,
    description,
    keywords,
    pattern: opts.anchor
      ? anchoredPattern(new RegExp(String.raw`(?<![${a}])(${body})(?![${a}])`, opts.flags ?? ""), opts.anchor.literal, opts.anchor.before, opts.anchor.after)
      : jsPattern(new RegExp(String.raw`(?<![${a}])(${body})(?![${a}])`, opts.flags ?? "")),
    entropy: opts.entropy ?? 3,
  };
}

/**
 * Assignment operators between a key and its value (`=`, `:`, `:=`, `=>`, `->`, `?=`), with an
 * optional closing quote on the key and an opening one on the value. Blanks never cross a line,
 * and `==`, `!=`, `::` and argument lists (`,`) are not assignments.
 */
export const assign = String.raw`["'\x60]?\]?[ \t]{0,3}(?::=|=>|->|\?=|=(?![=~])|:(?!:))[ \t]{0,3}["'\x60]?`;

// An identifier without digits (`cloudflareTokenFromEnvironment`) is a variable, not a key.
const identifierValue = /^[A-Za-z_$][A-Za-z_$]*$/;

/**
 * A secret with no distinctive prefix, recognised by a nearby identifier
 * (`twilio_auth_token = "…"`). All quantifiers are bounded.
 */
export function keyed(
  id: string,
  description: string,
  keywords: readonly string[],
  ident: string,
  body: string,
  opts: { readonly entropy?: number } = {},
): Rule {
  return {
    id,
    description,
    keywords,
    pattern: jsPattern(new RegExp(String.raw`(?:${ident})[\w.-]{0,30}?${assign}(${body})(?![\w])`, "i")),
    entropy: opts.entropy ?? 3,
    veto: (secret) => identifierValue.test(secret),
  };
}
