import { HushError } from "@hush/errors";

/** How `hush publish` reaches Vault: what sops's Vault client reads from the environment. */
export interface VaultKvTarget {
  /** `http(s)://host:port` (rule's `vault_address`, else `VAULT_ADDR`, else Vault's default). */
  readonly address: string;
  readonly token: string | undefined;
  readonly namespace: string | undefined;
}

/** The Vault target for a destination, from the rule and `VAULT_ADDR`/`VAULT_TOKEN`/`VAULT_NAMESPACE`. */
export function vaultTarget(ruleAddress: string | undefined, env: NodeJS.ProcessEnv): VaultKvTarget {
  return {
    address: (ruleAddress ?? env["VAULT_ADDR"] ?? "https://127.0.0.1:8200").replace(/\/+$/, ""),
    token: env["VAULT_TOKEN"] || undefined,
    namespace: env["VAULT_NAMESPACE"] || undefined,
  };
}

const TIMEOUT_MS = 30_000;
const MAX_BODY = 1 << 20;

/**
 * One call to Vault's HTTP API. Returns the parsed JSON body (`undefined` for 204 and 404);
 * any other failure is a one-line error naming the status, never the body (it may echo data).
 */
async function call(target: VaultKvTarget, method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (target.token) headers["X-Vault-Token"] = target.token;
  if (target.namespace) headers["X-Vault-Namespace"] = target.namespace;
  let res: Response;
  try {
    res = await fetch(`${target.address}/v1/${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "error",
    });
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_PUBLISH", `cannot reach Vault at ${target.address}`, {
      cause,
      hint: "check VAULT_ADDR (or the rule's vault_address) and that the server is up",
    });
  }
  const text = await res.text();
  if (text.length > MAX_BODY) throw new HushError("HUSH_ERR_CLI_PUBLISH", `Vault answered ${path} with an oversized body`);
  if (res.status === 404 || res.status === 204) return undefined;
  if (!res.ok) {
    const hint =
      res.status === 403 || res.status === 401
        ? "set VAULT_TOKEN to a token allowed to write this path"
        : "check that a KV engine of the configured version is mounted at vault_kv_mount_name";
    throw new HushError("HUSH_ERR_CLI_PUBLISH", `Vault refused ${method} ${path} (HTTP ${res.status})`, { hint });
  }
  try {
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_PUBLISH", `Vault answered ${path} with a body that is not JSON`, { cause });
  }
}

/** Reads a KV secret's `data` object (for KV v2 `data.data`); `undefined` when absent. */
export async function readKv(target: VaultKvTarget, path: string): Promise<unknown> {
  const body = await call(target, "GET", path);
  const data = typeof body === "object" && body !== null ? (body as { data?: unknown }).data : undefined;
  return typeof data === "object" && data !== null ? (data as { data?: unknown }).data : undefined;
}

/** Writes a KV secret (`body` is the data for KV v1, `{ data }` for KV v2). */
export async function writeKv(target: VaultKvTarget, path: string, body: unknown): Promise<void> {
  await call(target, "POST", path, body);
}
