import { HushError } from "@hush/errors";
import { describeKey } from "./provider-error.js";

/** Where a PushSecret writes one value: ESO's `data[].match.remoteRef`. */
export interface PushRef {
  /** The provider's secret name or path (the store's `prefix`/`path` applies as on reads). */
  readonly remoteKey: string;
  /** A key of the remote JSON object: the value is merged into the object under it. Unset: the whole secret. */
  readonly property?: string;
}

/**
 * Whom a push or delete acts for. What a PushSecret creates carries ESO's marker
 * `managed-by: external-secrets` and {@link ownerTag} set to the PushSecret's namespace; an
 * existing remote secret is overwritten or deleted only when it carries both and the namespace
 * matches. A remote secret with ESO's marker but no owner tag (ESO pushed it) may be taken over
 * only when {@link adoptUnowned} is set: the controller sets it for namespaced SecretStores, whose
 * credentials are the tenant's own, never for a ClusterSecretStore shared between tenants.
 */
export interface PushOwner {
  /** The tag / custom-metadata key naming the pushing namespace (per API flavour). */
  readonly ownerTag: string;
  /** The PushSecret's namespace. */
  readonly namespace: string;
  /** Whether a remote secret marked `managed-by: external-secrets` without {@link ownerTag} may be taken over. */
  readonly adoptUnowned: boolean;
}

/** One value to push. */
export interface PushRequest {
  readonly ref: PushRef;
  readonly value: Uint8Array;
  /** `data[].metadata`: ESO's `PushSecretMetadata` (`kubernetes.external-secrets.io/v1alpha1`) for providers that read it (AWS). */
  readonly metadata?: unknown;
  readonly owner: PushOwner;
}

/** What a push did. */
export type PushOutcome = "created" | "updated" | "unchanged";

/** What a delete did: `kept-unmanaged` leaves a remote secret that is not ours alone (as ESO does). */
export type DeleteOutcome = "deleted" | "property-removed" | "absent" | "kept-unmanaged";

/** ESO's marker on everything a PushSecret creates (AWS tag, Vault custom metadata). */
export const managedByKey = "managed-by";
/** Value of {@link managedByKey}. */
export const managedByValue = "external-secrets";

/** Whether a remote secret with these tags may be overwritten or deleted for `owner`. */
export type Ownership = "owned" | "adoptable" | "unmanaged" | "other-owner";

/**
 * Decides from a remote secret's tags (AWS tags, Vault custom_metadata) whether `owner` may
 * write it. Pure; the providers call it after reading the tags and before any write.
 */
export function ownershipOf(tags: Readonly<Record<string, unknown>>, owner: PushOwner): Ownership {
  if (tags[managedByKey] !== managedByValue) return "unmanaged";
  const from = tags[owner.ownerTag];
  if (from === undefined) return owner.adoptUnowned ? "adoptable" : "other-owner";
  return from === owner.namespace ? "owned" : "other-owner";
}

/** The error a refused overwrite raises: names the key and why, never a value or the other owner. */
export function notManagedError(service: string, key: string, ownership: Exclude<Ownership, "owned" | "adoptable">): HushError {
  const why =
    ownership === "unmanaged"
      ? `is not managed by external-secrets (no ${managedByKey}: ${managedByValue} tag)`
      : "was pushed from another namespace (or by ESO through a shared store)";
  return new HushError("HUSH_ERR_PROVIDERS_NOT_MANAGED", `${service}: secret ${describeKey(key)} ${why}; not overwritten`);
}

/** The tags a new remote secret gets: ESO's marker, the owner, then the user's (which may not set either). */
export function ownerTags(owner: PushOwner): Record<string, string> {
  return { [managedByKey]: managedByValue, [owner.ownerTag]: owner.namespace };
}

/** Refused when a push would exceed it: AWS takes 64 KiB per secret, Vault's default request limit is 32 MiB; 1 MiB bounds a Secret anyway. */
export const maxPushBytes = 1024 * 1024;

/**
 * Sets `property` of a JSON object document to the string `value` (ESO: sjson `SetBytes`, a
 * dotted path creating nested objects). `current` empty starts from `{}`. Returns the new
 * document, compact.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` when `current` is not a JSON object.
 */
export function setJsonProperty(current: string, property: string, value: string, key: string): string {
  const doc = parseObject(current, key);
  const path = splitDotted(property);
  let node: Record<string, unknown> = doc;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (next === null || typeof next !== "object" || Array.isArray(next)) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return goJson(doc);
}

/** Removes `property` from a JSON object document; `undefined` when nothing is left. */
export function removeJsonProperty(current: string, property: string, key: string): { doc: string | undefined; removed: boolean } {
  const doc = parseObject(current, key);
  const path = splitDotted(property);
  let node: Record<string, unknown> = doc;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (next === null || typeof next !== "object" || Array.isArray(next)) return { doc: current, removed: false };
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (!Object.hasOwn(node, last)) return { doc: current, removed: false };
  delete node[last];
  return { doc: Object.keys(doc).length === 0 ? undefined : goJson(doc), removed: true };
}

function parseObject(current: string, key: string): Record<string, unknown> {
  if (current.trim() === "") return {};
  let doc: unknown;
  try {
    doc = JSON.parse(current);
  } catch {
    doc = undefined;
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new HushError("HUSH_ERR_PROVIDERS_INVALID_CONFIG", `secret ${describeKey(key)}: a push with a property needs the remote secret to be a JSON object`);
  }
  return doc as Record<string, unknown>;
}

/** gjson/sjson path segments: `.` separates, `\.` is a literal dot. */
function splitDotted(path: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === "\\" && i + 1 < path.length) cur += path[++i]!;
    else if (c === ".") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  if (out.some((s) => s === "")) throw new HushError("HUSH_ERR_PROVIDERS_INVALID_CONFIG", `property ${describeKey(path)} has an empty segment`);
  return out;
}

/**
 * JSON as Go's `json.Marshal` with HTML escaping off writes it (ESO `utils.JSONMarshal`): the
 * same as `JSON.stringify` except that U+2028 and U+2029 are escaped.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * A whole Secret as one JSON object (ESO, `secretKey` unset): keys sorted, values as UTF-8
 * strings, as Go marshals a `map[string]string`.
 */
export function secretAsJson(data: Readonly<Record<string, Uint8Array>>): string {
  const dec = new TextDecoder();
  // Built by hand: a JavaScript object would put integer-like keys first, Go sorts all keys alike.
  const keys = Object.keys(data).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${goJson(k)}:${goJson(dec.decode(data[k]))}`).join(",")}}`;
}
