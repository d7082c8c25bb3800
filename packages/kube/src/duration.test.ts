import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it.for([
    ["1h0m0s", 3_600_000],
    ["15m", 900_000],
    ["30s", 30_000],
    ["1.5h", 5_400_000],
    ["250ms", 250],
    ["0", 0],
    ["0s", 0],
    ["1h30m", 5_400_000],
  ] as const)("%s → %d ms", ([text, ms]) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.for(["", "1d", "h", "10", "1h-5m", "abc"])("rejects %j with HUSH_ERR_KUBE_INVALID_OBJECT", (text) => {
    expect(() => parseDuration(text, "spec.refreshInterval")).toThrowError(expect.objectContaining({ code: "HUSH_ERR_KUBE_INVALID_OBJECT" }));
  });

  it("formats like Go", () => {
    expect(formatDuration(3_600_000)).toBe("1h0m0s");
    expect(formatDuration(90_000)).toBe("1m30s");
    expect(formatDuration(0)).toBe("0s");
  });
});
