import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import { parseGitleaksConfig, parseScanConfig } from "./config.js";
import { createScanner } from "./scanner.js";

const ghp = `ghp_${"aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"}`;
const internal = "corp-tok-4f8a9c2e7b1d6f3a";

const toml = (extend: string) => `
title = "team config"
${extend}
[[rules]]
id = "corp-token"
description = "Corp internal token"
regex = '''corp-tok-([a-f0-9]{16})'''
keywords = ["corp-tok-"]
entropy = 2.5
  [[rules.allowlists]]
  stopwords = ["deadbeef"]

[allowlist]
paths = ['''(^|/)testdata/''']
`;

describe("gitleaks TOML configs", () => {
  it("without [extend] the file's rules replace the built-in token rules", () => {
    const s = createScanner(parseGitleaksConfig(toml(""), ".gitleaks.toml"));
    const found = s.scan({ path: "a", content: `x=${internal}\ny=${ghp}\n` }).findings.map((f) => [f.rule, f.line, f.redacted]);
    expect(found).toEqual([["corp-token", 1, "4f8a*****"]]);
  });

  it("with [extend] useDefault the built-ins stay, and disabledRules applies", () => {
    const s = createScanner(parseGitleaksConfig(toml('[extend]\nuseDefault = true\ndisabledRules = ["jwt"]'), ".gitleaks.toml"));
    expect(s.scan({ path: "a", content: `x=${internal}\ny=${ghp}\n` }).findings.map((f) => f.rule)).toEqual(["corp-token", "github-pat"]);
    expect(s.rules.some((r) => r.id === "jwt")).toBe(false);
  });

  it("applies rule allowlist stopwords and the global path allowlist", () => {
    const s = createScanner(parseGitleaksConfig(toml(""), ".gitleaks.toml"));
    expect(s.scan({ path: "a", content: "corp-tok-deadbeef12345678" }).findings).toEqual([]);
    expect(s.scan({ path: "pkg/testdata/x", content: internal }).skipped).toBe("allowlisted-path");
  });

  it("keeps Kubernetes and SOPS detectors even when the built-in token rules are replaced", () => {
    const s = createScanner(parseGitleaksConfig(toml(""), ".gitleaks.toml"));
    const manifest = "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  k: Rz8kW3qLp5Nv\n";
    expect(s.scan({ path: "s.yaml", content: manifest }).findings.map((f) => f.rule)).toEqual(["kubernetes-secret"]);
  });

  it("supports path-only rules", () => {
    const s = createScanner(parseGitleaksConfig('[[rules]]\nid = "pkcs12-file"\npath = \'\'\'(?i)\\.p(?:12|fx)$\'\'\'\n', "g.toml"));
    expect(s.scan({ path: "certs/site.pfx", content: "MIIK" }).findings.map((f) => f.rule)).toEqual(["pkcs12-file"]);
    expect(s.scan({ path: "certs/site.pem", content: "MIIK" }).findings).toEqual([]);
  });

  it("reports broken TOML and bad patterns with typed errors", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as HushError).code;
      }
      return "no error";
    };
    expect(code(() => parseGitleaksConfig("[[rules]\nid=", "g.toml"))).toBe("HUSH_ERR_SCAN_CONFIG");
    expect(code(() => parseGitleaksConfig("[[rules]]\nid = 'x'\nregex = '(unclosed'\n", "g.toml"))).toBe("HUSH_ERR_SCAN_INVALID_PATTERN");
    expect(code(() => parseScanConfig("bogus: 1\n", "h.yaml"))).toBe("HUSH_ERR_SCAN_CONFIG");
    expect(code(() => parseScanConfig("rules:\n  - regex: x\n", "h.yaml"))).toBe("HUSH_ERR_SCAN_CONFIG");
    expect(new HushError("HUSH_ERR_SCAN_CONFIG", "x").exitCode).toBe(2);
  });
});
