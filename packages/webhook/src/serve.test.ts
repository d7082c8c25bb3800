import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfSignedCert } from "@hush/testkit";
import { createCertAuthority } from "@hush/testkit/certs";
import { defaultPolicy, serveWebhook, type RunningWebhook } from "./index.js";

// --client-ca: /validate answers only clients whose certificate the CA signed; probes stay open.
const review = readFileSync(new URL("../testdata/secret-create-argocd.json", import.meta.url), "utf8");

describe("serveWebhook with a client CA", () => {
  let dir: string;
  let webhook: RunningWebhook;
  let serverCa: string;
  let client: { cert: string; key: string };
  let stranger: { cert: string; key: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hush-serve-"));
    const tls = selfSignedCert(["127.0.0.1", "localhost"]);
    serverCa = tls.ca;
    writeFileSync(join(dir, "tls.crt"), tls.cert);
    writeFileSync(join(dir, "tls.key"), tls.key, { mode: 0o600 });
    const ca = createCertAuthority("apiserver-admission");
    client = ca.issue({ commonName: "kube-apiserver", usage: "client" });
    stranger = createCertAuthority("someone-else").issue({ commonName: "pod", usage: "client" });
    writeFileSync(join(dir, "client-ca.crt"), ca.cert);
    writeFileSync(join(dir, "kubeconfig"), JSON.stringify({
      apiVersion: "v1", kind: "Config", "current-context": "none",
      clusters: [{ name: "none", cluster: { server: "https://127.0.0.1:1" } }], users: [{ name: "none", user: {} }],
      contexts: [{ name: "none", context: { cluster: "none", user: "none" } }],
    }));
    webhook = await serveWebhook({
      listen: "127.0.0.1:0", tlsCertFile: join(dir, "tls.crt"), tlsKeyFile: join(dir, "tls.key"), clientCaFile: join(dir, "client-ca.crt"),
      policy: defaultPolicy, kubeconfigPath: join(dir, "kubeconfig"), logger: { level: "silent" }, signals: new EventEmitter() as never,
    });
  });
  afterAll(async () => {
    await webhook?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = (path: string, cert?: { cert: string; key: string }) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: webhook.port, path, method: path === "/validate" ? "POST" : "GET", ca: serverCa, servername: "localhost",
        agent: false, headers: { "content-type": "application/json" }, ...(cert ?? {}) }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end(path === "/validate" ? review : undefined);
    });

  it("answers the API server's certificate", async () => {
    const res = await call("/validate", client);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).response.allowed).toBe(false);
  });

  it("refuses no certificate and a certificate from another CA with 401, never a decision", async () => {
    for (const cert of [undefined, stranger]) {
      const res = await call("/validate", cert);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ code: "HUSH_ERR_WEBHOOK_UNAUTHENTICATED" });
      expect(res.body).not.toContain("allowed");
    }
  });

  it("keeps the probes open for the kubelet", async () => {
    expect((await call("/healthz")).status).toBe(200);
    expect((await call("/readyz")).status).toBe(200);
  });
});
