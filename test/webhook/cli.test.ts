import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ProbeAbort, repoRoot, selfSignedCert, waitFor } from "@hush/testkit";

// `hush webhook` as shipped: the built CLI, over HTTPS, with certificate rotation and SIGTERM.
const bin = join(repoRoot, "packages/cli/bin/hush.js");
const canary = "hush-cli-canary-0ddba11";
const review = JSON.parse(readFileSync(join(repoRoot, "packages/webhook/testdata/secret-create-argocd.json"), "utf8")) as any;
review.request.object.data = { password: Buffer.from(canary).toString("base64") };
// No Argo CD tracking, so no API lookup is needed.
review.request.object.metadata.annotations = {};

function hush(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  child.stdout?.setEncoding("utf8").on("data", (c: string) => (out.stdout += c));
  child.stderr?.setEncoding("utf8").on("data", (c: string) => (out.stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, out, exited };
}

function post(port: number, ca: string, path: string, body?: string): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: body ? "POST" : "GET", ca, servername: "localhost", agent: false,
      headers: body ? { "content-type": "application/json" } : {} }, (res) => {
      let data = "";
      const fingerprint = (res.socket as import("node:tls").TLSSocket).getPeerCertificate().fingerprint256;
      res.setEncoding("utf8").on("data", (c: string) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data, fingerprint }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("hush webhook (built CLI)", () => {
  let dir: string;
  const running: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hush-webhook-cli-"));
    // A kubeconfig that points nowhere: these reviews need no lookups.
    writeFileSync(join(dir, "kubeconfig"), JSON.stringify({
      apiVersion: "v1", kind: "Config", "current-context": "none",
      clusters: [{ name: "none", cluster: { server: "https://127.0.0.1:1" } }],
      users: [{ name: "none", user: {} }],
      contexts: [{ name: "none", context: { cluster: "none", user: "none" } }],
    }));
  });
  afterAll(() => {
    for (const c of running) if (c.exitCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves reviews over HTTPS, reloads a rotated certificate, and exits 0 on SIGTERM", async () => {
    const first = selfSignedCert(["localhost", "127.0.0.1"]);
    writeFileSync(join(dir, "tls.crt"), first.cert);
    writeFileSync(join(dir, "tls.key"), first.key, { mode: 0o600 });
    writeFileSync(join(dir, "config.yaml"), "mode: enforce\nnamespaceModes:\n  team-b: audit\n");
    const port = await freePort();
    const run = hush(["webhook", `--listen=127.0.0.1:${port}`, `--tls-cert=${join(dir, "tls.crt")}`, `--tls-key=${join(dir, "tls.key")}`,
      `--config=${join(dir, "config.yaml")}`, "--mode=warn", `--kubeconfig=${join(dir, "kubeconfig")}`]);
    running.push(run.child);
    await waitFor(async () => {
      if (run.child.exitCode !== null) throw new ProbeAbort(`hush webhook exited ${run.child.exitCode}: ${run.out.stderr}`);
      return (await post(port, first.ca, "/healthz")).status === 200;
    }, { what: "hush webhook /healthz", timeoutMs: 20_000 });

    const warned = await post(port, first.ca, "/validate", JSON.stringify(review));
    expect(warned.status).toBe(200);
    expect(JSON.parse(warned.body).response).toMatchObject({ uid: review.request.uid, allowed: true, warnings: [expect.stringContaining("plaintext values from Git")] });
    const audited = await post(port, first.ca, "/validate", JSON.stringify({ ...review, request: { ...review.request, namespace: "team-b" } }));
    expect(JSON.parse(audited.body).response.auditAnnotations).toMatchObject({ violation: "plaintext" });
    expect((await post(port, first.ca, "/readyz")).status).toBe(200);
    expect((await post(port, first.ca, "/metrics")).body).toContain('hush_webhook_decisions_total{result="warned",reason="plaintext",mode="warn"} 1');

    const second = selfSignedCert(["localhost", "127.0.0.1"]);
    writeFileSync(join(dir, "tls.key.new"), second.key, { mode: 0o600 });
    writeFileSync(join(dir, "tls.crt.new"), second.cert);
    // Key first, then certificate, each by rename (as an atomic writer would); the mismatched
    // pair in between is rejected and the old one kept.
    const { renameSync } = await import("node:fs");
    renameSync(join(dir, "tls.key.new"), join(dir, "tls.key"));
    renameSync(join(dir, "tls.crt.new"), join(dir, "tls.crt"));
    await waitFor(async () => (await post(port, second.ca, "/healthz").catch(() => ({ status: 0 }))).status === 200, {
      what: "the rotated certificate to be served",
      timeoutMs: 20_000,
    });

    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(run.out.stdout).toContain('"msg":"reloaded the TLS certificate"');
    expect(run.out.stdout).toContain('"msg":"shutting down"');
    expect(run.out.stdout).toContain('"reason":"plaintext"');
    expect(run.out.stdout + run.out.stderr).not.toContain(canary);
    expect(run.out.stdout + run.out.stderr).not.toContain(Buffer.from(canary).toString("base64"));
  });

  it.for([
    [["--listen=nope"], "the listen address must look like HOST:PORT"],
    [["--tls-cert=/nonexistent/tls.crt"], "cannot read the TLS certificate file /nonexistent/tls.crt"],
    [["--mode=block"], "--mode must be one of enforce, warn, audit"],
    [["--config=BADCONFIG"], "webhook config field mdoe is not a known field"],
    [["--kubeconfig=/nonexistent/kubeconfig"], "cannot load the kubeconfig /nonexistent/kubeconfig"],
    [["--client-ca=/nonexistent/ca.pem"], "cannot read the client CA /nonexistent/ca.pem"],
  ] as const)("exits 1 with a one-line message for %j", async ([[flag], message]) => {
    const tls = selfSignedCert(["localhost"]);
    writeFileSync(join(dir, "ok.crt"), tls.cert);
    writeFileSync(join(dir, "ok.key"), tls.key, { mode: 0o600 });
    writeFileSync(join(dir, "bad.yaml"), "mdoe: warn\n");
    const args = ["webhook", "--listen=127.0.0.1:0", `--tls-cert=${join(dir, "ok.crt")}`, `--tls-key=${join(dir, "ok.key")}`,
      `--kubeconfig=${join(dir, "kubeconfig")}`, flag.replace("BADCONFIG", join(dir, "bad.yaml"))];
    const run = hush(args);
    running.push(run.child);
    expect(await run.exited).toBe(1);
    expect(run.out.stderr).toContain(`hush: ${message}`);
    expect(run.out.stderr.trim().split("\n")).toHaveLength(1);
  });
});
