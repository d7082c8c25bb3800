import { describeKey, providerError } from "./provider-error.js";

/** Where a remote key lives in Vault's KV engine. */
export interface VaultKvLocation {
  /** The mount, e.g. `secret`. */
  mount: string;
  /** The key below the mount, e.g. `app/db` (never empty, no leading/trailing `/`). */
  rel: string;
}

/**
 * Splits a remote key into mount and relative path. With the store `path` set (ESO's
 * `spec.provider.vault.path`), the key is relative to that mount; a key that already starts with
 * the mount (and, for v2, `<mount>/data/`) is accepted too, as ESO does. Without `path`, the first
 * segment of the key is the mount.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` for an empty key or one with `..` segments.
 */
export function locateKvKey(key: string, storePath: string | undefined, version: "v1" | "v2"): VaultKvLocation {
  const clean = key.replace(/^\/+|\/+$/g, "");
  const segments = clean.split("/");
  if (clean === "" || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw providerError("invalid-config", `vault key ${describeKey(key)} is not a valid path`);
  }
  const mount = storePath?.replace(/^\/+|\/+$/g, "");
  if (mount) {
    let rel = clean;
    if (rel.startsWith(`${mount}/`)) rel = rel.slice(mount.length + 1);
    if (version === "v2" && rel.startsWith("data/") && clean.startsWith(`${mount}/data/`)) rel = rel.slice(5);
    if (rel === "") throw providerError("invalid-config", `vault key ${describeKey(key)} names only the mount`);
    return { mount, rel };
  }
  if (segments.length < 2) {
    throw providerError(
      "invalid-config",
      `vault key ${describeKey(key)} needs a mount (set spec.provider.vault.path or use "<mount>/<path>")`,
    );
  }
  let rest = segments.slice(1);
  if (version === "v2" && rest[0] === "data" && rest.length > 1) rest = rest.slice(1);
  return { mount: segments[0]!, rel: rest.join("/") };
}

/** The API path (below `/v1/`) to read a KV secret: `secret/data/app` (v2) or `kv/app` (v1). */
export function kvReadPath(loc: VaultKvLocation, version: "v1" | "v2", secretVersion?: string): string {
  if (version === "v1") {
    if (secretVersion) throw providerError("invalid-config", "remoteRef.version is not supported by KV v1");
    return `${loc.mount}/${encodePath(loc.rel)}`;
  }
  let path = `${loc.mount}/data/${encodePath(loc.rel)}`;
  if (secretVersion !== undefined && secretVersion !== "") {
    if (!/^[1-9][0-9]{0,9}$/.test(secretVersion)) {
      throw providerError("invalid-config", "remoteRef.version must be a KV v2 version number");
    }
    path += `?version=${secretVersion}`;
  }
  return path;
}

/** The KV v2 metadata path: `secret/metadata/app`. */
export function kvMetadataPath(loc: VaultKvLocation): string {
  return `${loc.mount}/metadata/${encodePath(loc.rel)}`;
}

/** The path to LIST a folder (`rel` may be empty for the mount's root). */
export function kvListPath(mount: string, rel: string, version: "v1" | "v2"): string {
  const folder = rel.replace(/^\/+|\/+$/g, "");
  const tail = folder ? `${encodePath(folder)}/` : "";
  return version === "v2" ? `${mount}/metadata/${tail}` : `${mount}/${tail}`;
}

function encodePath(rel: string): string {
  return rel.split("/").map(encodeURIComponent).join("/");
}
