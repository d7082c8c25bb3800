import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import { applyBaseline, createBaseline, formatBaseline, parseBaseline } from "./baseline.js";
import { formatJson, formatSarif } from "./report.js";
import { createScanner } from "./scanner.js";

const ghp = (c: string) => `ghp_${c.repeat(4)}aB3dE5fG7hJ9kL1mN3pQ`;
const scanner = createScanner();

describe("baseline", () => {
  const before = `a=1\nTOKEN=${ghp("Zq1Y")}\n`;
  const baseline = parseBaseline(formatBaseline(createBaseline(scanner.scan({ path: "cfg.env", content: before }).findings)), "b.json");

  it("is keyed by rule + path + secret hash, so a moved secret stays suppressed", () => {
    const moved = `# new header\n\n\nx=2\n   TOKEN=${ghp("Zq1Y")}\n`;
    expect(applyBaseline(scanner.scan({ path: "cfg.env", content: moved }).findings, baseline)).toEqual([]);
  });

  it("does not hide a different secret on the same line, or the same secret in another file", () => {
    const other = `a=1\nTOKEN=${ghp("Wp9X")}\n`;
    expect(applyBaseline(scanner.scan({ path: "cfg.env", content: other }).findings, baseline)).toHaveLength(1);
    expect(applyBaseline(scanner.scan({ path: "other.env", content: before }).findings, baseline)).toHaveLength(1);
  });

  it("holds no line numbers and no secret material", () => {
    const text = formatBaseline(baseline);
    expect(text).not.toMatch(/"line"/);
    expect(text).not.toContain(ghp("Zq1Y").slice(4));
    expect(JSON.parse(text).findings).toEqual([{ rule: "github-pat", path: "cfg.env", secretHash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it("rejects files that are not hush baselines", () => {
    for (const bad of ["not json", "{}", '{"version":1,"findings":[{"rule":"x"}]}']) {
      expect(() => parseBaseline(bad, "b.json")).toThrow(HushError);
      try {
        parseBaseline(bad, "b.json");
      } catch (e) {
        expect((e as HushError).code).toBe("HUSH_ERR_SCAN_BASELINE");
      }
    }
  });
});

describe("report formats", () => {
  const findings = scanner.scan({ path: "dir/cfg.env", content: `TOKEN=${ghp("Zq1Y")}\n` }).findings;

  it("json has exactly the documented shape", () => {
    const doc = JSON.parse(formatJson(findings, { files: 3, bytes: 120 }));
    expect(Object.keys(doc)).toEqual(["findings", "stats"]);
    expect(doc.stats).toEqual({ files: 3, bytes: 120 });
    expect(Object.keys(doc.findings[0])).toEqual(["rule", "path", "line", "column", "secretHash", "redacted"]);
    expect(doc.findings[0]).toMatchObject({ rule: "github-pat", path: "dir/cfg.env", line: 1, column: 7, redacted: "ghp_*****" });
  });

  it("sarif is 2.1.0 with rules, locations and a secret-hash fingerprint", () => {
    const doc = JSON.parse(formatSarif(findings, scanner.rules, "0.1.0"));
    expect(doc.version).toBe("2.1.0");
    const run = doc.runs[0];
    expect(run.tool.driver.name).toBe("hush");
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(["github-pat"]);
    expect(run.results[0]).toMatchObject({
      ruleId: "github-pat",
      ruleIndex: 0,
      locations: [{ physicalLocation: { artifactLocation: { uri: "dir/cfg.env" }, region: { startLine: 1, startColumn: 7 } } }],
      partialFingerprints: { "secretHash/v1": findings[0]!.secretHash },
    });
  });
});
