import { describe, expect, it } from "vitest";
import { SopsTime } from "../tree.js";
import { chooseStringStyle, resolvePlain } from "./yaml-scalars.js";

// go-yaml v3 scalar resolution: the same plain text must give the same type as in sops,
// or the MAC differs.
describe("resolvePlain (go-yaml v3)", () => {
  it.each<[string, unknown]>([
    ["true", true],
    ["False", false],
    ["yes", "yes"],
    ["on", "on"],
    ["~", null],
    ["null", null],
    ["", null],
    ["017", 15n],
    ["0o17", 15n],
    ["0x1F", 31n],
    ["0b101", 5n],
    ["1_000", 1000n],
    ["-42", -42n],
    ["08", 8],
    ["1.0", 1],
    ["1e3", 1000],
    [".5", 0.5],
    [".inf", Infinity],
    ["-.Inf", -Infinity],
    ["9223372036854775807", 9223372036854775807n],
    ["18446744073709551615", 18446744073709551615n],
    ["hello", "hello"],
    ["1.2.3", "1.2.3"],
  ])("%s resolves to %s", (text, expected) => {
    expect(resolvePlain(text)).toEqual(expected);
  });

  it("reads timestamps as go-yaml does and renders them as RFC 3339", () => {
    expect(resolvePlain("2024-01-01")).toEqual(new SopsTime("2024-01-01T00:00:00Z"));
    expect(resolvePlain("2024-1-2T3:04:05.500Z")).toEqual(new SopsTime("2024-01-02T03:04:05.5Z"));
    expect(resolvePlain("2024-01-02T03:04:05+02:00")).toEqual(new SopsTime("2024-01-02T03:04:05+02:00"));
    expect(resolvePlain("2024-13-01")).toBe("2024-13-01");
  });
});

describe("chooseStringStyle (libyaml)", () => {
  it.each<[string, string]>([
    ["plain text", "plain"],
    ["yes", "double"],
    ["123", "double"],
    ["2024-01-01", "double"],
    ["a: b", "single"],
    ["  lead", "single"],
    ["tab\there", "double"],
    ["multi\nline", "literal"],
    ["- dash", "single"],
    ["#hash", "single"],
    ["", "double"],
  ])("%j is written %s", (s, style) => expect(chooseStringStyle(s, false)).toBe(style));
});
