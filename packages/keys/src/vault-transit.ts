import { CloudError } from "@hush/cloud";
import { classifyVaultError, createVaultClient as createSharedVaultClient } from "@hush/cloud/vault";
import { parseVaultTransitUri, type KeyProvider, type MasterKey, type MasterKeyRef } from "@hush/sops";

export { parseVaultTransitUri };
import { expectType, keyLabel, keyError, toKeyError } from "./key-error.js";

/** A sops `hc_vault` master key reference (field names as in sops metadata). */
export type VaultKeyRef = Extract<MasterKeyRef, { type: "hc_vault" }>;

/** The one call the transit provider makes: a POST of `data` to `path` (relative to `/v1/`). */
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
  /** `VAULT_SKIP_VERIFY`: do not verify the server's TLS certificate (as sops allows). */
  readonly skipTlsVerify?: boolean;
  /** `VAULT_CACERT` contents: the PEM CA bundle to verify the server against. */
  readonly caCert?: string;
  /** Proxy variables (`HTTPS_PROXY`, `NO_PROXY`, …) to honour; unset: no proxy. */
  readonly proxyEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * Builds the client for one address; defaults to `@hush/cloud/vault` (no debug output,
   * bounded calls, summarised errors). Tests may point it anywhere.
   */
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
      client = options.createClient ? Promise.resolve(options.createClient(config)) : Promise.resolve(sharedClient(config));
      clients.set(key.vault_address, client);
    }
    return client;
  }

  function sharedClient(config: { endpoint: string; token: string; namespace?: string }): VaultClient {
    const vault = createSharedVaultClient({
      address: config.endpoint,
      ...(config.namespace ? { namespace: config.namespace } : {}),
      ...(options.caCert ? { ca: options.caCert } : {}),
      ...(options.skipTlsVerify ? { insecureSkipVerify: true } : {}),
      ...(options.proxyEnv ? { proxyEnv: options.proxyEnv } : {}),
    });
    return { write: (path, data) => vault.write(path, data, { token: config.token }) };
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
        if (typeof ciphertext !== "string" || ciphertext === "") throw new CloudError("server-error", "transit returned no ciphertext");
        return ciphertext;
      } catch (err) {
        throw toKeyError("wrap", label, err, (e) => classifyVaultError(e));
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
        if (typeof plaintext !== "string") throw new CloudError("server-error", "transit returned no plaintext");
        return new Uint8Array(Buffer.from(plaintext, "base64"));
      } catch (err) {
        throw toKeyError("unwrap", label, err, (e) => classifyVaultError(e));
      }
    },
  };
}
