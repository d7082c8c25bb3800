import { HushError } from "@hush/errors";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions as HttpsRequestOptions } from "node:https";
import type { KubeConnection } from "./kube-config.js";

/** Options of one request. */
export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  /** Default `application/json`; use `application/merge-patch+json` for merge patches. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/** A list response. */
export interface ListResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

/** One watch event as the API server streams it. */
export interface WatchEvent<T> {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: T;
}

/** Path of a resource or collection, e.g. `/apis/hush.dev/v1/namespaces/ns/externalsecrets/x/status`. */
export function resourcePath(r: { group?: string; version: string; plural: string; namespace?: string; name?: string; subresource?: string }): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespace ? `/namespaces/${encodeURIComponent(r.namespace)}` : "";
  const name = r.name ? `/${encodeURIComponent(r.name)}` : "";
  const sub = r.name && r.subresource ? `/${r.subresource}` : "";
  return `${base}${ns}/${r.plural}${name}${sub}`;
}

interface Status {
  kind?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { field?: string; reason?: string }[] };
}

function describeStatus(method: string, path: string, status: number, body: Status | undefined): HushError {
  // The API server's message can quote submitted values; keep only its reason and field paths.
  const fields = (body?.details?.causes ?? []).map((c) => c.field).filter(Boolean).slice(0, 5).join(", ");
  const what = `${method} ${path.split("?")[0]}: ${status}${body?.reason ? ` ${body.reason}` : ""}${fields ? ` (${fields})` : ""}`;
  if (status === 404) return new HushError("HUSH_ERR_KUBE_NOT_FOUND", what);
  if (status === 409) return new HushError("HUSH_ERR_KUBE_CONFLICT", what);
  if (status === 403 || status === 401) return new HushError("HUSH_ERR_KUBE_FORBIDDEN", what);
  if (status === 422 || status === 400) return new HushError("HUSH_ERR_KUBE_INVALID_OBJECT", what);
  return new HushError("HUSH_ERR_KUBE_API", what);
}

/** The HTTP status of a kube error, if it was one. */
export function kubeErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A thin REST client on the kubeconfig's credentials (via `@kubernetes/client-node`'s auth
 * plumbing and undici). Generic over resources, so CRDs need no generated code; errors are
 * `HushError`s that never carry request or response bodies.
 */
export class KubeClient {
  readonly #conn: KubeConnection;
  readonly #server: URL;
  #auth: { options: HttpsRequestOptions; agent: HttpAgent; at: number } | undefined;
  /** Requests made, by method (for tests and metrics). */
  readonly requests: Record<string, number> = {};

  constructor(connection: KubeConnection) {
    this.#conn = connection;
    this.#server = new URL(connection.server);
  }

  async #authn(): Promise<{ options: HttpsRequestOptions; agent: HttpAgent }> {
    // Re-read credentials each minute so rotated service-account tokens are picked up.
    if (this.#auth && Date.now() - this.#auth.at < 60_000) return this.#auth;
    const c = this.#conn;
    const tls = {
      ...(c.ca ? { ca: c.ca } : {}),
      ...(c.cert ? { cert: c.cert } : {}),
      ...(c.key ? { key: c.key } : {}),
      ...(c.insecure ? { rejectUnauthorized: false } : {}),
      ...(c.servername ? { servername: c.servername } : {}),
    };
    const agent = this.#auth?.agent ?? (this.#server.protocol === "https:" ? new HttpsAgent({ ...tls, keepAlive: true, maxSockets: 64 }) : new HttpAgent({ keepAlive: true, maxSockets: 64 }));
    this.#auth = { options: { headers: await c.headers(), ...tls }, agent, at: Date.now() };
    return this.#auth;
  }

  #url(path: string, query?: RequestOptions["query"]): URL {
    const url = new URL(path, this.#server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<IncomingMessage> {
    const { options: auth, agent } = await this.#authn();
    this.requests[method] = (this.requests[method] ?? 0) + 1;
    const url = this.#url(path, options.query);
    const body = options.body !== undefined ? JSON.stringify(options.body) : undefined;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          ...auth,
          agent,
          method: method === "WATCH" ? "GET" : method,
          headers: {
            ...(auth.headers as Record<string, string>),
            accept: "application/json",
            ...(body !== undefined ? { "content-type": options.contentType ?? "application/json", "content-length": Buffer.byteLength(body) } : {}),
          },
          ...(options.signal ? { signal: options.signal } : {}),
        },
        resolve,
      );
      req.on("error", (cause) => {
        if (options.signal?.aborted) reject(cause);
        else reject(new HushError("HUSH_ERR_KUBE_API", `${method} ${path}: cannot reach the API server`, { cause }));
      });
      req.end(body);
    });
  }

  async #fetchText(method: string, path: string, options: RequestOptions): Promise<{ status: number; text: string }> {
    const res = await this.#send(method, path, options);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") };
  }

  /** One request; resolves the decoded JSON body. Throws `HUSH_ERR_KUBE_*`. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { status, text } = await this.#fetchText(method, path, options);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (status >= 300) throw describeStatus(method, path, status, body as Status | undefined);
    return body as T;
  }

  /** GET, with 404 as `undefined`. */
  async get<T>(path: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.request<T>("GET", path, signal ? { signal } : {});
    } catch (err) {
      if (kubeErrorCode(err) === "HUSH_ERR_KUBE_NOT_FOUND") return undefined;
      throw err;
    }
  }

  /** Lists a collection, following `continue` pages. */
  async list<T>(path: string, options: { labelSelector?: string; limit?: number; signal?: AbortSignal } = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.request<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>("GET", path, {
        query: { labelSelector: options.labelSelector, limit: options.limit ?? 500, continue: cont },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      items.push(...(page.items ?? []));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  /**
   * Streams a watch until the server closes it, `signal` aborts, or `onEvent` throws.
   * Resolves normally on a clean close; the caller decides whether to re-list.
   */
  async watch<T>(
    path: string,
    options: { resourceVersion?: string; labelSelector?: string; timeoutSeconds?: number; signal: AbortSignal },
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<void> {
    const res = await this.#send("WATCH", path, {
      query: {
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion: options.resourceVersion,
        labelSelector: options.labelSelector,
        timeoutSeconds: options.timeoutSeconds,
      },
      signal: options.signal,
    });
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      let body: Status | undefined;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Status;
      } catch {
        body = undefined;
      }
      throw describeStatus("WATCH", path, res.statusCode ?? 0, body);
    }
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of res) {
      buf += decoder.decode(chunk as Buffer, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
      }
    }
  }
}
