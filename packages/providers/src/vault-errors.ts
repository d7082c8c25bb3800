import { isCloudError } from "@hush/cloud";
import { classifyVaultError } from "@hush/cloud/vault";
import { isHushError, type HushError } from "@hush/errors";
import { fromCloudFailure } from "./provider-error.js";

/** The HTTP status Vault answered, when `err` is the shared client's error for an answer. */
export function vaultStatus(err: unknown): number | undefined {
  return isCloudError(err) ? err.status : undefined;
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
 * Turns a Vault failure into a `HushError`, classified and summarised once by the shared client
 * (`@hush/cloud/vault`): status or network code, never the token, a body or Vault's text.
 */
export function mapVaultError(err: unknown, what: string, signal?: AbortSignal): HushError {
  if (isHushError(err)) return err;
  return fromCloudFailure(classifyVaultError(err, signal), "vault", what);
}
