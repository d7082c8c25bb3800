/**
 * `@hush/cloud/vault`: the one HashiCorp Vault / OpenBao HTTP client, shared by the sops transit
 * key provider and the Vault KV secret provider. It logs nothing (no debug channel prints request
 * bodies), reads no `VAULT_*` variable, bounds every call (time and response size) and throws
 * only summarised {@link CloudError}s: no token, body or Vault message is kept.
 */
import type { Agent, IncomingMessage } from "node:http";
import { CloudError, isAbort, isCloudError, networkCode, networkKind, summarizeError, type CloudFailure, type CloudFailureKind } from "./failure.js";

/** Options of {@link createVaultClient}. Nothing is read from the environment. */
export interface VaultClientOptions {
  /** `http(s)://host[:port]`, without `/v1`. */
  readonly address: string;
  /** Default `X-Vault-Namespace` of every request (a request may override it). */
  readonly namespace?: string;
  /** Extra headers sent on every request (never `X-Vault-Token`, which is per request). */
  readonly headers?: Readonly<Record<string, string>>;
  /** PEM CA bundle the server certificate must chain to (default: Node's CA store). */
  readonly ca?: string;
  /**
   * PEM client certificate and its private key, presented in the TLS handshake (mutual TLS, and
   * Vault's `cert` auth method, which identifies the caller by this certificate). Both or neither.
   */
  readonly clientCert?: { readonly cert: string; readonly key: string };
  /** Skip TLS verification (sops's `VAULT_SKIP_VERIFY`); only when the caller asks. */
  readonly insecureSkipVerify?: boolean;
  /** Per-request deadline, connect to last byte. Default 30 s. */
  readonly timeoutMs?: number;
  /** Largest response body accepted. Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /**
   * An environment whose proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, also lower
   * case) are honoured; nothing else is taken from it. Unset: no proxy.
   */
  readonly proxyEnv?: Readonly<Record<string, string | undefined>>;
}

/** One request's per-call settings. */
export interface VaultRequestOptions {
  /** Sent as `X-Vault-Token`; omitted for logins. */
  readonly token?: string;
  /** Overrides the client's namespace; `null` sends none. */
  readonly namespace?: string | null;
  readonly signal?: AbortSignal;
}

/** A Vault HTTP API client bound to one address. Paths are relative to `/v1/`. */
export interface VaultClient {
  /** GET; the parsed JSON body. */
  read(path: string, options?: VaultRequestOptions): Promise<unknown>;
  /** Lists keys under a folder (`GET ?list=true`, Vault's LIST). */
  list(path: string, options?: VaultRequestOptions): Promise<unknown>;
  /** POST a JSON body; the parsed JSON body, or `undefined` for 204. */
  write(path: string, body: unknown, options?: VaultRequestOptions): Promise<unknown>;
  /** DELETE (KV v2 metadata: every version and the metadata). Optional for custom transports. */
  delete?(path: string, options?: VaultRequestOptions): Promise<unknown>;
  /** Closes idle connections. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE = 1 << 20;

/**
 * Builds a Vault client. Failures are thrown as {@link CloudError}: `kind` from the HTTP status
 * (401/403 access-denied, 404 not-found, 429 throttled, 400 invalid-request or, for a transit
 * key that does not exist, not-found, 5xx/412/472/473 server-error), network and TLS codes, a
 * timeout (unreachable) or an abort; the label is `http <status>` or the network code.
 */
export function createVaultClient(options: VaultClientOptions): VaultClient {
  let base: URL;
  try {
    base = new URL(options.address);
  } catch {
    throw new CloudError("invalid-request", "vault address is not a URL");
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new CloudError("invalid-request", "vault address must be http(s)");
  const secure = base.protocol === "https:";
  const prefix = `${base.pathname.replace(/\/+$/, "")}/v1/`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
  const proxy = options.proxyEnv ? { proxyEnv: proxyVariables(options.proxyEnv) } : {};
  // Node's HTTP stack is loaded on the first call, so importing this module costs a CLI nothing.
  let transport: Promise<{ agent: Agent; send: typeof import("node:http").request }> | undefined;
  const connect = () =>
    (transport ??= secure
      ? import("node:https").then((https) => ({
          agent: new https.Agent({
            keepAlive: true,
            ...(options.ca ? { ca: options.ca } : {}),
            ...(options.clientCert ? { cert: options.clientCert.cert, key: options.clientCert.key } : {}),
            rejectUnauthorized: options.insecureSkipVerify !== true,
            ...proxy,
          }),
          send: https.request,
        }))
      : import("node:http").then((http) => ({ agent: new http.Agent({ keepAlive: true, ...proxy }), send: http.request })));
  let closed = false;
  const fixed: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) {
    if (!/^x-vault-token$/i.test(k)) fixed[k] = v;
  }

  const call = async (method: "GET" | "POST" | "DELETE", path: string, body: unknown, o: VaultRequestOptions = {}): Promise<unknown> => {
    if (closed) throw new CloudError("aborted", "vault client closed");
    const { agent, send } = await connect();
    const headers: Record<string, string> = { ...fixed, accept: "application/json" };
    const namespace = o.namespace === undefined ? options.namespace : o.namespace;
    if (namespace) headers["X-Vault-Namespace"] = namespace;
    if (o.token) headers["X-Vault-Token"] = o.token;
    let payload: Buffer | undefined;
    if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.length);
    }
    const url = new URL(`${prefix}${path.replace(/^\/+/, "")}`, base);
    return new Promise<unknown>((resolve, reject) => {
      if (o.signal?.aborted) {
        reject(new CloudError("aborted", ""));
        return;
      }
      let settled = false;
      const done = (err: CloudError | undefined, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value);
      };
      const onAbort = () => done(new CloudError("aborted", ""));
      // Headers are set on the request, not passed in its options: Node hands those options to
      // the socket layer, whose debug channel (NODE_DEBUG=net) prints them, token included.
      const req = send(url, { method, agent }, (res) => {
        readBounded(res, maxBytes).then(
          (text) => {
            const status = res.statusCode ?? 0;
            if (status === 200 || status === 204) {
              if (text.trim() === "") return done(undefined, undefined);
              try {
                return done(undefined, JSON.parse(text) as unknown);
              } catch {
                return done(new CloudError("server-error", "vault answered a body that is not JSON", { status }));
              }
            }
            done(new CloudError(vaultStatusKind(status, text), `http ${status}`, { status }));
          },
          (err: unknown) => done(isCloudError(err) ? err : transportError(err)),
        );
      });
      const timer = setTimeout(() => done(new CloudError("unreachable", "timeout")), timeoutMs);
      o.signal?.addEventListener("abort", onAbort, { once: true });
      req.on("error", (err) => done(transportError(err)));
      for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
      req.end(payload);
    });
  };

  return {
    read: (path, o) => call("GET", path, undefined, o),
    // `GET ?list=true` rather than the LIST verb, which some proxies and load balancers refuse.
    list: (path, o) => call("GET", `${path}${path.includes("?") ? "&" : "?"}list=true`, undefined, o),
    write: (path, body, o) => call("POST", path, body ?? {}, o),
    delete: (path, o) => call("DELETE", path, undefined, o),
    close: () => {
      closed = true;
      void transport?.then(({ agent }) => agent.destroy());
    },
  };
}

/**
 * Maps a Vault HTTP status to a kind. A 400 is a bad request, except Vault's answer for a
 * transit key that does not exist (read only to tell the two apart, never kept).
 */
export function vaultStatusKind(status: number, body = ""): CloudFailureKind {
  if (status === 404) return "not-found";
  if (status === 401 || status === 403) return "access-denied";
  if (status === 429) return "throttled";
  if (status === 400) return /not found|no existing key|encryption key not found/i.test(body.slice(0, 2000)) ? "not-found" : "invalid-request";
  if (status === 405) return "invalid-request";
  return "server-error"; // 412 (read-your-writes), 472/473 (DR/perf standby), 5xx, sealed
}

/**
 * Classifies a Vault failure: the client's own {@link CloudError}s as they are; anything else
 * (an abort, a custom transport's error) by network code or HTTP status, summarised.
 */
export function classifyVaultError(err: unknown, signal?: AbortSignal): CloudFailure {
  if (isCloudError(err)) return { kind: signal?.aborted ? "aborted" : err.kind, label: err.label, cause: err };
  const cause = summarizeError(err);
  if (isAbort(err, signal)) return { kind: "aborted", label: "", cause };
  const net = networkCode(err);
  if (net) return { kind: networkKind(net), label: net, cause };
  const status = (cause as { httpStatusCode?: unknown }).httpStatusCode;
  if (typeof status === "number") return { kind: vaultStatusKind(status), label: `http ${status}`, cause };
  if (err instanceof TypeError || err instanceof RangeError) return { kind: "internal", label: "", cause };
  return { kind: "unknown", label: "", cause };
}

/**
 * Only the proxy variables of an environment: Node keeps `proxyEnv` in the agent's options,
 * which its socket-layer debug channel prints, so a whole environment (VAULT_TOKEN…) must not go in.
 */
function proxyVariables(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"]) {
    const value = env[name];
    if (value !== undefined && value !== "") out[name] = value;
  }
  return out;
}

function transportError(err: unknown): CloudError {
  const code = networkCode(err);
  if (code) return new CloudError(networkKind(code), code);
  return new CloudError("unreachable", "connection failed");
}

function readBounded(res: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new CloudError("server-error", "vault response too large", { ...(res.statusCode ? { status: res.statusCode } : {}) }));
        res.destroy();
        return;
      }
      chunks.push(chunk);
    });
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
    res.on("aborted", () => reject(new CloudError("unreachable", "connection reset")));
  });
}
