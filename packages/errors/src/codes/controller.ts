import { defineCodes } from "./define.js";

/** Errors raised by @hush/controller. Codes are never reused once released. */
export const controllerCodes = defineCodes({
  HUSH_ERR_CONTROLLER_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
});
