import { lazy } from "./lazy.js";

const yamlLibrary = lazy<typeof import("yaml")>("yaml");
const parseYamlText = (text: string): unknown => yamlLibrary().parse(text);
import { HushError } from "@hush/errors";
import type { KeyGroup, MasterKeyRef } from "./master-key.js";
import { parseKmsKeys, parseVaultTransitUri } from "./key-refs.js";
import { compileGoRegex } from "./regex.js";
import { pickSelector, type Selectors } from "./selectors.js";
import type { StoreOptions } from "./stores/index.js";

/** One `creation_rules` entry of `.sops.yaml`, resolved into key groups and selectors. */
export interface CreationRule {
  readonly pathRegex: string | undefined;
  readonly keyGroups: readonly KeyGroup<MasterKeyRef>[];
  readonly shamirThreshold: number;
  readonly selectors: Selectors;
}

/** A parsed `.sops.yaml`. */
export interface SopsConfig {
  readonly creationRules: readonly CreationRule[];
  readonly stores: { readonly yaml?: StoreOptions; readonly json?: StoreOptions; readonly json_binary?: StoreOptions };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A comma-separated string or a list of strings, trimmed, empty entries dropped. */
function stringList(v: unknown): string[] {
  const items = Array.isArray(v) ? v.flatMap((x) => String(x).split(",")) : typeof v === "string" ? v.split(",") : [];
  return items.map((s) => s.trim()).filter((s) => s !== "");
}


function groupFromRule(rule: Obj): MasterKeyRef[] {
  const keys: MasterKeyRef[] = [];
  const profile = typeof rule["aws_profile"] === "string" ? rule["aws_profile"] : "";
  for (const r of stringList(rule["age"])) keys.push({ type: "age", recipient: r });
  for (const fp of stringList(rule["pgp"])) keys.push({ type: "pgp", fp: fp.replace(/\s/g, "") });
  keys.push(...parseKmsKeys(stringList(rule["kms"]).join(","), { awsProfile: profile }));
  for (const id of stringList(rule["gcp_kms"])) keys.push({ type: "gcp_kms", resource_id: id });
  for (const id of stringList(rule["hckms"])) keys.push({ type: "hckms", key_id: id });
  for (const url of stringList(rule["azure_keyvault"])) {
    const m = /^(https:\/\/[^/]+)\/keys\/([^/]+)(?:\/([^/]+))?$/.exec(url);
    if (!m) throw new HushError("HUSH_ERR_SOPS_CONFIG", "invalid azure_keyvault URL in .sops.yaml");
    keys.push({ type: "azure_kv", vault_url: m[1] ?? "", name: m[2] ?? "", version: m[3] ?? "" });
  }
  for (const uri of stringList(rule["hc_vault_transit_uri"])) keys.push(parseVaultTransitUri(uri));
  return keys;
}

function groupFromKeyGroup(g: Obj): MasterKeyRef[] {
  const keys: MasterKeyRef[] = [];
  const merged = Array.isArray(g["merge"]) ? g["merge"].filter(isObj) : [];
  for (const r of stringList(g["age"])) keys.push({ type: "age", recipient: r });
  for (const fp of stringList(g["pgp"])) keys.push({ type: "pgp", fp: fp.replace(/\s/g, "") });
  for (const k of Array.isArray(g["kms"]) ? g["kms"] : []) {
    if (!isObj(k)) continue;
    const context = isObj(k["context"]) ? Object.fromEntries(Object.entries(k["context"]).map(([a, b]) => [a, String(b)])) : undefined;
    const profile = typeof k["aws_profile"] === "string" ? k["aws_profile"] : "";
    for (const entry of parseKmsKeys(String(k["arn"] ?? ""), { ...(context && { context }), awsProfile: profile })) {
      keys.push(typeof k["role"] === "string" && k["role"] ? { ...entry, role: k["role"] } : entry);
    }
  }
  for (const k of Array.isArray(g["gcp_kms"]) ? g["gcp_kms"] : []) if (isObj(k)) keys.push({ type: "gcp_kms", resource_id: String(k["resource_id"] ?? "") });
  for (const k of Array.isArray(g["hckms"]) ? g["hckms"] : []) if (isObj(k)) keys.push({ type: "hckms", key_id: String(k["key_id"] ?? "") });
  for (const k of Array.isArray(g["azure_keyvault"]) ? g["azure_keyvault"] : []) {
    if (isObj(k)) keys.push({ type: "azure_kv", vault_url: String(k["vaultUrl"] ?? ""), name: String(k["key"] ?? ""), version: String(k["version"] ?? "") });
  }
  for (const uri of stringList(g["hc_vault"])) keys.push(parseVaultTransitUri(uri));
  for (const m of merged) keys.push(...groupFromKeyGroup(m));
  // Keys within a group are de-duplicated by type and identity.
  const seen = new Set<string>();
  return keys.filter((k) => {
    const id = JSON.stringify(k);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Parses `.sops.yaml` text. Throws HUSH_ERR_SOPS_CONFIG with what is wrong (never the content). */
export function parseConfig(text: string): SopsConfig {
  let doc: unknown;
  try {
    doc = parseYamlText(text);
  } catch (cause) {
    throw new HushError("HUSH_ERR_SOPS_CONFIG", "the config file is not valid YAML", { cause });
  }
  if (doc === null || doc === undefined) return { creationRules: [], stores: {} };
  if (!isObj(doc)) throw new HushError("HUSH_ERR_SOPS_CONFIG", "the config file must be a mapping");
  const rules = doc["creation_rules"];
  if (rules !== undefined && !Array.isArray(rules)) throw new HushError("HUSH_ERR_SOPS_CONFIG", "creation_rules must be a list");
  const creationRules = (rules ?? []).map((r: unknown, i: number): CreationRule => {
    if (!isObj(r)) throw new HushError("HUSH_ERR_SOPS_CONFIG", `creation rule ${i + 1} must be a mapping`);
    const rule = pickSelector(r, `creation rule ${i + 1}`);
    const mac = r["mac_only_encrypted"] === true;
    const keyGroups = Array.isArray(r["key_groups"]) ? r["key_groups"].filter(isObj).map(groupFromKeyGroup) : [groupFromRule(r)];
    const pathRegex = typeof r["path_regex"] === "string" ? r["path_regex"] : undefined;
    if (pathRegex !== undefined) compileGoRegex(pathRegex, `path_regex of creation rule ${i + 1}`);
    return {
      pathRegex,
      keyGroups: keyGroups.filter((g) => g.length > 0),
      shamirThreshold: Number(r["shamir_threshold"] ?? 0) || 0,
      selectors: { ...(rule && { rule }), ...(mac && { macOnlyEncrypted: true }) },
    };
  });
  const stores: Obj = isObj(doc["stores"]) ? doc["stores"] : {};
  const indentOf = (name: string): StoreOptions | undefined => {
    const s = stores[name];
    return isObj(s) && typeof s["indent"] === "number" ? { indent: s["indent"] } : undefined;
  };
  const yaml = indentOf("yaml");
  const json = indentOf("json");
  const jsonBinary = indentOf("json_binary");
  return { creationRules, stores: { ...(yaml && { yaml }), ...(json && { json }), ...(jsonBinary && { json_binary: jsonBinary }) } };
}

/**
 * The first creation rule whose `path_regex` matches `path` (relative to the config file's
 * directory, or absolute when outside it); a rule without `path_regex` matches everything.
 */
export function findCreationRule(config: SopsConfig, path: string): CreationRule | undefined {
  return config.creationRules.find((r) => r.pathRegex === undefined || compileGoRegex(r.pathRegex, "path_regex").test(path));
}
