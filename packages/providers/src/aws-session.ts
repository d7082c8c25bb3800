import type { STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import { awsCredentialChain, type AwsBaseIdentity, type AwsCredentialChain, type AwsCredentialProvider, type AwsCredentials } from "@hush/cloud/aws";
import { isHushError } from "@hush/errors";
import type { AwsConfig } from "./aws-config.js";
import { mapAwsError } from "./aws-errors.js";
import { webIdentityChain } from "./aws-irsa.js";
import type { ProviderContext, ProviderErrorKind } from "./provider.js";
import { assertAmbientAllowed, readSecretRef } from "./spec.js";

/** How long static keys from a Secret are used before the Secret is read again. */
const STATIC_KEYS_REREAD_MS = 10 * 60_000;

/**
 * One store's AWS identity, shared by every AWS service client of that store (Secrets Manager,
 * Systems Manager Parameter Store): the credential chain and the client settings built from it.
 */
export interface AwsSession {
  /** The chain's memoised credentials, or `undefined` for the SDK's own default chain. */
  readonly credentials: AwsCredentialProvider | undefined;
  /**
   * Settings for one service client: region, retries, credentials, and `endpoint` when one is
   * given (tests point it at moto).
   */
  clientConfig(endpoint: string | undefined): { region: string; endpoint?: string; credentials?: AwsCredentialProvider; maxAttempts?: number };
  /** Like ESO: the store is valid when its credentials resolve (STS calls included). */
  validate(service: string, signal?: AbortSignal): Promise<void>;
  /** Releases the STS clients. */
  close(): void;
}

/**
 * Builds the AWS credential chain of one store: keys from a Secret (re-read every 10 minutes,
 * so rotating them takes effect without rebuilding the store), a web identity token, or the
 * controller's own identity; then `role` and `additionalRoles`. No call is made before the
 * first use.
 */
export function awsSession(config: AwsConfig, ctx: ProviderContext, sts: (config: STSClientConfig) => STSClient, provider = "aws"): AwsSession {
  const chain = buildChain(config, ctx, sts, provider);
  const credentials = chain.credentials;
  return {
    credentials,
    clientConfig: (endpoint) => ({
      region: config.region,
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      ...(config.maxAttempts ? { maxAttempts: config.maxAttempts } : {}),
    }),
    validate: async (service, signal) => {
      if (!credentials) return;
      signal?.throwIfAborted();
      try {
        await credentials();
      } catch (err) {
        throw isHushError(err) ? err : mapAwsError(err, "resolve credentials", signal, service);
      }
    },
    close: () => chain.close(),
  };
}

function buildChain(config: AwsConfig, ctx: ProviderContext, sts: (config: STSClientConfig) => STSClient, provider: string): AwsCredentialChain {
  const { auth } = config;
  const field = config.field ?? "spec.provider.aws";
  const roles = [...(config.role ? [config.role] : []), ...config.additionalRoles];
  let base: AwsBaseIdentity = { kind: "ambient" };
  if (auth.kind === "secretRef") {
    const f = `${field}.auth.secretRef`;
    base = {
      kind: "static",
      read: async (): Promise<AwsCredentials> => {
        const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
          readSecretRef(ctx, auth.accessKeyId, `${f}.accessKeyIDSecretRef`),
          readSecretRef(ctx, auth.secretAccessKey, `${f}.secretAccessKeySecretRef`),
          auth.sessionToken ? readSecretRef(ctx, auth.sessionToken, `${f}.sessionTokenSecretRef`) : undefined,
        ]);
        // Memoised until 5 minutes before this: read again every 10 minutes.
        const expiration = new Date(ctx.now() + STATIC_KEYS_REREAD_MS + 5 * 60_000);
        return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), expiration };
      },
    };
  } else if (auth.kind === "jwt") {
    // The role may come from the ServiceAccount's annotation: the chain is built on first use.
    return webIdentityChain(config, ctx, auth.serviceAccount, (b, r) => chainFor(config, ctx, sts, provider, b, r));
  } else {
    assertAmbientAllowed(ctx, `${field}.auth`);
  }
  return chainFor(config, ctx, sts, provider, base, roles);
}

function chainFor(config: AwsConfig, ctx: ProviderContext, sts: (config: STSClientConfig) => STSClient, provider: string, base: AwsBaseIdentity, roles: readonly string[]): AwsCredentialChain {
  const endpoint = ctx.clients?.aws?.stsEndpoint ?? ctx.clients?.aws?.endpoint;
  return awsCredentialChain({
    base,
    roles: roles.map((arn, i) => ({ arn, ...(i === 0 && config.externalID ? { externalId: config.externalID } : {}) })),
    sessionName: `hush-${ctx.namespace}`,
    region: config.region,
    ...(endpoint ? { stsConfig: { endpoint } } : {}),
    createSts: (c: STSClientConfig) => sts(c),
    now: () => ctx.now(),
    observe: (call) => ctx.observe?.({ provider, operation: call.operation, result: call.result === "ok" ? "ok" : awsCallKind(call.result), durationMs: call.durationMs }),
  });
}

/** The provider error kind an STS failure is reported as (metrics only). */
function awsCallKind(kind: string): ProviderErrorKind {
  return kind === "not-found" ? "not-found" : kind === "throttled" ? "throttled" : kind === "access-denied" || kind === "no-credentials" ? "access-denied" : kind === "invalid-request" ? "invalid-config" : "unavailable";
}
