import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { repoRoot, requirePeer, selfSignedCert, startKube, waitFor, type KubeHarness } from "@hush/testkit";
import { createCertAuthority } from "@hush/testkit/certs";
import { parsePolicy, serveWebhook, type RunningWebhook } from "@hush/webhook";

// The webhook, served over HTTPS in this process with --client-ca, called by a real
// kube-apiserver that presents an admission client certificate, through the shipped
// ValidatingWebhookConfiguration (matchConditions generated from the shipped policy) and the
// shipped policy itself. Every GitOps signal is played with kubectl as the tool would send it.
const peers = ["etcd", "kube-apiserver", "kubectl"].map((p) => requirePeer(p, "run `bash scripts/peers kube`"));
const ready = peers.every((p) => p.ok);

const sa = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;
const argo = sa("argocd", "argocd-application-controller");
const flux = sa("flux-system", "kustomize-controller");
const tenant = sa("team-a", "tenant");
const canary = "hush-e2e-canary-51c0ffee";
const enc = "ENC[AES256_GCM,data:q1w2e3,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:BBBBBBBBBBBBBBBBBBBBBB==,type:str]";
const fixtures = join(repoRoot, "test/webhook/fixtures");
const fluxLabels = (name: string, namespace = "flux-system") => ({ "kustomize.toolkit.fluxcd.io/name": name, "kustomize.toolkit.fluxcd.io/namespace": namespace });

interface SecretSpec {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  value?: string;
  type?: string;
  data?: Record<string, string> | null;
}

function secret(ns: string, name: string, extra: SecretSpec = {}) {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: ns, labels: extra.labels ?? {}, annotations: extra.annotations ?? {} },
    type: extra.type ?? "Opaque",
    ...(extra.data === null ? {} : extra.data ? { data: extra.data } : { stringData: { password: extra.value ?? canary } }),
  });
}

describe.skipIf(!ready)("admission webhook against a real kube-apiserver", () => {
  let kube: KubeHarness;
  let webhook: RunningWebhook;
  let dir: string;
  const ns = { enforce: "", warn: "", audit: "" };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hush-webhook-e2e-"));
    // The API server authenticates to webhooks with this client certificate (AdmissionConfiguration).
    const clientCa = createCertAuthority("hush-e2e-admission-ca");
    const client = clientCa.issue({ commonName: "kube-apiserver-admission", usage: "client" });
    writeFileSync(join(dir, "client-ca.crt"), clientCa.cert);
    writeFileSync(join(dir, "admission-kubeconfig"), JSON.stringify({
      apiVersion: "v1", kind: "Config",
      users: [{ name: "*", user: { "client-certificate-data": Buffer.from(client.cert).toString("base64"), "client-key-data": Buffer.from(client.key).toString("base64") } }],
    }), { mode: 0o600 });
    writeFileSync(join(dir, "admission.yaml"), JSON.stringify({
      apiVersion: "apiserver.config.k8s.io/v1", kind: "AdmissionConfiguration",
      plugins: [{ name: "ValidatingAdmissionWebhook", configuration: { apiVersion: "apiserver.config.k8s.io/v1", kind: "WebhookAdmissionConfiguration", kubeConfigFile: join(dir, "admission-kubeconfig") } }],
    }));
    const auditLog = join(dir, "audit.log");
    kube = await startKube({
      apiserverArgs: [
        `--audit-policy-file=${join(fixtures, "audit-policy.yaml")}`, `--audit-log-path=${auditLog}`, "--audit-log-mode=blocking",
        `--admission-control-config-file=${join(dir, "admission.yaml")}`,
      ],
    });
    await kube.applyCrds(["flux-kustomization-crd.yaml", "argo-application-crd.yaml", "cert-manager-crds.yaml"].map((f) => join(fixtures, f)));
    for (const name of ["argocd", "flux-system", "team-a"]) expect((await kube.kubectl(["create", "namespace", name])).code).toBe(0);
    const rbac = await kube.kubectl(["apply", "-f", join(fixtures, "e2e-rbac.yaml")]);
    expect(rbac.code, rbac.stderr).toBe(0);
    ns.enforce = await kube.createNamespace("enforce");
    ns.warn = await kube.createNamespace("warn");
    ns.audit = await kube.createNamespace("audit");

    // The webhook looks objects up as its own service account, with only the shipped RBAC.
    const shippedRbac = await kube.kubectl(["apply", "-f", join(repoRoot, "deploy/webhook/rbac.yaml")]);
    expect(shippedRbac.code, shippedRbac.stderr).toBe(0);
    const kubeconfig = JSON.parse(readFileSync(kube.kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
    for (const u of kubeconfig.users) u.user["as"] = sa("hush-system", "hush-webhook");
    writeFileSync(join(dir, "webhook-kubeconfig"), JSON.stringify(kubeconfig), { mode: 0o600 });

    const tls = selfSignedCert(["127.0.0.1", "localhost"]);
    writeFileSync(join(dir, "tls.crt"), tls.cert);
    writeFileSync(join(dir, "tls.key"), tls.key, { mode: 0o600 });
    // The shipped policy, with only the per-namespace modes these tests need.
    const shippedConfig = parseYaml(parseYaml(readFileSync(join(repoRoot, "deploy/webhook/config.yaml"), "utf8")).data["config.yaml"]);
    webhook = await serveWebhook({
      listen: "127.0.0.1:0",
      tlsCertFile: join(dir, "tls.crt"),
      tlsKeyFile: join(dir, "tls.key"),
      clientCaFile: join(dir, "client-ca.crt"),
      policy: parsePolicy({ ...shippedConfig, namespaceModes: { [ns.warn]: "warn", [ns.audit]: "audit" } }),
      kubeconfigPath: join(dir, "webhook-kubeconfig"),
      logger: { level: "silent" },
      signals: new EventEmitter() as never,
    });

    // The shipped configuration: same rules, selectors and CEL; only the address differs.
    const shipped = parseYaml(readFileSync(join(repoRoot, "deploy/webhook/validatingwebhookconfiguration.yaml"), "utf8")) as any;
    shipped.metadata.annotations = {};
    shipped.webhooks[0].clientConfig = { url: `https://127.0.0.1:${webhook.port}/validate`, caBundle: Buffer.from(tls.ca).toString("base64") };
    const applied = await kube.kubectl(["apply", "-f", "-"], { input: JSON.stringify(shipped) });
    expect(applied.code, applied.stderr).toBe(0);
    await waitFor(async () => {
      const res = await apply(secret(ns.enforce, "probe"), argo, ["--dry-run=server"]);
      return res.code !== 0 && res.stderr.includes('admission webhook "secrets.hush.dev" denied');
    }, { what: "the shipped webhook configuration to be active", timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await webhook?.close();
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const apply = (manifest: string, as?: string, extra: string[] = []) =>
    kube.kubectl(["apply", ...(as ? [`--as=${as}`] : []), ...extra, "-f", "-"], { input: manifest });
  const ssa = (manager: string) => ["--server-side", `--field-manager=${manager}`];
  const exists = async (namespace: string, name: string) => (await kube.kubectl(["get", "secret", "-n", namespace, name])).code === 0;
  const metrics = async () => (await webhook.app.inject("/metrics")).body;
  const judged = async () => [...(await metrics()).matchAll(/^hush_webhook_decisions_total\{[^}]*\} (\d+)$/gm)].reduce((sum, x) => sum + Number(x[1]), 0);
  const decisions = async (reason: string) =>
    [...(await metrics()).matchAll(new RegExp(`^hush_webhook_decisions_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)$`, "gm"))].reduce((s, x) => s + Number(x[1]), 0);

  it("denies a plaintext Secret applied by Argo CD, with the remedy, and stores nothing", async () => {
    const res = await apply(secret(ns.enforce, "db-creds"), argo);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('admission webhook "secrets.hush.dev" denied the request');
    expect(res.stderr).toContain(`secret ${ns.enforce}/db-creds has plaintext values from Git in data.password`);
    expect(res.stderr).toContain("hush encrypt");
    expect(res.stderr + res.stdout).not.toContain(canary);
    expect(await exists(ns.enforce, "db-creds")).toBe(false);
  });

  it("Flux multi-tenancy: a tenant account applying with kustomize-controller's field manager is refused, with or without the Flux labels", async () => {
    const labelled = await apply(secret("team-a", "tenant-flux", { labels: fluxLabels("apps", "team-a") }), tenant, ssa("kustomize-controller"));
    expect(labelled.code).not.toBe(0);
    expect(labelled.stderr).toContain("secret team-a/tenant-flux has plaintext values from Git");
    // Only the field manager: it reaches the webhook through managedFields in the CEL condition.
    const managerOnly = await apply(secret("team-a", "tenant-flux-2"), tenant, ssa("kustomize-controller"));
    expect(managerOnly.code).not.toBe(0);
    expect(managerOnly.stderr).toContain("has plaintext values from Git");
    expect(await exists("team-a", "tenant-flux")).toBe(false);
  });

  it("Argo CD impersonation: a destination service account applying with argocd-controller's field manager is refused", async () => {
    const deployer = sa("team-a", "argocd-deployer");
    const res = await apply(secret("team-a", "argo-dest", { annotations: { "argocd.argoproj.io/tracking-id": "payments:/Secret:team-a/argo-dest" } }), deployer, ssa("argocd-controller"));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("secret team-a/argo-dest has plaintext values from Git");
    const plain = await apply(secret("team-a", "argo-dest-2"), deployer, ssa("argocd-controller"));
    expect(plain.code).not.toBe(0);
  });

  it("a person's apply passes without the webhook being called, and so does a tenant's own", async () => {
    const before = await judged();
    const alice = await apply(secret(ns.enforce, "by-alice"), "alice");
    expect(alice.code, alice.stderr).toBe(0);
    const aliceSsa = await apply(secret(ns.enforce, "by-alice-ssa"), "alice", ["--server-side"]);
    expect(aliceSsa.code, aliceSsa.stderr).toBe(0);
    const own = await apply(secret("team-a", "by-tenant"), tenant);
    expect(own.code, own.stderr).toBe(0);
    expect(await exists(ns.enforce, "by-alice")).toBe(true);
    expect(await judged()).toBe(before);
  });

  it("Argo CD's own Secrets written by argocd-server pass", async () => {
    const server = sa("argocd", "argocd-server");
    const initial = await kube.kubectl(["create", "secret", "generic", "argocd-initial-admin-secret", "-n", "argocd", `--from-literal=password=${canary}`, `--as=${server}`]);
    expect(initial.code, initial.stderr).toBe(0);
    // A self-managed Argo CD: argocd-secret carries the tracking annotation, so the webhook is called.
    const own = await apply(secret("argocd", "argocd-secret", { annotations: { "argocd.argoproj.io/tracking-id": "argocd:/Secret:argocd/argocd-secret" } }), server);
    expect(own.code, own.stderr).toBe(0);
    expect(await decisions("argocd-own-secret")).toBeGreaterThanOrEqual(1);
    // The same Secret synced from Git by the controller is judged.
    const synced = await apply(secret("argocd", "repo-from-git", { labels: { "argocd.argoproj.io/secret-type": "repository" } }), argo);
    expect(synced.code).not.toBe(0);
  });

  it("Flux's server-side dry-run UPDATE of a Secret whose data cert-manager's manager owns passes; a change to that data does not", async () => {
    const tlsData = { "tls.crt": Buffer.from("cert").toString("base64"), "tls.key": Buffer.from(canary).toString("base64") };
    const issued = await apply(secret(ns.enforce, "web-tls", { type: "kubernetes.io/tls", data: tlsData }), sa("cert-manager", "cert-manager"), ssa("cert-manager-certificates-issuing"));
    expect(issued.code, issued.stderr).toBe(0);
    const skeleton = secret(ns.enforce, "web-tls", { type: "kubernetes.io/tls", data: null, labels: fluxLabels("apps") });
    // Flux applies with forced ownership (as kustomize-controller does), so shared fields never conflict.
    const dryRun = await apply(skeleton, flux, [...ssa("kustomize-controller"), "--dry-run=server", "--force-conflicts"]);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain("serverside-applied (server dry run)");
    const changed = secret(ns.enforce, "web-tls", { type: "kubernetes.io/tls", labels: fluxLabels("apps"), data: { ...tlsData, "tls.key": Buffer.from(`${canary}-git`).toString("base64") } });
    const refused = await apply(changed, flux, [...ssa("kustomize-controller"), "--dry-run=server", "--force-conflicts"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("plaintext values from Git in data.tls.key");
  });

  it("judges server-side dry-run the same way", async () => {
    const denied = await apply(secret(ns.enforce, "dry"), argo, ["--dry-run=server"]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("has plaintext values from Git");
    expect(await exists(ns.enforce, "dry")).toBe(false);
  });

  it("denies a Secret that is still SOPS ciphertext with its own reason", async () => {
    const res = await apply(secret(ns.enforce, "still-encrypted", { value: enc }), argo);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("still holds SOPS ciphertext in data.password");
  });

  it("answers hostile values well under a second (G1: ENC[] separators, G2: sops and newlines)", async () => {
    const size = 700 * 1024;
    const g1 = `ENC[AES256_GCM,data:${",iv:,tag:,type:".repeat(Math.floor(size / 15))}`;
    const g2 = `ENC[ sops${"\n".repeat(size)}`;
    for (const value of [g1, g2]) {
      const manifest = secret(ns.enforce, "hostile", { data: { payload: Buffer.from(value).toString("base64") } });
      const started = performance.now();
      // Server-side apply: client-side apply would copy the value into an annotation, over its size limit.
      const res = await apply(manifest, argo, [...ssa("argocd-controller"), "--dry-run=server"]);
      const took = performance.now() - started;
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain("denied the request");
      // kubectl's own start-up is in this figure; the API server gives the webhook 5 s.
      expect(took).toBeLessThan(3_000);
    }
    // The webhook's own time, from its histogram: no review has taken a second or more.
    const m = await metrics();
    const count = Number(/^hush_webhook_review_duration_seconds_count (\d+)/m.exec(m)?.[1]);
    const underOne = Number(/^hush_webhook_review_duration_seconds_bucket\{le="1"\} (\d+)/m.exec(m)?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(underOne).toBe(count);
  });

  it("warn mode admits with a warning kubectl prints", async () => {
    const res = await apply(secret(ns.warn, "warned"), argo);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Warning: hush: secret ${ns.warn}/warned has plaintext values from Git`);
    expect(res.stderr).not.toContain(canary);
  });

  it("audit mode admits silently and records the violation in the API server's audit log", async () => {
    const res = await apply(secret(ns.audit, "audited"), argo);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain("Warning");
    const auditLog = join(dir, "audit.log");
    let line: string | undefined;
    await waitFor(async () => {
      line = readFileSync(auditLog, "utf8").split("\n").find((l) => l.includes('"secrets.hush.dev/violation"') && l.includes('"audited"'));
      return line !== undefined;
    }, { what: "the audit annotation in the audit log", timeoutMs: 15_000 });
    const event = JSON.parse(line ?? "{}") as { annotations?: Record<string, string> };
    expect(event.annotations?.["secrets.hush.dev/violation"]).toBe("plaintext");
    expect(readFileSync(auditLog, "utf8")).not.toContain(canary);
  });

  it("trusts decryption only in a Kustomization in an admin namespace, sent by kustomize-controller", async () => {
    const kustomizations = [
      { name: "decrypting", namespace: "flux-system", decryption: true },
      { name: "plain", namespace: "flux-system", decryption: false },
      { name: "sneaky", namespace: "team-a", decryption: true },
    ];
    for (const k of kustomizations) {
      const spec = { interval: "10m", path: "./apps", prune: true, sourceRef: { kind: "GitRepository", name: "repo" }, ...(k.decryption ? { decryption: { provider: "sops" } } : {}) };
      const res = await apply(JSON.stringify({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: k.name, namespace: k.namespace }, spec }));
      expect(res.code, res.stderr).toBe(0);
    }
    const ok = await apply(secret(ns.enforce, "from-flux", { labels: fluxLabels("decrypting") }), flux, ssa("kustomize-controller"));
    expect(ok.code, ok.stderr).toBe(0);
    expect(await exists(ns.enforce, "from-flux")).toBe(true);
    const plain = await apply(secret(ns.enforce, "from-plain-flux", { labels: fluxLabels("plain") }), flux, ssa("kustomize-controller"));
    expect(plain.stderr).toContain("has plaintext values from Git");
    const missing = await apply(secret(ns.enforce, "from-missing-flux", { labels: fluxLabels("missing") }), flux, ssa("kustomize-controller"));
    expect(missing.stderr).toContain("has plaintext values from Git");
    expect(missing.stderr).not.toContain("cannot be checked");
    // A tenant's own decrypting Kustomization exempts nothing, and a tenant naming the admins' one is not believed.
    const sneaky = await apply(secret("team-a", "from-sneaky", { labels: fluxLabels("sneaky", "team-a") }), tenant, ssa("kustomize-controller"));
    expect(sneaky.stderr).toContain("has plaintext values from Git");
    const borrowed = await apply(secret("team-a", "borrowed", { labels: fluxLabels("decrypting") }), tenant, ssa("kustomize-controller"));
    expect(borrowed.stderr).toContain("has plaintext values from Git");
  });

  it("fails closed, saying why, when its service account may not read the Kustomization", async () => {
    const revoked = await kube.kubectl(["delete", "clusterrolebinding", "hush-webhook"]);
    expect(revoked.code, revoked.stderr).toBe(0);
    try {
      let res = await apply(secret(ns.enforce, "unreadable-source", { labels: fluxLabels("other") }), flux, ["--dry-run=server"]);
      // RBAC changes reach the authorizer's cache quickly but not at once; probe until denied for it.
      await waitFor(async () => {
        res = await apply(secret(ns.enforce, "unreadable-source", { labels: fluxLabels(`other-${Date.now()}`) }), flux, ["--dry-run=server"]);
        return res.stderr.includes("cannot be checked");
      }, { what: "a denied lookup to fail the review closed", timeoutMs: 20_000 });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain("the API server refused to get kustomizations.kustomize.toolkit.fluxcd.io flux-system/other-");
      expect(res.stderr).toContain("check the webhook's RBAC");
      expect(await metrics()).toMatch(/hush_webhook_lookups_total\{kind="kustomization",outcome="error"\} [1-9]/);
    } finally {
      expect((await kube.kubectl(["apply", "-f", join(repoRoot, "deploy/webhook/rbac.yaml")])).code).toBe(0);
      await waitFor(async () => {
        const res = await apply(secret(ns.enforce, "restored", { labels: fluxLabels(`absent-${Date.now()}`) }), flux, ["--dry-run=server"]);
        return res.stderr.includes("has plaintext values from Git") && !res.stderr.includes("cannot be checked");
      }, { what: "the restored RBAC to let lookups through", timeoutMs: 20_000 });
    }
  });

  it("lets a Secret from an Argo CD Application with a decrypting plugin through, only when the tracking id names it", async () => {
    const app = { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "payments", namespace: "argocd" },
      spec: { project: "default", source: { repoURL: "https://git.example.com/x.git", path: "apps", plugin: { name: "ksops" } }, destination: { namespace: ns.enforce, server: "https://kubernetes.default.svc" } } };
    const created = await apply(JSON.stringify(app));
    expect(created.code, created.stderr).toBe(0);
    const res = await apply(secret(ns.enforce, "from-ksops", { annotations: { "argocd.argoproj.io/tracking-id": `payments:/Secret:${ns.enforce}/from-ksops` } }), argo, ssa("argocd-controller"));
    expect(res.code, res.stderr).toBe(0);
    const other = await apply(secret(ns.enforce, "not-named", { annotations: { "argocd.argoproj.io/tracking-id": `payments:/Secret:${ns.enforce}/something-else` } }), argo, ssa("argocd-controller"));
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain("tracking id names another object");
  });

  it("warns about a ConfigMap from Argo CD that holds a token, without printing it", async () => {
    const token = `ghp_${"Zq8vN2kP4xR7tY1uW3eA5sD9fG6hJ0lK2mB4"}`;
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app-env", namespace: ns.enforce }, data: { "app.env": `GITHUB_TOKEN=${token}` } };
    const res = await kube.kubectl(["apply", `--as=${argo}`, "-f", "-"], { input: JSON.stringify(cm) });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Warning: hush: configmap ${ns.enforce}/app-env looks like it holds a secret in data.app.env (github-pat)`);
    expect(res.stderr + res.stdout).not.toContain(token);
  });

  it("kube-system is never sent to the webhook", async () => {
    const before = await judged();
    const res = await apply(secret("kube-system", "gitops-in-kube-system"), argo);
    expect(res.code, res.stderr).toBe(0);
    expect(await judged()).toBe(before);
  });

  it("answers /validate only to the API server's client certificate", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: "127.0.0.1", port: webhook.port, path: "/validate", method: "POST", rejectUnauthorized: false, headers: { "content-type": "application/json" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: {} }));
    });
    expect(status).toBe(401);
    expect(await metrics()).toMatch(/hush_webhook_rejected_requests_total\{status="401"\} [1-9]/);
    // Everything above went through the API server, which presented its certificate.
    expect(await judged()).toBeGreaterThan(10);
  });

  it("counts the decisions it made on /metrics", async () => {
    const m = await metrics();
    expect(m).toMatch(/hush_webhook_decisions_total\{result="denied",reason="plaintext",mode="enforce"\} [1-9]/);
    expect(m).toMatch(/hush_webhook_decisions_total\{result="warned",reason="plaintext",mode="warn"\} 1/);
    expect(m).toMatch(/hush_webhook_decisions_total\{result="audited",reason="plaintext",mode="audit"\} 1/);
    expect(m).toMatch(/hush_webhook_decisions_total\{result="allowed",reason="decrypted-by-flux",mode="enforce"\} 1/);
    expect(m).toMatch(/hush_webhook_decisions_total\{result="allowed",reason="unchanged",mode="enforce"\} [1-9]/);
    expect(m).not.toContain(canary);
  });

  it("deploy/webhook applies cleanly to the API server (server-side dry run)", async () => {
    expect((await kube.kubectl(["create", "namespace", "hush-system", "--save-config"])).code).toBe(0);
    const res = await kube.kubectl(["apply", "--dry-run=server", "-k", join(repoRoot, "deploy/webhook")]);
    expect(res.code, res.stderr).toBe(0);
    for (const kind of ["deployment.apps/hush-webhook", "poddisruptionbudget.policy/hush-webhook", "service/hush-webhook",
      "networkpolicy.networking.k8s.io/hush-webhook", "clusterrole.rbac.authorization.k8s.io/hush-webhook",
      "certificate.cert-manager.io/hush-webhook-ca", "certificate.cert-manager.io/hush-webhook-tls", "issuer.cert-manager.io/hush-webhook-ca",
      "validatingwebhookconfiguration.admissionregistration.k8s.io/secrets.hush.dev"]) {
      expect(res.stdout).toContain(kind);
    }
  });
});
