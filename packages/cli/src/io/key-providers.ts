import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { HushError } from "@hush/errors";
import type { KeyProvider, KeyProviders, KeyType, MasterKey, MasterKeyRef } from "@hush/sops";

/** Where the cloud and PGP providers take their settings from (the process by default). */
export interface KeyProviderEnvironment {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly homeDir?: string;
}

/**
 * A provider whose module (and SDK) is imported on the first wrap/unwrap only, so that
 * `hush decrypt` of an age file never loads a cloud SDK.
 */
function lazy(type: KeyType, load: () => Promise<KeyProvider>): KeyProvider {
  let provider: Promise<KeyProvider> | undefined;
  const get = (): Promise<KeyProvider> => {
    provider ??= load();
    return provider;
  };
  return {
    type,
    wrap: async (key: MasterKeyRef, dataKey: Uint8Array) => (await get()).wrap(key, dataKey),
    unwrap: async (key: MasterKey) => (await get()).unwrap(key),
  };
}

function readIfExists(path: string): string | undefined {
  try {
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The non-age key providers (`pgp`, `kms`, `gcp_kms`, `hc_vault`, and refusing `azure_kv`,
 * `hckms`) configured from the environment the way sops reads it:
 * AWS SDK variables and `aws_profile`; `GOOGLE_CREDENTIALS` (path or JSON),
 * `GOOGLE_OAUTH_ACCESS_TOKEN`, `SOPS_GCP_KMS_ENDPOINT`, `SOPS_GCP_KMS_UNIVERSE_DOMAIN`,
 * `SOPS_GCP_KMS_CLIENT_TYPE`; `VAULT_TOKEN` else `~/.vault-token`, `VAULT_NAMESPACE`,
 * `SOPS_HC_VAULT_ALLOWLIST`, `VAULT_SKIP_VERIFY`, `VAULT_CACERT`, `HTTPS_PROXY`/`NO_PROXY`; `SOPS_GPG_EXEC`, `GNUPGHOME`, plus hush's `HUSH_PGP_KEY_FILE`
 * (armored key files, `:`-separated) and `HUSH_PGP_KEY_PASSPHRASE`.
 * Merge the age provider into the result.
 */
export function createCloudKeyProviders(environment: KeyProviderEnvironment = {}): KeyProviders {
  const env = environment.env ?? process.env;
  const home = environment.homeDir ?? env["HOME"] ?? homedir();
  const set = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  return {
    kms: lazy("kms", async () => {
      // The SDK warns on stderr about Node 20 at first client creation; sops prints nothing.
      process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
      const { createAwsKmsProvider } = await import("@hush/keys/aws-kms");
      return createAwsKmsProvider();
    }),
    gcp_kms: lazy("gcp_kms", async () => {
      const { createGcpKmsProvider } = await import("@hush/keys/gcp-kms");
      const creds = set("GOOGLE_CREDENTIALS");
      const credentialsJson = creds === undefined ? undefined : creds.trimStart().startsWith("{") ? creds : readIfExists(creds);
      if (creds !== undefined && credentialsJson === undefined) {
        throw new HushError("HUSH_ERR_KEYS_NO_CREDENTIALS", "gcp_kms: GOOGLE_CREDENTIALS names a file that cannot be read");
      }
      const transport = set("SOPS_GCP_KMS_CLIENT_TYPE")?.toLowerCase();
      return createGcpKmsProvider({
        ...(credentialsJson !== undefined ? { credentialsJson } : {}),
        ...(set("GOOGLE_OAUTH_ACCESS_TOKEN") ? { accessToken: set("GOOGLE_OAUTH_ACCESS_TOKEN") as string } : {}),
        ...(set("SOPS_GCP_KMS_ENDPOINT") ? { endpoint: set("SOPS_GCP_KMS_ENDPOINT") as string } : {}),
        ...(set("SOPS_GCP_KMS_UNIVERSE_DOMAIN") ? { universeDomain: set("SOPS_GCP_KMS_UNIVERSE_DOMAIN") as string } : {}),
        ...(transport === "grpc" || transport === "rest" ? { transport } : {}),
      });
    }),
    hc_vault: lazy("hc_vault", async () => {
      const { createVaultTransitProvider } = await import("@hush/keys/vault-transit");
      return createVaultTransitProvider({
        ...(set("VAULT_TOKEN") ? { token: set("VAULT_TOKEN") as string } : {}),
        tokenFile: () => readIfExists(join(home, ".vault-token")),
        ...(set("VAULT_NAMESPACE") ? { namespace: set("VAULT_NAMESPACE") as string } : {}),
        ...(set("SOPS_HC_VAULT_ALLOWLIST") ? { allowlist: set("SOPS_HC_VAULT_ALLOWLIST") as string } : {}),
        // Read by sops's Vault client too: TLS settings, and the proxy variables Go's HTTP client honours.
        ...(/^(1|t|true)$/i.test(set("VAULT_SKIP_VERIFY") ?? "") ? { skipTlsVerify: true } : {}),
        ...(set("VAULT_CACERT") && readIfExists(set("VAULT_CACERT") as string) ? { caCert: readIfExists(set("VAULT_CACERT") as string) as string } : {}),
        proxyEnv: env,
      });
    }),
    pgp: lazy("pgp", async () => {
      const { createPgpProvider } = await import("@hush/keys/pgp");
      const files = (set("HUSH_PGP_KEY_FILE") ?? "").split(":").filter((f) => f !== "");
      const armoredKeys = files.map((f) => {
        const text = readIfExists(f);
        if (text === undefined) throw new HushError("HUSH_ERR_KEYS_INVALID_KEY", `pgp: cannot read HUSH_PGP_KEY_FILE entry ${f}`);
        return text;
      });
      return createPgpProvider({
        env,
        ...(set("SOPS_GPG_EXEC") ? { gpgExec: set("SOPS_GPG_EXEC") as string } : {}),
        ...(set("GNUPGHOME") ? { gnupgHome: set("GNUPGHOME") as string } : {}),
        ...(armoredKeys.length > 0 ? { armoredKeys } : {}),
        ...(env["HUSH_PGP_KEY_PASSPHRASE"] !== undefined ? { passphrase: env["HUSH_PGP_KEY_PASSPHRASE"] } : {}),
      });
    }),
    azure_kv: lazy("azure_kv", async () => {
      const { createAzureKvProvider } = await import("@hush/keys/azure-kv");
      return createAzureKvProvider();
    }),
    hckms: {
      type: "hckms",
      wrap: async () => {
        throw new HushError("HUSH_ERR_KEYS_NOT_SUPPORTED", "hckms: HuaweiCloud KMS keys are not supported by hush");
      },
      unwrap: async (key) => {
        throw new HushError(
          "HUSH_ERR_KEYS_NOT_SUPPORTED",
          `hckms ${key.type === "hckms" ? key.key_id : ""}: HuaweiCloud KMS keys are not supported by hush`,
        );
      },
    },
  };
}
