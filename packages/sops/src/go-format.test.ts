import { describe, expect, it } from "vitest";
import { formatFloatF, formatFloatG, formatFloatJson } from "./go-format.js";

// Expected strings are what Go's strconv.FormatFloat / encoding/json print for the same float64.
describe("Go float formatting", () => {
  it.each([
    [1, "1"],
    [1e21, "1000000000000000000000"],
    [1e-7, "0.0000001"],
    [-0, "-0"],
    [0, "0"],
    [0.1, "0.1"],
    [1234568000, "1234568000"],
    [3.14159, "3.14159"],
    [-2.5e-3, "-0.0025"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [NaN, "NaN"],
    [9007199254740993, "9007199254740992"],
  ])("'f' of %s is %s", (x, s) => expect(formatFloatF(x)).toBe(s));

  it.each([
    [1234568000, "1.234568e+09"],
    [1e6, "1e+06"],
    [123456, "123456"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e10, "1.5e+10"],
    [1, "1"],
    [-0, "-0"],
    [3.14159, "3.14159"],
  ])("'g' of %s is %s", (x, s) => expect(formatFloatG(x)).toBe(s));

  it.each([
    [1e21, "1e+21"],
    [1e-7, "1e-7"],
    [1e20, "100000000000000000000"],
    [0.000001, "0.000001"],
    [2.5, "2.5"],
  ])("json of %s is %s", (x, s) => expect(formatFloatJson(x)).toBe(s));
});
