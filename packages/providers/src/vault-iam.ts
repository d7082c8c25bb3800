import { createHash, createHmac } from "node:crypto";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentials } from "@hush/cloud/aws";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsConfig } from "./aws-config.js";
import { awsSession } from "./aws-session.js";
import type { ProviderContext } from "./provider.js";
import type { VaultIamAuth } from "./vault-config.js";

/**
 * The STS request a Vault `aws` auth login carries. Vault replays it against STS (or its
 * configured `sts_endpoint`) and trusts the identity STS answers with; the URL is the global
 * endpoint, signed for the store's region, as Vault's own client library does.
 */
const STS_URL = "https://sts.amazonaws.com/";
const STS_HOST = "sts.amazonaws.com";
const STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15";
/** The header Vault compares with its `iam_server_id_header_value` (replay protection). */
export const IAM_SERVER_ID_HEADER = "X-Vault-AWS-IAM-Server-ID";

/** The body of `auth/<path>/login` for the iam method, as Vault expects it. */
export interface VaultIamLoginBody {
  role?: string;
  iam_http_request_method: "POST";
  /** base64 of the STS URL. */
  iam_request_url: string;
  /** base64 of the form body. */
  iam_request_body: string;
  /** base64 of a JSON object mapping each signed header to its values. */
  iam_request_headers: string;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): Uint8Array | string {
  if (typeof data === "string") return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** node:crypto behind the checksum interface the SDK signer takes (HMAC when given a secret). */
class NodeSha256 {
  readonly #secret: Uint8Array | string | undefined;
  #h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : bytes(secret);
    this.#h = this.#fresh();
  }
  #fresh(): ReturnType<typeof createHash> | ReturnType<typeof createHmac> {
    return this.#secret === undefined ? createHash("sha256") : createHmac("sha256", this.#secret);
  }
  update(data: SourceData): void {
    this.#h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#h.digest()));
  }
  reset(): void {
    this.#h = this.#fresh();
  }
}

/**
 * Signs an STS `GetCallerIdentity` request with SigV4 (the AWS SDK's signer) and encodes it as
 * Vault's iam login body. `serverId`, when set, is added and signed as `X-Vault-AWS-IAM-Server-ID`.
 * Pure apart from the clock passed in.
 */
export async function signIamLogin(input: {
  credentials: AwsCredentials;
  region: string;
  vaultRole?: string;
  serverId?: string;
  now: Date;
}): Promise<VaultIamLoginBody> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: input.credentials.accessKeyId,
      secretAccessKey: input.credentials.secretAccessKey,
      ...(input.credentials.sessionToken ? { sessionToken: input.credentials.sessionToken } : {}),
    },
    region: input.region,
    service: "sts",
    sha256: NodeSha256,
  });
  const headers: Record<string, string> = {
    host: STS_HOST,
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    ...(input.serverId ? { [IAM_SERVER_ID_HEADER]: input.serverId } : {}),
  };
  const signed = await signer.sign(
    { method: "POST", protocol: "https:", hostname: STS_HOST, path: "/", headers, body: STS_BODY },
    { signingDate: input.now },
  );
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k] = [v];
  const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
  return {
    ...(input.vaultRole ? { role: input.vaultRole } : {}),
    iam_http_request_method: "POST",
    iam_request_url: b64(STS_URL),
    iam_request_body: b64(STS_BODY),
    iam_request_headers: b64(JSON.stringify(out)),
  };
}

/** The AWS settings of a Vault iam login, in the shape the AWS provider's credential chain takes. */
export function iamAwsConfig(auth: VaultIamAuth): AwsConfig {
  return {
    service: "SecretsManager",
    region: auth.region,
    auth: auth.secretRef
      ? { kind: "secretRef", ...auth.secretRef }
      : auth.serviceAccountRef
        ? { kind: "jwt", serviceAccount: auth.serviceAccountRef }
        : { kind: "ambient" },
    ...(auth.role ? { role: auth.role } : {}),
    additionalRoles: [],
    ...(auth.externalID ? { externalID: auth.externalID } : {}),
    prefix: "",
  };
}

/** Where a Vault iam login gets the AWS keys it signs with. */
export interface IamCredentialSource {
  get(): Promise<AwsCredentials>;
  close(): void;
}

/**
 * The AWS identity a Vault iam login signs with: keys from the store's namespace, the IRSA
 * ServiceAccount path, or (ClusterSecretStore / --allow-ambient-credentials, checked by the
 * chain) the controller's own; then `role` assumed with `externalID`. Same chain and rules as
 * the AWS provider; the chain makes no call before the first login.
 */
export function iamCredentials(auth: VaultIamAuth, ctx: ProviderContext): IamCredentialSource {
  const session = awsSession(iamAwsConfig(auth), ctx, (c) => new STSClient(c), "vault");
  let own: STSClient | undefined;
  return {
    get: async () => {
      if (session.credentials) return session.credentials();
      // The controller's own identity, no role: the SDK's default chain, as a client resolves it.
      own ??= new STSClient({ region: auth.region });
      return own.config.credentials();
    },
    close: () => {
      session.close();
      own?.destroy();
      own = undefined;
    },
  };
}
