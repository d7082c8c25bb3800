import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { HushError } from "@hush/errors";
import { re2Pattern } from "./pattern.js";
import type { Rule } from "./rule.js";
import type { Allowlist, ScannerOptions } from "./scanner.js";
import type { Pattern } from "./types.js";

/** The parts of {@link ScannerOptions} a config file controls. */
export type ScanConfig = Pick<ScannerOptions, "extraRules" | "noBuiltinRules" | "disabledRules" | "allowlist">;

type Obj = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new HushError("HUSH_ERR_SCAN_CONFIG", `${where}: ${what}`);
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) fail(where, "expected a list of strings");
  return v as string[];
}

function patterns(v: unknown, where: string): Pattern[] {
  return strings(v, where).map((s, i) => re2Pattern(s, `${where}[${i}]`));
}

function ruleFrom(r: Obj, where: string): Rule {
  const id = r["id"];
  if (typeof id !== "string" || !/^[\w.-]{1,100}$/.test(id)) fail(where, "rule needs an id (letters, digits, . _ -)");
  const regex = r["regex"];
  const path = r["path"];
  if (regex !== undefined && typeof regex !== "string") fail(`${where} (${id})`, "regex must be a string");
  if (path !== undefined && typeof path !== "string") fail(`${where} (${id})`, "path must be a string");
  if (regex === undefined && path === undefined) fail(`${where} (${id})`, "rule needs a regex or a path");
  const entropy = r["entropy"];
  if (entropy !== undefined && typeof entropy !== "number") fail(`${where} (${id})`, "entropy must be a number");
  const group = r["secretGroup"];
  if (group !== undefined && (typeof group !== "number" || !Number.isInteger(group) || group < 0)) fail(`${where} (${id})`, "secretGroup must be a non-negative integer");
  const allowSrc = [r["allowlist"], ...(Array.isArray(r["allowlists"]) ? (r["allowlists"] as unknown[]) : [])].filter((a): a is Obj => !!a && typeof a === "object");
  const regexes = allowSrc.flatMap((a, i) => patterns(a["regexes"], `${where} (${id}).allowlist[${i}].regexes`));
  const stopwords = allowSrc.flatMap((a, i) => strings(a["stopwords"], `${where} (${id}).allowlist[${i}].stopwords`));
  const allowPaths = allowSrc.flatMap((a, i) => patterns(a["paths"], `${where} (${id}).allowlist[${i}].paths`));
  const pathPattern = path === undefined ? undefined : re2Pattern(path, `${where} (${id}).path`);
  const base = {
    id,
    description: typeof r["description"] === "string" ? r["description"] : id,
    keywords: strings(r["keywords"], `${where} (${id}).keywords`).map((k) => k.toLowerCase()),
    ...(entropy !== undefined ? { entropy } : {}),
    ...(group !== undefined ? { secretGroup: group as number } : {}),
    allow: { regexes, stopwords },
  };
  const pathOk = (p: string) => !allowPaths.some((a) => a.test(p));
  if (regex === undefined) {
    // Path-only rule (gitleaks semantics): the file itself is the finding.
    return {
      ...base,
      keywords: [],
      detect: (text, ctx) => (pathPattern!.test(ctx.path) && pathOk(ctx.path) ? [{ rule: id, offset: 0, secret: text, fileLevel: true }] : []),
    };
  }
  const rule: Rule = { ...base, pattern: re2Pattern(regex, `${where} (${id}).regex`), ...(pathPattern ? { path: pathPattern } : {}) };
  if (allowPaths.length === 0) return rule;
  return { ...rule, path: { exec: () => null, test: (p: string) => (pathPattern ? pathPattern.test(p) : true) && pathOk(p) } };
}

function allowlistFrom(objs: readonly unknown[], where: string): Allowlist {
  const list = objs.filter((a): a is Obj => !!a && typeof a === "object");
  return {
    paths: list.flatMap((a, i) => patterns(a["paths"], `${where}[${i}].paths`)),
    regexes: list.flatMap((a, i) => patterns(a["regexes"], `${where}[${i}].regexes`)),
    stopwords: list.flatMap((a, i) => strings(a["stopwords"], `${where}[${i}].stopwords`)),
  };
}

/**
 * Parses a hush scanner config (YAML or JSON, e.g. `.hush-scan.yaml`): `rules`,
 * `disabledRules`, `allowlist: {paths, regexes, stopwords}`. Patterns use RE2 syntax.
 * @throws HushError HUSH_ERR_SCAN_CONFIG / HUSH_ERR_SCAN_INVALID_PATTERN naming the field.
 */
export function parseScanConfig(text: string, where: string): ScanConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (cause) {
    throw new HushError("HUSH_ERR_SCAN_CONFIG", `${where}: not valid YAML/JSON`, { cause });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) fail(where, "expected a mapping at the top level");
  const d = doc as Obj;
  const known = new Set(["rules", "disabledRules", "allowlist", "useDefault"]);
  for (const k of Object.keys(d)) if (!known.has(k)) fail(where, `unknown key '${k}'`);
  const rules = d["rules"] ?? [];
  if (!Array.isArray(rules)) fail(where, "rules must be a list");
  return {
    extraRules: rules.map((r, i) => {
      if (!r || typeof r !== "object") fail(`${where}: rules[${i}]`, "expected a mapping");
      return ruleFrom(r as Obj, `${where}: rules[${i}]`);
    }),
    noBuiltinRules: d["useDefault"] === false,
    disabledRules: strings(d["disabledRules"], `${where}: disabledRules`),
    allowlist: allowlistFrom([d["allowlist"]], `${where}: allowlist`),
  };
}

/**
 * Reads a gitleaks TOML config (`.gitleaks.toml`): `[[rules]]` with regex, secretGroup,
 * entropy, keywords, path and `[[rules.allowlists]]`; global `[allowlist]` / `[[allowlists]]`;
 * `[extend] useDefault` (keep hush's built-in rules) and `disabledRules`. Without `[extend]`
 * the file's rules replace the built-ins, as in gitleaks.
 */
export function parseGitleaksConfig(text: string, where: string): ScanConfig {
  let doc: Obj;
  try {
    doc = parseToml(text) as Obj;
  } catch (cause) {
    throw new HushError("HUSH_ERR_SCAN_CONFIG", `${where}: not valid TOML`, { cause });
  }
  const extend = (doc["extend"] ?? undefined) as Obj | undefined;
  const rules = (doc["rules"] ?? []) as unknown;
  if (!Array.isArray(rules)) fail(where, "[[rules]] must be an array of tables");
  const globalAllow = [doc["allowlist"], ...(Array.isArray(doc["allowlists"]) ? (doc["allowlists"] as unknown[]) : [])];
  const useDefault = extend?.["useDefault"] === true;
  return {
    extraRules: rules.map((r, i) => ruleFrom(r as Obj, `${where}: rules[${i}]`)),
    noBuiltinRules: !useDefault && rules.length > 0,
    disabledRules: strings(extend?.["disabledRules"], `${where}: extend.disabledRules`),
    allowlist: allowlistFrom(globalAllow, `${where}: allowlist`),
  };
}
