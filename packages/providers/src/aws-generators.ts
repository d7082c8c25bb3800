import type { ECRClient, ECRClientConfig } from "@aws-sdk/client-ecr";
import type { ECRPUBLICClient, ECRPUBLICClientConfig } from "@aws-sdk/client-ecr-public";
import { GetSessionTokenCommand, STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { isHushError } from "@hush/errors";
import { isRoleArn, type AwsAuth, type AwsConfig } from "./aws-config.js";
import { mapAwsError } from "./aws-errors.js";
import { awsSession } from "./aws-session.js";
import { observed } from "./observe.js";
import { providerError } from "./provider-error.js";
import type { ProviderContext } from "./provider.js";
import { asObject, optionalObject, optionalSecretRef, optionalServiceAccountRef, type SpecObject } from "./spec.js";

/** The AWS generator kinds (ESO `generators.external-secrets.io/v1alpha1`). */
export type AwsGeneratorKind = "ECRAuthorizationToken" | "STSSessionToken";

/** ESO's `requestParameters` of an STSSessionToken: the GetSessionToken inputs. */
export interface StsRequestParameters {
  readonly sessionDuration?: number;
  readonly serialNumber?: string;
  readonly tokenCode?: string;
}

/** A parsed ECRAuthorizationToken or STSSessionToken `spec`. */
export interface AwsGeneratorSpec {
  readonly kind: AwsGeneratorKind;
  /** The identity: region, auth, role (the shape a store's AWS block has). */
  readonly config: AwsConfig;
  /** ECR only: `public` asks ECR Public; anything else (ESO's rule) the private registry. */
  readonly scope: "private" | "public";
  /** STS only. */
  readonly requestParameters?: StsRequestParameters;
}

const SPEC = "spec";

const invalid = (message: string): never => {
  throw providerError("invalid-config", message);
};

/** `obj[name]` as a string (empty allowed, as ESO's plain string fields) when present. */
function plainString(obj: SpecObject, name: string, field: string): string | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") return invalid(`${field}.${name} must be a string`);
  return v;
}

/**
 * Parses an ECRAuthorizationToken or STSSessionToken `spec` as ESO v0.16.2 reads it: `region`,
 * `auth` (`secretRef` or `jwt.serviceAccountRef`; with both, `secretRef` is used, as ESO
 * does), `role` assumed on top, and ECR's `scope` or STS's `requestParameters`. Pure.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` naming the offending field.
 */
export function parseAwsGeneratorSpec(kind: AwsGeneratorKind, spec: unknown): AwsGeneratorSpec {
  if (spec === undefined || spec === null) return invalid(`${kind}: no config spec provided`);
  const obj = asObject(spec, SPEC);
  const region = plainString(obj, "region", SPEC) ?? "";
  if (region === "") invalid(`${SPEC}.region is required`);
  if (!/^[a-z0-9-]{1,40}$/.test(region)) invalid(`${SPEC}.region is not a region name`);
  const authObj = optionalObject(obj, "auth", SPEC);
  let auth: AwsAuth = { kind: "ambient" };
  if (authObj) {
    const secretRef = optionalObject(authObj, "secretRef", `${SPEC}.auth`);
    const jwt = optionalObject(authObj, "jwt", `${SPEC}.auth`);
    if (secretRef) {
      const f = `${SPEC}.auth.secretRef`;
      const accessKeyId = optionalSecretRef(secretRef, "accessKeyIDSecretRef", f);
      const secretAccessKey = optionalSecretRef(secretRef, "secretAccessKeySecretRef", f);
      if (!accessKeyId) invalid(`${f}.accessKeyIDSecretRef is required`);
      if (!secretAccessKey) invalid(`${f}.secretAccessKeySecretRef is required`);
      const sessionToken = optionalSecretRef(secretRef, "sessionTokenSecretRef", f);
      auth = { kind: "secretRef", accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, ...(sessionToken ? { sessionToken } : {}) };
    } else if (jwt) {
      const sa = optionalServiceAccountRef(jwt, "serviceAccountRef", `${SPEC}.auth.jwt`);
      if (!sa) invalid(`${SPEC}.auth.jwt.serviceAccountRef is required`);
      auth = { kind: "jwt", serviceAccount: sa! };
    }
  }
  const role = plainString(obj, "role", SPEC) || undefined;
  if (role !== undefined && !isRoleArn(role)) invalid(`${SPEC}.role must be an IAM role ARN`);
  const config: AwsConfig = { service: "SecretsManager", region, auth, ...(role ? { role } : {}), additionalRoles: [], prefix: "", field: SPEC };
  if (kind === "ECRAuthorizationToken") {
    return { kind, config, scope: plainString(obj, "scope", SPEC) === "public" ? "public" : "private" };
  }
  const rp = optionalObject(obj, "requestParameters", SPEC);
  if (!rp) return { kind, config, scope: "private" };
  const f = `${SPEC}.requestParameters`;
  const duration = rp["sessionDuration"];
  if (duration !== undefined && duration !== null && (typeof duration !== "number" || !Number.isSafeInteger(duration))) invalid(`${f}.sessionDuration must be an integer`);
  const serialNumber = plainString(rp, "serialNumber", f);
  const tokenCode = plainString(rp, "tokenCode", f);
  return {
    kind,
    config,
    scope: "private",
    requestParameters: {
      ...(typeof duration === "number" ? { sessionDuration: duration } : {}),
      ...(serialNumber !== undefined ? { serialNumber } : {}),
      ...(tokenCode !== undefined ? { tokenCode } : {}),
    },
  };
}

/** What ECR's GetAuthorizationToken returns (private registry: a list; ECR Public: one). */
export interface EcrAuthorizationData {
  readonly authorizationToken?: string | undefined;
  readonly expiresAt?: Date | undefined;
  readonly proxyEndpoint?: string | undefined;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Unix seconds, as Go's `Time.Unix()` (floored). */
const unixSeconds = (d: Date | undefined): string => String(Math.floor((d?.getTime() ?? 0) / 1000));

/**
 * The keys of an ECRAuthorizationToken, as ESO v0.16.2 builds them: the token is base64 of
 * `user:password` and must hold exactly one `:`; `username`, `password`, `expires_at` (Unix
 * seconds) and, for the private registry, `proxy_endpoint`. The private registry must return
 * exactly one token. Pure.
 *
 * @throws `HUSH_ERR_PROVIDERS_UNAVAILABLE` for an answer of another shape (no token text is quoted).
 */
export function ecrTokenKeys(scope: "private" | "public", data: readonly EcrAuthorizationData[]): Record<string, Uint8Array> {
  if (scope === "private" && data.length !== 1) throw providerError("unavailable", `unexpected number of authorization tokens. expected 1, found ${data.length}`);
  const d = data[0];
  const token = d?.authorizationToken ?? "";
  // Go's StdEncoding: padded standard alphabet only.
  if (token.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(token)) throw providerError("unavailable", "illegal base64 data in the authorization token");
  const parts = Buffer.from(token, "base64").toString("utf8").split(":");
  if (parts.length !== 2) throw providerError("unavailable", "unexpected token format");
  return {
    username: utf8(parts[0]!),
    password: utf8(parts[1]!),
    ...(scope === "private" ? { proxy_endpoint: utf8(d?.proxyEndpoint ?? "") } : {}),
    expires_at: utf8(unixSeconds(d?.expiresAt)),
  };
}

/** What STS's GetSessionToken returns. */
export interface StsSessionCredentials {
  readonly AccessKeyId?: string | undefined;
  readonly SecretAccessKey?: string | undefined;
  readonly SessionToken?: string | undefined;
  readonly Expiration?: Date | undefined;
}

/**
 * The keys of an STSSessionToken, as ESO v0.16.2 names them: `access_key_id`,
 * `secret_access_key`, `session_token`, `expiration` (Unix seconds). Pure.
 *
 * @throws `HUSH_ERR_PROVIDERS_UNAVAILABLE` when STS returned no credentials.
 */
export function stsSessionKeys(c: StsSessionCredentials | undefined): Record<string, Uint8Array> {
  if (!c?.AccessKeyId || !c.SecretAccessKey || c.SessionToken === undefined) throw providerError("unavailable", "no credentials found");
  return {
    access_key_id: utf8(c.AccessKeyId),
    expiration: utf8(unixSeconds(c.Expiration)),
    secret_access_key: utf8(c.SecretAccessKey),
    session_token: utf8(c.SessionToken),
  };
}

/** Builds the SDK clients of the AWS generators; tests swap these. */
export interface AwsGeneratorClientFactories {
  ecr(config: ECRClientConfig): ECRClient | Promise<ECRClient>;
  ecrPublic(config: ECRPUBLICClientConfig): ECRPUBLICClient | Promise<ECRPUBLICClient>;
  sts(config: STSClientConfig): STSClient;
}

const PROVIDER = "aws";
/** How long one generator call may take (credentials included) when the caller sets no signal. */
const CALL_TIMEOUT_MS = 30_000;

/**
 * Runs one ECRAuthorizationToken or STSSessionToken generator with the identity its spec
 * names, through the same credential chain as an AWS SecretStore in `ctx.namespace` (keys from
 * a Secret there, a ServiceAccount token there with IRSA's role annotation, `role` assumed on
 * top; the controller's own identity only where `ctx` allows it). One call, clients closed
 * after: a new token on every refresh, as ESO.
 *
 * @throws `HUSH_ERR_PROVIDERS_*`: the spec, the credentials or the call failed.
 */
export async function runAwsGenerator(
  kind: AwsGeneratorKind,
  spec: unknown,
  ctx: ProviderContext,
  factories: Partial<AwsGeneratorClientFactories> = {},
  callerSignal?: AbortSignal,
): Promise<Record<string, Uint8Array>> {
  const parsed = parseAwsGeneratorSpec(kind, spec);
  // Bounded: a slow or unreachable endpoint fails the refresh instead of holding a worker.
  const signal = callerSignal ?? AbortSignal.timeout(CALL_TIMEOUT_MS);
  const sts = factories.sts ?? ((c: STSClientConfig) => new STSClient(c));
  const session = awsSession(parsed.config, ctx, sts, PROVIDER);
  const closers: (() => void)[] = [() => session.close()];
  const map = (what: string, service: string) => (err: unknown) => (isHushError(err) ? err : mapAwsError(err, what, signal, service));
  try {
    // As ESO builds its session first: credentials (Secret keys, web identity, role) resolve
    // before the call, so a refused or missing credential fails without reaching the service.
    await session.validate(parsed.kind === "STSSessionToken" ? "aws sts" : "aws ecr", signal);
    if (parsed.kind === "STSSessionToken") {
      const endpoint = ctx.clients?.aws?.stsEndpoint ?? ctx.clients?.aws?.endpoint;
      const client = sts(session.clientConfig(endpoint));
      closers.push(() => client.destroy());
      const rp = parsed.requestParameters;
      const out = await observed(ctx, PROVIDER, "GetSessionToken", () =>
        client.send(new GetSessionTokenCommand({
          ...(rp?.sessionDuration !== undefined ? { DurationSeconds: rp.sessionDuration } : {}),
          ...(rp?.serialNumber !== undefined ? { SerialNumber: rp.serialNumber } : {}),
          ...(rp?.tokenCode !== undefined ? { TokenCode: rp.tokenCode } : {}),
        }), { abortSignal: signal }),
        map("get session token", "aws sts"),
      );
      return stsSessionKeys(out.Credentials);
    }
    const endpoint = ctx.clients?.aws?.endpoint;
    if (parsed.scope === "public") {
      const sdk = await import("@aws-sdk/client-ecr-public");
      const client = await (factories.ecrPublic ?? ((c: ECRPUBLICClientConfig) => new sdk.ECRPUBLICClient(c)))(session.clientConfig(endpoint));
      closers.push(() => client.destroy());
      const out = await observed(ctx, PROVIDER, "GetAuthorizationToken", () => client.send(new sdk.GetAuthorizationTokenCommand({}), { abortSignal: signal }), map("get public authorization token", "aws ecr-public"));
      return ecrTokenKeys("public", out.authorizationData ? [out.authorizationData] : []);
    }
    const sdk = await import("@aws-sdk/client-ecr");
    const client = await (factories.ecr ?? ((c: ECRClientConfig) => new sdk.ECRClient(c)))(session.clientConfig(endpoint));
    closers.push(() => client.destroy());
    const out = await observed(ctx, PROVIDER, "GetAuthorizationToken", () => client.send(new sdk.GetAuthorizationTokenCommand({}), { abortSignal: signal }), map("get authorization token", "aws ecr"));
    return ecrTokenKeys("private", out.authorizationData ?? []);
  } finally {
    for (const close of closers) close();
  }
}
