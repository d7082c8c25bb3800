import { setTimeout as delay } from "node:timers/promises";

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** What is being waited for, named in the timeout error. */
  readonly what: string;
}

/** Thrown by a probe to stop {@link waitFor} at once (for example: the peer process exited). */
export class ProbeAbort extends Error {
  override readonly name = "ProbeAbort";
}

/**
 * Polls `probe` until it resolves `true`. This is readiness probing, not a fixed sleep: the
 * interval between probes starts at 10 ms and doubles up to 250 ms. A probe that throws counts
 * as "not yet" (its last error is reported on timeout), except {@link ProbeAbort}, which ends
 * the wait immediately.
 * @throws Error when `timeoutMs` passes first, naming `what` and the last probe error.
 */
export async function waitFor(probe: () => Promise<boolean>, options: WaitForOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let interval = 10;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      if (err instanceof ProbeAbort) throw err;
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `; last probe error: ${last.message}` : "";
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${options.what}${why}`);
    }
    await delay(Math.min(interval, Math.max(0, deadline - Date.now())));
    interval = Math.min(interval * 2, 250);
  }
}
