import { hostname as osHostname } from "node:os";
import type { KMSClient, KMSClientConfig } from "@aws-sdk/client-kms";
import type { STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import { awsCredentialChain, classifyAwsError } from "@hush/cloud/aws";
import { HushError } from "@hush/errors";
import { parseKmsKeys, type KeyProvider, type MasterKey, type MasterKeyRef } from "@hush/sops";

export { parseKmsKeys };
import { expectType, keyLabel, toKeyError } from "./key-error.js";

/** A sops `kms` master key reference (field names as in sops metadata). */
export type KmsKeyRef = Extract<MasterKeyRef, { type: "kms" }>;

/** Options for {@link createAwsKmsProvider}. Nothing is read from the environment here. */
export interface AwsKmsProviderOptions {
  /**
   * Extra configuration merged into every KMS and STS client (e.g. `endpoint`, `credentials`,
   * `maxAttempts`). Region and profile come from each key.
   */
  readonly clientConfig?: Partial<KMSClientConfig & STSClientConfig>;
  /** Builds the KMS client; defaults to `new KMSClient(config)`. Tests may wrap it. */
  readonly createKmsClient?: (config: KMSClientConfig) => KMSClient | Promise<KMSClient>;
  /** Builds the STS client used for `role`; defaults to `new STSClient(config)`. */
  readonly createStsClient?: (config: STSClientConfig) => STSClient | Promise<STSClient>;
  /** Host name for the AssumeRole session name `sops@<host>`; defaults to `os.hostname()`. */
  readonly hostname?: string;
}

const arnPattern = /^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)\/.+$/;

/**
 * The region of a KMS key ARN (`arn:aws:kms:<region>:<account>:key/…` or `alias/…`), as sops
 * takes it.
 * @throws HushError `HUSH_ERR_KEYS_INVALID_KEY` when the string is not a KMS key ARN.
 */
export function kmsRegionFromArn(arn: string): string {
  const m = arnPattern.exec(arn);
  if (!m?.[1]) throw new HushError("HUSH_ERR_KEYS_INVALID_KEY", `kms: not a KMS key ARN: ${JSON.stringify(arn)}`);
  return m[1];
}

/**
 * The AssumeRole session name sops uses: `sops@` + the host name without characters STS
 * rejects, cut to 64 characters.
 */
export function stsSessionName(host: string): string {
  return `sops@${host.replace(/[^\w+=,.@-]/g, "")}`.slice(0, 64);
}

/**
 * Parses a `--encryption-context` value (`key:value,key2:value2`) the way sops does: every
 * comma-separated pair must split on `:` into exactly two parts. An empty string means no
 * context.
 * @throws HushError `HUSH_ERR_KEYS_INVALID_ENCRYPTION_CONTEXT` (exit 6) on any other shape.
 */
export function parseEncryptionContext(text: string): Record<string, string> | undefined {
  if (text === "") return undefined;
  const out: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const parts = pair.split(":");
    if (parts.length !== 2) {
      throw new HushError(
        "HUSH_ERR_KEYS_INVALID_ENCRYPTION_CONTEXT",
        "invalid KMS encryption context format: each entry must be key:value",
      );
    }
    out[parts[0] as string] = parts[1] as string;
  }
  return out;
}


/**
 * Builds the `kms` key provider: AWS KMS `Encrypt`/`Decrypt` of the data key with the ARN's
 * region, the key's encryption context, its `aws_profile`, and, when `role` is set, credentials
 * from STS `AssumeRole` with session name `sops@<host>`. `enc` is the padded base64 of the
 * ciphertext blob, as sops stores it. The AWS SDK is imported on first use only.
 */
export function createAwsKmsProvider(options: AwsKmsProviderOptions = {}): KeyProvider {
  const clients = new Map<string, Promise<KMSClient>>();

  async function newKms(config: KMSClientConfig): Promise<KMSClient> {
    if (options.createKmsClient) return options.createKmsClient(config);
    const { KMSClient } = await import("@aws-sdk/client-kms");
    return new KMSClient(config);
  }

  /**
   * The KMS client for one key: the key's profile (or the SDK's default chain), then, when the
   * key names a `role`, AssumeRole through the shared credential chain (refreshed before expiry).
   */
  async function build(key: KmsKeyRef, region: string): Promise<KMSClient> {
    const { credentials: base, ...rest } = options.clientConfig ?? {};
    const chain = awsCredentialChain({
      base: { kind: "ambient", ...(key.aws_profile ? { profile: key.aws_profile } : {}) },
      roles: key.role ? [{ arn: key.role }] : [],
      sessionName: stsSessionName(options.hostname ?? osHostname()),
      region,
      stsConfig: { ...(rest as Partial<STSClientConfig>), ...(base ? { credentials: base as STSClientConfig["credentials"] } : {}) },
      ...(options.createStsClient ? { createSts: options.createStsClient } : {}),
    });
    const credentials = chain.credentials ?? base;
    return newKms({ ...rest, region, ...chain.clientConfig, ...(credentials ? { credentials } : {}) } as KMSClientConfig);
  }

  function clientFor(key: KmsKeyRef): Promise<KMSClient> {
    const region = kmsRegionFromArn(key.arn);
    const id = JSON.stringify([region, key.aws_profile, key.role ?? ""]);
    let client = clients.get(id);
    if (!client) {
      client = build(key, region);
      // A failed AssumeRole must not poison later attempts.
      client.catch(() => clients.delete(id));
      clients.set(id, client);
    }
    return client;
  }

  return {
    type: "kms",
    async wrap(ref, dataKey) {
      const key = expectType(ref, "kms");
      const label = keyLabel(key);
      try {
        const client = await clientFor(key);
        const { EncryptCommand } = await import("@aws-sdk/client-kms");
        const out = await client.send(
          new EncryptCommand({ KeyId: key.arn, Plaintext: dataKey, ...contextOf(key) }),
        );
        if (!out.CiphertextBlob) throw new Error("KMS returned no ciphertext");
        return Buffer.from(out.CiphertextBlob).toString("base64");
      } catch (err) {
        throw toKeyError("wrap", label, err, (e) => classifyAwsError(e));
      }
    },
    async unwrap(ref: MasterKey) {
      const key = expectType(ref, "kms") as KmsKeyRef & { enc: string };
      const label = keyLabel(key);
      try {
        const blob = Buffer.from(key.enc, "base64");
        const client = await clientFor(key);
        const { DecryptCommand } = await import("@aws-sdk/client-kms");
        const out = await client.send(
          new DecryptCommand({ KeyId: key.arn, CiphertextBlob: blob, ...contextOf(key) }),
        );
        if (!out.Plaintext) throw new Error("KMS returned no plaintext");
        return new Uint8Array(out.Plaintext);
      } catch (err) {
        throw toKeyError("unwrap", label, err, (e) => classifyAwsError(e));
      }
    },
  };
}

function contextOf(key: KmsKeyRef): { EncryptionContext?: Record<string, string> } {
  return key.context && Object.keys(key.context).length > 0 ? { EncryptionContext: { ...key.context } } : {};
}
