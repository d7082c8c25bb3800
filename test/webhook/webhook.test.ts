import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { repoRoot, requirePeer, selfSignedCert, startKube, waitFor, type KubeHarness } from "@hush/testkit";
import { parsePolicy, serveWebhook, type RunningWebhook } from "@hush/webhook";

// The webhook, served over HTTPS in this process, called by a real kube-apiserver (with a
// caBundle) for `kubectl --as=<GitOps identity>` applies.
const peers = ["etcd", "kube-apiserver", "kubectl"].map((p) => requirePeer(p, "run `bash scripts/peers kube`"));
const ready = peers.every((p) => p.ok);

const argo = "system:serviceaccount:argocd:argocd-application-controller";
const flux = "system:serviceaccount:flux-system:kustomize-controller";
const canary = "hush-e2e-canary-51c0ffee";
const enc = "ENC[AES256_GCM,data:q1w2e3,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:BBBBBBBBBBBBBBBBBBBBBB==,type:str]";
const fixtures = join(repoRoot, "test/webhook/fixtures");

function secret(ns: string, name: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string>; value?: string } = {}) {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: ns, labels: extra.labels ?? {}, annotations: extra.annotations ?? {} },
    type: "Opaque",
    stringData: { password: extra.value ?? canary },
  });
}

describe.skipIf(!ready)("admission webhook against a real kube-apiserver", () => {
  let kube: KubeHarness;
  let webhook: RunningWebhook;
  let dir: string;
  let caPem = "";
  const ns = { enforce: "", warn: "", audit: "" };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hush-webhook-e2e-"));
    const auditLog = join(dir, "audit.log");
    kube = await startKube({
      apiserverArgs: [`--audit-policy-file=${join(fixtures, "audit-policy.yaml")}`, `--audit-log-path=${auditLog}`, "--audit-log-mode=blocking"],
    });
    await kube.applyCrds(["flux-kustomization-crd.yaml", "argo-application-crd.yaml", "cert-manager-crds.yaml"].map((f) => join(fixtures, f)));
    for (const name of ["argocd", "flux-system"]) expect((await kube.kubectl(["create", "namespace", name])).code).toBe(0);
    const rbac = await kube.kubectl(["apply", "-f", join(fixtures, "e2e-rbac.yaml")]);
    expect(rbac.code, rbac.stderr).toBe(0);
    ns.enforce = await kube.createNamespace("enforce");
    ns.warn = await kube.createNamespace("warn");
    ns.audit = await kube.createNamespace("audit");

    // The webhook looks objects up as its own service account, with only the shipped RBAC.
    const shippedRbac = await kube.kubectl(["apply", "-f", join(repoRoot, "deploy/webhook/rbac.yaml")]);
    expect(shippedRbac.code, shippedRbac.stderr).toBe(0);
    const kubeconfig = JSON.parse(readFileSync(kube.kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
    for (const u of kubeconfig.users) u.user["as"] = "system:serviceaccount:hush-system:hush-webhook";
    writeFileSync(join(dir, "webhook-kubeconfig"), JSON.stringify(kubeconfig), { mode: 0o600 });

    const tls = selfSignedCert(["127.0.0.1", "localhost"]);
    caPem = tls.ca;
    writeFileSync(join(dir, "tls.crt"), tls.cert);
    writeFileSync(join(dir, "tls.key"), tls.key, { mode: 0o600 });
    webhook = await serveWebhook({
      listen: "127.0.0.1:0",
      tlsCertFile: join(dir, "tls.crt"),
      tlsKeyFile: join(dir, "tls.key"),
      policy: parsePolicy({ namespaceModes: { [ns.warn]: "warn", [ns.audit]: "audit" } }),
      kubeconfigPath: join(dir, "webhook-kubeconfig"),
      logger: { level: "silent" },
      signals: new EventEmitter() as never,
    });
    await kube.registerValidatingWebhook({
      name: "e2e.secrets.hush.dev",
      url: `https://127.0.0.1:${webhook.port}/validate`,
      caBundle: tls.ca,
      failurePolicy: "Fail",
      rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["secrets", "configmaps"] }],
    });
  });

  afterAll(async () => {
    await webhook?.close();
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const apply = (manifest: string, as?: string, extra: string[] = []) =>
    kube.kubectl(["apply", ...(as ? [`--as=${as}`] : []), ...extra, "-f", "-"], { input: manifest });
  const exists = async (namespace: string, name: string) => (await kube.kubectl(["get", "secret", "-n", namespace, name])).code === 0;

  it("denies a plaintext Secret applied by Argo CD, with the remedy, and stores nothing", async () => {
    const res = await apply(secret(ns.enforce, "db-creds"), argo);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('admission webhook "e2e.secrets.hush.dev" denied the request');
    expect(res.stderr).toContain(`secret ${ns.enforce}/db-creds has plaintext values from Git in data.password`);
    expect(res.stderr).toContain("hush encrypt");
    expect(res.stderr).toContain("ExternalSecret");
    expect(res.stderr + res.stdout).not.toContain(canary);
    expect(await exists(ns.enforce, "db-creds")).toBe(false);
  });

  it("lets the same Secret through for an ordinary user", async () => {
    const res = await apply(secret(ns.enforce, "by-alice"), "alice");
    expect(res.code, res.stderr).toBe(0);
    expect(await exists(ns.enforce, "by-alice")).toBe(true);
  });

  it("judges server-side dry-run the same way", async () => {
    const denied = await apply(secret(ns.enforce, "dry"), argo, ["--dry-run=server"]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("has plaintext values from Git");
    const allowed = await apply(secret(ns.enforce, "dry"), "alice", ["--dry-run=server"]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain("(server dry run)");
    expect(await exists(ns.enforce, "dry")).toBe(false);
  });

  it("denies a Secret that is still SOPS ciphertext with its own reason", async () => {
    const res = await apply(secret(ns.enforce, "still-encrypted", { value: enc }), argo);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("still holds SOPS ciphertext in data.password");
    expect(res.stderr).toContain("without being decrypted");
  });

  it("warn mode admits with a warning kubectl prints", async () => {
    const res = await apply(secret(ns.warn, "warned"), argo);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Warning: hush: secret ${ns.warn}/warned has plaintext values from Git`);
    expect(res.stderr).not.toContain(canary);
    expect(await exists(ns.warn, "warned")).toBe(true);
  });

  it("audit mode admits silently and records the violation in the API server's audit log", async () => {
    const res = await apply(secret(ns.audit, "audited"), argo);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain("Warning");
    const auditLog = join(dir, "audit.log");
    let line: string | undefined;
    await waitFor(async () => {
      line = readFileSync(auditLog, "utf8").split("\n").find((l) => l.includes('"e2e.secrets.hush.dev/violation"') && l.includes('"audited"'));
      return line !== undefined;
    }, { what: "the audit annotation in the audit log", timeoutMs: 15_000 });
    const event = JSON.parse(line ?? "{}") as { annotations?: Record<string, string> };
    expect(event.annotations?.["e2e.secrets.hush.dev/violation"]).toBe("plaintext");
    expect(event.annotations?.["e2e.secrets.hush.dev/message"]).toContain(`secret ${ns.audit}/audited`);
    expect(readFileSync(auditLog, "utf8")).not.toContain(canary);
  });

  it("lets a Secret from a decrypting Flux Kustomization through, and not one from a plain Kustomization", async () => {
    const kustomizations = [
      { name: "decrypting", spec: { interval: "10m", path: "./apps", prune: true, sourceRef: { kind: "GitRepository", name: "repo" }, decryption: { provider: "sops", secretRef: { name: "sops-age" } } } },
      { name: "plain", spec: { interval: "10m", path: "./apps", prune: true, sourceRef: { kind: "GitRepository", name: "repo" } } },
    ];
    for (const k of kustomizations) {
      const res = await apply(JSON.stringify({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: k.name, namespace: "flux-system" }, spec: k.spec }));
      expect(res.code, res.stderr).toBe(0);
    }
    const labels = (name: string) => ({ "kustomize.toolkit.fluxcd.io/name": name, "kustomize.toolkit.fluxcd.io/namespace": "flux-system" });
    const ok = await apply(secret(ns.enforce, "from-flux", { labels: labels("decrypting") }), flux);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await exists(ns.enforce, "from-flux")).toBe(true);
    const denied = await apply(secret(ns.enforce, "from-plain-flux", { labels: labels("plain") }), flux);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("has plaintext values from Git");
    // A Kustomization that does not exist is a 404, not a failed lookup: plain plaintext.
    const missing = await apply(secret(ns.enforce, "from-missing-flux", { labels: labels("missing") }), flux);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("has plaintext values from Git");
    expect(missing.stderr).not.toContain("cannot be checked");
  });

  it("fails closed, saying why, when its service account may not read the Kustomization", async () => {
    const revoked = await kube.kubectl(["delete", "clusterrolebinding", "hush-webhook"]);
    expect(revoked.code, revoked.stderr).toBe(0);
    try {
      const labels = { "kustomize.toolkit.fluxcd.io/name": "other", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };
      let res = await apply(secret(ns.enforce, "unreadable-source", { labels }), flux, ["--dry-run=server"]);
      // RBAC changes reach the authorizer's cache quickly but not at once; probe until denied for it.
      await waitFor(async () => {
        res = await apply(secret(ns.enforce, "unreadable-source", { labels: { ...labels, "kustomize.toolkit.fluxcd.io/name": `other-${Date.now()}` } }), flux, ["--dry-run=server"]);
        return res.stderr.includes("cannot be checked");
      }, { what: "a denied lookup to fail the review closed", timeoutMs: 20_000 });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain("the API server refused to get kustomizations.kustomize.toolkit.fluxcd.io flux-system/other-");
      expect(res.stderr).toContain("HTTP 403; check the webhook's RBAC");
      expect((await webhook.app.inject("/metrics")).body).toMatch(/hush_webhook_lookups_total\{kind="kustomization",outcome="error"\} [1-9]/);
    } finally {
      expect((await kube.kubectl(["apply", "-f", join(repoRoot, "deploy/webhook/rbac.yaml")])).code).toBe(0);
      // Lookups work again once an uncached (absent) Kustomization reads as a 404, not a refusal.
      await waitFor(async () => {
        const labels = { "kustomize.toolkit.fluxcd.io/name": `absent-${Date.now()}`, "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };
        const res = await apply(secret(ns.enforce, "restored", { labels }), flux, ["--dry-run=server"]);
        return res.stderr.includes("has plaintext values from Git") && !res.stderr.includes("cannot be checked");
      }, { what: "the restored RBAC to let lookups through", timeoutMs: 20_000 });
    }
  });

  it("lets a Secret from an Argo CD Application with a decrypting plugin through", async () => {
    const app = { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "payments", namespace: "argocd" },
      spec: { project: "default", source: { repoURL: "https://git.example.com/x.git", path: "apps", plugin: { name: "ksops" } }, destination: { namespace: ns.enforce, server: "https://kubernetes.default.svc" } } };
    const created = await apply(JSON.stringify(app));
    expect(created.code, created.stderr).toBe(0);
    const res = await apply(secret(ns.enforce, "from-ksops", { annotations: { "argocd.argoproj.io/tracking-id": `payments:/Secret:${ns.enforce}/from-ksops` } }), argo);
    expect(res.code, res.stderr).toBe(0);
  });

  it("warns about a ConfigMap from Argo CD that holds a token, without printing it", async () => {
    const token = `ghp_${"Zq8vN2kP4xR7tY1uW3eA5sD9fG6hJ0lK2mB4"}`;
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app-env", namespace: ns.enforce }, data: { "app.env": `GITHUB_TOKEN=${token}` } };
    const res = await kube.kubectl(["apply", `--as=${argo}`, "-f", "-"], { input: JSON.stringify(cm) });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Warning: hush: configmap ${ns.enforce}/app-env looks like it holds a secret in data.app.env (github-pat)`);
    expect(res.stderr + res.stdout).not.toContain(token);
  });

  it("counts the decisions it made on /metrics", async () => {
    const metrics = (await webhook.app.inject("/metrics")).body;
    expect(metrics).toMatch(/hush_webhook_decisions_total\{result="denied",reason="plaintext",mode="enforce"\} [1-9]/);
    expect(metrics).toMatch(/hush_webhook_decisions_total\{result="warned",reason="plaintext",mode="warn"\} 1/);
    expect(metrics).toMatch(/hush_webhook_decisions_total\{result="audited",reason="plaintext",mode="audit"\} 1/);
    expect(metrics).toMatch(/hush_webhook_decisions_total\{result="allowed",reason="decrypted-by-flux",mode="enforce"\} 1/);
    expect(metrics).not.toContain(canary);
  });

  it("deploy/webhook applies cleanly to the API server (server-side dry run)", async () => {
    expect((await kube.kubectl(["create", "namespace", "hush-system", "--save-config"])).code).toBe(0);
    const res = await kube.kubectl(["apply", "--dry-run=server", "-k", join(repoRoot, "deploy/webhook")]);
    expect(res.code, res.stderr).toBe(0);
    for (const kind of ["deployment.apps/hush-webhook", "poddisruptionbudget.policy/hush-webhook", "service/hush-webhook",
      "clusterrole.rbac.authorization.k8s.io/hush-webhook", "certificate.cert-manager.io/hush-webhook-tls",
      "validatingwebhookconfiguration.admissionregistration.k8s.io/secrets.hush.dev"]) {
      expect(res.stdout).toContain(kind);
    }
  });

  it("the shipped configuration's matchConditions and namespaceSelector keep non-GitOps writes and kube-system away from the webhook", async () => {
    const shipped = parseYaml(readFileSync(join(repoRoot, "deploy/webhook/validatingwebhookconfiguration.yaml"), "utf8")) as any;
    // Same rules, selectors and CEL; only the address differs (a URL to this process instead of the in-cluster Service).
    shipped.metadata.annotations = {};
    shipped.webhooks[0].clientConfig = { url: `https://127.0.0.1:${webhook.port}/validate`, caBundle: Buffer.from(caPem).toString("base64") };
    const applied = await kube.kubectl(["apply", "-f", "-"], { input: JSON.stringify(shipped) });
    expect(applied.code, applied.stderr).toBe(0);
    expect((await kube.kubectl(["delete", "validatingwebhookconfiguration", "e2e.secrets.hush.dev"])).code).toBe(0);
    // The test configuration is gone once its sentinel webhook stops denying labelled ConfigMaps,
    // and the shipped one is active once it denies for Argo CD.
    const sentinel = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sentinel-probe", namespace: "default", labels: { "hush.test/webhook-sentinel": "e2e.secrets.hush.dev" } } });
    await waitFor(async () => (await kube.kubectl(["create", "--dry-run=server", "-f", "-"], { input: sentinel })).code === 0, {
      what: "the e2e webhook configuration to be removed",
    });
    await waitFor(async () => {
      const res = await apply(secret(ns.enforce, "probe"), argo, ["--dry-run=server"]);
      return res.code !== 0 && res.stderr.includes('admission webhook "secrets.hush.dev" denied');
    }, { what: "the shipped webhook configuration to be active" });

    const judged = async () => {
      const m = (await webhook.app.inject("/metrics")).body;
      return [...m.matchAll(/^hush_webhook_decisions_total\{[^}]*\} (\d+)$/gm)].reduce((sum, x) => sum + Number(x[1]), 0);
    };
    const before = await judged();
    const byAlice = await apply(secret(ns.enforce, "alice-after-cel"), "alice");
    expect(byAlice.code, byAlice.stderr).toBe(0);
    const inKubeSystem = await apply(secret("kube-system", "gitops-in-kube-system"), argo);
    expect(inKubeSystem.code, inKubeSystem.stderr).toBe(0);
    expect(await judged()).toBe(before);
    const denied = await apply(secret(ns.enforce, "argo-after-cel"), argo);
    expect(denied.stderr).toContain("has plaintext values from Git");
    expect(await judged()).toBe(before + 1);
  });
});
