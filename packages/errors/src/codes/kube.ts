import { defineCodes } from "./define.js";

/** Errors raised by @hush/kube. Codes are never reused once released. */
export const kubeCodes = defineCodes({
  HUSH_ERR_KUBE_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
});
