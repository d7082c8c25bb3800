import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { request } from "node:https";
import { freePort, repoRoot, requirePeer, selfSignedCert, startKube, waitFor, type KubeHarness } from "@hush/testkit";

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

  it("the webhook's background audit (--audit-interval) writes the report and exports violations as metrics", async () => {
    expect((await kube.kubectl(["create", "namespace", "team-b"])).code).toBe(0);
    const tls = selfSignedCert(["127.0.0.1"]);
    writeFileSync(join(dir, "tls.crt"), tls.cert);
    writeFileSync(join(dir, "tls.key"), tls.key, { mode: 0o600 });
    // The webhook acts as its ServiceAccount with exactly the shipped RBAC (deploy/webhook and the
    // audit component): proof that what they grant is enough, by impersonation.
    const sa = "system:serviceaccount:hush-system:hush-webhook";
    for (const file of ["deploy/webhook/rbac.yaml", "deploy/webhook/audit/rbac.yaml"]) {
      const applied = await kube.kubectl(["apply", "-f", join(repoRoot, file)]);
      expect(applied.code, applied.stderr).toBe(0);
    }
    await waitFor(async () => (await kube.kubectl(["--as", sa, "auth", "can-i", "list", "secrets", "-A"])).stdout.trim() === "yes", { what: "the audit RBAC in effect" });
    expect((await kube.kubectl(["--as", sa, "auth", "can-i", "get", "secrets", "-n", "team-a"])).stdout.trim()).toBe("no");
    const cfg = parseYaml(readFileSync(kube.kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
    for (const u of cfg.users) u.user["as"] = sa;
    writeFileSync(join(dir, "kubeconfig-sa"), stringifyYaml(cfg), { mode: 0o600 });
    const port = await freePort();
    const child = spawn(process.execPath, [bin, "webhook", `--listen=127.0.0.1:${port}`, `--tls-cert=${join(dir, "tls.crt")}`, `--tls-key=${join(dir, "tls.key")}`,
      `--kubeconfig=${join(dir, "kubeconfig-sa")}`, "--audit-interval=1s"], { stdio: ["ignore", "pipe", "pipe"] });
    let logs = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (logs += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (logs += c));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const metrics = () => new Promise<string>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/metrics", ca: tls.ca, agent: false }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c)).on("end", () => resolve(text));
      });
      req.on("error", reject).end();
    });
    try {
      // Planted after the webhook started: only a later background audit can find it.
      await waitFor(async () => (await metrics().catch(() => "")).includes("hush_webhook_audit_runs_total{result=\"ok\"}"), { what: "the first background audit", timeoutMs: 30_000 });
      const plant = await kube.kubectl(["apply", "--server-side", "--field-manager=kustomize-controller", "-f", "-"], {
        input: JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "planted-later", namespace: "team-b", labels: { "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" } }, data: { token: Buffer.from(canary).toString("base64") } }),
      });
      expect(plant.code, plant.stderr).toBe(0);
      let report: any;
      await waitFor(async () => {
        const got = await kube.kubectl(["get", "policyreport", "-n", "team-b", "hush-no-plaintext-from-git", "-o", "json"]);
        report = got.code === 0 ? JSON.parse(got.stdout) : undefined;
        return report?.results?.some((r: any) => r.resources?.[0]?.name === "planted-later") === true;
      }, { what: "a PolicyReport naming team-b/planted-later", timeoutMs: 30_000 });
      expect(report.results[0]).toMatchObject({ policy: "hush-no-plaintext-from-git", result: "fail", source: "hush" });
      await waitFor(async () => /hush_webhook_audit_violations\{kind="Secret",mode="enforce"\} 2\b/.test(await metrics()), { what: "two Secret violations in the metrics", timeoutMs: 30_000 });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(logs).toContain("background audit done");
    expect(logs).not.toContain(canary);
  });

  it("refuses an --audit-interval that is not a duration of at least a second, in one line", async () => {
    for (const bad of ["soon", "10ms"]) {
      const res = await hush(["webhook", "--tls-cert=/nonexistent", "--tls-key=/nonexistent", `--audit-interval=${bad}`]);
      expect(res.code).toBe(1);
      expect(res.stderr.trim().split("\n")).toEqual([expect.stringContaining("--audit-interval")]);
    }
  });

  it("exits 1 with one line for an unreadable kubeconfig", async () => {
    const res = await hush(["audit", "--kubeconfig=/nonexistent/kubeconfig"]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toEqual([expect.stringContaining("hush: cannot load the kubeconfig /nonexistent/kubeconfig")]);
  });
});
