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
  it("ORs the fields of one condition, as ESO v0.16.2 does", () => {
    const cond = [{ namespaces: ["a"], namespaceSelector: { matchLabels: { x: "1" } }, namespaceRegexes: ["^re-"] }];
    expect(storeAdmitsNamespace(cond, "a", {})).toBe(true); // named, selector does not match
    expect(storeAdmitsNamespace(cond, "b", { x: "1" })).toBe(true); // selected, not named
    expect(storeAdmitsNamespace(cond, "re-b", {})).toBe(true); // regex only
    expect(storeAdmitsNamespace(cond, "b", { x: "2" })).toBe(false);
  });
  it("an empty condition admits nothing; an empty selector admits everything", () => {
    expect(storeAdmitsNamespace([{}], "a", {})).toBe(false);
    expect(storeAdmitsNamespace([{ namespaces: [], namespaceRegexes: [] }], "a", {})).toBe(false);
    expect(storeAdmitsNamespace([{ namespaceSelector: {} }], "a", {})).toBe(true);
  });
  it("a selector Kubernetes refuses denies, even when another condition would admit", () => {
    expect(storeAdmitsNamespace([{ namespaceSelector: { matchExpressions: [{ key: "x", operator: "In" }] } }, { namespaces: ["a"] }], "a", {})).toBe(false);
    expect(storeAdmitsNamespace([{ namespaceSelector: { matchExpressions: [{ key: "x", operator: "Exists", values: ["v"] }] } }], "a", { x: "v" })).toBe(false);
    expect(storeAdmitsNamespace([{ namespaceSelector: { matchExpressions: [{ key: "x", operator: "NotIn", values: ["v"] }] } }], "a", {})).toBe(true);
  });
  it("a regexp that does not compile denies, even when a later condition would admit", () => {
    expect(storeAdmitsNamespace([{ namespaceRegexes: ["(a"] }, { namespaces: ["a"] }], "a", {})).toBe(false);
    // Judged in ESO's order: an earlier match admits before the bad pattern is reached.
    expect(storeAdmitsNamespace([{ namespaces: ["a"] }, { namespaceRegexes: ["(a"] }], "a", {})).toBe(true);
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
