import { defineCodes } from "./define.js";

/** Errors raised by @hush/providers. Codes are never reused once released. */
export const providersCodes = defineCodes({
  HUSH_ERR_PROVIDERS_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
});
