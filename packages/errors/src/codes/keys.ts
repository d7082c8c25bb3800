import { defineCodes } from "./define.js";

/** Errors raised by @hush/keys. Codes are never reused once released. */
export const keysCodes = defineCodes({
  HUSH_ERR_KEYS_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
});
