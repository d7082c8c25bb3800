import { HushError, isHushError } from "@hush/errors";
import { isAbort, providerError } from "./provider-error.js";

const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ECONNABORTED", "ERR_NETWORK"]);
const TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|DEPTH_ZERO/;

/** The HTTP status of a node-vault `ApiResponseError`, if that is what `err` is. */
export function vaultStatus(err: unknown): number | undefined {
  const status = (err as { response?: { statusCode?: unknown } } | null)?.response?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Maps a Vault HTTP status to a normalised kind. */
export function vaultStatusKind(status: number): "not-found" | "access-denied" | "throttled" | "unavailable" | "invalid-config" {
  if (status === 404) return "not-found";
  if (status === 401 || status === 403) return "access-denied";
  if (status === 429) return "throttled";
  if (status === 400 || status === 405) return "invalid-config";
  return "unavailable"; // 412 (read-your-writes), 472/473 (DR/perf standby), 5xx, sealed
}

/**
 * Turns a node-vault/axios failure into a `HushError`. The cause kept is a bare summary
 * (status or network code): axios errors carry the request config, X-Vault-Token included,
 * so the original is never attached.
 */
export function mapVaultError(err: unknown, what: string, signal?: AbortSignal): HushError {
  if (isHushError(err)) return err;
  if (isAbort(err, signal)) return providerError("unavailable", `vault: ${what}: aborted`);
  const status = vaultStatus(err);
  if (status !== undefined) {
    const kind = vaultStatusKind(status);
    return providerError(kind, `vault: ${what}: ${kind.replace("-", " ")} (http ${status})`, new Error(`vault answered http ${status}`));
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && TLS.test(code)) {
    return providerError("invalid-config", `vault: ${what}: tls verification failed (${code}); check caBundle/caProvider`, new Error(code));
  }
  if (typeof code === "string" && NETWORK.has(code)) {
    return providerError("unavailable", `vault: ${what}: unreachable (${code})`, new Error(code));
  }
  // tv4 schema errors from node-vault's generated functions: our arguments were malformed.
  if (err && typeof err === "object" && "dataPath" in err && "schemaPath" in err) {
    return providerError("invalid-config", `vault: ${what}: invalid request parameters`);
  }
  return new HushError("HUSH_ERR_PROVIDERS_INTERNAL", `vault: ${what}: unexpected error`, {
    cause: new Error((err as { name?: string } | null)?.name ?? "error"),
  });
}
