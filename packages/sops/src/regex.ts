import { createRequire } from "node:module";
import type { RE2JS } from "re2js";
import { HushError } from "@hush/errors";

// Loaded on first use: most files use the default suffix selector and never need a regex
// engine, and the CLI's cold start matters (pre-commit hooks, scripts).
let engine: typeof RE2JS | undefined;
function re2(): typeof RE2JS {
  engine ??= (createRequire(import.meta.url)("re2js") as { RE2JS: typeof RE2JS }).RE2JS;
  return engine;
}

/** A compiled Go (RE2) regular expression with sops's "find anywhere" matching. */
export interface GoRegex {
  readonly source: string;
  test(input: string): boolean;
}

/**
 * Compiles a Go RE2 pattern (sops and `.sops.yaml` use Go syntax: `(?i)`, `\z`, POSIX classes,
 * which JavaScript's RegExp rejects or reads differently). Linear time by construction.
 */
export function compileGoRegex(source: string, what: string): GoRegex {
  let re: RE2JS;
  try {
    re = re2().compile(source);
  } catch (cause) {
    throw new HushError("HUSH_ERR_SOPS_INVALID_REGEX", `${what} is not a valid RE2 regular expression`, { cause });
  }
  return { source, test: (input) => re.matcher(input).find() };
}
