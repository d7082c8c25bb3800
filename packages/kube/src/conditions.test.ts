import { describe, expect, it } from "vitest";
import { getCondition, isReady, setCondition } from "./conditions.js";

describe("setCondition", () => {
  it("keeps lastTransitionTime while the status is unchanged and moves it on a transition", () => {
    const a = setCondition(undefined, { type: "Ready", status: "True", reason: "SecretSynced", message: "secret synced" }, "t1");
    const b = setCondition(a, { type: "Ready", status: "True", reason: "SecretSynced", message: "secret synced" }, "t2");
    expect(getCondition(b, "Ready")?.lastTransitionTime).toBe("t1");
    const c = setCondition(b, { type: "Ready", status: "False", reason: "SecretSyncedError", message: "x" }, "t3");
    expect(getCondition(c, "Ready")?.lastTransitionTime).toBe("t3");
    expect(isReady(c)).toBe(false);
    expect(isReady(b)).toBe(true);
    expect(a).toHaveLength(1);
    expect(c).toHaveLength(1);
  });
});
