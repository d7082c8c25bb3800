import { providerError } from "./provider-error.js";
import {
  asObject,
  optionalObject,
  optionalSecretRef,
  optionalServiceAccountRef,
  optionalString,
  optionalStrings,
  requiredSecretRef,
  requiredString,
  type SecretKeySelector,
  type ServiceAccountSelector,
} from "./spec.js";

/** How the AWS provider gets its base credentials. */
export type AwsAuth =
  | {
      kind: "secretRef";
      accessKeyId: SecretKeySelector;
      secretAccessKey: SecretKeySelector;
      sessionToken?: SecretKeySelector;
    }
  | { kind: "jwt"; serviceAccount: ServiceAccountSelector }
  | { kind: "ambient" };

/** The AWS services a store may read from (ESO's `spec.provider.aws.service`). */
export type AwsService = "SecretsManager" | "ParameterStore";

/** A parsed `spec.provider.aws` block. */
export interface AwsConfig {
  /** Which service the store reads (default `SecretsManager`). */
  service: AwsService;
  region: string;
  auth: AwsAuth;
  /** AssumeRole ARN (with `jwt` auth: the role assumed with the web identity token). */
  role?: string;
  /** Roles assumed in order after `role` (role chaining). */
  additionalRoles: string[];
  externalID?: string;
  /** Prepended to every remote key. */
  prefix: string;
  /** SDK attempts per call (`retrySettings.maxRetries + 1`). */
  maxAttempts?: number;
  /**
   * Where the block sits, for messages (`spec.provider.aws` when unset; a generator's `spec`).
   */
  field?: string;
}

const FIELD = "spec.provider.aws";

/**
 * Parses ESO's `spec.provider.aws` (service `SecretsManager` or `ParameterStore`).
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` naming the offending field.
 */
export function parseAwsConfig(spec: unknown, retrySettings?: unknown): AwsConfig {
  const obj = asObject(spec, FIELD);
  const service = optionalString(obj, "service", FIELD) ?? "SecretsManager";
  if (service !== "SecretsManager" && service !== "ParameterStore") {
    throw providerError("invalid-config", `${FIELD}.service: must be SecretsManager or ParameterStore`);
  }
  const region = requiredString(obj, "region", FIELD);
  if (!/^[a-z0-9-]{1,40}$/.test(region)) throw providerError("invalid-config", `${FIELD}.region is not a region name`);
  const authObj = optionalObject(obj, "auth", FIELD);
  let auth: AwsAuth = { kind: "ambient" };
  if (authObj) {
    const secretRef = optionalObject(authObj, "secretRef", `${FIELD}.auth`);
    const jwt = optionalObject(authObj, "jwt", `${FIELD}.auth`);
    if (secretRef && jwt) throw providerError("invalid-config", `${FIELD}.auth must set only one of secretRef, jwt`);
    if (secretRef) {
      const f = `${FIELD}.auth.secretRef`;
      const sessionToken = optionalSecretRef(secretRef, "sessionTokenSecretRef", f);
      auth = {
        kind: "secretRef",
        accessKeyId: requiredSecretRef(secretRef, "accessKeyIDSecretRef", f),
        secretAccessKey: requiredSecretRef(secretRef, "secretAccessKeySecretRef", f),
        ...(sessionToken ? { sessionToken } : {}),
      };
    } else if (jwt) {
      const sa = optionalServiceAccountRef(jwt, "serviceAccountRef", `${FIELD}.auth.jwt`);
      if (!sa) throw providerError("invalid-config", `${FIELD}.auth.jwt.serviceAccountRef is required`);
      auth = { kind: "jwt", serviceAccount: sa };
    } else if (Object.keys(authObj).length > 0) {
      throw providerError("invalid-config", `${FIELD}.auth: supported methods are secretRef and jwt`);
    }
  }
  // With auth.jwt and no role, the role comes from the ServiceAccount's
  // eks.amazonaws.com/role-arn annotation when the provider first needs credentials (as ESO).
  const role = optionalString(obj, "role", FIELD);
  for (const r of [role, ...(optionalStrings(obj, "additionalRoles", FIELD) ?? [])]) {
    if (r !== undefined && !isRoleArn(r)) {
      throw providerError("invalid-config", `${FIELD}: role must be an IAM role ARN`);
    }
  }
  const externalID = optionalString(obj, "externalID", FIELD);
  const prefix = optionalString(obj, "prefix", FIELD) ?? "";
  let maxAttempts: number | undefined;
  if (retrySettings !== undefined && retrySettings !== null) {
    const rs = asObject(retrySettings, "spec.retrySettings");
    const max = rs["maxRetries"];
    if (max !== undefined) {
      if (typeof max !== "number" || !Number.isInteger(max) || max < 0 || max > 20) {
        throw providerError("invalid-config", "spec.retrySettings.maxRetries must be an integer 0..20");
      }
      maxAttempts = max + 1;
    }
  }
  return {
    service,
    region,
    auth,
    ...(role ? { role } : {}),
    additionalRoles: optionalStrings(obj, "additionalRoles", FIELD) ?? [],
    ...(externalID ? { externalID } : {}),
    prefix,
    ...(maxAttempts ? { maxAttempts } : {}),
  };
}

/**
 * True for an IAM role ARN (`arn:<aws partition>:iam::<12 digits>:role/<path and name>`). A
 * hand-written scanner: the value may come from a tenant's ServiceAccount annotation.
 */
export function isRoleArn(value: string): boolean {
  if (!value.startsWith("arn:aws")) return false;
  let i = "arn:aws".length;
  while (i < value.length && ((value[i]! >= "a" && value[i]! <= "z") || value[i] === "-")) i++;
  if (!value.startsWith(":iam::", i)) return false;
  i += ":iam::".length;
  for (let d = 0; d < 12; d++, i++) if (!(value[i]! >= "0" && value[i]! <= "9")) return false;
  if (!value.startsWith(":role/", i)) return false;
  const name = value.slice(i + ":role/".length);
  if (name.length < 1 || name.length > 512) return false;
  for (const c of name) {
    const ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || "_+=,.@/-".includes(c);
    if (!ok) return false;
  }
  return true;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `remoteRef.version` → GetSecretValue selector. Unset → `AWSCURRENT`; `uuid/<id>` (ESO's
 * convention) or a bare UUID → `VersionId`; anything else is a stage (`AWSPREVIOUS`, custom).
 */
export function awsVersionSelector(version: string | undefined): { VersionId: string } | { VersionStage: string } {
  if (version === undefined || version === "") return { VersionStage: "AWSCURRENT" };
  if (version.startsWith("uuid/")) return { VersionId: version.slice(5) };
  if (UUID.test(version)) return { VersionId: version };
  return { VersionStage: version };
}

/** True when a ref can be served by `BatchGetSecretValue` (which returns only AWSCURRENT). */
export function isBatchable(ref: { version?: string; metadataPolicy?: string }): boolean {
  return (ref.metadataPolicy ?? "None") === "None" && (ref.version === undefined || ref.version === "" || ref.version === "AWSCURRENT");
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
