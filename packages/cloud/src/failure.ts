/**
 * Why a call to a cloud or Vault API failed, normalised across AWS, Vault and Google Cloud.
 * `@hush/keys` and `@hush/providers` map these to their own error codes.
 */
export type CloudFailureKind =
  | "access-denied"
  | "no-credentials"
  | "throttled"
  | "not-found"
  | "invalid-request"
  | "unreachable"
  | "tls"
  | "server-error"
  | "aborted"
  /** A programming error on our side (TypeError, RangeError), not an answer from the service. */
  | "internal"
  | "unknown";

/** A classified failure: its kind, a value-free label for messages and a summary to keep as `cause`. */
export interface CloudFailure {
  readonly kind: CloudFailureKind;
  /**
   * A short label safe to print: an exception name (`AccessDeniedException`), a gRPC status
   * (`PERMISSION_DENIED`), `http 403` or a network code (`ECONNREFUSED`). Empty when unknown.
   */
  readonly label: string;
  /** {@link summarizeError} of the original error. */
  readonly cause: Error;
}

/**
 * The error every `@hush/cloud` helper throws: already classified and summarised, so a caller
 * can keep it as `cause` as it is. It holds no request, response, header, body or SDK message.
 */
export class CloudError extends Error {
  readonly kind: CloudFailureKind;
  readonly label: string;
  /** HTTP status of the answer, when there was one. */
  readonly status: number | undefined;

  constructor(kind: CloudFailureKind, label: string, options: { status?: number; cause?: Error } = {}) {
    super(label ? `${kind} (${label})` : kind, options.cause ? { cause: options.cause } : undefined);
    this.name = "CloudError";
    this.kind = kind;
    this.label = label;
    this.status = options.status;
  }
}

/** True when `err` is a {@link CloudError}, also across duplicated module copies. */
export function isCloudError(err: unknown): err is CloudError {
  return err instanceof CloudError || (err instanceof Error && err.name === "CloudError" && typeof (err as CloudError).kind === "string");
}

const NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "ERR_NETWORK",
]);
const TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|DEPTH_ZERO|ERR_SSL/;

/**
 * The Node network or TLS error code behind `err` (fetch and the SDKs wrap it in `cause` or
 * in an AggregateError's `errors`), or undefined.
 */
export function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (NETWORK.has(code) || TLS.test(code))) return code;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      for (const inner of errors.slice(0, 8)) {
        const found = networkCode(inner);
        if (found) return found;
      }
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The kind of a network code from {@link networkCode}. */
export function networkKind(code: string): "tls" | "unreachable" {
  return TLS.test(code) ? "tls" : "unreachable";
}

const IDENT = /^[A-Za-z][A-Za-z0-9_.:#-]{0,99}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A copy of any error that is safe to keep as `cause`: its name, code, HTTP status, fault
 * side, request id and attempt count when these are plain identifiers or numbers; nothing
 * else. SDK errors carry the raw request and response (the AWS SDK's `$response` reaches the
 * socket and the signed request, session token included; axios errors carry the request
 * config, Vault token included) and their messages may quote request parameters, so neither
 * the original object nor its message text is ever kept.
 */
export function summarizeError(err: unknown): Error {
  if (isCloudError(err)) return err;
  const e = (err !== null && typeof err === "object" ? err : {}) as {
    name?: unknown;
    code?: unknown;
    status?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown; attempts?: unknown };
    response?: { statusCode?: unknown; status?: unknown };
  };
  const name = typeof e.name === "string" && IDENT.test(e.name) ? e.name : "Error";
  const fields: Record<string, string | number> = {};
  if ((typeof e.code === "string" && IDENT.test(e.code)) || (typeof e.code === "number" && Number.isInteger(e.code))) {
    fields["code"] = e.code;
  }
  const status = [e.$metadata?.httpStatusCode, e.response?.statusCode, e.response?.status, e.status].find(
    (s): s is number => typeof s === "number" && Number.isInteger(s) && s >= 100 && s <= 599,
  );
  if (status !== undefined) fields["httpStatusCode"] = status;
  if (e.$fault === "client" || e.$fault === "server") fields["fault"] = e.$fault;
  const requestId = e.$metadata?.requestId;
  if (typeof requestId === "string" && REQUEST_ID.test(requestId)) fields["requestId"] = requestId;
  const attempts = e.$metadata?.attempts;
  if (typeof attempts === "number" && Number.isInteger(attempts)) fields["attempts"] = attempts;
  const net = networkCode(err);
  if (net && net !== fields["code"]) fields["networkCode"] = net;
  const described = [fields["code"], fields["networkCode"], status === undefined ? undefined : `http ${status}`]
    .filter((x) => x !== undefined)
    .join(", ");
  const summary = new Error(described ? `${name} (${described})` : name);
  summary.name = name;
  return Object.assign(summary, fields);
}

/** True when `err` is an abort: the caller's signal fired, or an AbortError surfaced. */
export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const name = (err as { name?: unknown } | null)?.name;
  return name === "AbortError";
}

/** For SDKs that take no AbortSignal: stop waiting (reject with the reason) when the caller aborts. */
export function withSignal<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
