// What every ESO comparison suite does the same way: one kube-apiserver with hush's and ESO's
// CRDs, objects created from JSON, ESO (the oracle) and hush's controller running side by side,
// waits that fail with each tool's recent errors, stores and target Secrets per side.
import { runController, type RunControllerOptions } from "@hush/controller";
import { KubeClient, loadKubeConfig, resourcePath } from "@hush/kube/client";
import { esoCrdPaths, esoErrors, requireEso, requirePeer, startEso, startKube, waitFor, type EsoHarness, type KubeHarness, type StartEsoOptions } from "@hush/testkit";
import { expect } from "vitest";
import { crdPaths } from "../controller/harness.js";
import { secretView, type SecretView } from "./diff.js";

/** Which peers `bash scripts/peers` installs under which step name. */
const peerStep: Record<string, string> = { moto_server: "moto", vault: "vault" };

/**
 * Checks the peers a comparison needs (the API server, ESO, and `extra`); true when all are
 * there. Under CI=true a missing one throws, locally the suite skips loudly.
 */
export function comparePeers(...extra: ("moto_server" | "vault")[]): boolean {
  const how = `run \`bash scripts/peers ${["kube", ...extra.map((n) => peerStep[n])].join(" ")}\``;
  const peers = [...["etcd", "kube-apiserver", "kubectl", ...extra].map((n) => requirePeer(n, how)), requireEso()];
  return peers.every((p) => p.ok);
}

/** One tool of a comparison: the API group (and version its manifests are written in) it serves. */
export interface Side {
  readonly tool: "eso" | "hush";
  readonly group: string;
  readonly version: string;
}
export const esoSide = { tool: "eso", group: "external-secrets.io", version: "v1beta1" } as const satisfies Side;
export const hushSide = { tool: "hush", group: "hush.dev", version: "v1" } as const satisfies Side;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
/** Anything with status conditions (ExternalSecret, SecretStore, PushSecret...). */
export interface WithConditions {
  status?: { conditions?: Condition[] };
}
export const readyCondition = (obj: WithConditions | undefined): Condition | undefined => obj?.status?.conditions?.find((c) => c.type === "Ready");

/** An API server with hush's CRDs, `extraCrds` and ESO's, and an admin client for it. */
export async function startCompareKube(extraCrds: readonly string[] = []): Promise<{ kube: KubeHarness; client: KubeClient }> {
  const kube = await startKube();
  await kube.applyCrds([...crdPaths, ...extraCrds, ...esoCrdPaths()]);
  return { kube, client: new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath })) };
}

/**
 * `kubectl create [-n ns] -f -` of `doc`, which must succeed. `create`, not client-side `apply`:
 * its last-applied annotation would be copied onto Secrets. JSON, not YAML: kubectl reads
 * YAML 1.1, where an unquoted `yes` would turn into a boolean.
 */
export async function kubectlCreate(kube: KubeHarness, ns: string | undefined, doc: unknown): Promise<void> {
  const r = await kube.kubectl(["create", ...(ns ? ["-n", ns] : []), "-f", "-"], { input: JSON.stringify(doc) });
  expect(r.code, r.stderr).toBe(0);
}

/** A Secret holding AWS keys under `id` and `secret`, as the stores below read them. */
export const awsCredsSecret = (name: string, keys: { accessKeyId: string; secretAccessKey: string }) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name },
  stringData: { id: keys.accessKeyId, secret: keys.secretAccessKey },
});

/** A store's `auth` reading the keys from Secret `secret` (in `namespace`, for a cluster store). */
export const awsAuth = (secret: string, namespace?: string) => ({
  secretRef: {
    accessKeyIDSecretRef: { name: secret, key: "id", ...(namespace ? { namespace } : {}) },
    secretAccessKeySecretRef: { name: secret, key: "secret", ...(namespace ? { namespace } : {}) },
  },
});

/** A SecretStore (or ClusterSecretStore) of `side`'s group for one AWS service; `spec` adds fields. */
export const awsStore = (side: Side, name: string, aws: { service: "SecretsManager" | "ParameterStore"; region: string; auth: ReturnType<typeof awsAuth> }, spec: Record<string, unknown> = {}, kind = "SecretStore") => ({
  apiVersion: `${side.group}/${side.version}`,
  kind,
  metadata: { name },
  spec: { ...spec, provider: { aws } },
});

/**
 * The AWS keys as Secret `aws-creds` in `ns`, and one SecretStore of `side`'s group per entry of
 * `stores` (name → AWS service) reading them.
 */
export async function createAwsStores(kube: KubeHarness, ns: string, side: Side, aws: { region: string; keys: { accessKeyId: string; secretAccessKey: string } }, stores: Record<string, "SecretsManager" | "ParameterStore"> = { aws: "SecretsManager" }): Promise<void> {
  await kubectlCreate(kube, ns, awsCredsSecret("aws-creds", aws.keys));
  for (const [name, service] of Object.entries(stores)) await kubectlCreate(kube, ns, awsStore(side, name, { service, region: aws.region, auth: awsAuth("aws-creds") }));
}

/** hush's controller run in-process as the CLI runs it: loopback ops port, open metrics, no leader election. */
export interface HushRun {
  readonly done: Promise<"stopped" | "lost">;
  /** Its log lines (warnings and worse) unless started `silent`. */
  readonly log: string[];
  /** Its ops server (`/metrics`) as `http://HOST:PORT`; "" until it listens. */
  address(): string;
  stop(): Promise<void>;
}
export type HushOptions = Omit<RunControllerOptions, "kubeconfigPath" | "signal" | "opsAddress" | "metricsAuth" | "leaderElection" | "onListening" | "logger"> & { readonly silent?: boolean };

export function runHush(kubeconfigPath: string, options: HushOptions = {}): HushRun {
  const { silent, ...rest } = options;
  const abort = new AbortController();
  const log: string[] = [];
  let address = "";
  const done = runController({
    ...rest,
    kubeconfigPath,
    signal: abort.signal,
    opsAddress: "127.0.0.1:0",
    metricsAuth: "none",
    leaderElection: false,
    onListening: (a) => (address = a),
    logger: silent ? { level: "silent" } : { level: "warn", sink: { write: (l: string) => log.push(l) } },
  });
  return {
    done,
    log,
    address: () => address,
    stop: async () => {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}

/** A running ESO, and where each tool's recent errors are read from. */
export interface Watched {
  readonly eso: EsoHarness;
  /** The last `lines` errors `tool` reported: ESO's error log lines, hush's log lines. */
  recentErrors(tool: Side["tool"], lines: number): string[];
}
export const watched = (eso: EsoHarness, hushLog: readonly string[]): Watched => ({
  eso,
  recentErrors: (tool, lines) => (tool === "eso" ? esoErrors(eso.logFile) : hushLog).slice(-lines),
});

/** ESO and hush reconciling the same API server, each its own group. */
export interface SideBySide extends Watched {
  readonly hush: HushRun;
  stop(): Promise<void>;
}

export async function startSideBySide(kube: KubeHarness, options: { eso: Omit<StartEsoOptions, "kubeconfigPath">; hush: HushOptions }): Promise<SideBySide> {
  const eso = await startEso({ ...options.eso, kubeconfigPath: kube.kubeconfigPath });
  const hush = runHush(kube.kubeconfigPath, options.hush);
  return {
    ...watched(eso, hush.log),
    hush,
    stop: async () => {
      await hush.stop();
      await eso.stop();
    },
  };
}

/**
 * Reads an object until `until` holds for it, checking on every round that ESO still runs. On
 * timeout the error carries the object's last status and the side's recent errors. Returns the
 * last object read.
 */
export async function waitSettled<T extends { status?: unknown }>(
  pair: Watched,
  tool: Side["tool"],
  read: () => Promise<T | undefined>,
  until: (obj: T | undefined) => boolean,
  what: string,
  { timeoutMs = 60_000, errorLines = 3 }: { timeoutMs?: number; errorLines?: number } = {},
): Promise<T | undefined> {
  let last: T | undefined;
  try {
    await waitFor(async () => {
      pair.eso.process.assertRunning();
      last = await read();
      return until(last);
    }, { timeoutMs, what });
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status ?? null)}\n${tool} errors:\n${pair.recentErrors(tool, errorLines).join("\n")}`);
  }
  return last;
}

/** {@link waitSettled} on an object's Ready condition; returns the last one seen. */
export async function waitReady(
  pair: Watched,
  client: KubeClient,
  side: Side,
  object: { plural: string; namespace?: string; name: string },
  until: (ready: Condition | undefined) => boolean,
  what: string,
  options?: { timeoutMs?: number; errorLines?: number },
): Promise<Condition | undefined> {
  const path = resourcePath({ group: side.group, version: side.version, ...object });
  return readyCondition(await waitSettled(pair, side.tool, () => client.get<WithConditions>(path), (o) => until(readyCondition(o)), what, options));
}

export type KubeSecret = Parameters<typeof secretView>[0];
export const getSecret = (client: KubeClient, ns: string, name: string) => client.get<KubeSecret>(resourcePath({ version: "v1", plural: "secrets", namespace: ns, name }));

/** The comparable view of a Secret that must exist (its ExternalSecret said Ready). */
export async function readSecretView(client: KubeClient, ns: string, name: string): Promise<SecretView> {
  const s = await getSecret(client, ns, name);
  if (!s) throw new Error(`Secret ${ns}/${name} missing although its ExternalSecret is Ready`);
  return secretView(s);
}

/** A Secret's data decoded to text. */
export const decodedData = (s: { data?: Record<string, string> } | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));

/** One side of a generator comparison: the tool's side, its namespace, its generator apiVersion. */
export interface GeneratorSide extends Side {
  readonly ns: string;
  readonly gen: string;
}

/**
 * Creates on each side a generator of `kind` named `name` with `spec`, and an ExternalSecret
 * reading it through `dataFrom[].sourceRef.generatorRef`; waits until each is Ready and returns
 * each side's Secret data, decoded.
 */
export async function syncGeneratorOnBothSides(
  ctx: { kube: KubeHarness; client: KubeClient; pair: Watched; sides: readonly GeneratorSide[] },
  kind: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<{ eso: Record<string, string>; hush: Record<string, string> }> {
  for (const side of ctx.sides) {
    await kubectlCreate(ctx.kube, side.ns, { apiVersion: side.gen, kind, metadata: { name }, spec });
    await kubectlCreate(ctx.kube, side.ns, { apiVersion: `${side.group}/${side.version}`, kind: "ExternalSecret", metadata: { name }, spec: { refreshInterval: "1h", dataFrom: [{ sourceRef: { generatorRef: { apiVersion: side.gen, kind, name } } }] } });
  }
  const out: Record<string, Record<string, string>> = {};
  for (const side of ctx.sides) {
    await waitReady(ctx.pair, ctx.client, side, { plural: "externalsecrets", namespace: side.ns, name }, (c) => c?.status === "True", `${side.tool} ${name} Ready`);
    out[side.tool] = decodedData(await getSecret(ctx.client, side.ns, name));
  }
  return { eso: out["eso"]!, hush: out["hush"]! };
}

