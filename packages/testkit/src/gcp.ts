import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type ChannelCredentials,
  Server,
  ServerCredentials,
  status,
  type ServerUnaryCall,
  type sendUnaryData,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";
import { selfSignedCert } from "./certs.js";
import { crc32c } from "./crc32c.js";

/** A running Secret Manager endpoint for `@google-cloud/secret-manager`. */
export interface GcpSecretManagerHarness {
  /** `127.0.0.1:PORT` (gRPC, plaintext). */
  readonly endpoint: string;
  /** A project id to use in resource names (any project id works). */
  readonly projectId: string;
  /**
   * Pass to `new SecretManagerServiceClient(clientOptions)`: endpoint, port, an insecure channel
   * (so no Google credentials are looked up), and the universe domain preset so google-auth
   * never probes the GCE metadata server.
   */
  readonly clientOptions: {
    apiEndpoint: string;
    port: number;
    sslCreds: ChannelCredentials;
    projectId: string;
    clientOptions: { universeDomain: string };
  };
  /** With `tls`: the CA (PEM) that signed the server certificate; clients trust it. */
  readonly caPem?: string;
  /**
   * With `tls`: the bearer token {@link clientOptions} sends (test set-up calls); it always
   * passes `authorize`.
   */
  readonly adminToken?: string;
  /** Every call's method and the bearer token it carried (`undefined`: none), in order. */
  readonly calls: ReadonlyArray<{ readonly method: string; readonly bearer: string | undefined }>;
  /**
   * `fake`: the in-process server below. The Go emulator this would prefer
   * (github.com/blackwell-systems/gcp-secret-manager-emulator) is refused by the module proxy
   * these machines reach; see docs/testing-peers.md.
   */
  readonly kind: "fake";
  /** Closes the server. Idempotent. */
  stop(): Promise<void>;
}

type Timestamp = { seconds: string; nanos: number };
type State = "ENABLED" | "DISABLED" | "DESTROYED";
interface StoredVersion {
  readonly number: number;
  readonly createTime: Timestamp;
  state: State;
  destroyTime?: Timestamp;
  data: Buffer;
}
interface StoredSecret {
  readonly name: string;
  readonly createTime: Timestamp;
  readonly replication: unknown;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  etag: string;
  versions: StoredVersion[];
}

class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

const now = (): Timestamp => {
  const ms = Date.now();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
};
/**
 * A subset of Secret Manager's list filter: terms `field:value` or `field=value` joined by
 * spaces or `AND`, over `name` (substring), `state` and `labels.KEY` (`labels.KEY:*` = present).
 */
function matchesFilter(filter: string, fields: { name: string; state?: string; labels?: Record<string, string> }): boolean {
  const terms = filter.split(/\s+(?:AND\s+)?/).filter((t) => t && t !== "AND");
  return terms.every((term) => {
    const m = /^([A-Za-z_.\-0-9]+)\s*[:=]\s*"?([^"]*)"?$/.exec(term);
    if (!m) throw new RpcError(status.INVALID_ARGUMENT, `unsupported filter term in the fake: ${term}`);
    const [, field = "", value = ""] = m;
    if (field === "name") return fields.name.includes(value);
    if (field === "state") return (fields.state ?? "").toUpperCase() === value.toUpperCase();
    if (field.startsWith("labels.")) {
      const label = fields.labels?.[field.slice("labels.".length)];
      return value === "*" ? label !== undefined : label === value;
    }
    throw new RpcError(status.INVALID_ARGUMENT, `unsupported filter field in the fake: ${field}`);
  });
}

/** Offset-token pagination like the real service's page_size/page_token. */
function page<T>(items: T[], req: Record<string, unknown>): { items: T[]; nextPageToken: string } {
  const size = Number(req["pageSize"] ?? 0) || items.length || 1;
  const start = Number(req["pageToken"] || 0);
  if (!Number.isInteger(start) || start < 0) throw new RpcError(status.INVALID_ARGUMENT, "invalid page_token");
  const end = start + size;
  return { items: items.slice(start, end), nextPageToken: end < items.length ? String(end) : "" };
}

const secretRe = /^projects\/([^/]+)\/secrets\/([^/]+)$/;
const versionRe = /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/;

/**
 * The Secret Manager v1 service implemented in memory, on the real wire protocol: gRPC with
 * the service definition loaded from the protos shipped inside `@google-cloud/secret-manager`.
 * Implements secrets (create/get/list/update/delete) and versions (add/get/list/access/
 * enable/disable/destroy, the `latest` alias, CRC-32C payload checksums), list filters on
 * name/state/labels and page tokens. IAM and rotation
 * RPCs answer UNIMPLEMENTED.
 */
interface AuthCheck {
  readonly calls: Array<{ method: string; bearer: string | undefined }>;
  readonly authorize: ((bearer: string | undefined) => boolean) | undefined;
}

function secretManagerImplementation(auth: AuthCheck): UntypedServiceImplementation {
  const secrets = new Map<string, StoredSecret>();

  const findSecret = (name: string): StoredSecret => {
    const secret = secrets.get(name);
    if (!secret) throw new RpcError(status.NOT_FOUND, `Secret [${name}] not found or has no versions.`);
    return secret;
  };
  const findVersion = (name: string): { secret: StoredSecret; version: StoredVersion } => {
    const m = versionRe.exec(name);
    if (!m) throw new RpcError(status.INVALID_ARGUMENT, `invalid secret version name: ${name}`);
    const secret = findSecret(`projects/${m[1]}/secrets/${m[2]}`);
    const id = m[3] ?? "";
    const version = id === "latest" ? secret.versions.at(-1) : secret.versions.find((v) => String(v.number) === id);
    if (!version) throw new RpcError(status.NOT_FOUND, `Secret Version [${name}] not found.`);
    return { secret, version };
  };
  const secretView = (s: StoredSecret) => ({
    name: s.name,
    createTime: s.createTime,
    replication: s.replication,
    labels: s.labels,
    annotations: s.annotations,
    etag: s.etag,
  });
  const versionView = (s: StoredSecret, v: StoredVersion) => ({
    name: `${s.name}/versions/${v.number}`,
    createTime: v.createTime,
    state: v.state,
    ...(v.destroyTime ? { destroyTime: v.destroyTime } : {}),
    etag: `"${v.number}-${v.state}"`,
  });
  const setState = (name: string, state: State) => {
    const { secret, version } = findVersion(name);
    if (version.state === "DESTROYED") throw new RpcError(status.FAILED_PRECONDITION, `Secret Version [${name}] is in DESTROYED state.`);
    version.state = state;
    if (state === "DESTROYED") {
      version.destroyTime = now();
      version.data = Buffer.alloc(0);
    }
    return versionView(secret, version);
  };

  const handlers: Record<string, (req: Record<string, unknown>) => unknown> = {
    CreateSecret(req) {
      const parent = String(req["parent"] ?? "");
      const id = String(req["secretId"] ?? "");
      if (!/^projects\/[^/]+$/.test(parent)) throw new RpcError(status.INVALID_ARGUMENT, `invalid parent: ${parent}`);
      if (!/^[A-Za-z0-9_-]{1,255}$/.test(id)) throw new RpcError(status.INVALID_ARGUMENT, "invalid secret_id");
      const name = `${parent}/secrets/${id}`;
      if (secrets.has(name)) throw new RpcError(status.ALREADY_EXISTS, `Secret [${name}] already exists.`);
      const body = (req["secret"] ?? {}) as Record<string, unknown>;
      const secret: StoredSecret = {
        name,
        createTime: now(),
        replication: body["replication"] ?? { automatic: {} },
        labels: { ...((body["labels"] as Record<string, string>) ?? {}) },
        annotations: { ...((body["annotations"] as Record<string, string>) ?? {}) },
        etag: `"${randomUUID()}"`,
        versions: [],
      };
      secrets.set(name, secret);
      return secretView(secret);
    },
    GetSecret: (req) => secretView(findSecret(String(req["name"]))),
    ListSecrets(req) {
      const prefix = `${String(req["parent"])}/secrets/`;
      const filter = String(req["filter"] ?? "");
      const list = [...secrets.values()]
        .filter((s) => s.name.startsWith(prefix) && matchesFilter(filter, s))
        .map(secretView);
      const { items, nextPageToken } = page(list, req);
      return { secrets: items, nextPageToken, totalSize: list.length };
    },
    UpdateSecret(req) {
      const body = (req["secret"] ?? {}) as Record<string, unknown>;
      const secret = findSecret(String(body["name"]));
      const paths = ((req["updateMask"] as { paths?: string[] } | null)?.paths ?? []);
      if (paths.includes("labels")) secret.labels = { ...((body["labels"] as Record<string, string>) ?? {}) };
      if (paths.includes("annotations")) secret.annotations = { ...((body["annotations"] as Record<string, string>) ?? {}) };
      secret.etag = `"${randomUUID()}"`;
      return secretView(secret);
    },
    DeleteSecret(req) {
      const name = String(req["name"]);
      findSecret(name);
      secrets.delete(name);
      return {};
    },
    AddSecretVersion(req) {
      const secret = findSecret(String(req["parent"]));
      const payload = (req["payload"] ?? {}) as { data?: Buffer; dataCrc32c?: string | null };
      const data = Buffer.from(payload.data ?? Buffer.alloc(0));
      if (payload.dataCrc32c != null && Number(payload.dataCrc32c) !== crc32c(data)) {
        throw new RpcError(status.INVALID_ARGUMENT, "Checksum mismatch. Please retry with a valid checksum.");
      }
      const version: StoredVersion = { number: secret.versions.length + 1, createTime: now(), state: "ENABLED", data };
      secret.versions.push(version);
      return versionView(secret, version);
    },
    GetSecretVersion(req) {
      const { secret, version } = findVersion(String(req["name"]));
      return versionView(secret, version);
    },
    ListSecretVersions(req) {
      const secret = findSecret(String(req["parent"]));
      const filter = String(req["filter"] ?? "");
      const versions = [...secret.versions]
        .reverse()
        .filter((v) => matchesFilter(filter, { name: `${secret.name}/versions/${v.number}`, state: v.state }))
        .map((v) => versionView(secret, v));
      const { items, nextPageToken } = page(versions, req);
      return { versions: items, nextPageToken, totalSize: versions.length };
    },
    AccessSecretVersion(req) {
      const { secret, version } = findVersion(String(req["name"]));
      const name = `${secret.name}/versions/${version.number}`;
      if (version.state !== "ENABLED") {
        throw new RpcError(status.FAILED_PRECONDITION, `Secret Version [${name}] is in ${version.state} state.`);
      }
      return { name, payload: { data: version.data, dataCrc32c: String(crc32c(version.data)) } };
    },
    EnableSecretVersion: (req) => setState(String(req["name"]), "ENABLED"),
    DisableSecretVersion: (req) => setState(String(req["name"]), "DISABLED"),
    DestroySecretVersion: (req) => setState(String(req["name"]), "DESTROYED"),
  };

  return Object.fromEntries(
    Object.entries(handlers).map(([method, handler]) => [
      method,
      (call: ServerUnaryCall<Record<string, unknown>, unknown>, callback: sendUnaryData<unknown>) => {
        try {
          const header = call.metadata.get("authorization")[0];
          const bearer = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : undefined;
          auth.calls.push({ method, bearer });
          // Secret Manager answers a missing or unknown token with UNAUTHENTICATED.
          if (auth.authorize && !auth.authorize(bearer)) {
            throw new RpcError(status.UNAUTHENTICATED, "Request had invalid authentication credentials.");
          }
          callback(null, handler(call.request));
        } catch (err) {
          if (err instanceof RpcError) callback({ code: err.code, details: err.message });
          else callback({ code: status.INTERNAL, details: "fake secret manager: internal error" });
        }
      },
    ]),
  );
}

function loadService(): ServiceDefinition {
  const require = createRequire(import.meta.url);
  const json = require("@google-cloud/secret-manager/build/protos/protos.json") as Record<string, unknown>;
  const definition = fromJSON(json, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const root = loadPackageDefinition(definition) as unknown as {
    google: { cloud: { secretmanager: { v1: { SecretManagerService: { service: ServiceDefinition } } } } };
  };
  return root.google.cloud.secretmanager.v1.SecretManagerService.service;
}

/** Options of {@link startGcpSecretManager}. */
export interface StartGcpSecretManagerOptions {
  /**
   * Serve TLS with a fresh self-signed certificate for 127.0.0.1 (gRPC sends call credentials,
   * i.e. a bearer token, only over TLS). Default: plaintext, no token expected.
   */
  readonly tls?: boolean;
  /**
   * Decides whether a call's bearer token (`undefined`: none) is accepted; refused calls get
   * UNAUTHENTICATED. The harness's own {@link GcpSecretManagerHarness.adminToken} always passes.
   */
  readonly authorize?: (bearer: string | undefined) => boolean;
}

/**
 * Starts an in-process Secret Manager v1 gRPC server on a free 127.0.0.1 port (see
 * {@link GcpSecretManagerHarness.kind} for why it is a fake). Each call has its own empty store.
 */
export async function startGcpSecretManager(options: StartGcpSecretManagerOptions = {}): Promise<GcpSecretManagerHarness> {
  const adminToken = options.tls ? `admin-${randomUUID()}` : undefined;
  const authorize = options.authorize;
  const auth: AuthCheck = {
    calls: [],
    authorize: authorize ? (bearer) => (adminToken !== undefined && bearer === adminToken) || authorize(bearer) : undefined,
  };
  const server = new Server();
  server.addService(loadService(), secretManagerImplementation(auth));
  const bundle = options.tls ? selfSignedCert(["127.0.0.1"]) : undefined;
  const serverCreds = bundle
    ? ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(bundle.cert), private_key: Buffer.from(bundle.key) }], false)
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCreds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  let sslCreds: ChannelCredentials = credentials.createInsecure();
  if (bundle && adminToken) {
    const call = credentials.createFromMetadataGenerator((_params, callback) => {
      const md = new Metadata();
      md.set("authorization", `Bearer ${adminToken}`);
      callback(null, md);
    });
    sslCreds = credentials.combineChannelCredentials(credentials.createSsl(Buffer.from(bundle.ca)), call);
  }
  let stopped = false;
  return {
    endpoint: `127.0.0.1:${port}`,
    projectId: "hush-test",
    clientOptions: {
      apiEndpoint: "127.0.0.1",
      port,
      sslCreds,
      projectId: "hush-test",
      clientOptions: { universeDomain: "googleapis.com" },
    },
    ...(bundle ? { caPem: bundle.ca } : {}),
    ...(adminToken ? { adminToken } : {}),
    calls: auth.calls,
    kind: "fake",
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
