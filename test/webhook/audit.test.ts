import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, requirePeer, startKube, type KubeHarness } from "@hush/testkit";

// `hush audit` (the built CLI) against a real kube-apiserver holding Secrets that GitOps
// applied before any webhook was there: it finds the planted plaintext and writes a PolicyReport.
const peers = ["etcd", "kube-apiserver", "kubectl"].map((p) => requirePeer(p, "run `bash scripts/peers kube`"));
const ready = peers.every((p) => p.ok);
const bin = join(repoRoot, "packages/cli/bin/hush.js");
const fixtures = join(repoRoot, "test/webhook/fixtures");
const canary = "hush-audit-e2e-canary-f00dface";

function hush(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (c: string) => (out.stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (out.stderr += c));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, ...out })));
}

describe.skipIf(!ready)("hush audit against a real kube-apiserver", () => {
  let kube: KubeHarness;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hush-audit-e2e-"));
    kube = await startKube();
    await kube.applyCrds([join(fixtures, "policyreport-crd.yaml"), join(fixtures, "flux-kustomization-crd.yaml")]);
    for (const name of ["team-a", "flux-system"]) expect((await kube.kubectl(["create", "namespace", name])).code).toBe(0);
    const secret = (name: string, labels: Record<string, string>, data: Record<string, string>, type = "Opaque") =>
      JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "team-a", labels }, type, data });
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const fluxLabels = { "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };
    const plant = async (manifest: string, manager: string) => {
      const res = await kube.kubectl(["apply", "--server-side", "--force-conflicts", `--field-manager=${manager}`, "-f", "-"], { input: manifest });
      expect(res.code, res.stderr).toBe(0);
    };
    // Plaintext that Flux applied; a Secret a person made; a TLS Secret whose data cert-manager owns.
    await plant(secret("planted", fluxLabels, { password: b64(canary) }), "kustomize-controller");
    await plant(secret("by-hand", {}, { password: b64(canary) }), "kubectl");
    await plant(secret("web-tls", {}, { "tls.crt": b64("c"), "tls.key": b64(canary) }, "kubernetes.io/tls"), "cert-manager-certificates-issuing");
    await plant(JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "web-tls", namespace: "team-a", labels: fluxLabels }, type: "kubernetes.io/tls" }), "kustomize-controller");
  });

  afterAll(async () => {
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists the planted plaintext, exits 1, and writes a PolicyReport naming it", async () => {
    const res = await hush(["audit", `--kubeconfig=${kube.kubeconfigPath}`, "--write-reports"]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/^Secret +team-a\/planted +fail +plaintext$/m);
    expect(res.stdout).toMatch(/^Secret +team-a\/web-tls +pass +unchanged|^Secret +team-a\/web-tls +pass +no-values/m);
    expect(res.stdout).not.toContain("by-hand");
    expect(res.stdout).toContain("secret team-a/planted has plaintext values from Git in data.password");
    expect(res.stderr).toContain("1 violating the policy; wrote 1 PolicyReport(s)");
    expect(res.stdout + res.stderr).not.toContain(canary);

    const got = await kube.kubectl(["get", "policyreport", "-n", "team-a", "hush-no-plaintext-from-git", "-o", "json"]);
    expect(got.code, got.stderr).toBe(0);
    const report = JSON.parse(got.stdout) as any;
    expect(report.summary).toMatchObject({ fail: 1, pass: 1 });
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ policy: "hush-no-plaintext-from-git", rule: "plaintext", result: "fail", source: "hush" });
    expect(report.results[0].resources[0]).toMatchObject({ apiVersion: "v1", kind: "Secret", name: "planted", namespace: "team-a" });
    expect(report.results[0].resources[0].uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.stdout).not.toContain(canary);
  });

  it("prints the reports as JSON for one namespace", async () => {
    const res = await hush(["audit", `--kubeconfig=${kube.kubeconfigPath}`, "-n", "team-a", "-o", "json"]);
    expect(res.code).toBe(1);
    const list = JSON.parse(res.stdout) as { items: { metadata: { namespace: string }; results: unknown[] }[] };
    expect(list.items.map((r) => r.metadata.namespace)).toEqual(["team-a"]);
  });

  it("exits 1 with one line for an unreadable kubeconfig", async () => {
    const res = await hush(["audit", "--kubeconfig=/nonexistent/kubeconfig"]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toEqual([expect.stringContaining("hush: cannot load the kubeconfig /nonexistent/kubeconfig")]);
  });
});
