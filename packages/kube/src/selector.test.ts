import { describe, expect, it } from "vitest";
import { matchesSelector, storeAdmitsNamespace } from "./selector.js";

describe("storeAdmitsNamespace", () => {
  it("admits every namespace without conditions", () => {
    expect(storeAdmitsNamespace(undefined, "a", {})).toBe(true);
  });
  it("matches names, regexes and label selectors; any condition suffices", () => {
    const conds = [{ namespaces: ["team-a"] }, { namespaceRegexes: ["^prod-"] }, { namespaceSelector: { matchLabels: { tier: "gold" } } }];
    expect(storeAdmitsNamespace(conds, "team-a", {})).toBe(true);
    expect(storeAdmitsNamespace(conds, "prod-x", {})).toBe(true);
    expect(storeAdmitsNamespace(conds, "other", { tier: "gold" })).toBe(true);
    expect(storeAdmitsNamespace(conds, "other", { tier: "silver" })).toBe(false);
  });
  it("requires every field of one condition", () => {
    expect(storeAdmitsNamespace([{ namespaces: ["a"], namespaceSelector: { matchLabels: { x: "1" } } }], "a", {})).toBe(false);
  });
});

describe("matchesSelector", () => {
  it("evaluates match expressions", () => {
    const sel = { matchExpressions: [{ key: "env", operator: "In" as const, values: ["dev", "prod"] }, { key: "legacy", operator: "DoesNotExist" as const }] };
    expect(matchesSelector(sel, { env: "dev" })).toBe(true);
    expect(matchesSelector(sel, { env: "qa" })).toBe(false);
    expect(matchesSelector(sel, { env: "dev", legacy: "y" })).toBe(false);
  });
});
