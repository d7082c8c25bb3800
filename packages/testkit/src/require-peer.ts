import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The repository root (packages/testkit/src → ../../..). */
export const repoRoot = new URL("../../../", import.meta.url).pathname;

/** Where `scripts/peers` installs binaries. */
export const peersBin = join(repoRoot, ".cache", "peers", "bin");

/**
 * Looks a binary up in `$HUSH_PEERS/bin` (when `scripts/peers` was pointed elsewhere), then
 * the repository's peers cache, then on PATH.
 */
export function findBinary(name: string): string | undefined {
  const custom = process.env["HUSH_PEERS"];
  const dirs = [...(custom ? [join(custom, "bin")] : []), peersBin, ...(process.env["PATH"] ?? "").split(delimiter)];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Result of {@link requirePeer}: the binary's path, or why the suite must skip. */
export type PeerCheck = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

/**
 * Checks that a peer binary is available. Under `CI=true` a missing peer throws, so the
 * suite fails instead of skipping; locally it returns a reason and prints it loudly.
 */
export function requirePeer(name: string, howToGet = "run `bash scripts/peers`"): PeerCheck {
  const path = findBinary(name);
  if (path) return { ok: true, path };
  const reason = `peer '${name}' not found in ${peersBin} or PATH; ${howToGet}`;
  if (process.env["CI"] === "true") throw new Error(`required under CI=true: ${reason}`);
  process.stderr.write(`\n*** SKIPPING: ${reason} ***\n\n`);
  return { ok: false, reason };
}
