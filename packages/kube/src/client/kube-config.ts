import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { HushError } from "@hush/errors";
import { parse } from "yaml";

/** Where to find cluster credentials. */
export interface KubeConfigSource {
  /** A kubeconfig file; else `KUBECONFIG`/`~/.kube/config`, else the in-cluster service account. */
  readonly kubeconfigPath?: string;
  /** Replaces the cluster's server URL (tests route through a relay). */
  readonly serverOverride?: string;
  /** Environment to read `KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_*` from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/** How to reach and authenticate to one API server. */
export interface KubeConnection {
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** `insecure-skip-tls-verify`. */
  readonly insecure?: boolean;
  readonly servername?: string;
  /** Request headers carrying identity (bearer token, impersonation); re-read every minute. */
  headers(): Promise<Record<string, string>>;
}

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount";

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

function bytes(base: string, file: unknown, data: unknown): Buffer | undefined {
  if (typeof data === "string" && data) return Buffer.from(data, "base64");
  if (typeof file === "string" && file) return readFileSync(isAbsolute(file) ? file : join(base, file));
  return undefined;
}

function fail(message: string, cause?: unknown): never {
  throw new HushError("HUSH_ERR_KUBE_CONFIG", message, cause === undefined ? {} : { cause });
}

/**
 * Loads credentials the way kubectl does, without loading `@kubernetes/client-node` (whose
 * import alone costs ~75 MiB of RSS): a kubeconfig (file, `KUBECONFIG`, `~/.kube/config`) with
 * client certificates, bearer tokens or token files, or the in-cluster service account (token
 * re-read so rotated tokens are used). Users with `exec` or `auth-provider` plugins or basic
 * auth are delegated to `@kubernetes/client-node`, loaded only then.
 * @throws `HUSH_ERR_KUBE_CONFIG` when nothing usable is found.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConnection {
  const env = source.env ?? process.env;
  const path = source.kubeconfigPath ?? env["KUBECONFIG"]?.split(delimiter).find((p) => p && existsSync(p)) ?? (existsSync(join(env["HOME"] ?? homedir(), ".kube", "config")) ? join(env["HOME"] ?? homedir(), ".kube", "config") : undefined);
  if (!path) return inCluster(env, source.serverOverride);
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (cause) {
    return fail(`cannot read kubeconfig ${path}`, cause);
  }
  const base = dirname(path);
  const find = <T>(list: unknown, name: unknown, field: "cluster" | "user" | "context"): T | undefined =>
    (Array.isArray(list) ? (list as Named<T>[]) : []).find((e) => e.name === name)?.[field];
  const ctx = find<Record<string, unknown>>(doc["contexts"], doc["current-context"], "context");
  if (!ctx) return fail(`kubeconfig ${path} has no current context`);
  const cluster = find<Record<string, unknown>>(doc["clusters"], ctx["cluster"], "cluster");
  const user = find<Record<string, unknown>>(doc["users"], ctx["user"], "user") ?? {};
  if (!cluster || typeof cluster["server"] !== "string") return fail(`kubeconfig ${path}: the current context has no cluster server`);
  const server = source.serverOverride ?? cluster["server"];
  const impersonation: Record<string, string> = typeof user["as"] === "string" ? { "Impersonate-User": user["as"] } : {};
  const tls = {
    ...(bytes(base, cluster["certificate-authority"], cluster["certificate-authority-data"]) ? { ca: bytes(base, cluster["certificate-authority"], cluster["certificate-authority-data"])! } : {}),
    ...(bytes(base, user["client-certificate"], user["client-certificate-data"]) ? { cert: bytes(base, user["client-certificate"], user["client-certificate-data"])! } : {}),
    ...(bytes(base, user["client-key"], user["client-key-data"]) ? { key: bytes(base, user["client-key"], user["client-key-data"])! } : {}),
    ...(cluster["insecure-skip-tls-verify"] === true ? { insecure: true } : {}),
    ...(typeof cluster["tls-server-name"] === "string" ? { servername: cluster["tls-server-name"] } : {}),
  };
  if (user["exec"] || user["auth-provider"] || user["username"]) {
    return { server, ...tls, headers: async () => ({ ...(await clientNodeHeaders(path, source.serverOverride)), ...impersonation }) };
  }
  const tokenFile = typeof user["tokenFile"] === "string" ? (isAbsolute(user["tokenFile"]) ? user["tokenFile"] : join(base, user["tokenFile"])) : undefined;
  const token = typeof user["token"] === "string" ? user["token"] : undefined;
  return {
    server,
    ...tls,
    headers: async () => {
      const bearer = tokenFile ? readFileSync(tokenFile, "utf8").trim() : token;
      return { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...impersonation };
    },
  };
}

function inCluster(env: NodeJS.ProcessEnv, serverOverride: string | undefined): KubeConnection {
  const host = env["KUBERNETES_SERVICE_HOST"];
  const port = env["KUBERNETES_SERVICE_PORT"] ?? "443";
  if (!host || !existsSync(join(saDir, "token"))) {
    return fail("no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod");
  }
  const ca = existsSync(join(saDir, "ca.crt")) ? readFileSync(join(saDir, "ca.crt")) : undefined;
  return {
    server: serverOverride ?? `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ...(ca ? { ca } : {}),
    headers: async () => ({ authorization: `Bearer ${readFileSync(join(saDir, "token"), "utf8").trim()}` }),
  };
}

/** Auth plugins (exec, auth-provider) and basic auth: delegate to client-node's implementations. */
async function clientNodeHeaders(path: string, serverOverride: string | undefined): Promise<Record<string, string>> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  void serverOverride;
  const opts: { headers?: Record<string, string>; auth?: string } = {};
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.auth) headers["authorization"] = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
  return headers;
}
