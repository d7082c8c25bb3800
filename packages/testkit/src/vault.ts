import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { httpStatus } from "./http-status.js";
import { awaitPeer, spawnPeer } from "./peer-process.js";
import { findBinary } from "./require-peer.js";

/** A running Vault dev server: in memory, unsealed, KV v2 mounted at `secret/`. */
export interface VaultHarness {
  /** `http://127.0.0.1:PORT`. */
  readonly address: string;
  /** The root token. */
  readonly token: string;
  /** `https://127.0.0.1:PORT` of each extra TLS listener asked for, in order. */
  readonly tlsAddresses: readonly string[];
  /** What is serving: HashiCorp Vault built by `scripts/peers` (OpenBao is not on the module proxy). */
  readonly kind: "openbao" | "vault" | "fake";
  /** Kills the server's process group. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `vault server -dev` (from `bash scripts/peers vault`) on a free 127.0.0.1 port with a
 * random root token and waits until `/v1/sys/health` reports it initialized, unsealed and
 * active. Each call is a fresh in-memory server. `tlsListeners` adds HTTPS listeners (own
 * certificates, optionally verifying or requiring client certificates) to the same server.
 * @throws Error when the binary is missing or the server does not become ready (with its log tail).
 */
/** An extra HTTPS listener of the dev server (PEM strings). */
export interface VaultTlsListener {
  readonly cert: string;
  readonly key: string;
  /** CA that client certificates must chain to (the `cert` auth method and mutual TLS use it). */
  readonly clientCa?: string;
  /** Refuse the handshake without a client certificate from `clientCa` (mutual TLS). */
  readonly requireClientCert?: boolean;
}

export async function startVault(options: { timeoutMs?: number; tlsListeners?: readonly VaultTlsListener[] } = {}): Promise<VaultHarness> {
  const bin = findBinary("vault");
  if (!bin) throw new Error("peer 'vault' not found in .cache/peers/bin or PATH; run `bash scripts/peers vault`");
  const dir = mkdtempSync(join(tmpdir(), "hush-vault-"));
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  const token = `hush-root-${randomBytes(12).toString("hex")}`;
  // Extra TLS listeners next to the dev listener: dev mode merges a -config file's listeners.
  const tlsAddresses: string[] = [];
  const listeners: string[] = [];
  for (const [i, l] of (options.tlsListeners ?? []).entries()) {
    const tlsPort = await freePort();
    const file = (name: string, pem: string) => {
      const path = join(dir, `listener${i}-${name}.pem`);
      writeFileSync(path, pem, { mode: 0o600 });
      return path;
    };
    listeners.push(
      [
        `listener "tcp" {`,
        `  address = "127.0.0.1:${tlsPort}"`,
        `  tls_cert_file = ${JSON.stringify(file("cert", l.cert))}`,
        `  tls_key_file = ${JSON.stringify(file("key", l.key))}`,
        ...(l.clientCa ? [`  tls_client_ca_file = ${JSON.stringify(file("client-ca", l.clientCa))}`] : []),
        ...(l.requireClientCert ? [`  tls_require_and_verify_client_cert = true`] : []),
        `}`,
      ].join("\n"),
    );
    tlsAddresses.push(`https://127.0.0.1:${tlsPort}`);
  }
  const configArgs: string[] = [];
  if (listeners.length > 0) {
    const config = join(dir, "listeners.hcl");
    writeFileSync(config, `${listeners.join("\n")}\n`);
    configArgs.push(`-config=${config}`);
  }
  // No ambient VAULT_* settings may steer the server; HOME is the temp dir so no token file lands in ~.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VAULT_")));
  const proc = spawnPeer(
    "vault",
    bin,
    ["server", "-dev", `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${token}`, "-dev-no-store-token", "-log-level=warn", ...configArgs],
    join(dir, "vault.log"),
    { env: { ...env, HOME: dir, VAULT_DISABLE_USER_LOCKOUT: "true" }, cwd: dir },
  );
  // 200 = initialized, unsealed and active (429/472/473/501/503 mean standby or not ready).
  const stop = await awaitPeer(proc, async () => (await httpStatus(`${address}/v1/sys/health`)) === 200, {
    timeoutMs: options.timeoutMs ?? 60_000,
    what: "vault /v1/sys/health",
    dir,
    redact: (log) => log.replaceAll(token, "<root token>"),
  });
  return { address, token, tlsAddresses, kind: "vault", stop };
}
