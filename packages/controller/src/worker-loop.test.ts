import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import { ManualClock } from "./clock.js";
import { WorkQueue } from "./work-queue.js";
import { TerminalError, WorkerLoop, type Result } from "./worker-loop.js";

const log = { info() {}, warn() {}, debug() {} };

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe("WorkerLoop: the one place that requeues", () => {
  it("requeues after requeueAfter, backs off on a thrown error, never requeues a terminal error", async () => {
    const clock = new ManualClock(0);
    const queue = new WorkQueue(clock);
    const calls: string[] = [];
    const behaviour = new Map<string, () => Result>([
      ["ok", () => ({ requeueAfter: 1000 })],
      ["flaky", () => { throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", "down"); }],
      ["bad", () => { throw new TerminalError("HUSH_ERR_CONTROLLER_INVALID_SPEC"); }],
    ]);
    const loop = new WorkerLoop({ queue, workers: 2, log, name: "t", backoff: { baseMs: 100, maxMs: 10_000 }, reconcile: async (k) => { calls.push(k); return behaviour.get(k)!(); } });
    const running = loop.run();
    for (const k of ["ok", "flaky", "bad"]) queue.add(k);
    await settle();
    expect(calls.sort()).toEqual(["bad", "flaky", "ok"]);
    expect(loop.failures("flaky")).toBe(1);
    expect(queue.dueAt("ok")).toBe(1000);
    expect(queue.dueAt("flaky")).toBeGreaterThanOrEqual(90);
    expect(queue.dueAt("flaky")).toBeLessThanOrEqual(110);
    expect(queue.dueAt("bad")).toBeUndefined();
    await clock.advance(200);
    await settle();
    expect(loop.failures("flaky")).toBe(2);
    // Doubled: failed at ~100 ms, next try ~200 ms later.
    expect(queue.dueAt("flaky")).toBeGreaterThan(250);
    behaviour.set("flaky", () => ({}));
    await clock.advance(1000);
    await settle();
    expect(loop.failures("flaky")).toBe(0);
    expect(calls.filter((c) => c === "bad")).toHaveLength(1);
    queue.shutDown();
    await running;
  });
});
