import { isCloudError } from "@hush/cloud";
import { classifyGcpError, gcpClientOptions as sharedClientOptions } from "@hush/cloud/gcp";
import { HushError } from "@hush/errors";
import type { KeyProvider, MasterKey, MasterKeyRef } from "@hush/sops";
import { expectType, keyLabel, toKeyError } from "./key-error.js";

/** A sops `gcp_kms` master key reference (field names as in sops metadata). */
export type GcpKmsKeyRef = Extract<MasterKeyRef, { type: "gcp_kms" }>;

/** The two calls the provider makes, shaped like `KeyManagementServiceClient`'s. */
export interface GcpKmsClient {
  encrypt(request: { name: string; plaintext: Uint8Array }, options?: GcpCallOptions): Promise<[{ ciphertext?: Uint8Array | string | null }, ...unknown[]]>;
  decrypt(request: { name: string; ciphertext: Uint8Array }, options?: GcpCallOptions): Promise<[{ plaintext?: Uint8Array | string | null }, ...unknown[]]>;
}

/** Per-call options (google-gax `CallOptions`) the provider passes. */
export interface GcpCallOptions {
  readonly maxRetries?: number;
}

/**
 * A few retries only: the client library otherwise retries an unreachable endpoint for a
 * minute, and a CLI should say so in well under that.
 */
const CALL: GcpCallOptions = { maxRetries: 2 };

/** Options for {@link createGcpKmsProvider}. Env and files are passed in, never read here. */
export interface GcpKmsProviderOptions {
  /**
   * `GOOGLE_CREDENTIALS`: the contents of a service-account (or other credentials) JSON file.
   * The CLI reads the file when the variable holds a path.
   */
  readonly credentialsJson?: string;
  /** `GOOGLE_OAUTH_ACCESS_TOKEN`: a bearer token used as is. */
  readonly accessToken?: string;
  /**
   * `SOPS_GCP_KMS_ENDPOINT`: `host:port`, or a URL (`http://127.0.0.1:8080` selects plain
   * HTTP, for a local fake).
   */
  readonly endpoint?: string;
  /** `SOPS_GCP_KMS_UNIVERSE_DOMAIN`. */
  readonly universeDomain?: string;
  /**
   * `SOPS_GCP_KMS_CLIENT_TYPE`: `rest` (the default here: HTTP/1.1 JSON, no gRPC runtime to
   * load) or `grpc`.
   */
  readonly transport?: "rest" | "grpc";
  /** Builds the client; defaults to `@google-cloud/kms`'s KeyManagementServiceClient. */
  readonly createClient?: (options: Record<string, unknown>) => GcpKmsClient | Promise<GcpKmsClient>;
}

const resourceIdPattern = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

/**
 * Checks and normalises a GCP KMS key resource ID (spaces removed, as sops does).
 * @throws HushError `HUSH_ERR_KEYS_INVALID_KEY` unless it is
 *   `projects/P/locations/L/keyRings/R/cryptoKeys/K`.
 */
export function parseGcpKmsResourceId(resourceId: string): GcpKmsKeyRef {
  const id = resourceId.replace(/ /g, "");
  if (!resourceIdPattern.test(id)) {
    throw new HushError(
      "HUSH_ERR_KEYS_INVALID_KEY",
      `gcp_kms: invalid resource ID ${JSON.stringify(id)}: expected projects/P/locations/L/keyRings/R/cryptoKeys/K`,
    );
  }
  return { type: "gcp_kms", resource_id: id };
}

/** Parses a comma-separated `--gcp-kms` / `SOPS_GCP_KMS_IDS` list (empty entries dropped). */
export function parseGcpKmsResourceIds(list: string): GcpKmsKeyRef[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(parseGcpKmsResourceId);
}

/**
 * Client options for KeyManagementServiceClient from the provider options, through the shared
 * Google Cloud setup (REST transport unless `grpc` is asked for).
 *
 * @throws HushError `HUSH_ERR_KEYS_NO_CREDENTIALS` when `credentialsJson` is not usable.
 */
export async function gcpClientOptions(options: GcpKmsProviderOptions): Promise<Record<string, unknown>> {
  try {
    return await sharedClientOptions({
      transport: options.transport ?? "rest",
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.universeDomain ? { universeDomain: options.universeDomain } : {}),
      ...(options.accessToken ? { accessToken: options.accessToken } : {}),
      ...(options.credentialsJson !== undefined ? { credentialsJson: options.credentialsJson } : {}),
    });
  } catch (err) {
    if (!isCloudError(err)) throw err;
    throw new HushError("HUSH_ERR_KEYS_NO_CREDENTIALS", `gcp_kms: GOOGLE_CREDENTIALS: ${err.label}`, { cause: err });
  }
}

/**
 * Builds the `gcp_kms` key provider: Cloud KMS `Encrypt`/`Decrypt` of the data key with the
 * key's resource ID. `enc` is the padded base64 of the ciphertext, as sops stores it.
 * `@google-cloud/kms` is imported on first use only.
 */
export function createGcpKmsProvider(options: GcpKmsProviderOptions = {}): KeyProvider {
  let client: Promise<GcpKmsClient> | undefined;

  function getClient(): Promise<GcpKmsClient> {
    if (!client) {
      client = (async () => {
        const clientOptions = await gcpClientOptions(options);
        if (options.createClient) return options.createClient(clientOptions);
        const { KeyManagementServiceClient } = await import("@google-cloud/kms");
        return new KeyManagementServiceClient(
          clientOptions as ConstructorParameters<typeof KeyManagementServiceClient>[0],
        ) as unknown as GcpKmsClient;
      })();
      client.catch(() => {
        client = undefined;
      });
    }
    return client;
  }

  return {
    type: "gcp_kms",
    async wrap(ref, dataKey) {
      const key = expectType(ref, "gcp_kms");
      const label = keyLabel(key);
      try {
        const name = parseGcpKmsResourceId(key.resource_id).resource_id;
        const [out] = await (await getClient()).encrypt({ name, plaintext: dataKey }, CALL);
        const ct = out.ciphertext;
        if (ct === undefined || ct === null || ct.length === 0) throw new Error("KMS returned no ciphertext");
        return typeof ct === "string" ? ct : Buffer.from(ct).toString("base64");
      } catch (err) {
        throw toKeyError("wrap", label, err, (e) => classifyGcpError(e));
      }
    },
    async unwrap(ref: MasterKey) {
      const key = expectType(ref, "gcp_kms") as GcpKmsKeyRef & { enc: string };
      const label = keyLabel(key);
      try {
        const [out] = await (await getClient()).decrypt({
          name: key.resource_id,
          ciphertext: new Uint8Array(Buffer.from(key.enc, "base64")),
        }, CALL);
        const pt = out.plaintext;
        if (pt === undefined || pt === null) throw new Error("KMS returned no plaintext");
        return new Uint8Array(typeof pt === "string" ? Buffer.from(pt, "base64") : pt);
      } catch (err) {
        throw toKeyError("unwrap", label, err, (e) => classifyGcpError(e));
      }
    },
  };
}
