import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";

/** One accepted STS `v1/token` exchange. */
export interface StsExchange {
  /** The `subject_token` as received (a Kubernetes ServiceAccount JWT). */
  readonly subjectToken: string;
  /** Its payload, decoded (not verified: the fake is no kube-apiserver). */
  readonly subjectClaims: Record<string, unknown>;
  readonly audience: string;
  readonly scope: string;
  /** `form` (RFC 8693 fields) or `json` (the camelCase body of Google's REST reference). */
  readonly encoding: "form" | "json";
  /** The federated access token issued for it. */
  readonly issued: string;
}

/** One accepted IAM Credentials `generateAccessToken`. */
export interface GenerateAccessTokenCall {
  /** The Google service account from the resource name. */
  readonly serviceAccount: string;
  /** The Bearer token the call carried (a federated token this fake issued). */
  readonly bearer: string;
  readonly scope: readonly string[];
  /** The access token issued. */
  readonly issued: string;
}

/** A running fake of Google STS and IAM Credentials (one HTTP port serves both). */
export interface GcpTokenServiceFake {
  /** Base URL, `http://127.0.0.1:PORT`; use as both STS and IAM Credentials endpoint. */
  readonly endpoint: string;
  readonly exchanges: readonly StsExchange[];
  readonly generated: readonly GenerateAccessTokenCall[];
  /** Every request refused, with the reason (what a test asserts on when nothing syncs). */
  readonly refused: ReadonlyArray<{ readonly path: string; readonly status: number; readonly reason: string }>;
  /** True for an access token this fake issued from `generateAccessToken`. */
  isServiceAccountToken(token: string | undefined): boolean;
  /** True for a federated token this fake issued from STS. */
  isFederatedToken(token: string | undefined): boolean;
  /** `kind: "fake"`: no Google emulator for these two APIs exists; see docs/testing-peers.md. */
  readonly kind: "fake";
  stop(): Promise<void>;
}

/** Options of {@link startGcpTokenService}. */
export interface StartGcpTokenServiceOptions {
  /** The only STS `audience` accepted; default: any `identitynamespace:<pool>:<provider>`. */
  readonly audience?: string;
  /** Google service accounts `generateAccessToken` serves; default: any. Others get 403. */
  readonly serviceAccounts?: readonly string[];
  /** Lifetime of issued tokens in seconds; default 3600. */
  readonly lifetimeSeconds?: number;
}

const GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS = "urn:ietf:params:oauth:token-type:access_token";
const SUBJECT_TYPES = new Set(["urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token"]);
const MAX_BODY = 64 * 1024;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    reason: string,
  ) {
    super(reason);
  }
}

/** STS answers OAuth-style errors (`error`, `error_description`). */
const oauthError = (error: string, description: string, status = 400): Refusal =>
  new Refusal(status, { error, error_description: description }, description);
/** IAM Credentials answers Google API errors (`error.code/message/status`). */
const apiError = (code: number, statusName: string, message: string): Refusal =>
  new Refusal(code, { error: { code, message, status: statusName } }, message);

function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => p === "")) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as unknown;
    return payload !== null && typeof payload === "object" && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw oauthError("invalid_request", "request body too large", 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Starts an in-process HTTP fake of the two Google REST endpoints GKE workload identity uses
 * without the metadata server: STS `POST /v1/token` (token exchange, as
 * https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token documents it: form or
 * JSON body, grant and token types, `identitynamespace:` audience) and IAM Credentials
 * `POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken` (JSON `scope`, Bearer = an
 * STS token this fake issued). It validates each request's shape, records it and issues opaque
 * random tokens.
 */
export async function startGcpTokenService(options: StartGcpTokenServiceOptions = {}): Promise<GcpTokenServiceFake> {
  const lifetime = options.lifetimeSeconds ?? 3600;
  const exchanges: StsExchange[] = [];
  const generated: GenerateAccessTokenCall[] = [];
  const refused: Array<{ path: string; status: number; reason: string }> = [];
  const federated = new Set<string>();
  const saTokens = new Set<string>();

  const sts = (contentType: string, body: string): Record<string, unknown> => {
    let fields: Record<string, string>;
    let encoding: "form" | "json";
    if (contentType.startsWith("application/x-www-form-urlencoded")) {
      encoding = "form";
      fields = Object.fromEntries(new URLSearchParams(body));
    } else if (contentType.startsWith("application/json")) {
      encoding = "json";
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw oauthError("invalid_request", "body is not JSON");
      }
      const j = (parsed ?? {}) as Record<string, unknown>;
      const str = (k: string): string => (typeof j[k] === "string" ? (j[k] as string) : "");
      fields = {
        grant_type: str("grantType"),
        audience: str("audience"),
        scope: str("scope"),
        requested_token_type: str("requestedTokenType"),
        subject_token: str("subjectToken"),
        subject_token_type: str("subjectTokenType"),
      };
    } else {
      throw oauthError("invalid_request", `unsupported content type ${contentType || "(none)"}`);
    }
    if (fields["grant_type"] !== GRANT) throw oauthError("unsupported_grant_type", "grant_type must be token-exchange");
    if (fields["requested_token_type"] !== ACCESS) throw oauthError("invalid_request", "requested_token_type must be access_token");
    if (!SUBJECT_TYPES.has(fields["subject_token_type"] ?? "")) throw oauthError("invalid_request", "subject_token_type must be jwt or id_token");
    const audience = fields["audience"] ?? "";
    const m = /^identitynamespace:([a-z0-9.:-]+\.svc\.id\.goog):(https:\/\/container\.googleapis\.com\/v1\/projects\/[^/]+\/locations\/[^/]+\/clusters\/[^/]+)$/.exec(audience);
    if (!m) throw oauthError("invalid_request", "audience is not identitynamespace:<pool>:<provider>");
    if (options.audience !== undefined && audience !== options.audience) throw oauthError("invalid_grant", "audience does not match the identity pool");
    if (!(fields["scope"] ?? "").split(" ").includes("https://www.googleapis.com/auth/cloud-platform")) {
      throw oauthError("invalid_scope", "scope must include cloud-platform");
    }
    const subjectToken = fields["subject_token"] ?? "";
    const claims = decodeJwtPayload(subjectToken);
    if (!claims) throw oauthError("invalid_grant", "subject_token is not a JWT");
    const exp = claims["exp"];
    if (typeof exp !== "number" || exp * 1000 < Date.now()) throw oauthError("invalid_grant", "subject_token has expired");
    const issued = `fed-${randomUUID()}`;
    federated.add(issued);
    exchanges.push({ subjectToken, subjectClaims: claims, audience, scope: fields["scope"]!, encoding, issued });
    return { access_token: issued, issued_token_type: ACCESS, token_type: "Bearer", expires_in: lifetime };
  };

  const generate = (email: string, authorization: string, contentType: string, body: string): Record<string, unknown> => {
    const bearer = authorization.startsWith("Bearer ") ? authorization.slice(7) : "";
    if (!federated.has(bearer)) throw apiError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    if (!contentType.startsWith("application/json")) throw apiError(400, "INVALID_ARGUMENT", "body must be JSON");
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw apiError(400, "INVALID_ARGUMENT", "body is not JSON");
    }
    const scope = (parsed as { scope?: unknown } | null)?.scope;
    if (!Array.isArray(scope) || scope.length === 0 || !scope.every((s) => typeof s === "string")) {
      throw apiError(400, "INVALID_ARGUMENT", "scope must be a non-empty list");
    }
    if (options.serviceAccounts && !options.serviceAccounts.includes(email)) {
      throw apiError(403, "PERMISSION_DENIED", "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).");
    }
    const issued = `gsa-${randomUUID()}`;
    saTokens.add(issued);
    generated.push({ serviceAccount: email, bearer, scope: scope as string[], issued });
    return { accessToken: issued, expireTime: new Date(Date.now() + lifetime * 1000).toISOString() };
  };

  const PREFIX = "/v1/projects/-/serviceAccounts/";
  const SUFFIX = ":generateAccessToken";
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    try {
      if (req.method !== "POST") throw apiError(405, "METHOD_NOT_ALLOWED", "POST only");
      const body = await readBody(req);
      const contentType = req.headers["content-type"] ?? "";
      let answer: Record<string, unknown>;
      if (path === "/v1/token") answer = sts(contentType, body);
      else if (path.startsWith(PREFIX) && path.endsWith(SUFFIX)) {
        const email = decodeURIComponent(path.slice(PREFIX.length, -SUFFIX.length));
        answer = generate(email, req.headers.authorization ?? "", contentType, body);
      } else throw apiError(404, "NOT_FOUND", "no such method");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    } catch (err) {
      const r = err instanceof Refusal ? err : apiError(500, "INTERNAL", "fake token service: internal error");
      refused.push({ path, status: r.status, reason: r.message });
      res.writeHead(r.status, { "content-type": "application/json" }).end(JSON.stringify(r.body));
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exchanges,
    generated,
    refused,
    isServiceAccountToken: (t) => t !== undefined && saTokens.has(t),
    isFederatedToken: (t) => t !== undefined && federated.has(t),
    kind: "fake",
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
