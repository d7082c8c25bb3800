import { HushError } from "@hush/errors";
import type { Finding } from "./types.js";

/** One suppressed finding: rule + path + secret hash. Never a line number. */
export interface BaselineEntry {
  readonly rule: string;
  readonly path: string;
  readonly secretHash: string;
}

/** A baseline document as written by `hush scan --write-baseline`. */
export interface Baseline {
  readonly version: 1;
  readonly findings: readonly BaselineEntry[];
}

const key = (e: BaselineEntry) => `${e.rule}\0${e.path}\0${e.secretHash}`;

/** Builds a baseline from findings: sorted and de-duplicated so it diffs cleanly. */
export function createBaseline(findings: readonly Finding[]): Baseline {
  const map = new Map<string, BaselineEntry>();
  for (const f of findings) map.set(key(f), { rule: f.rule, path: f.path, secretHash: f.secretHash });
  const entries = [...map.values()].sort((a, b) => a.path.localeCompare(b.path) || a.rule.localeCompare(b.rule) || a.secretHash.localeCompare(b.secretHash));
  return { version: 1, findings: entries };
}

/** Serialises a baseline (stable, one entry per line). */
export function formatBaseline(b: Baseline): string {
  const lines = b.findings.map((e) => `    ${JSON.stringify(e)}`);
  return `{\n  "version": 1,\n  "findings": [\n${lines.join(",\n")}${lines.length ? "\n" : ""}  ]\n}\n`;
}

/**
 * Parses a baseline file's text.
 * @throws HushError HUSH_ERR_SCAN_BASELINE when it is not a hush baseline.
 */
export function parseBaseline(text: string, where: string): Baseline {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new HushError("HUSH_ERR_SCAN_BASELINE", `${where}: not valid JSON`, { cause });
  }
  const d = doc as { version?: unknown; findings?: unknown };
  if (d?.version !== 1 || !Array.isArray(d.findings)) {
    throw new HushError("HUSH_ERR_SCAN_BASELINE", `${where}: not a hush baseline (expected version 1 and a findings list)`);
  }
  const findings = d.findings.map((e: unknown, i: number) => {
    const x = e as Partial<BaselineEntry>;
    if (typeof x?.rule !== "string" || typeof x.path !== "string" || typeof x.secretHash !== "string" || !/^[0-9a-f]{64}$/.test(x.secretHash)) {
      throw new HushError("HUSH_ERR_SCAN_BASELINE", `${where}: entry ${i} needs rule, path and a sha256 secretHash`);
    }
    return { rule: x.rule, path: x.path, secretHash: x.secretHash };
  });
  return { version: 1, findings };
}

/** Findings not covered by the baseline (matched on rule + path + secret hash). */
export function applyBaseline<F extends Finding>(findings: readonly F[], baseline: Baseline): F[] {
  const known = new Set(baseline.findings.map(key));
  return findings.filter((f) => !known.has(key(f)));
}
