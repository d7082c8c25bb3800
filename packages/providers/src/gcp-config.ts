import { describeKey, providerError } from "./provider-error.js";
import {
  asObject,
  optionalObject,
  optionalServiceAccountRef,
  optionalString,
  requiredSecretRef,
  requiredString,
  type SecretKeySelector,
  type ServiceAccountSelector,
} from "./spec.js";

/** `spec.provider.gcpsm.auth.workloadIdentity`: the GKE cluster whose identity pool federates the ServiceAccount. */
export interface GcpWorkloadIdentityConfig {
  clusterLocation: string;
  clusterName: string;
  clusterProjectID: string;
  serviceAccountRef: ServiceAccountSelector;
}

/** A parsed `spec.provider.gcpsm` block. */
export interface GcpConfig {
  projectID: string;
  /** Regional secrets: `secretmanager.<location>.rep.googleapis.com`, names with `locations/<l>`. */
  location?: string;
  /** `LatestOrFail` (default) or `LatestOrFetch` (fall back to the newest ENABLED version). */
  versionPolicy: "LatestOrFail" | "LatestOrFetch";
  /** Service-account JSON key from a Secret; unset: Application Default Credentials. */
  keySecretRef?: SecretKeySelector;
  /** GKE workload identity: a ServiceAccount token exchanged at Google STS. */
  workloadIdentity?: GcpWorkloadIdentityConfig;
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
  let workloadIdentity: GcpWorkloadIdentityConfig | undefined;
  const auth = optionalObject(obj, "auth", FIELD);
  if (auth) {
    const secretRef = optionalObject(auth, "secretRef", `${FIELD}.auth`);
    const wi = optionalObject(auth, "workloadIdentity", `${FIELD}.auth`);
    // ESO tries secretRef first and ignores workloadIdentity then; hush says so instead.
    if (secretRef && wi) throw providerError("invalid-config", `${FIELD}.auth: set secretRef or workloadIdentity, not both`);
    if (secretRef) keySecretRef = requiredSecretRef(secretRef, "secretAccessKeySecretRef", `${FIELD}.auth.secretRef`);
    else if (wi) workloadIdentity = parseWorkloadIdentity(wi);
    else if (Object.keys(auth).length > 0) {
      throw providerError("invalid-config", `${FIELD}.auth: only secretRef or workloadIdentity is supported (omit auth for ambient credentials)`);
    }
  }
  return {
    projectID,
    ...(location ? { location } : {}),
    versionPolicy: policy,
    ...(keySecretRef ? { keySecretRef } : {}),
    ...(workloadIdentity ? { workloadIdentity } : {}),
  };
}

const WI = `${FIELD}.auth.workloadIdentity`;

/**
 * The three cluster fields are required: ESO falls back to the GCE metadata server for them,
 * hush never queries it (the controller may not run on GKE at all).
 */
function parseWorkloadIdentity(wi: Record<string, unknown>): GcpWorkloadIdentityConfig {
  const clusterProjectID = requiredString(wi, "clusterProjectID", WI);
  if (!/^[a-z0-9.:-]{1,100}$/.test(clusterProjectID)) throw providerError("invalid-config", `${WI}.clusterProjectID is not a project id`);
  const clusterLocation = requiredString(wi, "clusterLocation", WI);
  if (!/^[a-z0-9-]{1,63}$/.test(clusterLocation)) throw providerError("invalid-config", `${WI}.clusterLocation is not a location name`);
  const clusterName = requiredString(wi, "clusterName", WI);
  if (!/^[a-z0-9-]{1,63}$/.test(clusterName)) throw providerError("invalid-config", `${WI}.clusterName is not a cluster name`);
  const serviceAccountRef = optionalServiceAccountRef(wi, "serviceAccountRef", WI);
  if (!serviceAccountRef) throw providerError("invalid-config", `${WI}.serviceAccountRef is required`);
  return { clusterLocation, clusterName, clusterProjectID, serviceAccountRef };
}

/** The workload identity pool and provider of a cluster, as GKE names them. */
export function gcpIdentityPool(wi: GcpWorkloadIdentityConfig): { pool: string; provider: string } {
  return {
    pool: `${wi.clusterProjectID}.svc.id.goog`,
    provider: `https://container.googleapis.com/v1/projects/${wi.clusterProjectID}/locations/${wi.clusterLocation}/clusters/${wi.clusterName}`,
  };
}

/** The ServiceAccount annotation naming the Google service account to impersonate (GKE's). */
export const GCP_SA_ANNOTATION = "iam.gke.io/gcp-service-account";

/**
 * Checks a Google service-account email from a tenant-controlled annotation, by hand (no
 * regexp): `local@domain`, local part 6-30 of `[a-z0-9-]`, domain labels of `[a-z0-9-]`, at
 * least two of them, 253 characters at most. Anything else (slashes, colons, `%`, spaces)
 * could change the `generateAccessToken` URL, so it is refused.
 */
export function isServiceAccountEmail(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const at = value.indexOf("@");
  if (at <= 0 || at !== value.lastIndexOf("@")) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length < 6 || local.length > 30) return false;
  const label = (s: string): boolean => {
    if (s.length === 0 || s.length > 63 || s.startsWith("-") || s.endsWith("-")) return false;
    for (const ch of s) {
      const ok = (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9") || ch === "-";
      if (!ok) return false;
    }
    return true;
  };
  if (!label(local)) return false;
  const parts = domain.split(".");
  return parts.length >= 2 && parts.every(label);
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
