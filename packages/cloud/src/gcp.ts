/**
 * `@hush/cloud/gcp`: the one Google Cloud client setup (endpoint, transport, credentials) and
 * error classifier, shared by the sops Cloud KMS key provider and the Secret Manager secret
 * provider. google-auth-library and gRPC are imported on first use only.
 */
export { exchangeGcpWorkloadIdentity, type GcpAccessToken, type GcpWorkloadIdentityRequest } from "./gcp-sts.js";
import { CloudError, isAbort, isCloudError, networkCode, networkKind, summarizeError, type CloudFailure, type CloudFailureKind } from "./failure.js";

const SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];

/** How to reach a Google Cloud API and authenticate. Nothing is read from the environment. */
export interface GcpClientSetup {
  /** `rest` (HTTP/1.1 JSON, no gRPC runtime) or `grpc` (the SDK default). */
  readonly transport?: "rest" | "grpc";
  /**
   * `host`, `host:port`, or a URL (`http://127.0.0.1:8080` selects plain HTTP, for a local
   * fake). Unset: the SDK's default endpoint.
   */
  readonly endpoint?: string;
  /** Port for `endpoint` when it names none. */
  readonly port?: number;
  /** gRPC without TLS (local emulators only). */
  readonly insecure?: boolean;
  readonly universeDomain?: string;
  readonly projectId?: string;
  /** A bearer token used as is (sops's `GOOGLE_OAUTH_ACCESS_TOKEN`). Forces the REST transport. */
  readonly accessToken?: string;
  /**
   * A Google credentials JSON document (service account key, authorized user, …). Unset (and
   * no `accessToken`): Application Default Credentials, the host's own identity.
   */
  readonly credentialsJson?: string;
  /** Accept only `type: service_account` in `credentialsJson`. */
  readonly serviceAccountOnly?: boolean;
  /**
   * Fetches a bearer token before each call (workload identity: the caller caches and renews).
   * With gRPC it becomes call credentials on a TLS channel, which is why `insecure` is refused.
   */
  readonly tokenSource?: () => Promise<string>;
  /** PEM roots to trust instead of the system ones (a local TLS fake). gRPC only. */
  readonly caPem?: string;
}

/**
 * Client options for a google-gax client (`KeyManagementServiceClient`,
 * `SecretManagerServiceClient`). Credentials become an explicit auth client, never the
 * deprecated `credentials` option (which warns on stderr).
 *
 * @throws {@link CloudError} `no-credentials` when `credentialsJson` is not a usable credentials
 *   document (its text is never quoted).
 */
export async function gcpClientOptions(setup: GcpClientSetup): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (setup.transport) out["fallback"] = setup.transport === "rest";
  if (setup.projectId) out["projectId"] = setup.projectId;
  if (setup.endpoint) {
    const m = /^(https?):\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(setup.endpoint);
    if (m) {
      out["protocol"] = m[1];
      out["apiEndpoint"] = m[2];
      out["port"] = m[3] ? Number(m[3]) : m[1] === "http" ? 80 : 443;
    } else {
      out["apiEndpoint"] = setup.endpoint;
    }
  }
  if (setup.port) out["port"] = setup.port;
  if (setup.insecure) {
    const { credentials } = await import("@grpc/grpc-js");
    out["sslCreds"] = credentials.createInsecure();
  }
  if (setup.universeDomain) out["universeDomain"] = setup.universeDomain;
  if (setup.tokenSource) {
    if (setup.insecure) throw new CloudError("no-credentials", "a token source needs a TLS channel (gRPC refuses call credentials in plain text)");
    const source = setup.tokenSource;
    // gax asks its own GoogleAuth for the universe domain, which probes the GCE metadata server
    // unless the domain is given: the token source is the only credential here.
    out["clientOptions"] = { universeDomain: setup.universeDomain ?? "googleapis.com" };
    if (setup.transport === "rest") {
      out["authClient"] = bearerClient(source);
    } else {
      // gax uses `sslCreds` as the whole channel credential, so the token rides on it as call credentials.
      const grpc = await import("@grpc/grpc-js");
      const call = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
        source().then(
          (token) => {
            const md = new grpc.Metadata();
            md.set("authorization", `Bearer ${token}`);
            callback(null, md);
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error("token source failed")),
        );
      });
      const ssl = grpc.credentials.createSsl(setup.caPem ? Buffer.from(setup.caPem) : null);
      out["sslCreds"] = grpc.credentials.combineChannelCredentials(ssl, call);
    }
  } else if (setup.accessToken) {
    out["fallback"] = true; // a static token works with the REST transport's authClient.fetch only
    const token = setup.accessToken;
    out["authClient"] = bearerClient(async () => token);
  } else if (setup.credentialsJson !== undefined) {
    out["authClient"] = await authClientFromJson(setup.credentialsJson, setup.serviceAccountOnly === true);
  }
  return out;
}

/** The REST transport calls `authClient.fetch(url, init)` (google-auth-library's shape). */
function bearerClient(token: () => Promise<string>): Record<string, unknown> {
  type FetchInit = NonNullable<Parameters<typeof fetch>[1]>;
  const authorize = async (headers?: FetchInit["headers"]): Promise<Headers> => {
    const h = new Headers(headers);
    h.set("Authorization", `Bearer ${await token()}`);
    return h;
  };
  return {
    getRequestHeaders: async () => authorize(),
    fetch: async (url: string, init: { method?: string; headers?: FetchInit["headers"]; body?: FetchInit["body"]; signal?: AbortSignal }) =>
      fetch(url, {
        method: init.method ?? "POST",
        headers: await authorize(init.headers),
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      }),
  };
}

async function authClientFromJson(json: string, serviceAccountOnly: boolean): Promise<unknown> {
  let doc: Record<string, unknown>;
  try {
    const parsed = JSON.parse(json) as unknown;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    doc = parsed as Record<string, unknown>;
  } catch {
    throw new CloudError("no-credentials", "the credentials are not valid JSON");
  }
  const type = doc["type"];
  const str = (k: string): string | undefined => (typeof doc[k] === "string" && doc[k] !== "" ? (doc[k] as string) : undefined);
  const gal = await import("google-auth-library");
  if (type === "service_account") {
    const email = str("client_email");
    const key = str("private_key");
    if (!email || !key) throw new CloudError("no-credentials", "service-account key without client_email or private_key");
    return new gal.JWT({ email, key, scopes: SCOPES, ...(str("private_key_id") ? { keyId: str("private_key_id") as string } : {}) });
  }
  if (serviceAccountOnly) throw new CloudError("no-credentials", "not a service-account key (type service_account)");
  if (type === "authorized_user") {
    const clientId = str("client_id");
    const clientSecret = str("client_secret");
    const refreshToken = str("refresh_token");
    if (!clientId || !clientSecret || !refreshToken) throw new CloudError("no-credentials", "authorized_user credentials are incomplete");
    return new gal.UserRefreshClient({ clientId, clientSecret, refreshToken });
  }
  if (typeof type !== "string" || !/^[a-z_]{1,40}$/.test(type)) throw new CloudError("no-credentials", "the credentials have no known type");
  // Other types (external_account, impersonated_service_account): google-auth-library's loader.
  return new gal.GoogleAuth({ credentials: doc as never, scopes: SCOPES });
}

/** gRPC status codes (google.rpc.Code) by number. */
const GRPC: Record<number, string> = {
  1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
  6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
  10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE",
  15: "DATA_LOSS", 16: "UNAUTHENTICATED",
};

/**
 * Maps a gRPC status code to a kind. FAILED_PRECONDITION is what Cloud KMS and Secret Manager
 * answer for a disabled or destroyed key or version: gone, so not-found.
 */
export function grpcCodeKind(code: number): CloudFailureKind {
  switch (code) {
    case 5:
    case 9:
      return "not-found";
    case 7:
    case 16:
      return "access-denied";
    case 8:
      return "throttled";
    case 3:
    case 11:
    case 12:
      return "invalid-request";
    case 4:
    case 14:
      return "unreachable";
    default:
      return "server-error";
  }
}

/**
 * Classifies anything a google-gax call (gRPC or REST) threw; the `cause` is a summary (name,
 * code). google-auth-library failures (no Application Default Credentials, a bad key) surface
 * before any RPC and are `no-credentials`.
 */
export function classifyGcpError(err: unknown, signal?: AbortSignal): CloudFailure {
  if (isCloudError(err)) return { kind: err.kind, label: err.label, cause: err };
  const cause = summarizeError(err);
  if (isAbort(err, signal)) return { kind: "aborted", label: "", cause };
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "number" && GRPC[code]) return { kind: grpcCodeKind(code), label: GRPC[code], cause };
  const net = networkCode(err);
  if (net) return { kind: networkKind(net), label: net, cause };
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof message === "string" && /credential|private key|invalid_grant|unauthorized_client|invalid_client/i.test(message.slice(0, 500))) {
    return { kind: "no-credentials", label: "", cause };
  }
  if (err instanceof TypeError || err instanceof RangeError) return { kind: "internal", label: "", cause };
  return { kind: "unknown", label: "", cause };
}
