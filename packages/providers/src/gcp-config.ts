import { describeKey, providerError } from "./provider-error.js";
import { asObject, optionalObject, optionalString, requiredSecretRef, requiredString, type SecretKeySelector } from "./spec.js";

/** A parsed `spec.provider.gcpsm` block. */
export interface GcpConfig {
  projectID: string;
  /** Regional secrets: `secretmanager.<location>.rep.googleapis.com`, names with `locations/<l>`. */
  location?: string;
  /** `LatestOrFail` (default) or `LatestOrFetch` (fall back to the newest ENABLED version). */
  versionPolicy: "LatestOrFail" | "LatestOrFetch";
  /** Service-account JSON key from a Secret; unset: Application Default Credentials. */
  keySecretRef?: SecretKeySelector;
}

const FIELD = "spec.provider.gcpsm";
const ID = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Parses ESO's `spec.provider.gcpsm` (service-account key or ambient credentials).
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` naming the offending field.
 */
export function parseGcpConfig(spec: unknown): GcpConfig {
  const obj = asObject(spec, FIELD);
  const projectID = requiredString(obj, "projectID", FIELD);
  if (!/^[a-z0-9.:-]{1,100}$/.test(projectID)) throw providerError("invalid-config", `${FIELD}.projectID is not a project id`);
  const location = optionalString(obj, "location", FIELD);
  if (location !== undefined && !/^[a-z0-9-]{1,40}$/.test(location)) {
    throw providerError("invalid-config", `${FIELD}.location is not a location name`);
  }
  const policy = optionalString(obj, "secretVersionSelectionPolicy", FIELD) ?? "LatestOrFail";
  if (policy !== "LatestOrFail" && policy !== "LatestOrFetch") {
    throw providerError("invalid-config", `${FIELD}.secretVersionSelectionPolicy must be LatestOrFail or LatestOrFetch`);
  }
  let keySecretRef: SecretKeySelector | undefined;
  const auth = optionalObject(obj, "auth", FIELD);
  if (auth) {
    const secretRef = optionalObject(auth, "secretRef", `${FIELD}.auth`);
    if (secretRef) keySecretRef = requiredSecretRef(secretRef, "secretAccessKeySecretRef", `${FIELD}.auth.secretRef`);
    else if (Object.keys(auth).length > 0) {
      throw providerError("invalid-config", `${FIELD}.auth: only secretRef is supported (omit auth for ambient credentials)`);
    }
  }
  return { projectID, ...(location ? { location } : {}), versionPolicy: policy, ...(keySecretRef ? { keySecretRef } : {}) };
}

/** `projects/<p>` or `projects/<p>/locations/<l>`. */
export function gcpParent(config: GcpConfig): string {
  return config.location ? `projects/${config.projectID}/locations/${config.location}` : `projects/${config.projectID}`;
}

/**
 * The secret resource name for a remote key: a secret id in the store's project, or an already
 * full `projects/.../secrets/<id>` name.
 */
export function gcpSecretName(config: GcpConfig, key: string): string {
  if (/^projects\/[a-z0-9.:-]+\/(locations\/[a-z0-9-]+\/)?secrets\/[A-Za-z0-9_-]{1,255}$/.test(key)) return key;
  if (!ID.test(key)) throw providerError("invalid-config", `gcp secret id ${describeKey(key)} is not valid`);
  return `${gcpParent(config)}/secrets/${key}`;
}

/** The version resource name; `latest` unless a version number or alias is given. */
export function gcpVersionName(config: GcpConfig, key: string, version?: string): string {
  const v = version === undefined || version === "" ? "latest" : version;
  if (!/^(latest|[1-9][0-9]{0,18}|[A-Za-z][A-Za-z0-9_-]{0,62})$/.test(v)) {
    throw providerError("invalid-config", `remoteRef.version ${describeKey(v)} is not a version number or alias`);
  }
  return `${gcpSecretName(config, key)}/versions/${v}`;
}

/** A service-account key's fields, checked; the key text itself is never put in an error. */
export function parseServiceAccountKey(json: string): { client_email: string; private_key: string; project_id?: string } {
  let key: unknown;
  try {
    key = JSON.parse(json);
  } catch {
    throw providerError("invalid-config", `${FIELD}.auth.secretRef: the service-account key is not JSON`);
  }
  const k = key as { type?: unknown; client_email?: unknown; private_key?: unknown; project_id?: unknown } | null;
  if (k?.type !== "service_account" || typeof k.client_email !== "string" || typeof k.private_key !== "string") {
    throw providerError("invalid-config", `${FIELD}.auth.secretRef: not a service-account key (type, client_email, private_key)`);
  }
  return {
    client_email: k.client_email,
    private_key: k.private_key,
    ...(typeof k.project_id === "string" ? { project_id: k.project_id } : {}),
  };
}

/** The CRC-32C a response declares, as a number; `undefined` when absent. gax may hand int64 as string, number or Long. */
export function declaredCrc32c(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = typeof value === "object" ? String(value as object) : String(value);
  if (!/^[0-9]{1,20}$/.test(text)) return Number.NaN;
  return Number(text);
}
