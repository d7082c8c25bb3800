import { describe, expect, it } from "vitest";
import { storeAdmitsNamespace } from "./selector.js";
import { compileTenantRegexp, maxTenantRegexpLength } from "./tenant-regexp.js";

function re(source: string) {
  const r = compileTenantRegexp(source);
  if (!r.ok) throw new Error(`did not compile: ${r.reason}`);
  return r.regexp;
}

describe("compileTenantRegexp (RE2 semantics)", () => {
  it("matches a catastrophic-backtracking pattern in linear time", () => {
    const evil = re("^(a+)+$");
    const input = `${"a".repeat(4000)}!`;
    const t0 = performance.now();
    expect(evil.test(input)).toBe(false);
    expect(evil.replaceAll(input, "x")).toBe(input);
    // V8's backtracking engine needs years for this input; RE2 is linear.
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("accepts Go syntax JavaScript rejects: (?i) and (?P<name>)", () => {
    expect(re("(?i)^db-").test("DB-main")).toBe(true);
    expect(re("^(?P<env>[a-z]+)-(?P<name>.+)$").replaceAll("prod-db", "${name}_${env}")).toBe("db_prod");
  });

  it("expands replacements the Go way", () => {
    expect(re("a(b)").replaceAll("xabyab", "[$1]")).toBe("x[b]y[b]");
    expect(re("a(b)").replaceAll("ab", "${1}x")).toBe("bx");
    // Go reads "$1x" as the (missing) group "1x": empty.
    expect(re("a(b)").replaceAll("ab", "$1x")).toBe("");
    expect(re("a").replaceAll("a", "$$")).toBe("$");
    expect(re("/").replaceAll("app/db/user", "_")).toBe("app_db_user");
    expect(re("^path/").replaceAll("path/to", "")).toBe("to");
  });

  it("follows Go's empty-match rule", () => {
    expect(re("a*").replaceAll("baaac", "X")).toBe("XbXcX");
    expect(re("").replaceAll("ab", "-")).toBe("-a-b-");
  });

  it("refuses over-long and invalid patterns", () => {
    expect(compileTenantRegexp("a".repeat(maxTenantRegexpLength + 1))).toEqual({ ok: false, reason: "too-long" });
    expect(compileTenantRegexp("(a")).toEqual({ ok: false, reason: "invalid" });
    // Backreferences need backtracking; RE2 has none.
    expect(compileTenantRegexp("(a)\\1")).toEqual({ ok: false, reason: "invalid" });
  });
});

describe("ClusterSecretStore namespaceRegexes", () => {
  it("run with RE2 and fail closed on a bad pattern", () => {
    expect(storeAdmitsNamespace([{ namespaceRegexes: ["(?i)^TEAM-"] }], "team-a", {})).toBe(true);
    expect(storeAdmitsNamespace([{ namespaceRegexes: ["(a"] }], "a", {})).toBe(false);
    const t0 = performance.now();
    expect(storeAdmitsNamespace([{ namespaceRegexes: ["^(a+)+$"] }], `${"a".repeat(60)}!`, {})).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
