import { defineCodes } from "./define.js";

/** Errors raised by @hush/server. Codes are never reused once released. */
export const serverCodes = defineCodes({
  HUSH_ERR_SERVER_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
});
