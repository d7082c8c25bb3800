import type { RE2JS } from "re2js";
import { HushError } from "@hush/errors";
import { lazy } from "./lazy.js";

const re2js = lazy<typeof import("re2js")>("re2js");

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
    re = re2js().RE2JS.compile(source);
  } catch (cause) {
    throw new HushError("HUSH_ERR_SOPS_INVALID_REGEX", `${what} is not a valid RE2 regular expression`, { cause });
  }
  return { source, test: (input) => re.matcher(input).find() };
}
