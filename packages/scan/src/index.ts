/**
 * @packageDocumentation
 * The hush secret-scanning engine, pure: bytes and paths in, findings out. No file system,
 * no git, no environment, no clock. The CLI (`hush scan`) does the I/O.
 */
export { createScanner, type Allowlist, type Scanner, type ScannerOptions, type ScanInput, type ScanResult } from "./scanner.js";
export type { Finding, Pattern } from "./types.js";
export type { Rule } from "./rule.js";
export type { SopsRecognisers, SopsConfigInForce } from "./rules/sops-aware.js";
export { hushSops } from "./sops-recognisers.js";
export { kustomizeSecretSources } from "./rules/kubernetes.js";
export { parseScanConfig, parseGitleaksConfig, type ScanConfig } from "./config.js";
export { applyBaseline, createBaseline, formatBaseline, parseBaseline, type Baseline, type BaselineEntry } from "./baseline.js";
export { formatJson, formatSarif, formatText, type ScanStats } from "./report.js";
export { hashSecret, redactSecret } from "./redact.js";
export { isBinary } from "./binary.js";
export { shannonEntropy } from "./entropy.js";
export { KeywordPrefilter } from "./prefilter.js";
