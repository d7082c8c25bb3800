import { isHushError, type ErrorCode } from "@hush/errors";

/** Stable `Ready` reasons (ESO's names). */
export type ReadyReason = "SecretSynced" | "SecretSyncedError" | "SecretDeleted" | "SecretMissing";

/** An Event to record on the ExternalSecret. */
export interface PlannedEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

/** The `Ready` condition a reconcile reports, and the events that go with it. */
export interface Verdict {
  readonly ready: { readonly status: "True" | "False"; readonly reason: ReadyReason; readonly message: string };
  readonly events: readonly PlannedEvent[];
  /**
   * Drives scheduling: `synced` records a refresh and waits for the next interval, `retry`
   * backs off, `terminal` waits for a spec change (re-checked at the refresh interval),
   * `waiting` is not an error but not synced either.
   */
  readonly outcome: "synced" | "retry" | "terminal" | "waiting";
  /** The error code behind a failure, for metrics and logs. */
  readonly errorCode?: ErrorCode;
}

/** Error codes that retrying cannot fix: they wait for a change of the spec or the target. */
const terminalCodes: ReadonlySet<string> = new Set([
  "HUSH_ERR_CONTROLLER_INVALID_SPEC",
  "HUSH_ERR_CONTROLLER_INVALID_KEY",
  "HUSH_ERR_CONTROLLER_TARGET_CONFLICT",
  "HUSH_ERR_CONTROLLER_TARGET_IMMUTABLE",
  "HUSH_ERR_CONTROLLER_STORE_NOT_ALLOWED",
  "HUSH_ERR_CONTROLLER_TEMPLATE",
  "HUSH_ERR_KUBE_INVALID_OBJECT",
]);

/** True when retrying with backoff cannot fix an error with this code. */
export function isTerminalCode(code: string): boolean {
  return terminalCodes.has(code);
}

/**
 * The one failure builder: `Ready=False/SecretSyncedError` with `context: message [CODE]`, a
 * Warning `UpdateFailed` event with the same text, and `terminal` or `retry` from the code.
 * Only hush's own messages are shown (they name paths, never values); anything else is
 * "unexpected error".
 */
export function failure(err: unknown, context: string): Verdict {
  const code: ErrorCode = isHushError(err) ? err.code : "HUSH_ERR_CONTROLLER_INTERNAL";
  const text = `${context}: ${isHushError(err) ? err.message : "unexpected error"} [${code}]`;
  return {
    ready: { status: "False", reason: "SecretSyncedError", message: text },
    events: [{ type: "Warning", reason: "UpdateFailed", message: text }],
    outcome: isTerminalCode(code) ? "terminal" : "retry",
    errorCode: code,
  };
}
