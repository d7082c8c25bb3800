import { writeFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { runController } from "@hush/controller";
import { apiVersion } from "@hush/kube";
import { KubeClient, loadKubeConfig, resourcePath } from "@hush/kube/client";
import { repoRoot, requirePeer, startKube, startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crdPaths } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const sa = "system:serviceaccount:hush-system:hush-controller";
const manifests = ["namespace.yaml", "serviceaccount.yaml", "rbac.yaml"].map((f) => join(repoRoot, "deploy", "controller", f));

describe.skipIf(!peers.every((p) => p.ok))("deploy/controller RBAC is enough, and no more", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let dir: string;
  let saKubeconfig: string;

  beforeAll(async () => {
    kube = await startKube();
    await kube.applyCrds(crdPaths);
    moto = await startMoto();
    for (const m of manifests) {
      const r = await kube.kubectl(["apply", "-f", m]);
      expect(r.code, r.stderr).toBe(0);
    }
    // The authorizer reads RBAC from an informer: wait until the binding is in effect.
    await waitFor(async () => (await kube.kubectl(["--as", sa, "auth", "can-i", "watch", "externalsecrets.hush.dev", "-A"])).stdout.trim() === "yes", { what: "RBAC in effect" });
    dir = mkdtempSync(join(tmpdir(), "hush-rbac-"));
    const cfg = parse(readFileSync(kube.kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
    for (const u of cfg.users) u.user["as"] = sa;
    saKubeconfig = join(dir, "kubeconfig");
    writeFileSync(saKubeconfig, stringify(cfg), { mode: 0o600 });
  });
  afterAll(async () => {
    await moto?.stop();
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("grants exactly the verbs the controller needs", async () => {
    const can = async (verb: string, resource: string, ns = "default", extra: string[] = []) => (await kube.kubectl(["--as", sa, "auth", "can-i", verb, resource, "-n", ns, ...extra])).stdout.trim();
    expect(await can("patch", "externalsecrets.hush.dev", "default", ["--subresource=status"])).toBe("yes");
    expect(await can("patch", "externalsecrets.hush.dev")).toBe("no");
    expect(await can("update", "externalsecrets.hush.dev")).toBe("no");
    expect(await can("delete", "externalsecrets.hush.dev")).toBe("no");
    expect(await can("create", "leases.coordination.k8s.io", "hush-system")).toBe("yes");
    expect(await can("create", "leases.coordination.k8s.io", "default")).toBe("no");
    expect(await can("get", "configmaps")).toBe("no");
    expect(await can("create", "pods")).toBe("no");
  });

  it("runs the controller as its ServiceAccount: store validated, Secret synced, Lease held", async () => {
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    await sm.send(new CreateSecretCommand({ Name: "rbac/value", SecretString: "granted" }));
    sm.destroy();
    const admin = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
    const ns = await kube.createNamespace("rbac");
    await admin.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { body: { metadata: { name: "aws-creds" }, stringData: { id: moto.credentials.accessKeyId, secret: moto.credentials.secretAccessKey } } });
    await admin.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: { apiVersion, kind: "SecretStore", metadata: { name: "aws" }, spec: { provider: { aws: { region: moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } } } } } },
    });
    await admin.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
      body: { apiVersion, kind: "ExternalSecret", metadata: { name: "v" }, spec: { secretStoreRef: { name: "aws" }, data: [{ secretKey: "v", remoteRef: { key: "rbac/value" } }] } },
    });

    const lines: string[] = [];
    const abort = new AbortController();
    const done = runController({
      kubeconfigPath: saKubeconfig,
      signal: abort.signal,
      opsAddress: "127.0.0.1:0",
      clientOverrides: { aws: { endpoint: moto.endpoint } },
      leaderElection: { namespace: "hush-system", leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 },
      logger: { level: "info", sink: { write: (l: string) => lines.push(l) } },
    });
    try {
      await waitFor(
        async () => {
          const s = await admin.get<{ data?: Record<string, string> }>(resourcePath({ version: "v1", plural: "secrets", namespace: ns, name: "v" }));
          return s?.data?.["v"] === Buffer.from("granted").toString("base64");
        },
        { what: `Secret synced by the ServiceAccount; log:\n${lines.slice(-5).join("")}`, timeoutMs: 30_000 },
      );
      await waitFor(async () => {
        const es = await admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>(resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns, name: "v" }));
        return es?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      }, { what: "Ready=True written by the ServiceAccount" });
      await waitFor(async () => {
        const st = await admin.get<{ status?: { conditions?: { type: string; status: string; reason: string }[] } }>(resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns, name: "aws" }));
        return st?.status?.conditions?.some((c) => c.type === "Ready" && c.reason === "Valid") ?? false;
      }, { what: "store status written by the ServiceAccount" });
      const lease = await admin.get<{ spec?: { holderIdentity?: string } }>(resourcePath({ group: "coordination.k8s.io", version: "v1", plural: "leases", namespace: "hush-system", name: "hush-controller" }));
      expect(lease?.spec?.holderIdentity).toBeTruthy();
      expect(lines.join("\n")).not.toMatch(/HUSH_ERR_KUBE_FORBIDDEN/);
    } finally {
      abort.abort();
      expect(await done).toBe("stopped");
    }
  });

  it("the Deployment manifest passes server-side validation", async () => {
    const r = await kube.kubectl(["apply", "--dry-run=server", "-f", join(repoRoot, "deploy", "controller", "deployment.yaml")]);
    expect(r.code, r.stderr).toBe(0);
  });
});
