import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Controller, createControllerMetrics, runController, type ControllerOptions, type RunControllerOptions } from "@hush/controller";
import { apiVersion, type ExternalSecret, type Secret, type SecretStore } from "@hush/kube";
import { KubeClient, loadKubeConfig, resourcePath, type KubeLogger } from "@hush/kube/client";
import { createProvider } from "@hush/providers";
import { freePort, repoRoot, startKube, startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { createMetricsRegistry } from "@hush/server";

type Registry = ReturnType<typeof createMetricsRegistry>;

export const crdPaths = ["externalsecrets", "secretstores", "clustersecretstores", "clusterexternalsecrets"].map((p) => join(repoRoot, "deploy", "crds", `hush.dev_${p}.yaml`));

/** The CRD files of hush's generators of these plurals (`passwords`, `uuids`, `vaultdynamicsecrets`...). */
export const generatorCrdPaths = (...plurals: string[]) => plurals.map((p) => join(repoRoot, "deploy", "crds", `generators.hush.dev_${p}.yaml`));

/**
 * hush's controller run in-process as the CLI runs it, with what every test gives it: a
 * loopback ops port with open `/metrics`, no leader election, quick retries, no log output.
 * `options` adds to or overrides those. Resolves when `signal` stops it.
 */
export function runTestController(kubeconfigPath: string, signal: AbortSignal, options: Partial<Omit<RunControllerOptions, "kubeconfigPath" | "signal">> = {}): Promise<"stopped" | "lost"> {
  return runController({ opsAddress: "127.0.0.1:0", metricsAuth: "none", leaderElection: false, backoff: { baseMs: 200, maxMs: 2_000 }, logger: { level: "silent" }, ...options, kubeconfigPath, signal });
}

/** Secret `aws-creds` in `ns` holding moto's keys under `id` and `secret`, as the AWS stores of the tests read them. */
export async function createAwsCreds(client: KubeClient, ns: string, moto: MotoHarness): Promise<void> {
  await client.request("POST", resourcePath({ version: "v1", plural: "secrets", namespace: ns }), {
    body: { metadata: { name: "aws-creds" }, stringData: { id: moto.credentials.accessKeyId, secret: moto.credentials.secretAccessKey } },
  });
}

/** A TCP relay in front of moto that the tests can cut and restore: a real network outage. */
export class Outage {
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  readonly port: number;
  readonly #target: { host: string; port: number };

  private constructor(port: number, target: { host: string; port: number }) {
    this.port = port;
    this.#target = target;
  }

  static async start(targetUrl: string): Promise<Outage> {
    const u = new URL(targetUrl);
    const relay = new Outage(await freePort(), { host: u.hostname, port: Number(u.port) });
    await relay.restore();
    return relay;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Accepts connections again (the provider "comes back"). */
  async restore(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.#server = server;
  }

  /** Refuses new connections and drops open ones (the provider "goes away"). */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Log lines collected from the controller, to assert no value ever reaches a log. */
export class LogCollector implements KubeLogger {
  readonly lines: string[] = [];
  info(fields: Record<string, unknown>, msg: string): void {
    this.lines.push(JSON.stringify({ level: "info", msg, ...fields }));
  }
  warn(fields: Record<string, unknown>, msg: string): void {
    this.lines.push(JSON.stringify({ level: "warn", msg, ...fields }));
  }
  debug(fields: Record<string, unknown>, msg: string): void {
    this.lines.push(JSON.stringify({ level: "debug", msg, ...fields }));
  }
}

/** Everything one controller suite needs: API server, moto behind a relay, a client, a running controller. */
export interface Env {
  kube: KubeHarness;
  moto: MotoHarness;
  relay: Outage;
  sm: SecretsManagerClient;
  client: KubeClient;
  controller: Controller;
  registry: Registry;
  logs: LogCollector;
  stop(): Promise<void>;
}

export async function startEnv(options: { workers?: number; dedupWindowMs?: number; gcpsm?: NonNullable<ControllerOptions["clientOverrides"]>["gcpsm"]; controller?: Partial<ControllerOptions>; crds?: string[] } = {}): Promise<Env> {
  const kube = await startKube();
  const cleanups: (() => Promise<void>)[] = [() => kube.stop()];
  try {
    await kube.applyCrds([...crdPaths, ...(options.crds ?? [])]);
    const moto = await startMoto();
    cleanups.push(() => moto.stop());
    const relay = await Outage.start(moto.endpoint);
    cleanups.push(() => relay.cut());
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    const client = new KubeClient(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath }));
    const registry = createMetricsRegistry();
    const logs = new LogCollector();
    const controller = new Controller({
      client,
      createProvider,
      clientOverrides: { aws: { endpoint: relay.endpoint, stsEndpoint: relay.endpoint }, ...(options.gcpsm ? { gcpsm: options.gcpsm } : {}) },
      log: logs,
      metrics: createControllerMetrics(registry),
      workers: options.workers ?? 4,
      backoff: { baseMs: 200, maxMs: 2_000 },
      storeRefreshMs: 60_000,
      ...(options.dedupWindowMs !== undefined ? { dedupWindowMs: options.dedupWindowMs } : {}),
      ...options.controller,
    });
    const abort = new AbortController();
    const running = controller.run(abort.signal);
    cleanups.push(async () => {
      abort.abort();
      await running;
    });
    await waitFor(async () => controller.ready(), { what: "controller informers synced", timeoutMs: 30_000 });
    return {
      kube,
      moto,
      relay,
      sm,
      client,
      controller,
      registry,
      logs,
      stop: async () => {
        sm.destroy();
        for (const c of cleanups.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

export async function putRemote(env: Env, name: string, value: string): Promise<void> {
  await env.sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
}

/** A namespace with AWS credentials and a SecretStore `aws` pointing at moto (through the relay). */
export async function awsNamespace(env: Env, prefix: string): Promise<string> {
  const ns = await env.kube.createNamespace(prefix);
  await createAwsCreds(env.client, ns, env.moto);
  const store: SecretStore = {
    apiVersion,
    kind: "SecretStore",
    metadata: { name: "aws", namespace: ns },
    spec: {
      provider: {
        aws: {
          service: "SecretsManager",
          region: env.moto.region,
          auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } },
        },
      },
    },
  };
  await env.client.request("POST", resourcePath({ group: "hush.dev", version: "v1", plural: "secretstores", namespace: ns }), { body: store });
  return ns;
}

export const esPath = (ns: string, name?: string) => resourcePath({ group: "hush.dev", version: "v1", plural: "externalsecrets", namespace: ns, ...(name ? { name } : {}) });
export const secretPath = (ns: string, name?: string) => resourcePath({ version: "v1", plural: "secrets", namespace: ns, ...(name ? { name } : {}) });

export async function createEs(env: Env, ns: string, name: string, spec: ExternalSecret["spec"], metadata: Partial<ExternalSecret["metadata"]> = {}): Promise<ExternalSecret> {
  return env.client.request<ExternalSecret>("POST", esPath(ns), { body: { apiVersion, kind: "ExternalSecret", metadata: { name, ...metadata }, spec } });
}

export const getEs = (env: Env, ns: string, name: string) => env.client.get<ExternalSecret>(esPath(ns, name));
export const getSecret = (env: Env, ns: string, name: string) => env.client.get<Secret>(secretPath(ns, name));

export function decoded(s: Secret | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

export function ready(es: ExternalSecret | undefined): { status?: string; reason?: string; message?: string } {
  const c = es?.status?.conditions?.find((x) => x.type === "Ready");
  return c ? { status: c.status, reason: c.reason, message: c.message } : {};
}

export async function waitForSecret(env: Env, ns: string, name: string, pred: (data: Record<string, string>, s: Secret) => boolean, what: string, timeoutMs = 20_000): Promise<Secret> {
  let last: Secret | undefined;
  await waitFor(
    async () => {
      last = await getSecret(env, ns, name);
      return last !== undefined && pred(decoded(last), last);
    },
    { what, timeoutMs },
  );
  return last!;
}

export async function waitForReady(env: Env, ns: string, name: string, pred: (r: ReturnType<typeof ready>) => boolean, what: string, timeoutMs = 20_000): Promise<ExternalSecret> {
  let last: ExternalSecret | undefined;
  await waitFor(
    async () => {
      last = await getEs(env, ns, name);
      return pred(ready(last));
    },
    { what, timeoutMs },
  );
  return last!;
}

export interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  involvedObject: { name: string; kind: string };
  count?: number;
}

export async function events(env: Env, ns: string, name?: string): Promise<KubeEvent[]> {
  const list = await env.client.list<KubeEvent>(resourcePath({ version: "v1", plural: "events", namespace: ns }));
  return list.items.filter((e) => !name || e.involvedObject.name === name);
}

/**
 * A client that acts as `user` by impersonation (the admin kubeconfig's identity may
 * impersonate anyone): what a tenant can do is exactly what RBAC grants that user.
 */
export function clientAs(env: Env, user: string): { client: KubeClient; dispose(): void } {
  const { path, dispose } = kubeconfigAs(env.kube.kubeconfigPath, user);
  return { client: new KubeClient(loadKubeConfig({ kubeconfigPath: path })), dispose };
}

/** A copy of the kubeconfig at `kubeconfigPath` that impersonates `user`, in a temporary directory `dispose` removes. */
export function kubeconfigAs(kubeconfigPath: string, user: string): { path: string; dispose(): void } {
  const cfg = parse(readFileSync(kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
  for (const u of cfg.users) u.user["as"] = user;
  const dir = mkdtempSync(join(tmpdir(), "hush-as-"));
  const path = join(dir, "kubeconfig");
  writeFileSync(path, stringify(cfg), { mode: 0o600 });
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Binds `user` to a Role in `ns` allowing only ExternalSecrets and SecretStores (plus reading events). */
export async function bindTenant(env: Env, ns: string, user: string): Promise<void> {
  await env.client.request("POST", resourcePath({ group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", namespace: ns }), {
    body: {
      metadata: { name: "tenant" },
      rules: [
        { apiGroups: ["hush.dev"], resources: ["externalsecrets", "secretstores"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
        { apiGroups: [""], resources: ["events"], verbs: ["get", "list"] },
      ],
    },
  });
  await env.client.request("POST", resourcePath({ group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", namespace: ns }), {
    body: { metadata: { name: "tenant" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "tenant" }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }] },
  });
  await waitFor(async () => (await env.kube.kubectl(["--as", user, "auth", "can-i", "create", "externalsecrets.hush.dev", "-n", ns])).stdout.trim() === "yes", { what: `RBAC for ${user} in effect` });
}

/**
 * An HTTP relay in front of a peer whose address is set later with `target`. Each request is
 * read whole and handed to `inspect` with a `forward` that sends it on (503 while no target is
 * set); `inspect` calls it at once, or keeps it to hold the request back.
 */
export async function startRelay(inspect: (req: IncomingMessage, body: Buffer, forward: () => void) => void): Promise<{ endpoint: string; target(url: string): void; close(): Promise<void> }> {
  let up: URL | undefined;
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      inspect(req, body, () => {
        if (!up) {
          res.writeHead(503).end();
          return;
        }
        const fwd = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        fwd.on("error", () => res.destroy());
        fwd.end(body);
      });
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    target: (url) => {
      up = new URL(url);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
