import { isPlaceholderToken, isPlaceholderValue } from "./allowlist.js";
import { isBinary } from "./binary.js";
import { checksums } from "./checksum.js";
import { shannonEntropy } from "./entropy.js";
import { LineIndex } from "./line-index.js";
import { KeywordPrefilter } from "./prefilter.js";
import { hashSecret, redactSecret } from "./redact.js";
import type { Rule } from "./rule.js";
import { familyRules } from "./rules/families.js";
import { genericRules } from "./rules/generic.js";
import { kubernetesRules } from "./rules/kubernetes.js";
import { moreTokenRules, pathRules } from "./rules/more-tokens.js";
import { privateKeyRule, puttyKeyRule } from "./rules/private-key.js";
import { sopsRules, type SopsConfigInForce, type SopsRecognisers } from "./rules/sops-aware.js";
import { tokenRules } from "./rules/tokens.js";
import { hushSops } from "./sops-recognisers.js";
import type { Finding, Pattern, RawHit } from "./types.js";

/** Global allowlist: paths never scanned, and secrets never reported. */
export interface Allowlist {
  readonly paths?: readonly Pattern[];
  /** Matched against the secret. */
  readonly regexes?: readonly Pattern[];
  /** Substrings (case-insensitive) that mark a secret as a placeholder. */
  readonly stopwords?: readonly string[];
}

/** Options for {@link createScanner}. */
export interface ScannerOptions {
  /** Extra rules (from a config file); a rule with a built-in id replaces the built-in. */
  readonly extraRules?: readonly Rule[];
  /** Drop the built-in token/generic rules (a gitleaks config without `[extend] useDefault`). */
  readonly noBuiltinRules?: boolean;
  readonly disabledRules?: readonly string[];
  readonly allowlist?: Allowlist;
  /** SOPS recognisers; default: those of @hush/sops. */
  readonly sops?: SopsRecognisers;
  /** `.sops.yaml` configs in force, for `sops-file-not-encrypted`. */
  readonly sopsConfigs?: readonly SopsConfigInForce[];
  /** Files kustomize secretGenerators read (from {@link kustomizeSecretSources}), relative paths. */
  readonly kustomizeSecretFiles?: ReadonlySet<string>;
  /** Files larger than this are skipped (default 25 MiB). */
  readonly maxFileBytes?: number;
  /** Honour `hush:allow` / `gitleaks:allow` on the line (default true). */
  readonly inlineAllow?: boolean;
  /**
   * Check the checksum of token formats that have one (GitHub, npm, age, Base58Check) and
   * record the outcome on the finding (`checksum: "valid" | "invalid"`). Offline only.
   */
  readonly verify?: boolean;
}

/** One file (or blob, or patch fragment) to scan. */
export interface ScanInput {
  /** Path relative to the scan root; used in findings and by path rules. */
  readonly path: string;
  readonly content: Uint8Array | string;
  /**
   * 1-based line numbers that are new (staged/history modes). Line rules report only hits on
   * these lines; file-level rules (Kubernetes, SOPS) judge the whole content.
   */
  readonly addedLines?: ReadonlySet<number>;
  /** Maps fragment lines to real file lines (history mode, where only added lines are scanned). */
  readonly lineMap?: readonly number[];
  readonly commit?: string;
}

/** The outcome for one input. */
export interface ScanResult {
  readonly findings: Finding[];
  /** Why the input was not scanned, if it was not. */
  readonly skipped?: "binary" | "too-large" | "allowlisted-path";
}

/** A configured scanner; reusable across files, holds no per-file state. */
export interface Scanner {
  scan(input: ScanInput): ScanResult;
  /**
   * Every active rule id and description (for SARIF). `generic` marks the keyword/entropy
   * rules without a distinctive token shape (lower confidence), e.g. for callers that only
   * want high-confidence hits.
   */
  readonly rules: readonly { readonly id: string; readonly description: string; readonly generic: boolean }[];
}

// Paths that hold hashes and vendored metadata, never credentials.
const defaultPathAllowlist = /(?:^|\/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.sum|Cargo\.lock|poetry\.lock|composer\.lock|Gemfile\.lock|Pipfile\.lock|uv\.lock|\.hush-baseline\.json)$/;

const inlineAllow = /hush:allow|gitleaks:allow/;
const decoder = new TextDecoder("utf-8");

function firstGroup(groups: readonly (string | undefined)[], wanted: number | undefined): string {
  if (wanted !== undefined) return groups[wanted] ?? "";
  for (let i = 1; i < groups.length; i++) if (groups[i]) return groups[i]!;
  return groups[0] ?? "";
}

/** Builds a scanner over the built-in rule set plus the options' changes. */
export function createScanner(options: ScannerOptions = {}): Scanner {
  const disabled = new Set(options.disabledRules ?? []);
  const sops = options.sops ?? hushSops;
  const isEncrypted = (v: string) => sops.isEncryptedValue(v);

  let tokenOnly: { prefilter: KeywordPrefilter; byKeyword: Rule[][] } | undefined;
  const scanDecoded = (value: string) => {
    if (!tokenOnly) return [];
    const kws = tokenOnly.prefilter.scan(value);
    const out: { rule: string; secret: string }[] = [];
    const seen = new Set<Rule>();
    for (const k of kws) for (const r of tokenOnly.byKeyword[k]!) seen.add(r);
    for (const r of seen) for (const h of runPattern(r, value)) out.push({ rule: h.rule, secret: h.secret });
    return out;
  };

  // `noBuiltinRules` (a gitleaks config without `[extend] useDefault`) replaces the token and
  // generic rules; the Kubernetes and SOPS detectors are hush's own and always stay.
  const builtin: Rule[] = [
    ...(options.noBuiltinRules ? [] : [...tokenRules, ...moreTokenRules, ...familyRules, ...genericRules, privateKeyRule, puttyKeyRule]),
    ...kubernetesRules(isEncrypted, scanDecoded, options.kustomizeSecretFiles),
    ...sopsRules(sops, options.sopsConfigs ?? []).filter((r) => r.id !== "sops-file-not-encrypted" || (options.sopsConfigs ?? []).length > 0),
  ];
  const extra = options.extraRules ?? [];
  const extraIds = new Set(extra.map((r) => r.id));
  const rules = [...builtin.filter((r) => !extraIds.has(r.id)), ...extra].filter((r) => !disabled.has(r.id));

  const build = (rs: readonly Rule[]) => {
    const prefilter = new KeywordPrefilter(rs.flatMap((r) => r.keywords));
    const byKeyword: Rule[][] = prefilter.keywords.map(() => []);
    const index = new Map(prefilter.keywords.map((k, i) => [k, i]));
    for (const r of rs) for (const k of r.keywords) byKeyword[index.get(k.toLowerCase())!]!.push(r);
    return { prefilter, byKeyword };
  };
  const activePathRules = options.noBuiltinRules ? [] : pathRules.filter((r) => !disabled.has(r.id));
  const all = build(rules);
  const order = new Map(rules.map((r, i) => [r.id, i]));
  const yielding = new Set(rules.filter((r) => r.yields).map((r) => r.id));
  const alwaysRun = rules.filter((r) => r.keywords.length === 0);
  tokenOnly = build(rules.filter((r) => r.pattern && !r.generic));

  const allow = options.allowlist ?? {};
  const globalStopwords = (allow.stopwords ?? []).map((s) => s.toLowerCase());
  const maxBytes = options.maxFileBytes ?? 25 * 1024 * 1024;
  const honourInline = options.inlineAllow ?? true;

  function runPattern(rule: Rule, text: string): RawHit[] {
    const hits: RawHit[] = [];
    const p = rule.pattern!;
    for (let m = p.exec(text, 0); m; m = p.exec(text, m.end)) {
      const secret = firstGroup(m.groups, rule.secretGroup);
      if (secret.length === 0) continue;
      if (rule.entropy !== undefined && shannonEntropy(secret) <= rule.entropy) continue;
      if (isPlaceholderToken(secret)) continue;
      if (rule.generic && isPlaceholderValue(secret)) continue;
      if (rule.veto?.(secret, m.groups)) continue;
      if (rule.allow?.stopwords?.some((w) => secret.toLowerCase().includes(w.toLowerCase()))) continue;
      if (rule.allow?.regexes?.some((r) => r.test(secret))) continue;
      const within = (m.groups[0] ?? "").indexOf(secret);
      hits.push({ rule: rule.id, offset: m.start + Math.max(0, within), secret });
    }
    return hits;
  }

  function scan(input: ScanInput): ScanResult {
    const { path } = input;
    if (defaultPathAllowlist.test(path) || allow.paths?.some((p) => p.test(path))) {
      return { findings: [], skipped: "allowlisted-path" };
    }
    const content = input.content;
    for (const r of activePathRules) {
      if (!r.path.test(path)) continue;
      const body = typeof content === "string" ? content : Buffer.from(content.buffer, content.byteOffset, content.length).toString("latin1");
      const finding: Finding = { rule: r.id, path, line: 1, column: 1, secretHash: hashSecret(body), redacted: "*****" };
      return { findings: [input.commit ? { ...finding, commit: input.commit } : finding] };
    }
    if (typeof content !== "string") {
      if (content.length > maxBytes) return { findings: [], skipped: "too-large" };
      if (isBinary(content)) return { findings: [], skipped: "binary" };
    } else if (content.length > maxBytes) return { findings: [], skipped: "too-large" };

    const kws = all.prefilter.scan(content);
    const toRun = new Set<Rule>(alwaysRun);
    for (const k of kws) for (const r of all.byKeyword[k]!) toRun.add(r);
    if (toRun.size === 0) return { findings: [] };

    const text = typeof content === "string" ? content : decoder.decode(content);
    const hits: RawHit[] = [];
    for (const rule of toRun) {
      if (rule.path && !rule.path.test(path)) continue;
      if (rule.detect) hits.push(...rule.detect(text, { path }));
      else if (rule.pattern) hits.push(...runPattern(rule, text));
    }
    if (hits.length === 0) return { findings: [] };

    const lines = new LineIndex(text);
    const genericIds = new Set(rules.filter((r) => r.generic).map((r) => r.id));
    const kept: { hit: RawHit; line: number; column: number }[] = [];
    for (const hit of hits) {
      const lower = hit.secret.toLowerCase();
      if (globalStopwords.some((w) => lower.includes(w))) continue;
      if (allow.regexes?.some((r) => r.test(hit.secret))) continue;
      const pos = lines.position(hit.offset);
      if (honourInline && inlineAllow.test(lines.lineText(pos.line))) continue;
      if (input.addedLines && !hit.fileLevel && !input.addedLines.has(pos.line)) continue;
      kept.push({ hit, line: pos.line, column: pos.column });
    }
    // A generic hit is noise when a specific rule (or a Kubernetes/SOPS detector) reported on the
    // same line; identical (rule, offset) hits are reported once.
    // A rule that `yields` stays quiet on a secret another specific rule already reported (a
    // keyed family rule behind a provider's token rule).
    const seen = new Set<string>();
    const findings: Finding[] = [];
    kept.sort((a, b) => a.hit.offset - b.hit.offset || (order.get(a.hit.rule) ?? 0) - (order.get(b.hit.rule) ?? 0));
    for (const k of kept) {
      if (!genericIds.has(k.hit.rule) && !k.hit.fileLevel) {
        const same = `\0${k.hit.offset}\0${k.hit.secret}`;
        if (yielding.has(k.hit.rule) && seen.has(same)) continue;
        seen.add(same);
      }
      if (genericIds.has(k.hit.rule)) {
        const covered = kept.some((o) => o !== k && !genericIds.has(o.hit.rule) && o.line === k.line);
        if (covered) continue;
        // A generic hit on SOPS ciphertext (`password: ENC[AES256_GCM,…]`) is not a leak.
        const rest = text.slice(k.hit.offset, text.indexOf("\n", k.hit.offset) >>> 0 || undefined);
        if (isEncrypted(rest)) continue;
      }
      const key = `${k.hit.rule}\0${k.hit.offset}\0${k.hit.secret.length}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const line = input.lineMap ? (input.lineMap[k.line - 1] ?? k.line) : k.line;
      findings.push({
        rule: k.hit.rule,
        path,
        line,
        column: k.column,
        secretHash: hashSecret(k.hit.secret),
        redacted: k.hit.wholeFile ? "*****" : redactSecret(k.hit.secret),
        ...(input.commit ? { commit: input.commit } : {}),
        ...(options.verify && checksums[k.hit.rule] ? { checksum: checksums[k.hit.rule]!(k.hit.secret) ? ("valid" as const) : ("invalid" as const) } : {}),
      });
    }
    findings.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
    return { findings };
  }

  return {
    scan,
    rules: [...rules, ...activePathRules].map((r) => ({ id: r.id, description: r.description, generic: "generic" in r && r.generic === true })),
  };
}
