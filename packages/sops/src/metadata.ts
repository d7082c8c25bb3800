import { HushError } from "@hush/errors";
import { keyTypesReadOrder, type KeyGroup, type KeyType, type MasterKey } from "./master-key.js";
import { readSelectors, type Selectors } from "./selectors.js";
import { Comment, SopsTime, TreeList, TreeMap, type TreeValue } from "./tree.js";

/** The sops version hush writes into files: the format it is compatible with (must be semver). */
export const sopsFormatVersion = "3.13.3";

/** A file's `sops` metadata, parsed. */
export interface Metadata {
  readonly keyGroups: readonly KeyGroup[];
  /** 0 when not recorded. */
  readonly shamirThreshold: number;
  readonly lastModified: string;
  /** The encrypted MAC, or `undefined` when the file has none. */
  readonly mac: string | undefined;
  readonly version: string;
  readonly selectors: Selectors;
}

type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain };

/** Converts a tree value to plain JS data (metadata is read this way from every store). */
export function toPlain(value: TreeValue): Plain {
  if (value instanceof TreeMap) {
    const o: Record<string, Plain> = {};
    for (const e of value.entries()) o[e.key] = toPlain(e.value);
    return o;
  }
  if (value instanceof TreeList) return value.items.filter((i): i is TreeValue => !(i instanceof Comment)).map(toPlain);
  if (typeof value === "bigint") return Number(value);
  if (value instanceof SopsTime) return value.text;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return value;
}

const str = (v: Plain | undefined): string => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "");
const isObj = (v: Plain | undefined): v is Record<string, Plain> => typeof v === "object" && v !== null && !Array.isArray(v);

function readKey(type: KeyType, o: Record<string, Plain>): MasterKey {
  const created = str(o["created_at"]);
  const base = { enc: str(o["enc"]), ...(created && { created_at: created }) };
  switch (type) {
    case "age":
      return { type, recipient: str(o["recipient"]), ...base };
    case "pgp":
      return { type, fp: str(o["fp"]), ...base };
    case "kms": {
      const ctx = o["context"];
      const context: Record<string, string> = {};
      if (isObj(ctx)) for (const [k, v] of Object.entries(ctx)) context[k] = str(v);
      const role = str(o["role"]);
      return {
        type,
        arn: str(o["arn"]),
        ...(role && { role }),
        ...(Object.keys(context).length > 0 && { context }),
        aws_profile: str(o["aws_profile"]),
        ...base,
      };
    }
    case "gcp_kms":
      return { type, resource_id: str(o["resource_id"]), ...base };
    case "azure_kv":
      return { type, vault_url: str(o["vault_url"]), name: str(o["name"]), version: str(o["version"]), ...base };
    case "hc_vault":
      return { type, vault_address: str(o["vault_address"]), engine_path: str(o["engine_path"]), key_name: str(o["key_name"]), ...base };
    case "hckms":
      return { type, key_id: str(o["key_id"]), ...base };
  }
}

function readGroup(o: Record<string, Plain>): MasterKey[] {
  const keys: MasterKey[] = [];
  for (const type of keyTypesReadOrder) {
    const list = o[type];
    if (Array.isArray(list)) for (const k of list) if (isObj(k)) keys.push(readKey(type, k));
  }
  return keys;
}

/**
 * Parses the `sops` metadata of a file, tolerant of every layout sops has written (struct
 * order ≤ 3.12, alphabetical ≥ 3.13, empty lists or nulls, strings for numbers and bools in
 * dotenv/INI).
 */
export function parseMetadata(value: TreeValue): Metadata {
  const o = toPlain(value);
  if (!isObj(o)) throw new HushError("HUSH_ERR_SOPS_METADATA_INVALID", "the `sops` metadata is not a mapping");
  const lastModified = str(o["lastmodified"]);
  if (!lastModified) throw new HushError("HUSH_ERR_SOPS_METADATA_INVALID", "the `sops` metadata has no lastmodified");
  const topGroup = readGroup(o);
  let keyGroups: MasterKey[][];
  if (topGroup.length > 0) keyGroups = [topGroup];
  else if (Array.isArray(o["key_groups"])) keyGroups = o["key_groups"].filter(isObj).map(readGroup);
  else keyGroups = [];
  const threshold = Number(str(o["shamir_threshold"]) || "0");
  const mac = str(o["mac"]);
  return {
    keyGroups,
    shamirThreshold: Number.isInteger(threshold) ? threshold : 0,
    lastModified,
    mac: mac === "" ? undefined : mac,
    version: str(o["version"]),
    selectors: readSelectors(o as Record<string, unknown>),
  };
}

function keyToTree(k: MasterKey): TreeMap {
  // sops ≥ 3.13 sorts every mapping of the metadata alphabetically.
  const fields: Record<string, TreeValue> = {};
  for (const [name, v] of Object.entries(k)) {
    if (name === "type" || v === undefined) continue;
    if (typeof v === "object") {
      fields[name] = new TreeMap(Object.keys(v).sort().map((ck) => ({ key: ck, value: (v as Record<string, string>)[ck] ?? "" })));
    } else fields[name] = v;
  }
  return sortedMap(fields);
}

function sortedMap(fields: Record<string, TreeValue>): TreeMap {
  return new TreeMap(
    Object.keys(fields)
      .sort()
      .map((key) => ({ key, value: fields[key] as TreeValue })),
  );
}

function groupFields(group: KeyGroup, alwaysAgeVault: boolean): Record<string, TreeValue> {
  const fields: Record<string, TreeValue> = {};
  for (const type of keyTypesReadOrder) {
    const keys = group.filter((k) => k.type === type);
    if (keys.length > 0 || (alwaysAgeVault && (type === "age" || type === "hc_vault"))) {
      fields[type] = new TreeList(keys.map(keyToTree));
    }
  }
  return fields;
}

/** Options for {@link metadataToTree}. */
export interface MetadataLayout {
  /** The binary store records no selector (sops ≥ 3.11). */
  readonly omitSelectors?: boolean;
}

/** Renders metadata as sops 3.13 does: alphabetical keys at every level, empty lists omitted. */
export function metadataToTree(m: Metadata, layout: MetadataLayout = {}): TreeMap {
  const fields: Record<string, TreeValue> = {};
  if (m.keyGroups.length === 1) Object.assign(fields, groupFields(m.keyGroups[0] ?? [], false));
  else if (m.keyGroups.length > 1) {
    fields["key_groups"] = new TreeList(m.keyGroups.map((g) => sortedMap(groupFields(g, true))));
  }
  fields["lastmodified"] = m.lastModified;
  if (m.mac !== undefined) fields["mac"] = m.mac;
  if (m.selectors.macOnlyEncrypted && !layout.omitSelectors) fields["mac_only_encrypted"] = true;
  if (m.shamirThreshold > 0) fields["shamir_threshold"] = BigInt(m.shamirThreshold);
  if (!layout.omitSelectors) {
    const rule = m.selectors.rule ?? { name: "unencrypted_suffix", value: "_unencrypted" };
    fields[rule.name] = rule.value;
  }
  fields["version"] = m.version;
  return sortedMap(fields);
}

/** Formats a date as sops's `lastmodified`/`created_at`: RFC 3339, UTC, whole seconds. */
export function formatTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

/** Re-formats a stored `lastmodified` the way sops does before using it as the MAC's AAD. */
export function canonicalTimestamp(s: string): string {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) {
    throw new HushError("HUSH_ERR_SOPS_METADATA_INVALID", "the `sops` metadata has an unparseable lastmodified");
  }
  return formatTimestamp(d);
}

/** Checks sops's rule that `version` is semver (Python-era `1.x` included). */
export function assertVersion(version: string): void {
  if (!/^\d+(\.\d+){0,2}([-+].*)?$/.test(version)) {
    throw new HushError("HUSH_ERR_SOPS_METADATA_INVALID", "the `sops` metadata has no valid version");
  }
}
