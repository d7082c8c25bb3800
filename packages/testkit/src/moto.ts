import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { httpStatus } from "./http-status.js";
import { awaitPeer, spawnPeer } from "./peer-process.js";
import { findBinary } from "./require-peer.js";

/** A running moto server (AWS Secrets Manager, KMS, STS, ... on one endpoint). */
export interface MotoHarness {
  /** `http://127.0.0.1:PORT`; pass as `endpoint` to AWS SDK v3 clients. */
  readonly endpoint: string;
  readonly region: string;
  /** Dummy credentials moto accepts; pass explicitly so no ambient AWS config is read. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Wipes every resource in the server (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  /** Kills the server's process group. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `moto_server` (from `bash scripts/peers moto`) on a free 127.0.0.1 port and waits
 * until its `/moto-api/` answers. Each call gets its own server, so state is per suite.
 * @throws Error when `moto_server` is missing or does not become ready (with its log tail).
 */
export async function startMoto(options: { timeoutMs?: number } = {}): Promise<MotoHarness> {
  const bin = findBinary("moto_server");
  if (!bin) throw new Error("peer 'moto_server' not found in .cache/peers/bin or PATH; run `bash scripts/peers moto`");
  const dir = mkdtempSync(join(tmpdir(), "hush-moto-"));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // No ambient AWS settings may leak into the server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
  const proc = spawnPeer("moto_server", bin, ["-H", "127.0.0.1", "-p", String(port)], join(dir, "moto.log"), {
    env: { ...env, MOTO_ALLOW_NONEXISTENT_REGION: "false" },
  });
  const stop = await awaitPeer(proc, async () => (await httpStatus(`${endpoint}/moto-api/`)) === 200, {
    timeoutMs: options.timeoutMs ?? 60_000,
    what: "moto_server /moto-api/",
    dir,
  });
  return {
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    async reset() {
      const status = await httpStatus(`${endpoint}/moto-api/reset`, "POST");
      if (status !== 200) throw new Error(`moto reset answered ${status}`);
    },
    stop,
  };
}
