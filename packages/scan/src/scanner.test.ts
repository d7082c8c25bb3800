import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import { hushSops as testSops } from "./sops-recognisers.js";
import { parseScanConfig } from "./config.js";
import { hashSecret } from "./redact.js";
import { createScanner } from "./scanner.js";

// Built at run time so no token-shaped literal sits in the source.
const ghp = `ghp_${"aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"}`;
const enc = (s: string) => new TextEncoder().encode(s);

describe("createScanner", () => {
  const scanner = createScanner({ sops: testSops });

  it("reports rule, position, hash and a redacted value, never the secret", () => {
    const { findings } = scanner.scan({ path: "a.env", content: `# token\nTOKEN=${ghp}\n` });
    expect(findings).toEqual([
      { rule: "github-pat", path: "a.env", line: 2, column: 7, secretHash: hashSecret(ghp), redacted: "ghp_*****" },
    ]);
    expect(JSON.stringify(findings)).not.toContain(ghp.slice(4));
  });

  it("skips binary content by a NUL byte, and files over the size cap", () => {
    const bin = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, ...enc(ghp)]);
    expect(scanner.scan({ path: "logo.png", content: bin })).toEqual({ findings: [], skipped: "binary" });
    const small = createScanner({ maxFileBytes: 10 });
    expect(small.scan({ path: "a", content: enc(`x=${ghp}`) }).skipped).toBe("too-large");
  });

  it("skips lock files and allowlisted paths", () => {
    expect(scanner.scan({ path: "web/package-lock.json", content: ghp }).skipped).toBe("allowlisted-path");
  });

  it("in staged mode reports line rules only on added lines, file rules anywhere", () => {
    const text = `a=${ghp}\nkind: Secret\napiVersion: v1\nmetadata: {name: x}\nstringData:\n  k: Rz8kW3qLp5Nv\n`;
    const res = scanner.scan({ path: "s.yaml", content: text, addedLines: new Set([3]) });
    expect(res.findings.map((f) => f.rule)).toEqual(["kubernetes-secret"]);
    const all = scanner.scan({ path: "s.yaml", content: text, addedLines: new Set([1]) });
    expect(all.findings.map((f) => f.rule).sort()).toEqual(["github-pat", "kubernetes-secret"]);
  });

  it("maps fragment lines to file lines in history mode", () => {
    const res = scanner.scan({ path: "x", content: `nothing\n${ghp}`, lineMap: [10, 42], commit: "abc" });
    expect(res.findings.map((f) => [f.line, f.commit])).toEqual([[42, "abc"]]);
  });

  it("honours hush:allow and gitleaks:allow on the same line only", () => {
    const text = `a=${ghp} # hush:allow\nb=${ghp}\n`;
    expect(scanner.scan({ path: "x", content: text }).findings.map((f) => f.line)).toEqual([2]);
    const strict = createScanner({ inlineAllow: false });
    expect(strict.scan({ path: "x", content: text }).findings).toHaveLength(2);
  });

  it("lists its rules and marks the generic (lower-confidence) ones", () => {
    const generic = scanner.rules.filter((r) => r.generic).map((r) => r.id).sort();
    expect(generic).toEqual(["authorization-header", "generic-api-key", "generic-password", "password-in-url"]);
    expect(scanner.rules.find((r) => r.id === "github-pat")).toMatchObject({ generic: false, description: expect.any(String) });
  });

  it("drops a generic hit when a specific rule reported the same line", () => {
    const res = scanner.scan({ path: "x", content: `github_token = "${ghp}"\n` });
    expect(res.findings.map((f) => f.rule)).toEqual(["github-pat"]);
  });

  it("does not report SOPS ciphertext through the generic rules", () => {
    const v = "ENC[AES256_GCM,data:Zm9vYmFyYmF6cXV4,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:BBBBBBBBBBBBBBBBBBBBBB==,type:str]";
    expect(scanner.scan({ path: "x.yaml", content: `db_password: ${v}\n` }).findings).toEqual([]);
  });

  it("applies config: custom RE2 rules, disabled rules, allowlist paths, regexes and stopwords", () => {
    const config = parseScanConfig(
      [
        "disabledRules: [github-pat]",
        "allowlist:",
        "  paths: ['^fixtures/']",
        "  stopwords: [localdev]",
        "rules:",
        "  - id: acme-token",
        "    description: ACME internal token",
        "    regex: '(?i)acme_([a-z0-9]{24})'",
        "    keywords: [acme_]",
        "    entropy: 2",
      ].join("\n"),
      ".hush-scan.yaml",
    );
    const s = createScanner(config);
    const acme = "acme_q8w7e6r5t4y3u2i1o9p8a7s6";
    expect(s.scan({ path: "x", content: `t=${ghp}\nk=${acme}\n` }).findings.map((f) => [f.rule, f.line, f.column])).toEqual([["acme-token", 2, 8]]);
    expect(s.scan({ path: "fixtures/x", content: acme }).skipped).toBe("allowlisted-path");
    expect(s.scan({ path: "x", content: "k=acme_localdevq8w7e6r5t4y3u2i1" }).findings).toEqual([]);
  });

  it("rejects invalid config patterns with a typed error that does not echo the pattern", () => {
    const attempt = () => parseScanConfig("rules:\n  - id: bad\n    regex: '(?<=sekrit)x'\n", "cfg.yaml");
    expect(attempt).toThrow(HushError);
    try {
      attempt();
    } catch (e) {
      expect((e as HushError).code).toBe("HUSH_ERR_SCAN_INVALID_PATTERN");
      expect((e as HushError).message).not.toContain("sekrit");
      expect((e as HushError).message).toContain("cfg.yaml");
    }
  });
});
