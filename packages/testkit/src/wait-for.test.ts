import { describe, expect, it } from "vitest";
import { ProbeAbort, waitFor } from "./wait-for.js";

describe("waitFor", () => {
  it("resolves as soon as the probe answers true", async () => {
    let calls = 0;
    await waitFor(async () => ++calls === 3, { what: "the third call", timeoutMs: 5_000 });
    expect(calls).toBe(3);
  });

  it("names what it waited for and the last probe error on timeout", async () => {
    await expect(
      waitFor(async () => {
        throw new Error("connection refused");
      }, { what: "the server", timeoutMs: 50 }),
    ).rejects.toThrow(/timed out after 50ms waiting for the server; last probe error: connection refused/);
  });

  it("stops at once on ProbeAbort", async () => {
    let calls = 0;
    await expect(
      waitFor(async () => {
        calls++;
        throw new ProbeAbort("peer exited");
      }, { what: "x", timeoutMs: 5_000 }),
    ).rejects.toThrow("peer exited");
    expect(calls).toBe(1);
  });
});
