import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { httpStatus } from "./http-status.js";
import { awaitPeer, spawnPeer, type PeerProcess } from "./peer-process.js";
import { findBinary, repoRoot, requirePeer, type PeerCheck } from "./require-peer.js";

/** Options for {@link startEso}. */
export interface StartEsoOptions {
  /** The test API server's kubeconfig; ESO reads it through `KUBECONFIG`, out of cluster. */
  readonly kubeconfigPath: string;
  /** `--namespace`: reconcile ExternalSecrets and SecretStores of this namespace only. */
  readonly namespace?: string;
  /** `--concurrent` (ESO's default is 1). */
  readonly concurrent?: number;
  /** `--client-qps` / `--client-burst` (ESO's defaults are 50 / 100). */
  readonly clientQps?: number;
  readonly clientBurst?: number;
  /**
   * An AWS endpoint (moto) for Secrets Manager, Systems Manager (Parameter Store) and STS; ESO
   * v0.16 reads it from `AWS_SECRETSMANAGER_ENDPOINT` / `AWS_SSM_ENDPOINT` / `AWS_STS_ENDPOINT`
   * (pkg/provider/aws/auth/resolver.go).
   */
  readonly awsEndpoint?: string;
  /**
   * Run ESO's ClusterExternalSecret reconciler (`--enable-cluster-external-secret-reconciler`,
   * off by default here). It watches every ClusterExternalSecret and Namespace and writes
   * ExternalSecrets cluster-wide, so leave `namespace` unset when enabling it.
   */
  readonly clusterExternalSecrets?: boolean;
  /**
   * Run ESO's PushSecret reconciler (`--enable-push-secret-reconciler`, off by default here): it
   * writes to the providers of the stores PushSecrets name.
   */
  readonly pushSecrets?: boolean;
  /** More flags, appended last. */
  readonly extraArgs?: readonly string[];
  /**
   * More environment variables, set last (e.g. `HTTPS_PROXY` and `SSL_CERT_FILE` to reach a
   * service ESO v0.16 has no endpoint variable for, such as ECR, through a local proxy).
   */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Where the log goes; a fresh temporary directory (removed by stop) when unset. */
  readonly logDir?: string;
  readonly timeoutMs?: number;
}

/** A running ESO controller process. */
export interface EsoHarness {
  readonly process: PeerProcess;
  /** `http://127.0.0.1:PORT` of its metrics server (`/metrics`). */
  readonly metricsUrl: string;
  /** The file ESO's stdout and stderr go to; never printed whole by the harness. */
  readonly logFile: string;
  /** SIGTERM (graceful manager shutdown), SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

const howToGet = "run `bash scripts/peers eso`";

/**
 * {@link requirePeer} for ESO's controller binary: under `CI=true` a missing one throws,
 * locally the suite skips loudly.
 */
export function requireEso(): PeerCheck {
  return requirePeer("external-secrets", howToGet);
}

/**
 * ESO's CustomResourceDefinitions as `scripts/peers eso` copied them from the ESO module
 * (`$HUSH_PEERS/eso-crds`, else `.cache/peers/eso-crds`): both groups, because the controller
 * watches `generatorstates.generators.external-secrets.io` too and exits if that kind is unknown.
 */
export function esoCrdPaths(): string[] {
  const custom = process.env["HUSH_PEERS"];
  const dirs = [...(custom ? [join(custom, "eso-crds")] : []), join(repoRoot, ".cache", "peers", "eso-crds")];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    return files.filter((f) => f.endsWith(".yaml")).sort().map((f) => join(dir, f));
  }
  throw new Error(`ESO CRDs not found in ${dirs.join(" or ")}; ${howToGet}`);
}

/**
 * Starts ESO's controller (`external-secrets`, the root command: ExternalSecret, SecretStore,
 * ClusterSecretStore and the other reconcilers; the webhook and cert-controller subcommands are
 * separate and not started) out of cluster against `kubeconfigPath`, with leader election off and
 * metrics on a free loopback port, and waits until its metrics server answers.
 * @throws Error when the binary is missing or ESO exits or does not become ready (log tail included).
 */
export async function startEso(options: StartEsoOptions): Promise<EsoHarness> {
  const bin = findBinary("external-secrets");
  if (!bin) throw new Error(`peer 'external-secrets' not found; ${howToGet}`);
  const ownDir = options.logDir ? undefined : mkdtempSync(join(tmpdir(), "hush-eso-"));
  const dir = options.logDir ?? (ownDir as string);
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}`;
  const args = [
    `--metrics-addr=127.0.0.1:${port}`,
    "--enable-leader-election=false",
    `--concurrent=${options.concurrent ?? 1}`,
    // Off unless asked for, so ESO needs no RBAC or informers for them.
    `--enable-push-secret-reconciler=${options.pushSecrets === true}`,
    "--enable-cluster-push-secret-reconciler=false",
    `--enable-cluster-external-secret-reconciler=${options.clusterExternalSecrets === true}`,
    "--loglevel=info",
    "--zap-time-encoding=iso8601",
    ...(options.namespace ? [`--namespace=${options.namespace}`] : []),
    ...(options.clientQps !== undefined ? [`--client-qps=${options.clientQps}`] : []),
    ...(options.clientBurst !== undefined ? [`--client-burst=${options.clientBurst}`] : []),
    ...(options.extraArgs ?? []),
  ];
  // No ambient AWS settings or in-cluster hints may leak into the process.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !k.startsWith("KUBERNETES_SERVICE")),
  );
  env["KUBECONFIG"] = options.kubeconfigPath;
  if (options.awsEndpoint) {
    env["AWS_SECRETSMANAGER_ENDPOINT"] = options.awsEndpoint;
    env["AWS_STS_ENDPOINT"] = options.awsEndpoint;
    env["AWS_SSM_ENDPOINT"] = options.awsEndpoint;
    // The SDK's shared config must not be read from the developer's home.
    env["AWS_CONFIG_FILE"] = "/dev/null";
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
    env["AWS_EC2_METADATA_DISABLED"] = "true";
  }
  Object.assign(env, options.extraEnv ?? {});
  const proc = spawnPeer("external-secrets", bin, args, join(dir, "eso.log"), { env });
  const ready = async (): Promise<boolean> => {
    try {
      return (await httpStatus(`${metricsUrl}/metrics`)) === 200;
    } catch {
      return false;
    }
  };
  const stop = await awaitPeer(proc, ready, { timeoutMs: options.timeoutMs ?? 60_000, what: "ESO metrics server", graceMs: 10_000, ...(ownDir ? { dir: ownDir } : {}) });
  return { process: proc, metricsUrl, logFile: proc.logFile, stop };
}

/** Lines of an ESO log at `error` level, for assertion messages (ESO logs names, not values). */
export function esoErrors(logFile: string): string[] {
  try {
    return readFileSync(logFile, "utf8").split("\n").filter((l) => l.includes('"level":"error"'));
  } catch {
    return [];
  }
}
