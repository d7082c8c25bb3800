import { RE2JS } from "re2js";
import { parse as parseYaml } from "yaml";
import { HushError } from "@hush/errors";

/** Where `hush publish` sends a file, from a `destination_rules` entry of `.sops.yaml`. */
export type Destination =
  | { readonly kind: "vault"; readonly address: string | undefined; readonly path: string; readonly mount: string; readonly kvVersion: 1 | 2 }
  | { readonly kind: "s3"; readonly bucket: string; readonly prefix: string }
  | { readonly kind: "gcs"; readonly bucket: string; readonly prefix: string };

/** The matching destination rule: its destination and whether to drop the file extension. */
export interface DestinationRule {
  readonly destination: Destination;
  readonly omitExtensions: boolean;
  /** The rule's `recreation_rule` (a creation rule: the keys S3/GCS copies are re-encrypted for), as written. */
  readonly recreationRule: Record<string, unknown> | undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * The first `destination_rules` entry of a `.sops.yaml` text whose `path_regex` (Go RE2, found
 * anywhere in `file` as given, as sops matches it) matches, or the first without a regex.
 * Pure: text in, rule out. Regexes run in linear time (the config comes from the repository).
 * @throws HushError `HUSH_ERR_CLI_PUBLISH` when no rule matches or a rule names two destinations;
 *   `HUSH_ERR_CLI_CONFIG` for a malformed rule list or regex.
 */
export function findDestinationRule(configText: string, file: string): DestinationRule {
  let doc: unknown;
  try {
    doc = parseYaml(configText, { maxAliasCount: 100 });
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_CONFIG", "the config file is not valid YAML", { cause });
  }
  const rules = isObj(doc) ? doc["destination_rules"] : undefined;
  if (rules !== undefined && rules !== null && !Array.isArray(rules)) throw new HushError("HUSH_ERR_CLI_CONFIG", "destination_rules must be a list");
  const rule = (Array.isArray(rules) ? rules : []).find((r: unknown, i: number) => {
    if (!isObj(r)) throw new HushError("HUSH_ERR_CLI_CONFIG", `destination rule ${i + 1} must be a mapping`);
    const regex = str(r["path_regex"]);
    if (regex === "") return true;
    try {
      return RE2JS.compile(regex).matcher(file).find();
    } catch (cause) {
      throw new HushError("HUSH_ERR_CLI_CONFIG", `path_regex of destination rule ${i + 1} is not a valid RE2 regular expression`, { cause });
    }
  }) as Record<string, unknown> | undefined;
  if (!rule) {
    throw new HushError("HUSH_ERR_CLI_PUBLISH", "no matching destination found in config", {
      hint: "add a destination_rules entry to .sops.yaml whose path_regex matches this file",
    });
  }
  const s3 = str(rule["s3_bucket"]);
  const gcs = str(rule["gcs_bucket"]);
  const vaultPath = str(rule["vault_path"]);
  if ([s3, gcs, vaultPath].filter((v) => v !== "").length > 1) {
    throw new HushError("HUSH_ERR_CLI_PUBLISH", "more than one destination in a single destination rule", { hint: "give each destination rule one of s3_bucket, gcs_bucket or vault_path" });
  }
  const omitExtensions = rule["omit_extensions"] === true;
  const recreation = rule["recreation_rule"];
  const recreationRule = isObj(recreation) ? recreation : undefined;
  if (s3 !== "") return { destination: { kind: "s3", bucket: s3, prefix: str(rule["s3_prefix"]) }, omitExtensions, recreationRule };
  if (gcs !== "") return { destination: { kind: "gcs", bucket: gcs, prefix: str(rule["gcs_prefix"]) }, omitExtensions, recreationRule };
  if (vaultPath === "") {
    throw new HushError("HUSH_ERR_CLI_PUBLISH", "the matching destination rule names no destination", { hint: "set s3_bucket, gcs_bucket or vault_path in the rule" });
  }
  // sops's normalisation: trailing slashes, default mount secret/, versions other than 1 mean 2.
  const slash = (p: string): string => (p.endsWith("/") ? p : `${p}/`);
  const mount = str(rule["vault_kv_mount_name"]) || "secret/";
  const address = str(rule["vault_address"]);
  return {
    destination: {
      kind: "vault",
      address: address === "" ? undefined : address,
      path: slash(vaultPath),
      mount: slash(mount),
      kvVersion: rule["vault_kv_version"] === 1 ? 1 : 2,
    },
    omitExtensions,
    recreationRule,
  };
}

/** The Vault API path (after `/v1/`) a file is published to, as sops builds it. */
export function vaultSecretPath(d: Extract<Destination, { kind: "vault" }>, name: string): string {
  return d.kvVersion === 1 ? `${d.mount}${d.path}${name}` : `${d.mount}data/${d.path}${name}`;
}
