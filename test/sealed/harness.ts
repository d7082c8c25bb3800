import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary, freePort, peersBin, repoRoot, waitFor, type KubeHarness } from "@hush/testkit";
import { spawnPeer, type PeerProcess } from "@hush/testkit/peer-process";

/** The built CLI, as users run it. */
export const hushBin = join(repoRoot, "packages/cli/bin/hush.js");
/** The CRD the sealed-secrets peer step copied from the module's helm chart. */
export const crdPath = join(peersBin, "..", "sealed-secrets", "bitnami.com_sealedsecrets.yaml");
/** The label the controller finds its keys by. */
export const keyLabel = "sealedsecrets.bitnami.com/sealed-secrets-key";

/** Result of {@link run}. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion, feeding `input` on stdin. Never throws on a non-zero exit. */
export function run(bin: string, args: readonly string[], options: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Runs the built `hush`. */
export function hush(args: readonly string[], options: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<RunResult> {
  return run(process.execPath, [hushBin, ...args], options);
}

/** A self-signed RSA certificate and key (the controller's own kind), written into `dir`. */
export function makeKeyPair(dir: string, name: string): { cert: string; key: string; certPath: string; keyPath: string } {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "30", "-subj", "/CN=sealed-secret/O=sealed-secret"], { stdio: "ignore" });
  return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8"), certPath, keyPath };
}

/** A certificate that expired in 2020 (openssl's `ca` is the only 3.0 tool that back-dates). */
export function makeExpiredCert(dir: string): string {
  const ca = join(dir, "expired-ca");
  execFileSync("mkdir", ["-p", join(ca, "newcerts")]);
  writeFileSync(join(ca, "index.txt"), "");
  writeFileSync(join(ca, "serial"), "01\n");
  writeFileSync(join(ca, "ca.cnf"), `[ ca ]\ndefault_ca = d\n[ d ]\ndir = ${ca}\ndatabase = ${ca}/index.txt\nnew_certs_dir = ${ca}/newcerts\nserial = ${ca}/serial\ndefault_md = sha256\npolicy = p\n[ p ]\ncommonName = supplied\n`);
  execFileSync("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", join(ca, "k.pem"), "-out", join(ca, "r.csr"), "-subj", "/CN=sealed-secret"], { stdio: "ignore" });
  const out = join(dir, "expired.crt");
  execFileSync("openssl", ["ca", "-batch", "-config", join(ca, "ca.cnf"), "-selfsign", "-keyfile", join(ca, "k.pem"), "-in", join(ca, "r.csr"), "-out", out, "-startdate", "20200101000000Z", "-enddate", "20200102000000Z"], { stdio: "ignore" });
  return out;
}

/** The first non-loopback IPv4 address: the API server's service proxy refuses loopback endpoints. */
export function hostIp(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

/** A running sealed-secrets controller (the real binary) serving one cluster. */
export interface SealedController {
  readonly namespace: string;
  readonly name: string;
  /** The controller's sealing certificate and private key (PEM), which the suite gave it. */
  readonly cert: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** The controller's own HTTP address (what its Service fronts), e.g. for `--cert http://…/v1/cert.pem`. */
  readonly url: string;
  readonly proc: PeerProcess;
  stop(): Promise<void>;
}

/**
 * Runs the real controller out of cluster against the harness's API server. The binary only
 * knows in-cluster configuration (a token and CA at /var/run/secrets/kubernetes.io/…), so it
 * runs in a private mount namespace where a tmpfs over /run holds them; nothing on the host's
 * /run changes. Its key pair is created by the suite (a labelled kubernetes.io/tls Secret, as
 * the controller stores its own), and a selector-less Service with a hand-made EndpointSlice lets
 * the API server's service proxy reach it, as kubeseal expects.
 */
export async function startController(kube: KubeHarness, workDir: string): Promise<SealedController> {
  const bin = findBinary("sealed-secrets-controller");
  const ip = hostIp();
  if (!bin) throw new Error("sealed-secrets-controller not built; run `bash scripts/peers sealed`");
  if (!ip) throw new Error("no non-loopback IPv4 address: the API server's service proxy cannot reach a loopback endpoint");
  const namespace = await kube.createNamespace("sealed-secrets");
  const name = "sealed-secrets-controller";
  const dir = mkdtempSync(join(tmpdir(), "hush-sealed-ctl-"));
  const keys = makeKeyPair(workDir, "controller");

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const res = await kube.kubectl(args, input === undefined ? {} : { input });
    if (res.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${res.stderr.trim()}`);
    return res.stdout;
  };
  await kubectl(["create", "serviceaccount", name, "-n", namespace]);
  await kubectl(["create", "clusterrolebinding", `${namespace}-admin`, "--clusterrole=cluster-admin", `--serviceaccount=${namespace}:${name}`]);
  const token = (await kubectl(["create", "token", name, "-n", namespace, "--duration=6h"])).trim();
  const kubeconfig = JSON.parse(readFileSync(kube.kubeconfigPath, "utf8")) as { clusters: { cluster: Record<string, string> }[] };
  writeFileSync(join(dir, "token"), token, { mode: 0o600 });
  writeFileSync(join(dir, "ca.crt"), Buffer.from(kubeconfig.clusters[0]!.cluster["certificate-authority-data"]!, "base64"));
  await kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls",
    metadata: { name: "sealed-secrets-key-hush", namespace, labels: { [keyLabel]: "active" } },
    data: { "tls.crt": Buffer.from(keys.cert).toString("base64"), "tls.key": Buffer.from(keys.key).toString("base64") },
  }));

  const [port, metricsPort] = [await freePort(), await freePort()];
  const server = new URL(kube.server);
  const script = 'set -e; mount -t tmpfs -o mode=0755 tmpfs /run; d=/run/secrets/kubernetes.io/serviceaccount; mkdir -p "$d"; cp "$1/token" "$1/ca.crt" "$d/"; shift; exec "$@"';
  const proc = spawnPeer("sealed-secrets-controller", "unshare", [
    "--mount", "--propagation", "private", "sh", "-c", script, "sh", dir, bin,
    `--listen-addr=${ip}:${port}`, `--listen-metrics-addr=127.0.0.1:${metricsPort}`,
    "--key-renew-period=0", "--update-status=true",
  ], join(dir, "controller.log"), {
    env: { ...process.env, KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port, POD_NAMESPACE: namespace },
  });
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      proc.assertRunning();
      try {
        return (await fetch(`http://${ip}:${port}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
      } catch {
        return false;
      }
    }, { timeoutMs: 60_000, what: "sealed-secrets controller /healthz" });
    // Reachable through the API server as kubeseal reaches it: Service → EndpointSlice → Pod IP.
    // The API server proxies only to endpoints whose target Pod reports that IP, so a stand-in
    // Pod (never scheduled: there are no nodes) carries the controller's address in its status.
    await kubectl(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels: { app: name } },
      spec: { serviceAccountName: name, automountServiceAccountToken: false, containers: [{ name: "controller", image: "sealed-secrets-controller:v0.27.1" }] },
    }));
    await kubectl(["patch", "pod", name, "-n", namespace, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { podIP: ip, podIPs: [{ ip }] } })]);
    await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [
      { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { ports: [{ name: "http", port: 8080, targetPort: port }] } },
      {
        apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", addressType: "IPv4",
        metadata: { name: `${name}-hush`, namespace, labels: { "kubernetes.io/service-name": name } },
        endpoints: [{ addresses: [ip], conditions: { ready: true }, targetRef: { kind: "Pod", namespace, name } }], ports: [{ name: "http", port, protocol: "TCP" }],
      },
    ] }));
  } catch (err) {
    const tail = proc.logTail();
    await stop();
    throw new Error(`${(err as Error).message}\ncontroller log tail:\n${tail}`);
  }
  return { namespace, name, cert: keys.cert, certPath: keys.certPath, keyPath: keys.keyPath, url: `http://${ip}:${port}`, proc, stop };
}
