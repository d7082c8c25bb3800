import { Command, InvalidArgumentError, Option } from "commander";
import type { CliIo } from "../io/cli-io.js";

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 1000) throw new InvalidArgumentError("expected a whole number between 1 and 1000");
  return n;
}

function duration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(v);
  if (!m) throw new InvalidArgumentError("expected a duration like 500ms, 15s or 5m");
  return Math.round(Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000));
}

interface RawOptions {
  kubeconfig?: string;
  namespace?: string;
  workers: number;
  metricsAddr: string;
  metricsAuth: "kubernetes" | "none";
  leaderElect: boolean;
  leaseNamespace?: string;
  leaseName: string;
  leaseDuration?: number;
  renewDeadline?: number;
  retryPeriod?: number;
  storeRate?: number;
  dedupWindow?: number;
  relistInterval?: number;
  awsEndpoint?: string;
  gcpEndpoint?: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  controllerClass?: string;
  events: "all" | "warnings";
  apiGroup: "hush.dev" | "external-secrets.io";
  enableClusterExternalSecretReconciler: "true" | "false";
  enableClusterPushSecretReconciler: "true" | "false";
  allowAmbientCredentials?: boolean;
}

/** Registers `hush controller`: the ExternalSecret sync controller (runs until SIGTERM). */
export function register(program: Command, _io: CliIo): void {
  program
    .command("controller")
    .description("run the ExternalSecret sync controller (ExternalSecret, SecretStore, ClusterSecretStore under hush.dev/v1, or ESO's external-secrets.io)")
    .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, or the in-cluster service account)")
    .option("-n, --namespace <ns>", "only watch this namespace (default: all namespaces)")
    .option("--workers <n>", "concurrent reconciles", positiveInt, 8)
    .option("--metrics-addr <host:port>", "address of /healthz, /readyz and /metrics", ":8080")
    .addOption(
      new Option("--metrics-auth <mode>", "who may read /metrics: kubernetes (TokenReview + SubjectAccessReview for get /metrics) or none (loopback --metrics-addr only)")
        .choices(["kubernetes", "none"])
        .default("kubernetes"),
    )
    .option("--no-leader-elect", "run without a coordination.k8s.io Lease (only for a single replica)")
    .option("--lease-namespace <ns>", "namespace of the Lease (default: --namespace, else default)")
    .option("--lease-name <name>", "name of the Lease", "hush-controller")
    .option("--lease-duration <d>", "Lease duration (default 15s)", duration)
    .option("--renew-deadline <d>", "give up leadership when not renewed within this (default 10s)", duration)
    .option("--retry-period <d>", "Lease retry/renew period (default 2s)", duration)
    .option("--store-rate <n>", "provider calls per second per store (default 20)", positiveInt)
    .option("--dedup-window <d>", "identical provider reads within this window are made once (default 60s)", duration)
    .option("--relist-interval <d>", "full re-list of watched objects (default 5m)", duration)
    .option("--controller-class <name>", "only use stores whose spec.controller is unset or equals this")
    .option("--allow-ambient-credentials", "let namespaced SecretStores use the controller's own identity (cloud default credentials, its ServiceAccount token for Vault kubernetes auth); default: ClusterSecretStores only")
    .addOption(new Option("--aws-endpoint <url>", "AWS Secrets Manager/STS endpoint override (tests, air-gapped)").hideHelp())
    .addOption(new Option("--gcp-endpoint <host:port>", "plain-text Google Secret Manager endpoint override (tests)").hideHelp())
    .addOption(
      new Option("--api-group <group>", "API group to serve: hush.dev, or external-secrets.io (ESO's group, v1 and v1beta1, with ESO's labels, annotations and metric names) to replace ESO")
        .choices(["hush.dev", "external-secrets.io"])
        .default("hush.dev"),
    )
    .addOption(new Option("--events <which>", "Events to record on ExternalSecrets").choices(["all", "warnings"]).default("all"))
    .addOption(
      new Option("--enable-cluster-external-secret-reconciler <bool>", "reconcile ClusterExternalSecrets (ESO's flag; never with --namespace)")
        .choices(["true", "false"])
        .default("true"),
    )
    .addOption(
      new Option("--enable-cluster-push-secret-reconciler <bool>", "reconcile ClusterPushSecrets (ESO's flag; never with --namespace)")
        .choices(["true", "false"])
        .default("true"),
    )
    .addOption(new Option("--log-level <level>", "log level").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"))
    .action(async (raw: RawOptions) => {
      // Lazy: `hush --help` must not load the Kubernetes client or any provider.
      const [{ runController }, { HushError }, { flavourFor }] = await Promise.all([import("@hush/controller"), import("@hush/errors"), import("@hush/kube")]);
      const flavour = flavourFor(raw.apiGroup);
      if (!flavour) throw new HushError("HUSH_ERR_CLI_USAGE", `unknown API group ${raw.apiGroup}`);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
      const gcp = raw.gcpEndpoint ? /^(.*):(\d+)$/.exec(raw.gcpEndpoint) : null;
      try {
        const result = await runController({
          signal: abort.signal,
          opsAddress: raw.metricsAddr,
          metricsAuth: raw.metricsAuth,
          workers: raw.workers,
          events: raw.events,
          flavour,
          logger: { level: raw.logLevel },
          ...(raw.kubeconfig ? { kubeconfigPath: raw.kubeconfig } : {}),
          ...(raw.namespace ? { namespace: raw.namespace } : {}),
          ...(raw.storeRate ? { storeRatePerSecond: raw.storeRate } : {}),
          ...(raw.dedupWindow !== undefined ? { dedupWindowMs: raw.dedupWindow } : {}),
          ...(raw.relistInterval ? { relistIntervalMs: raw.relistInterval } : {}),
          ...(raw.controllerClass ? { controllerClass: raw.controllerClass } : {}),
          ...(raw.enableClusterExternalSecretReconciler === "false" ? { clusterExternalSecrets: false } : {}),
          ...(raw.enableClusterPushSecretReconciler === "false" ? { clusterPushSecrets: false } : {}),
          ...(raw.allowAmbientCredentials ? { allowAmbientCredentials: true } : {}),
          ...(raw.awsEndpoint || gcp
            ? {
                clientOverrides: {
                  ...(raw.awsEndpoint ? { aws: { endpoint: raw.awsEndpoint, stsEndpoint: raw.awsEndpoint } } : {}),
                  ...(gcp ? { gcpsm: { apiEndpoint: gcp[1]!, port: Number(gcp[2]), insecure: true } } : {}),
                },
              }
            : {}),
          leaderElection: raw.leaderElect
            ? {
                name: raw.leaseName,
                ...(raw.leaseNamespace ?? raw.namespace ? { namespace: raw.leaseNamespace ?? raw.namespace! } : {}),
                ...(raw.leaseDuration ? { leaseDurationMs: raw.leaseDuration } : {}),
                ...(raw.renewDeadline ? { renewDeadlineMs: raw.renewDeadline } : {}),
                ...(raw.retryPeriod ? { retryPeriodMs: raw.retryPeriod } : {}),
              }
            : false,
        });
        if (result === "lost") throw new HushError("HUSH_ERR_CONTROLLER_LEADERSHIP_LOST", "lost the controller Lease; exiting");
      } finally {
        process.off("SIGTERM", stop);
        process.off("SIGINT", stop);
      }
    });
}
