import { parseVaultTransitUri, type KeyProvider, type MasterKey, type MasterKeyRef } from "@hush/sops";

export { parseVaultTransitUri };
import { expectType, keyLabel, isNetworkError, keyError, toKeyError, type KeyFailureKind } from "./key-error.js";

/** A sops `hc_vault` master key reference (field names as in sops metadata). */
export type VaultKeyRef = Extract<MasterKeyRef, { type: "hc_vault" }>;

/** The subset of a Vault client the transit provider uses (node-vault's `write`). */
export interface VaultClient {
  write(path: string, data: Record<string, unknown>): Promise<unknown>;
}

/** Options for {@link createVaultTransitProvider}. Env and files are passed in, never read here. */
export interface VaultTransitProviderOptions {
  /** `VAULT_TOKEN`; when absent, `tokenFile` is used. */
  readonly token?: string;
  /** The contents of `~/.vault-token`, or a function returning them (undefined when missing). */
  readonly tokenFile?: string | (() => string | undefined);
  /** `VAULT_NAMESPACE`, sent as `X-Vault-Namespace`. */
  readonly namespace?: string;
  /** `SOPS_HC_VAULT_ALLOWLIST`: `all` (default), `none`, or comma-separated URL prefixes. */
  readonly allowlist?: string;
  /** Builds the client for one address; defaults to node-vault. Tests may point it anywhere. */
  readonly createClient?: (options: { endpoint: string; token: string; namespace?: string }) => VaultClient | Promise<VaultClient>;
}



/** Parses a comma-separated `--hc-vault-transit` / `SOPS_VAULT_URIS` list (empty entries dropped). */
export function parseVaultTransitUris(list: string): VaultKeyRef[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(parseVaultTransitUri);
}

/** True when `address` may be contacted under the given `SOPS_HC_VAULT_ALLOWLIST` value. */
export function isVaultAddressAllowed(address: string, allowlist: string | undefined): boolean {
  const list = (allowlist ?? "").trim();
  if (list === "" || list === "all") return true;
  if (list === "none") return false;
  const normalized = address.replace(/\/+$/, "");
  return list
    .split(",")
    .map((p) => p.trim().replace(/\/+$/, ""))
    .filter((p) => p !== "")
    .some((prefix) => normalized === prefix || normalized.startsWith(`${prefix}/`) || normalized.startsWith(`${prefix}:`));
}

/** Maps a node-vault / HTTP failure to a failure kind by status code. */
export function classifyVaultError(err: unknown): KeyFailureKind {
  if (isNetworkError(err)) return "unreachable";
  const status =
    (err as { response?: { statusCode?: unknown; status?: unknown } } | undefined)?.response?.statusCode ??
    (err as { response?: { status?: unknown } } | undefined)?.response?.status;
  if (status === 401 || status === 403) return "access-denied";
  if (status === 429) return "throttled";
  if (status === 404) return "not-found";
  if (status === 400) {
    const body = JSON.stringify((err as { response?: { body?: unknown } }).response?.body ?? "");
    if (/not found|no existing key/i.test(body)) return "not-found";
    return "failed";
  }
  if (status === 502 || status === 503 || status === 504) return "unreachable";
  return "failed";
}

/**
 * Builds the `hc_vault` key provider: Vault/OpenBao transit `encrypt`/`decrypt` of the data
 * key. `enc` is the `vault:v1:…` ciphertext verbatim, as sops stores it. The token comes from
 * `token` (VAULT_TOKEN) else `tokenFile` (~/.vault-token).
 */
export function createVaultTransitProvider(options: VaultTransitProviderOptions = {}): KeyProvider {
  const clients = new Map<string, Promise<VaultClient>>();

  function token(): string | undefined {
    if (options.token) return options.token;
    const file = typeof options.tokenFile === "function" ? options.tokenFile() : options.tokenFile;
    const t = file?.trim();
    return t ? t : undefined;
  }

  async function clientFor(op: "wrap" | "unwrap", key: VaultKeyRef, label: string): Promise<VaultClient> {
    if (!isVaultAddressAllowed(key.vault_address, options.allowlist)) throw keyError(op, label, "not-allowed");
    const t = token();
    if (!t) throw keyError(op, label, "no-credentials", undefined, "set VAULT_TOKEN or write ~/.vault-token");
    let client = clients.get(key.vault_address);
    if (!client) {
      const config = { endpoint: key.vault_address, token: t, ...(options.namespace ? { namespace: options.namespace } : {}) };
      client = options.createClient
        ? Promise.resolve(options.createClient(config))
        : import("node-vault").then((m) => (m.default ?? m)({ apiVersion: "v1", ...config }) as VaultClient);
      clients.set(key.vault_address, client);
    }
    return client;
  }

  return {
    type: "hc_vault",
    async wrap(ref, dataKey) {
      const key = expectType(ref, "hc_vault");
      const label = keyLabel(key);
      const client = await clientFor("wrap", key, label);
      try {
        const out = (await client.write(`${key.engine_path}/encrypt/${key.key_name}`, {
          plaintext: Buffer.from(dataKey).toString("base64"),
        })) as { data?: { ciphertext?: unknown } } | undefined;
        const ciphertext = out?.data?.ciphertext;
        if (typeof ciphertext !== "string" || ciphertext === "") throw new Error("transit returned no ciphertext");
        return ciphertext;
      } catch (err) {
        throw toKeyError("wrap", label, err, classifyVaultError);
      }
    },
    async unwrap(ref: MasterKey) {
      const key = expectType(ref, "hc_vault") as VaultKeyRef & { enc: string };
      const label = keyLabel(key);
      const client = await clientFor("unwrap", key, label);
      try {
        const out = (await client.write(`${key.engine_path}/decrypt/${key.key_name}`, { ciphertext: key.enc })) as
          | { data?: { plaintext?: unknown } }
          | undefined;
        const plaintext = out?.data?.plaintext;
        if (typeof plaintext !== "string") throw new Error("transit returned no plaintext");
        return new Uint8Array(Buffer.from(plaintext, "base64"));
      } catch (err) {
        throw toKeyError("unwrap", label, err, classifyVaultError);
      }
    },
  };
}
