import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { TokenBucket } from "./token-bucket.js";
import { WorkQueue } from "./work-queue.js";

describe("WorkQueue", () => {
  it("de-duplicates queued keys", async () => {
    const q = new WorkQueue(new ManualClock());
    q.add("a");
    q.add("a");
    q.add("b");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
  });

  it("never hands one key to two workers; a re-add while processing runs after done()", async () => {
    const q = new WorkQueue(new ManualClock());
    q.add("a");
    const k = await q.get();
    q.add("a");
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((x) => (second = x));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(k!);
    await Promise.resolve();
    expect(second).toBe("a");
  });

  it("lets never-synced keys jump the line", async () => {
    const q = new WorkQueue(new ManualClock());
    q.add("old-1");
    q.add("old-2");
    q.add("new", { priority: true });
    expect(await q.get()).toBe("new");
  });

  it("delays by the injected clock and keeps the earliest due time", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue(clock);
    q.addAfter("a", 10_000);
    q.addAfter("a", 5_000);
    q.addAfter("a", 20_000);
    expect(q.dueAt("a")).toBe(clock.now() + 5_000);
    await clock.advance(4_999);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it("shutDown releases waiting workers", async () => {
    const q = new WorkQueue(new ManualClock());
    const p = q.get();
    q.shutDown();
    expect(await p).toBeUndefined();
  });
});

describe("TokenBucket", () => {
  it("allows a burst, then paces at the rate (by the injected clock)", async () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ ratePerSecond: 2, burst: 2, clock });
    let granted = 0;
    for (let i = 0; i < 5; i++) void b.acquire().then(() => granted++);
    await clock.advance(0);
    expect(granted).toBe(2);
    await clock.advance(500);
    expect(granted).toBe(3);
    await clock.advance(1000);
    expect(granted).toBe(5);
  });
});
