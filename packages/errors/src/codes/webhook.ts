import { defineCodes } from "./define.js";

/** Errors raised by @hush/webhook. Codes are never reused once released. */
export const webhookCodes = defineCodes({
  HUSH_ERR_WEBHOOK_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
});
