/**
 * `@hush/cloud/aws`: the one AWS credential chain (static keys, web identity, ambient, then
 * AssumeRole hops) and the one AWS error classifier, shared by the sops KMS key provider and
 * the Secrets Manager secret provider. The STS client is imported on first use only.
 */
import type { STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import { CloudError, isAbort, isCloudError, networkCode, networkKind, summarizeError, type CloudFailure, type CloudFailureKind } from "./failure.js";

/** AWS credentials as the SDK's credential providers return them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A function the SDK calls for credentials (`credentials` in any client config). */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** Where the chain's first identity comes from. */
export type AwsBaseIdentity =
  /** Keys read on demand (e.g. from a Kubernetes Secret); `expiration` decides when to read again. */
  | { readonly kind: "static"; readonly read: AwsCredentialProvider }
  /** AssumeRoleWithWebIdentity of `roleArn` with a token fetched on demand (IRSA-style). */
  | { readonly kind: "web-identity"; readonly roleArn: string; readonly token: () => Promise<string> }
  /**
   * The SDK's default chain of this process (environment, shared config `profile`, container
   * or instance metadata): the host's own identity.
   */
  | { readonly kind: "ambient"; readonly profile?: string };

/** Options of {@link awsCredentialChain}. */
export interface AwsCredentialChainOptions {
  readonly base: AwsBaseIdentity;
  /** Roles assumed in order after the base identity (role chaining); the first may carry an external id. */
  readonly roles?: readonly { readonly arn: string; readonly externalId?: string }[];
  /** `RoleSessionName` of every STS call (at most 64 of `[\w+=,.@-]`; other characters become `-`). */
  readonly sessionName: string;
  readonly region: string;
  /** Extra STS client configuration (`endpoint`, `maxAttempts`, …). */
  readonly stsConfig?: Partial<STSClientConfig>;
  /** Builds the STS client; defaults to `new STSClient(config)`. Tests may wrap it. */
  readonly createSts?: (config: STSClientConfig) => STSClient | Promise<STSClient>;
  /** Injected clock, epoch milliseconds (credential expiry). */
  readonly now?: () => number;
  /** Reports every STS call (operation and outcome only), e.g. for metrics. */
  readonly observe?: (call: { operation: "AssumeRole" | "AssumeRoleWithWebIdentity"; result: "ok" | CloudFailureKind; durationMs: number }) => void;
}

/** The result of {@link awsCredentialChain}. */
export interface AwsCredentialChain {
  /**
   * The chain as a memoised credential provider, or `undefined` when it is the ambient
   * identity with no role to assume (the SDK then resolves its own default chain).
   * Failures are thrown as {@link CloudError}.
   */
  readonly credentials: AwsCredentialProvider | undefined;
  /** Extra client configuration for the ambient case (`profile`). */
  readonly clientConfig: { profile?: string };
  /** Releases the STS clients. */
  close(): void;
}

/**
 * Builds the credential chain: the base identity, then each role in `roles` assumed with the
 * previous hop's credentials. Every hop is memoised until five minutes before it expires;
 * concurrent callers share one STS call. Nothing is called before the first use.
 */
export function awsCredentialChain(options: AwsCredentialChainOptions): AwsCredentialChain {
  const now = options.now ?? Date.now;
  const session = options.sessionName.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
  const base = options.base;
  const profile = base.kind === "ambient" && base.profile ? { profile: base.profile } : {};
  const sts: Promise<STSClient>[] = [];

  const stsClient = (credentials?: AwsCredentialProvider): (() => Promise<STSClient>) => {
    let client: Promise<STSClient> | undefined;
    return () => {
      if (!client) {
        const config: STSClientConfig = { ...options.stsConfig, region: options.region, ...profile, ...(credentials ? { credentials } : {}) };
        client = (async () => {
          if (options.createSts) return options.createSts(config);
          const { STSClient } = await import("@aws-sdk/client-sts");
          return new STSClient(config);
        })();
        sts.push(client);
        client.catch(() => {
          client = undefined;
        });
      }
      return client;
    };
  };

  const timed = async <T>(operation: "AssumeRole" | "AssumeRoleWithWebIdentity", call: () => Promise<T>): Promise<T> => {
    const start = now();
    try {
      const out = await call();
      options.observe?.({ operation, result: "ok", durationMs: now() - start });
      return out;
    } catch (err) {
      const failure = classifyAwsError(err);
      options.observe?.({ operation, result: failure.kind, durationMs: now() - start });
      throw toCloudError(failure, err);
    }
  };

  let creds: AwsCredentialProvider | undefined;
  const roles = [...(options.roles ?? [])];
  if (base.kind === "static") {
    creds = base.read;
  } else if (base.kind === "web-identity") {
    const client = stsClient();
    creds = async () => {
      // The caller's own failure (no token) passes through as it is.
      const token = await base.token();
      return timed("AssumeRoleWithWebIdentity", async () => {
        const { AssumeRoleWithWebIdentityCommand } = await import("@aws-sdk/client-sts");
        const out = await (await client()).send(
          new AssumeRoleWithWebIdentityCommand({ RoleArn: base.roleArn, RoleSessionName: session, WebIdentityToken: token }),
        );
        return stsCredentials(out.Credentials);
      });
    };
  }
  for (const role of roles) {
    const previous = creds ? memoizeCredentials(creds, now) : undefined;
    const client = stsClient(previous);
    creds = async () => {
      // Resolve the previous hop first (memoised), so its failure passes through as it is.
      if (previous) await previous();
      return timed("AssumeRole", async () => {
        const { AssumeRoleCommand } = await import("@aws-sdk/client-sts");
        const out = await (await client()).send(
          new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: session, ...(role.externalId ? { ExternalId: role.externalId } : {}) }),
        );
        return stsCredentials(out.Credentials);
      });
    };
  }
  return {
    credentials: creds ? memoizeCredentials(creds, now) : undefined,
    clientConfig: profile,
    close: () => {
      for (const c of sts) void c.then((client) => client.destroy(), () => undefined);
    },
  };
}

/**
 * Caches credentials until five minutes before they expire (by the injected clock), shares one
 * in-flight resolution between callers and forgets a failed one, so a validation call and the
 * SDK client never cause a second STS call for the same session.
 */
export function memoizeCredentials(provider: AwsCredentialProvider, now: () => number): AwsCredentialProvider {
  let cached: Promise<AwsCredentials> | undefined;
  let expiresAt = Infinity;
  return () => {
    if (cached && now() < expiresAt - 5 * 60_000) return cached;
    const p = provider().then(
      (c) => {
        expiresAt = c.expiration ? c.expiration.getTime() : Infinity;
        return c;
      },
      (err: unknown) => {
        if (cached === p) cached = undefined;
        throw err;
      },
    );
    cached = p;
    expiresAt = Infinity;
    return p;
  };
}

function stsCredentials(
  c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined,
): AwsCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new CloudError("no-credentials", "STS returned no credentials");
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    ...(c.Expiration ? { expiration: c.Expiration } : {}),
  };
}

const NOT_FOUND = new Set([
  "ResourceNotFoundException",
  "NotFoundException",
  "DisabledException",
  "KMSInvalidStateException",
  "KeyUnavailableException",
  "InvalidArnException",
  // Systems Manager Parameter Store: no such parameter.
  "ParameterNotFound",
]);
const DENIED = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "ExpiredToken",
  "IDPRejectedClaim",
  "InvalidIdentityToken",
  "DecryptionFailure",
  "MissingAuthenticationToken",
]);
const NO_CREDENTIALS = new Set(["CredentialsProviderError"]);
const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "LimitExceededException",
  "ProvisionedThroughputExceededException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);
const INVALID = new Set([
  "InvalidParameterException",
  "ValidationException",
  "InvalidNextTokenException",
  "InvalidRequestException",
  "InvalidCiphertextException",
  "IncorrectKeyException",
  "InvalidKeyUsageException",
  // Parameter Store: a malformed filter; a version or label the parameter does not have, and
  // tags asked of a parameter that does not exist, which ESO reports as errors too (never as
  // a deleted parameter, so a typo cannot delete a key).
  "ParameterVersionNotFound",
  "InvalidFilterKey",
  "InvalidFilterOption",
  "InvalidFilterValue",
  "InvalidResourceId",
  "InvalidResourceType",
]);
const SERVER = new Set(["InternalServiceError", "InternalFailure", "KMSInternalException", "ServiceUnavailable", "ServiceUnavailableException"]);

/**
 * Maps an AWS error *name* (an SDK exception's `name`, or `Errors[].ErrorCode` of a batch
 * call) and an optional HTTP status to a kind. `message` is consulted only to recognise a
 * secret "marked for deletion" (gone, as far as syncing goes); it is never copied.
 */
export function awsErrorNameKind(name: string, status?: number, message?: string): CloudFailureKind {
  if (NOT_FOUND.has(name)) return "not-found";
  if (name === "InvalidRequestException" && /marked for deletion/i.test((message ?? "").slice(0, 500))) return "not-found";
  if (DENIED.has(name)) return "access-denied";
  if (NO_CREDENTIALS.has(name)) return "no-credentials";
  if (THROTTLED.has(name)) return "throttled";
  if (INVALID.has(name)) return "invalid-request";
  if (SERVER.has(name)) return "server-error";
  if (name === "TimeoutError") return "unreachable";
  if (status === 401 || status === 403) return "access-denied";
  if (status === 429) return "throttled";
  if (status === 404) return "not-found";
  if (status !== undefined && status >= 500) return "server-error";
  return "unknown";
}

/**
 * Classifies anything an AWS SDK call threw. The returned `cause` is a summary (name, status,
 * request id): the SDK error's `$response` reaches the signed request, session token included,
 * and its message may quote request parameters.
 */
export function classifyAwsError(err: unknown, signal?: AbortSignal): CloudFailure {
  if (isCloudError(err)) return { kind: err.kind, label: err.label, cause: err };
  const cause = summarizeError(err);
  if (isAbort(err, signal)) return { kind: "aborted", label: "", cause };
  const e = err as { name?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown }; $retryable?: { throttling?: boolean } } | null;
  const net = networkCode(err);
  if (net) return { kind: networkKind(net), label: net, cause };
  const rawName = typeof e?.name === "string" ? e.name : typeof e?.code === "string" ? e.code : "";
  const name = rawName.includes("#") ? rawName.slice(rawName.lastIndexOf("#") + 1) : rawName;
  const status = typeof e?.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  if (status === undefined && (err instanceof TypeError || err instanceof RangeError)) return { kind: "internal", label: "", cause };
  let kind = awsErrorNameKind(name, status, typeof e?.message === "string" ? e.message : undefined);
  if ((kind === "unknown" || kind === "server-error") && e?.$retryable?.throttling) kind = "throttled";
  return { kind, label: /^[A-Za-z0-9]{1,64}$/.test(name) && name !== "Error" ? name : status ? `http ${status}` : "", cause };
}

/** A {@link CloudError} for a classified failure. */
export function toCloudError(failure: CloudFailure, err?: unknown): CloudError {
  if (isCloudError(err)) return err;
  const status = (failure.cause as { httpStatusCode?: unknown }).httpStatusCode;
  return new CloudError(failure.kind, failure.label, { cause: failure.cause, ...(typeof status === "number" ? { status } : {}) });
}
