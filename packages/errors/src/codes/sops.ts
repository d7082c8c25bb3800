import { defineCodes } from "./define.js";

/** Errors raised by @hush/sops. Codes are never reused once released. */
export const sopsCodes = defineCodes({
  HUSH_ERR_SOPS_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
});
