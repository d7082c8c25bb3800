import { HushError } from "@hush/errors";
import type { MasterKeyRef } from "./master-key.js";

// How sops spells master keys on the command line and in .sops.yaml, parsed with sops's own
// rules. Shared by the config reader here and the CLI's key flags (through @hush/keys).

/**
 * Parses a Vault transit key URI (`https://vault:8200/v1/<engine path>/keys/<key name>`) into
 * sops's `vault_address`, `engine_path` and `key_name`, with sops's rules: a scheme is
 * required, the path must be `/v<N>/<engine…>/keys/<name>`, and a prefix before `/v1/`
 * (Vault behind a path-rewriting proxy) is rejected.
 * @throws HushError `HUSH_ERR_SOPS_INVALID_KEY`.
 */
export function parseVaultTransitUri(uri: string): Extract<MasterKeyRef, { type: "hc_vault" }> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(uri, "not a URL");
  }
  if (!/^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) || !url.host) throw invalid(uri, "missing scheme or host");
  const requestUri = url.pathname + url.search;
  if (/\/[^/]+\/v\d+\/[^/]+\/[^/]+\/[^/]+/.test(requestUri)) {
    throw invalid(uri, "a path prefix before /v1/ is not supported");
  }
  if (!/\/v\d+\/(.+)\/keys\/[^/]+$/.test(requestUri)) {
    throw invalid(uri, "expected https://vault.example.com:8200/v1/transit/keys/keyName");
  }
  const dirs = requestUri.replace(/^\/+|\/+$/g, "").split("/");
  const keyName = dirs[dirs.length - 1] as string;
  const enginePath = dirs
    .slice(1, dirs.length - 2)
    .filter((d) => d !== "")
    .join("/");
  return { type: "hc_vault", vault_address: `${url.protocol}//${url.host}`, engine_path: enginePath, key_name: keyName };
}

function invalid(uri: string, why: string): HushError {
  return new HushError("HUSH_ERR_SOPS_INVALID_KEY", `hc_vault: invalid transit key URI ${JSON.stringify(uri)}: ${why}`);
}

/**
 * Parses a comma-separated `--kms` / `SOPS_KMS_ARN` list. Each entry is `ARN` or
 * `ARN+ROLE_ARN`; spaces are removed and empty entries dropped, as sops does.
 */
export function parseKmsKeys(
  list: string,
  options: { readonly context?: Readonly<Record<string, string>>; readonly awsProfile?: string } = {},
): Array<Extract<MasterKeyRef, { type: "kms" }>> {
  const keys: Array<Extract<MasterKeyRef, { type: "kms" }>> = [];
  for (const raw of list.split(",")) {
    const entry = raw.replace(/ /g, "");
    if (entry === "") continue;
    const roleAt = entry.indexOf("+arn:aws:iam::");
    const arn = roleAt > 0 ? entry.slice(0, roleAt) : entry;
    const role = roleAt > 0 ? entry.slice(roleAt + 1) : undefined;
    keys.push({
      type: "kms",
      arn,
      ...(role ? { role } : {}),
      ...(options.context && Object.keys(options.context).length > 0 ? { context: options.context } : {}),
      aws_profile: options.awsProfile ?? "",
    });
  }
  return keys;
}
