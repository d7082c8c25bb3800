import { defineCodes } from "./define.js";

/** Errors raised by @hush/scan. Codes are never reused once released. */
export const scanCodes = defineCodes({
  HUSH_ERR_SCAN_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
});
