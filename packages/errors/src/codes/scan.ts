import { defineCodes } from "./define.js";

/**
 * Errors raised by @hush/scan and `hush scan`. Codes are never reused once released.
 * `hush scan` maps every error to exit 2 (0 = clean, 1 = findings), so each code here uses 2.
 */
export const scanCodes = defineCodes({
  HUSH_ERR_SCAN_INTERNAL: { exitCode: 2, hint: "this is a bug in hush; please report it" },
  HUSH_ERR_SCAN_USAGE: { exitCode: 2, hint: "run `hush scan --help` for usage" },
  HUSH_ERR_SCAN_CONFIG: { exitCode: 2, hint: "fix the scanner config file (see docs/scan.md)" },
  HUSH_ERR_SCAN_INVALID_PATTERN: {
    exitCode: 2,
    hint: "fix the regular expression (RE2 syntax: no look-around or backreferences)",
  },
  HUSH_ERR_SCAN_BASELINE: { exitCode: 2, hint: "regenerate the baseline with `hush scan --write-baseline`" },
  HUSH_ERR_SCAN_READ: { exitCode: 2, hint: "check the path exists and is readable" },
  HUSH_ERR_SCAN_GIT: { exitCode: 2, hint: "run inside a Git work tree with `git` on PATH, and check the revision exists" },
  HUSH_ERR_SCAN_HOOK: { exitCode: 2, hint: "remove or rename the existing hook, or pass --force" },
});
