/**
 * GKE workload identity without the GKE metadata server: a Kubernetes ServiceAccount token is
 * exchanged at Google's Security Token Service for a federated access token, which may then
 * impersonate a Google service account through IAM Credentials `generateAccessToken`. Plain
 * `fetch`, bounded in time and size; no token ever appears in an error.
 */
import { CloudError, isAbort, networkCode, networkKind, summarizeError, type CloudFailureKind } from "./failure.js";

const SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const MAX_BODY = 64 * 1024;
const TIMEOUT_MS = 15_000;

/** What {@link exchangeGcpWorkloadIdentity} needs. */
export interface GcpWorkloadIdentityRequest {
  /** The Kubernetes ServiceAccount token (a JWT the cluster issued). */
  readonly subjectToken: string;
  /** `<project>.svc.id.goog`. */
  readonly identityPool: string;
  /** `https://container.googleapis.com/v1/projects/<p>/locations/<l>/clusters/<c>`. */
  readonly identityProvider: string;
  /** The Google service account to impersonate; unset: the federated token is used as is. */
  readonly serviceAccountEmail?: string;
  /** Base URL of STS; default `https://sts.googleapis.com`. */
  readonly stsEndpoint?: string;
  /** Base URL of IAM Credentials; default `https://iamcredentials.googleapis.com`. */
  readonly iamCredentialsEndpoint?: string;
  /** Epoch milliseconds (expiry arithmetic). */
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

/** An access token and when it stops working (epoch milliseconds). */
export interface GcpAccessToken {
  readonly accessToken: string;
  readonly expiresAt: number;
}

/**
 * STS token exchange (RFC 8693 form fields, as Google documents `v1/token`) and, with a service
 * account, `generateAccessToken` with the federated token as Bearer.
 *
 * @throws {@link CloudError} classified (`access-denied` for 401/403, `invalid-request` for 400,
 *   `unreachable`, `server-error`, …); its label is a status, never a body.
 */
export async function exchangeGcpWorkloadIdentity(req: GcpWorkloadIdentityRequest): Promise<GcpAccessToken> {
  const sts = trimBase(req.stsEndpoint ?? "https://sts.googleapis.com");
  const form = new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    audience: `identitynamespace:${req.identityPool}:${req.identityProvider}`,
    scope: SCOPE,
    requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
    subject_token: req.subjectToken,
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
  });
  const start = req.now();
  const federated = await postJson(`${sts}/v1/token`, { "content-type": "application/x-www-form-urlencoded" }, form.toString(), "sts", req.signal);
  const fedToken = federated["access_token"];
  if (typeof fedToken !== "string" || fedToken === "") throw new CloudError("server-error", "sts: no access_token");
  const expiresIn = federated["expires_in"];
  const fedExpiry = start + (typeof expiresIn === "number" && expiresIn > 0 ? expiresIn : 600) * 1000;
  if (!req.serviceAccountEmail) return { accessToken: fedToken, expiresAt: fedExpiry };

  const iam = trimBase(req.iamCredentialsEndpoint ?? "https://iamcredentials.googleapis.com");
  const name = `projects/-/serviceAccounts/${encodeURIComponent(req.serviceAccountEmail)}`;
  const generated = await postJson(
    `${iam}/v1/${name}:generateAccessToken`,
    { "content-type": "application/json", authorization: `Bearer ${fedToken}` },
    JSON.stringify({ scope: [SCOPE] }),
    "iamcredentials",
    req.signal,
  );
  const accessToken = generated["accessToken"];
  if (typeof accessToken !== "string" || accessToken === "") throw new CloudError("server-error", "iamcredentials: no accessToken");
  const expireTime = typeof generated["expireTime"] === "string" ? Date.parse(generated["expireTime"]) : Number.NaN;
  return { accessToken, expiresAt: Number.isFinite(expireTime) ? expireTime : start + 3600_000 };
}

function trimBase(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}

function statusKind(status: number): CloudFailureKind {
  if (status === 401 || status === 403) return "access-denied";
  if (status === 404) return "not-found";
  if (status === 429) return "throttled";
  if (status >= 400 && status < 500) return "invalid-request";
  return "server-error";
}

async function postJson(url: string, headers: Record<string, string>, body: string, service: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers, body, signal: combined, redirect: "error" });
  } catch (err) {
    if (isAbort(err, signal)) throw new CloudError("aborted", service, { cause: summarizeError(err) });
    const net = networkCode(err) ?? networkCode((err as { cause?: unknown }).cause);
    throw new CloudError(net ? networkKind(net) : "unreachable", net ? `${service} ${net}` : service, { cause: summarizeError(err) });
  }
  const text = await boundedText(res, service);
  if (!res.ok) throw new CloudError(statusKind(res.status), `${service} http ${res.status}`, { status: res.status });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CloudError("server-error", `${service}: answer is not JSON`, { status: res.status });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CloudError("server-error", `${service}: answer is not an object`, { status: res.status });
  }
  return parsed as Record<string, unknown>;
}

async function boundedText(res: Response, service: string): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY) {
    await res.body?.cancel();
    throw new CloudError("server-error", `${service}: answer too large`, { status: res.status });
  }
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new CloudError("server-error", `${service}: answer too large`, { status: res.status });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
