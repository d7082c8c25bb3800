import type { Finding } from "./types.js";

/** Totals printed with the findings. */
export interface ScanStats {
  readonly files: number;
  readonly bytes: number;
}

/**
 * The `--format json` document:
 * `{"findings":[{"rule","path","line","column","secretHash","redacted"}],"stats":{"files","bytes"}}`;
 * history findings add `commit`, `author`, `email`, `date`, `message`, and `--verify` adds
 * `checksum` where the format has one.
 */
export function formatJson(findings: readonly Finding[], stats: ScanStats): string {
  return `${JSON.stringify({
    findings: findings.map((f) => ({
      rule: f.rule,
      path: f.path,
      line: f.line,
      column: f.column,
      secretHash: f.secretHash,
      redacted: f.redacted,
      ...(f.commit !== undefined ? { commit: f.commit, author: f.author, email: f.email, date: f.date, message: f.message } : {}),
      ...(f.checksum !== undefined ? { checksum: f.checksum } : {}),
    })),
    stats: { files: stats.files, bytes: stats.bytes },
  })}\n`;
}

/** Human output: one `path:line:column: rule redacted` line per finding. */
export function formatText(findings: readonly Finding[]): string {
  return findings
    .map((f) => `${f.path}:${f.line}:${f.column}: ${f.rule} ${f.redacted}${f.checksum ? ` [checksum ${f.checksum}]` : ""}${f.commit ? ` (commit ${f.commit.slice(0, 12)})` : ""}\n`)
    .join("");
}

/** SARIF 2.1.0 for code-scanning uploads; `partialFingerprints` carries the secret hash. */
export function formatSarif(
  findings: readonly Finding[],
  rules: readonly { readonly id: string; readonly description: string }[],
  version: string,
): string {
  const used = new Set(findings.map((f) => f.rule));
  const ruleList = rules.filter((r) => used.has(r.id));
  for (const id of used) if (!ruleList.some((r) => r.id === id)) ruleList.push({ id, description: id });
  const ruleIndex = new Map(ruleList.map((r, i) => [r.id, i]));
  const doc = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "hush",
            version,
            informationUri: "https://github.com/hush/hush/blob/main/docs/scan.md",
            rules: ruleList.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.description },
              defaultConfiguration: { level: "error" },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ruleIndex.get(f.rule),
          level: "error",
          message: { text: `${f.rule}: secret ${f.redacted}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.path },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
          partialFingerprints: { "secretHash/v1": f.secretHash },
          ...(f.commit || f.checksum ? { properties: { ...(f.commit ? { commit: f.commit, author: f.author, date: f.date } : {}), ...(f.checksum ? { checksum: f.checksum } : {}) } } : {}),
        })),
      },
    ],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
