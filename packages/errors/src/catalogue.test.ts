import { describe, expect, it } from "vitest";
import { HushError, catalogue, isHushError } from "./index.js";

describe("error catalogue", () => {
  it("names every code HUSH_ERR_<AREA>_<WHAT> with a remedy and a valid exit code", () => {
    for (const [code, spec] of Object.entries(catalogue)) {
      expect(code).toMatch(/^HUSH_ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
      expect(spec.hint.length).toBeGreaterThan(0);
      expect(Number.isInteger(spec.exitCode) && spec.exitCode > 0 && spec.exitCode < 256).toBe(true);
    }
  });

  it("carries the exit code and hint into the thrown error", () => {
    const err = new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", "cannot use --in-place with --output");
    expect(err.exitCode).toBe(8);
    expect(err.hint).toBe(catalogue.HUSH_ERR_CLI_CONFLICTING_PARAMETERS.hint);
    expect(isHushError(err)).toBe(true);
    expect(isHushError(new Error("x"))).toBe(false);
  });
});
