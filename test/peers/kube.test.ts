import { createServer, type Server } from "node:https";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { k8s, repoRoot, requirePeer, selfSignedCert, startKube, waitFor, type KubeHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const peers = ["etcd", "kube-apiserver", "kubectl"].map((name) => requirePeer(name, "run `bash scripts/peers kube`"));
const ready = peers.every((p) => p.ok);
const argocd = "system:serviceaccount:argocd:argocd-application-controller";

describe.skipIf(!ready)("kube-apiserver + etcd peer", () => {
  let kube: KubeHarness;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    kube = await startKube();
    core = kube.kubeConfig.makeApiClient(k8s.CoreV1Api);
  });
  afterAll(async () => {
    await kube?.stop();
  });

  it("creates a namespace and a Secret and reads the Secret back through client-node", async () => {
    const ns = await kube.createNamespace("smoke");
    expect(ns).toMatch(/^smoke-[0-9a-f]{6}$/);
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "db" }, type: "Opaque", stringData: { password: "not-a-real-secret" } },
    });
    const secret = await core.readNamespacedSecret({ namespace: ns, name: "db" });
    expect(Buffer.from(secret.data?.["password"] ?? "", "base64").toString()).toBe("not-a-real-secret");
    const got = await kube.kubectl(["get", "secret", "db", "-n", ns, "-o", "jsonpath={.metadata.uid}"]);
    expect(got).toMatchObject({ code: 0, stdout: secret.metadata?.uid });
  });

  it("lets kubectl impersonate the Argo CD application controller, with RBAC applied to it", async () => {
    const whoami = await kube.kubectl(["--as", argocd, "auth", "whoami", "-o", "json"]);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout).status.userInfo.username).toBe(argocd);

    const ns = await kube.createNamespace("impersonate");
    const denied = await kube.kubectl(["--as", argocd, "get", "secrets", "-n", ns]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(`User "${argocd}" cannot list resource "secrets"`);

    const rbac = kube.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: { metadata: { name: "read-secrets" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: "argocd-reads" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-secrets" },
        subjects: [{ kind: "ServiceAccount", name: "argocd-application-controller", namespace: "argocd" }],
      },
    });
    // RBAC's authorizer reads roles from an informer: probe until the binding is visible.
    await waitFor(async () => (await kube.kubectl(["--as", argocd, "get", "secrets", "-n", ns])).code === 0, {
      timeoutMs: 20_000,
      what: "the RoleBinding to take effect",
    });
  });

  it("applies the project's CRDs with their x-kubernetes-* schema markers intact", async () => {
    const dir = join(repoRoot, "deploy", "crds");
    // Only the CRDs (the folder also holds its kustomization.yaml).
    const files = readdirSync(dir).filter((f) => f.startsWith("hush.dev_") && f.endsWith(".yaml")).map((f) => join(dir, f));
    expect(files.length).toBeGreaterThan(0);
    await kube.applyCrds(files);
    await kube.applyCrds(files); // idempotent
    const stored = await kube.kubectl(["get", "crd", "secretstores.hush.dev", "-o", "json"]);
    expect(stored.code, stored.stderr).toBe(0);
    expect(stored.stdout).toContain('"x-kubernetes-');
    const established = await kube.kubectl(["get", "crd", "-o", "jsonpath={.items[*].metadata.name}"]);
    expect(established.stdout.split(" ").sort()).toEqual(
      expect.arrayContaining(["clustersecretstores.hush.dev", "externalsecrets.hush.dev", "secretstores.hush.dev"]),
    );
  });

  describe("a ValidatingWebhookConfiguration registered by the harness", () => {
    let server: Server;
    const reviews: { uid: string; name: string; namespace: string; operation: string }[] = [];

    beforeAll(async () => {
      const tls = selfSignedCert(["127.0.0.1"]);
      server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (body += chunk));
        req.on("end", () => {
          const request = JSON.parse(body).request;
          reviews.push({
            uid: request.uid,
            name: request.name,
            namespace: request.namespace,
            operation: request.operation,
          });
          const deny = request.object?.metadata?.labels?.["hush.test/deny"] === "yes";
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({
            apiVersion: "admission.k8s.io/v1",
            kind: "AdmissionReview",
            response: deny
              ? { uid: request.uid, allowed: false, status: { code: 403, message: "denied by the loopback webhook" } }
              : { uid: request.uid, allowed: true },
          }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      await kube.registerValidatingWebhook({
        name: "smoke.webhook.hush.test",
        url: `https://127.0.0.1:${port}/validate`,
        caBundle: tls.ca,
        namespaceSelector: { matchLabels: { "hush.test/harness": "true" } },
      });
    });
    afterAll(() => {
      server?.close();
    });

    it("calls the HTTPS server on loopback, trusting it through the caBundle, and enforces its answer", async () => {
      const ns = await kube.createNamespace("webhook");
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "allowed" }, stringData: { k: "v" } } });
      expect(reviews).toContainEqual(expect.objectContaining({ name: "allowed", namespace: ns, operation: "CREATE" }));

      const attempt = core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name: "denied", labels: { "hush.test/deny": "yes" } }, stringData: { k: "v" } },
      });
      await expect(attempt).rejects.toMatchObject({ code: 403 });
      await expect(attempt).rejects.toThrow(/denied by the loopback webhook/);
      expect(reviews).toContainEqual(expect.objectContaining({ name: "denied", namespace: ns }));
      await expect(core.readNamespacedSecret({ namespace: ns, name: "denied" })).rejects.toMatchObject({ code: 404 });
    });
  });

  it("stop() kills both servers and removes the temp dir; a failed start cleans up and shows the log tail", async () => {
    const other = await startKube();
    const port = new URL(other.server).port;
    expect(existsSync(other.kubeconfigPath)).toBe(true);
    await other.stop();
    await other.stop(); // idempotent
    expect(existsSync(other.kubeconfigPath)).toBe(false);
    expect((await kube.kubectl(["--server", `https://127.0.0.1:${port}`, "--request-timeout=2s", "get", "ns"])).code).not.toBe(0);

    await expect(startKube({ apiserverArgs: ["--no-such-flag-for-hush"] })).rejects.toThrow(
      /kube-apiserver exited \(1\) before it was ready; log tail:\n[\s\S]*unknown flag: --no-such-flag-for-hush/,
    );
    // A leaked etcd or API server would still name its (now removed) temp dir. stop() kills
    // before it removes, so other suites' live harnesses never match.
    const leaked = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
      .split("\n")
      .filter((args) => /\/(etcd|kube-apiserver) /.test(args))
      .filter((args) => {
        const dir = /(\/[^\s=]*\/hush-kube-[^/\s]+)/.exec(args)?.[1];
        return dir !== undefined && !existsSync(dir);
      });
    expect(leaked).toEqual([]);
  });
});
