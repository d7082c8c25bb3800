import type { HushError } from "@hush/errors";
import type { DeleteOutcome, PushOwner, PushOutcome, PushRef, PushRequest } from "./push.js";

/**
 * Where one value lives in a provider: ESO's `remoteRef` (ExternalSecret `data[].remoteRef`,
 * `dataFrom[].extract`).
 */
export interface RemoteRef {
  /** The provider's secret name/path: AWS secret id or ARN, Vault path, GCP secret id. */
  key: string;
  /**
   * A property of a JSON secret (AWS/GCP: a top-level key or a dotted path; Vault: a key of the
   * KV data). Unset: the whole value.
   */
  property?: string;
  /**
   * AWS: a VersionId, or `AWSCURRENT`/`AWSPREVIOUS`/any stage (a `uuid/` prefix forces VersionId);
   * AWS Parameter Store: a version number or label (read as `key:version`);
   * Vault KV v2: a version number; GCP: a version number or `latest` (the default).
   */
  version?: string;
  /** `Fetch` reads the secret's metadata (tags/labels/custom metadata) instead of its value. */
  metadataPolicy?: "None" | "Fetch";
}

/** ESO's `dataFrom[].find`. At least one of `name`, `tags` must be set. */
export interface FindSpec {
  /** Secrets whose name matches this (JavaScript) regular expression. */
  name?: { regexp: string };
  /** Secrets carrying every one of these tags (AWS tags, GCP labels, Vault custom metadata). */
  tags?: Record<string, string>;
  /** Limits the search to names under this prefix/path (Vault: a KV folder). */
  path?: string;
}

/** The outcome of one read in a {@link SecretProvider.getSecrets} batch. */
export type BatchResult =
  | { readonly ok: true; readonly value: Uint8Array }
  | { readonly ok: false; readonly error: HushError };

/**
 * One secret backend behind one interface. Instances cache auth (tokens, clients) and are
 * meant to be reused across reconciles; call {@link SecretProvider.close} when the store goes away.
 *
 * Every method throws only `HushError` with a `HUSH_ERR_PROVIDERS_*` code (see
 * {@link providerErrorKind}); messages name the key, never a value.
 */
export interface SecretProvider {
  /** The provider kind, e.g. `"aws"`, `"vault"`, `"gcpsm"` (for metrics labels). */
  readonly kind: string;
  /** One value (a property of a JSON secret when `property` is set). */
  getSecret(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Many values in as few provider calls as possible (AWS: `BatchGetSecretValue`), results in
   * the order of `refs`. Never throws for one bad ref: that ref's slot holds its error. The
   * controller de-duplicates refs with {@link refKey} before calling. Always present: providers
   * without a batch API read one by one.
   */
  getSecrets(refs: readonly RemoteRef[], signal?: AbortSignal): Promise<BatchResult[]>;
  /** A JSON (or KV) secret expanded into keys (dataFrom.extract). */
  getSecretMap(ref: RemoteRef, signal?: AbortSignal): Promise<Record<string, Uint8Array>>;
  /** dataFrom.find: secrets by name regexp / tags, keyed by secret name. */
  findSecrets(find: FindSpec, signal?: AbortSignal): Promise<Record<string, Uint8Array>>;
  /** Checks credentials/reachability for SecretStore status (Valid/Invalid). */
  validate(signal?: AbortSignal): Promise<void>;
  /**
   * PushSecret: writes one value, creating the remote secret (marked as managed, owned by
   * `req.owner`) or updating one `req.owner` owns; throws `HUSH_ERR_PROVIDERS_NOT_MANAGED` for
   * any other existing secret. Absent on providers that cannot be written yet.
   */
  pushSecret?(req: PushRequest, signal?: AbortSignal): Promise<PushOutcome>;
  /** PushSecret `deletionPolicy: Delete`: removes what was pushed to `ref`, only if `owner` owns it. */
  deleteSecret?(ref: PushRef, owner: PushOwner, signal?: AbortSignal): Promise<DeleteOutcome>;
  /** PushSecret `updatePolicy: IfNotExists`: whether the remote secret exists. */
  secretExists?(ref: PushRef, signal?: AbortSignal): Promise<boolean>;
  /**
   * Vault only (ESO's VaultDynamicSecret generator): one request to any path with the store's
   * auth. `GET` (default) reads, `LIST` lists, `DELETE` deletes, any other method writes
   * `parameters` as the JSON body. Resolves to the parsed response body, `null` for an empty
   * answer (204, or 404 on a read).
   */
  vaultRequest?(req: VaultRequest, signal?: AbortSignal): Promise<unknown>;
  /** Releases clients and stops token renewal. Idempotent. */
  close(): Promise<void>;
}

/** A request of {@link SecretProvider.vaultRequest}. */
export interface VaultRequest {
  /** `GET` (also when empty), `LIST`, `DELETE`, or a write (`POST`, `PUT`, ...). */
  readonly method?: string;
  /** The path after `/v1/`, e.g. `database/creds/app` or `pki/issue/web`. */
  readonly path: string;
  /** The JSON body of a write. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** What a provider may ask of its host (the controller, or a test). */
export interface ProviderContext {
  /** The store's namespace, for namespaced credential Secret refs (ClusterSecretStore: refs carry their own). */
  namespace: string;
  /**
   * The kind of store this provider serves. On a `SecretStore`, credential refs may not name
   * another namespace; on a `ClusterSecretStore` they may (and default to `namespace`).
   * Unset: treated like `SecretStore`, the stricter of the two.
   */
  storeKind?: "SecretStore" | "ClusterSecretStore";
  /**
   * Whether a namespaced `SecretStore` without `auth` may use the host's own identity (the
   * controller's AWS credentials chain: environment, IRSA, instance role; GCP Application
   * Default Credentials). Default `false`: whoever may create a SecretStore in a namespace
   * would otherwise act as the controller. A `ClusterSecretStore`, which only cluster admins
   * create, always may.
   */
  allowAmbientCredentials?: boolean;
  /** Reads one key of a Kubernetes Secret, on demand (credentials are never cached beyond use). */
  readSecret(ns: string, name: string, key: string): Promise<Uint8Array>;
  /** Injected clock, epoch milliseconds (token renewal). */
  now(): number;
  /** Vault kubernetes auth / AWS web identity: a projected ServiceAccount token (TokenRequest). */
  serviceAccountToken?(ns: string, sa: string, audiences: string[]): Promise<string>;
  /**
   * The annotations of a ServiceAccount (AWS web identity reads `eks.amazonaws.com/role-arn` and
   * `eks.amazonaws.com/audience` from it, as ESO does). Rejects when it does not exist.
   */
  serviceAccountAnnotations?(ns: string, sa: string): Promise<Record<string, string>>;
  /** Reads one key of a ConfigMap's `data` (Vault `caProvider` of type ConfigMap). */
  readConfigMap?(ns: string, name: string, key: string): Promise<string>;
  /**
   * The host's own ServiceAccount token (the controller pod's mounted token), for Vault
   * kubernetes auth without `serviceAccountRef`/`secretRef`. An ambient credential: served to
   * ClusterSecretStores, and to namespaced stores only with {@link allowAmbientCredentials}.
   */
  ownServiceAccountToken?(): Promise<string>;
  /** The store's `spec.retrySettings` (`{maxRetries, retryInterval}`), when set. AWS uses `maxRetries`. */
  retrySettings?: unknown;
  /**
   * Called after every provider API call (for `provider calls by provider/operation/result`
   * metrics, and for tests counting calls). Never receives keys or values.
   */
  observe?(call: ProviderCall): void;
  /**
   * Endpoint/credential overrides, for tests and air-gapped setups: the SDK clients come from
   * these factories. Production leaves them unset.
   */
  clients?: ClientOverrides;
}

/** One provider API call, as reported to {@link ProviderContext.observe}. */
export interface ProviderCall {
  /** `"aws"`, `"vault"` or `"gcpsm"`. */
  provider: string;
  /** The API operation, e.g. `GetSecretValue`, `BatchGetSecretValue`, `kv-read`, `login`, `AccessSecretVersion`. */
  operation: string;
  /** `"ok"`, or the normalised error kind. */
  result: "ok" | ProviderErrorKind;
  /** Wall time of the call in milliseconds, measured with `ProviderContext.now`. */
  durationMs: number;
}

/** Optional per-provider endpoint overrides (tests point these at moto, Vault, the GCP fake). */
export interface ClientOverrides {
  /**
   * AWS endpoint URLs: `endpoint` for Secrets Manager, Parameter Store (SSM) and ECR (the
   * ECRAuthorizationToken generator), `stsEndpoint` for STS (default `endpoint`); moto serves
   * them all on one port.
   */
  aws?: { endpoint?: string; stsEndpoint?: string };
  /**
   * GCP Secret Manager `apiEndpoint`/`port`, plain-text gRPC when `insecure`; `caPem` trusts a
   * local TLS fake. Workload identity: `stsEndpoint` (default `https://sts.googleapis.com`) and
   * `iamCredentialsEndpoint` (default `https://iamcredentials.googleapis.com`), base URLs.
   */
  gcpsm?: { apiEndpoint?: string; port?: number; insecure?: boolean; caPem?: string; stsEndpoint?: string; iamCredentialsEndpoint?: string };
}

/** Builds a provider from a SecretStore `spec.provider` block (ESO field names). */
export type ProviderFactory = (spec: unknown, ctx: ProviderContext) => Promise<SecretProvider>;

/** The normalised failure kinds every provider maps its SDK errors to. */
export type ProviderErrorKind =
  | "not-found"
  | "access-denied"
  | "throttled"
  | "unavailable"
  | "invalid-config"
  | "checksum-mismatch"
  | "internal";

const KIND_BY_CODE: Record<string, ProviderErrorKind> = {
  HUSH_ERR_PROVIDERS_NOT_FOUND: "not-found",
  HUSH_ERR_PROVIDERS_ACCESS_DENIED: "access-denied",
  HUSH_ERR_PROVIDERS_THROTTLED: "throttled",
  HUSH_ERR_PROVIDERS_UNAVAILABLE: "unavailable",
  HUSH_ERR_PROVIDERS_INVALID_CONFIG: "invalid-config",
  HUSH_ERR_PROVIDERS_CHECKSUM_MISMATCH: "checksum-mismatch",
};

/**
 * The normalised kind of an error thrown by a provider; `"internal"` for anything else.
 * `throttled`, `unavailable` and `checksum-mismatch` are worth retrying with backoff.
 */
export function providerErrorKind(err: unknown): ProviderErrorKind {
  const code = (err as { code?: unknown } | null)?.code;
  return (typeof code === "string" && KIND_BY_CODE[code]) || "internal";
}

/** True for kinds worth retrying soon (throttled, unavailable, checksum-mismatch). */
export function isRetryable(err: unknown): boolean {
  const kind = providerErrorKind(err);
  return kind === "throttled" || kind === "unavailable" || kind === "checksum-mismatch";
}

/** A stable identity for a ref, for de-duplicating identical reads within a refresh window. */
export function refKey(ref: RemoteRef): string {
  return JSON.stringify([ref.key, ref.property ?? "", ref.version ?? "", ref.metadataPolicy ?? "None"]);
}
