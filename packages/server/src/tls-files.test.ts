import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { isHushError, type HushError } from "@hush/errors";
import { selfSignedCert, waitFor } from "@hush/testkit";
import { createMetricsRegistry, createOpsServer, loadTlsFiles, setTls, watchTlsFiles, type TlsMaterial } from "./index.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A directory laid out like a kubelet Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..vN. */
function secretVolume(first: TlsMaterial) {
  const dir = mkdtempSync(join(tmpdir(), "hush-tls-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  let version = 0;
  const publish = (m: { cert: string; key: string }) => {
    version += 1;
    const v = `..v${version}`;
    mkdirSync(join(dir, v));
    writeFileSync(join(dir, v, "tls.crt"), m.cert);
    writeFileSync(join(dir, v, "tls.key"), m.key, { mode: 0o600 });
    symlinkSync(v, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  };
  publish(first);
  symlinkSync("..data/tls.crt", join(dir, "tls.crt"));
  symlinkSync("..data/tls.key", join(dir, "tls.key"));
  return { certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key"), publish };
}

function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.once("error", reject);
  });
}

describe("TLS files", () => {
  it("loads a matching pair and rejects a mismatched one without quoting the key", async () => {
    const a = selfSignedCert(["localhost"]);
    const b = selfSignedCert(["localhost"]);
    const vol = secretVolume({ cert: a.cert, key: a.key });
    expect(await loadTlsFiles(vol)).toEqual({ cert: a.cert, key: a.key });
    vol.publish({ cert: a.cert, key: b.key });
    const err = await loadTlsFiles(vol).catch((e: unknown) => e);
    expect(isHushError(err) && err.code).toBe("HUSH_ERR_SERVER_TLS_INVALID");
    expect(String((err as Error).message)).not.toContain("PRIVATE KEY");
    const missing = await loadTlsFiles({ certFile: "/nonexistent/tls.crt", keyFile: vol.keyFile }).catch((e: unknown) => e);
    expect(isHushError(missing) && missing.code).toBe("HUSH_ERR_SERVER_TLS_READ");
  });

  it("hot-reloads a rotated certificate without dropping an in-flight request, and keeps serving on a bad rotation", async () => {
    const a = selfSignedCert(["localhost", "127.0.0.1"]);
    const b = selfSignedCert(["localhost", "127.0.0.1"]);
    const vol = secretVolume({ cert: a.cert, key: a.key });
    const app = createOpsServer({ logger: false, registry: createMetricsRegistry(), tls: { cert: a.cert, key: a.key } });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let entered!: () => void;
    const inside = new Promise<void>((r) => { entered = r; });
    app.get("/slow", async () => { entered(); await gate; return { done: true }; });
    await app.listen({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => app.close());
    const port = (app.server.address() as { port: number }).port;

    const errors: HushError[] = [];
    let reloads = 0;
    const watcher = watchTlsFiles({
      ...vol,
      current: { cert: a.cert, key: a.key },
      pollIntervalMs: 0,
      onReload: (m) => { reloads += 1; setTls(app, m); },
      onError: (e) => errors.push(e),
    });
    cleanups.push(() => watcher.close());

    const fpA = await servedFingerprint(port, a.ca);
    // An in-flight request on a connection made with the old certificate.
    const inflight = new Promise<string>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, ca: a.ca, servername: "localhost" }, () => {
        socket.write("GET /slow HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
      });
      let body = "";
      socket.on("data", (d: Buffer) => { body += d.toString(); });
      socket.on("end", () => resolve(body));
      socket.on("error", reject);
    });
    await inside;

    vol.publish({ cert: b.cert, key: b.key });
    await waitFor(async () => (await servedFingerprint(port, b.ca)) !== fpA, { what: "the rotated certificate", timeoutMs: 10_000 });
    expect(reloads).toBe(1);
    release();
    expect(await inflight).toContain('{"done":true}');

    // A half-written rotation (key of another pair) is reported and the last good pair stays.
    vol.publish({ cert: a.cert, key: b.key });
    await waitFor(async () => errors.length > 0, { what: "the bad rotation to be reported", timeoutMs: 10_000 });
    expect(errors[0]?.code).toBe("HUSH_ERR_SERVER_TLS_INVALID");
    expect(await servedFingerprint(port, b.ca)).toBeTruthy();
    expect(reloads).toBe(1);
  });
});
