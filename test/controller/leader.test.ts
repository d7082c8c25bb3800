import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { apiVersion } from "@hush/kube";
import { KubeClient, loadKubeConfig, resourcePath } from "@hush/kube/client";
import { freePort, repoRoot, requirePeer, startKube, startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crdPaths } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const hush = join(repoRoot, "packages", "cli", "bin", "hush.js");

interface Proc {
  child: ChildProcess;
  port: number;
  lines: string[];
  logs(): { msg?: string; identity?: string; key?: string }[];
}

describe.skipIf(!peers.every((p) => p.ok))("leader election between two `hush controller` processes", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let client: KubeClient;
  let ns: string;
  const procs: Proc[] = [];

  async function startController(): Promise<Proc> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [hush, "controller", "--kubeconfig", kube.kubeconfigPath, "--metrics-addr", `127.0.0.1:${port}`, "--metrics-auth", "none", "--lease-namespace", ns, "--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "300ms", "--aws-endpoint", moto.endpoint, "--workers", "2"],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: process.env["CI"] ?? "" } },
    );
    const lines: string[] = [];
    let buf = "";
    child.stdout!.on("data", (c: Buffer) => {
      buf += c.toString("utf8");
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    child.stderr!.on("data", (c: Buffer) => lines.push(`stderr: ${c.toString("utf8")}`));
    const p: Proc = {
      child,
      port,
      lines,
      logs: () =>
        lines.flatMap((l) => {
          try {
            return [JSON.parse(l) as { msg?: string; identity?: string; key?: string }];
          } catch {
            return [];
          }
        }),
    };
    procs.push(p);
    return p;
  }

  const status = async (port: number, path: string): Promise<number> => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  const leaseHolder = async (): Promise<string | undefined> =>
    (await client.get<{ spec?: { holderIdentity?: string } }>(resourcePath({ group: "coordination.k8s.io", version: "v1", plural: "leases", namespace: ns, name: "hush-controller" })))?.spec?.holderIdentity;
  const identityOf = (p: Proc) => p.logs().find((l) => l.msg === "became leader")?.identity;
  const syncedBy = (p: Proc, key: string) => p.logs().some((l) => l.msg === "synced" && l.key === key);

  async function es(name: string, remote: string): Promise<void> {
    await client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns }), {
      body: { apiVersion, kind: "ExternalSecret", metadata: { name }, spec: { secretStoreRef: { name: "aws" }, data: [{ secretKey: "v", remoteRef: { key: remote } }] } },
    });
  }
  const secretValue = async (name: string) => {
    const s = await client.get<{ data?: Record<string, string> }>(resourcePath({ version: "v1", plural: "secrets", namespace: ns, name }));
    return s?.data?.["v"] ? Buffer.from(s.data["v"], "base64").toString() : undefined;
  };

  beforeAll(async () => {
    kube = await startKube();
    await kube.applyCrds(crdPaths);
    moto = await startMoto();
    client = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
    ns = await kube.createNamespace("leader");
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    await sm.send(new CreateSecretCommand({ Name: "one", SecretString: "1" }));
    await sm.send(new CreateSecretCommand({ Name: "two", SecretString: "2" }));
    sm.destroy();
    await client.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), { body: { metadata: { name: "aws-creds" }, stringData: { id: moto.credentials.accessKeyId, secret: moto.credentials.secretAccessKey } } });
    await client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), {
      body: {
        apiVersion,
        kind: "SecretStore",
        metadata: { name: "aws" },
        spec: { provider: { aws: { region: moto.region, auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } } } } },
      },
    });
  });

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await moto?.stop();
    await kube?.stop();
  });

  it("only the Lease holder reconciles, and the standby takes over when the leader dies", async () => {
    const a = await startController();
    await waitFor(async () => identityOf(a) !== undefined, { what: `first controller leads; log:\n${a.lines.slice(-5).join("\n")}`, timeoutMs: 30_000 });
    const b = await startController();
    await waitFor(async () => (await status(b.port, "/readyz").catch(() => 0)) === 200, { what: "standby ready", timeoutMs: 30_000 });
    expect(await leaseHolder()).toBe(identityOf(a));

    await es("first", "one");
    await waitFor(async () => (await secretValue("first")) === "1", { what: "first synced by the leader", timeoutMs: 20_000 });
    await waitFor(async () => syncedBy(a, `${ns}/first`), { what: `leader logged the sync; log:\n${a.lines.slice(-5).join("\n")}`, timeoutMs: 5_000 });
    expect(syncedBy(b, `${ns}/first`)).toBe(false);
    expect(b.logs().some((l) => l.msg === "controller started")).toBe(false);
    const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
    expect(metrics).toMatch(/hush_controller_reconcile_total\{result="success"\} [1-9]/);

    // Crash the leader: no graceful release, so the standby must wait out the lease.
    a.child.kill("SIGKILL");
    await once(a.child, "exit");
    await waitFor(async () => identityOf(b) !== undefined, { what: "standby became leader", timeoutMs: 20_000 });
    expect(await leaseHolder()).toBe(identityOf(b));
    await es("second", "two");
    await waitFor(async () => (await secretValue("second")) === "2", { what: "second synced by the new leader", timeoutMs: 20_000 });
    await waitFor(async () => syncedBy(b, `${ns}/second`), { what: "new leader logged the sync", timeoutMs: 5_000 });

    // A graceful stop releases the lease and exits 0.
    b.child.kill("SIGTERM");
    const [code] = (await once(b.child, "exit")) as [number | null];
    expect(code).toBe(0);
    await waitFor(async () => (await leaseHolder()) === "", { what: "lease released on SIGTERM", timeoutMs: 10_000 });
  });
});
