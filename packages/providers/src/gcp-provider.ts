import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { isCloudError, withSignal } from "@hush/cloud";
import { exchangeGcpWorkloadIdentity, gcpClientOptions, type GcpAccessToken } from "@hush/cloud/gcp";
import { crc32c } from "./crc32c.js";
import {
  declaredCrc32c,
  GCP_SA_ANNOTATION,
  gcpIdentityPool,
  gcpParent,
  isServiceAccountEmail,
  gcpSecretName,
  gcpVersionName,
  parseGcpConfig,
  parseServiceAccountKey,
  type GcpConfig,
} from "./gcp-config.js";
import { mapGcpError } from "./gcp-errors.js";
import { expandJsonObject, extractProperty, setEntry, utf8 } from "./json-property.js";
import { observed } from "./observe.js";
import { describeKey, providerError } from "./provider-error.js";
import { providerErrorKind, type BatchResult, type FindSpec, type ProviderContext, type RemoteRef, type SecretProvider } from "./provider.js";
import { GcpPusher, type GcpWriteClient } from "./gcp-push.js";
import type { DeleteOutcome, PushOutcome, PushOwner, PushRef, PushRequest } from "./push.js";
import { assertAmbientAllowed, readSecretRef, refNamespace, serviceAccountToken } from "./spec.js";

type ClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;

/** The subset of `SecretManagerServiceClient` the provider uses (so a test can hand a double). */
export interface GcpSecretManagerClient {
  accessSecretVersion(req: { name: string }): Promise<unknown[]>;
  getSecret(req: { name: string }): Promise<unknown[]>;
  listSecrets(req: { parent: string; filter?: string; pageSize?: number }, opts?: { autoPaginate?: boolean }): Promise<unknown[]>;
  listSecretVersions(req: { parent: string; filter?: string }): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Builds the SDK client; tests and special endpoints swap this. */
export type GcpClientFactory = (options: ClientOptions) => GcpSecretManagerClient;

const PROVIDER = "gcpsm";

/**
 * Google Secret Manager behind {@link SecretProvider}: service-account key from a Secret or
 * ambient credentials, versions (`latest` by default), CRC-32C payload verification.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` for a malformed block.
 */
export async function createGcpProvider(
  spec: unknown,
  ctx: ProviderContext,
  options: { factory?: GcpClientFactory } = {},
): Promise<SecretProvider> {
  const factory: GcpClientFactory =
    options.factory ?? ((o) => new SecretManagerServiceClient(o) as unknown as GcpSecretManagerClient);
  const config = parseGcpConfig(spec);
  if (!config.keySecretRef && !config.workloadIdentity) assertAmbientAllowed(ctx, "spec.provider.gcpsm.auth");
  return new GcpSecretManagerProvider(config, ctx, factory);
}

interface Payload {
  name?: string;
  payload?: { data?: Uint8Array | string | null; dataCrc32c?: unknown } | null;
}

class GcpSecretManagerProvider implements SecretProvider {
  readonly kind = PROVIDER;
  readonly #config: GcpConfig;
  readonly #ctx: ProviderContext;
  readonly #factory: GcpClientFactory;
  #client: Promise<GcpSecretManagerClient> | undefined;

  constructor(config: GcpConfig, ctx: ProviderContext, factory: GcpClientFactory) {
    this.#config = config;
    this.#ctx = ctx;
    this.#factory = factory;
  }

  #getClient(): Promise<GcpSecretManagerClient> {
    this.#client ??= (async () => {
      const o = this.#ctx.clients?.gcpsm;
      let credentialsJson: string | undefined;
      if (this.#config.keySecretRef) {
        credentialsJson = await readSecretRef(this.#ctx, this.#config.keySecretRef, "spec.provider.gcpsm.auth.secretRef.secretAccessKeySecretRef");
        parseServiceAccountKey(credentialsJson); // a clear invalid-config before the shared setup
      }
      const tokenSource = this.#config.workloadIdentity ? this.#workloadIdentityToken.bind(this) : undefined;
      const endpoint = o?.apiEndpoint ?? (this.#config.location ? `secretmanager.${this.#config.location}.rep.googleapis.com` : undefined);
      let options: ClientOptions;
      try {
        options = (await gcpClientOptions({
          projectId: this.#config.projectID,
          ...(endpoint ? { endpoint } : {}),
          ...(o?.port ? { port: o.port } : {}),
          ...(o?.insecure && !tokenSource ? { insecure: true } : {}),
          ...(o?.caPem ? { caPem: o.caPem } : {}),
          ...(tokenSource ? { tokenSource } : {}),
          ...(credentialsJson !== undefined ? { credentialsJson, serviceAccountOnly: true } : {}),
        })) as ClientOptions;
      } catch (err) {
        if (!isCloudError(err)) throw err;
        throw providerError("invalid-config", `spec.provider.gcpsm.auth.secretRef: ${err.label}`, err);
      }
      return this.#factory(options);
    })();
    this.#client.catch(() => {
      this.#client = undefined;
    });
    return this.#client;
  }

  /**
   * The workload-identity access token, cached until two minutes before it expires (or half
   * its life when shorter); one exchange in flight at a time. The ServiceAccount is read at
   * every exchange, so a changed annotation applies from the next token on.
   */
  #token: { value: GcpAccessToken; renewAt: number } | undefined;
  #exchange: Promise<GcpAccessToken> | undefined;

  async #workloadIdentityToken(): Promise<string> {
    const cached = this.#token;
    if (cached && this.#ctx.now() < cached.renewAt) return cached.value.accessToken;
    this.#exchange ??= this.#exchangeToken().finally(() => {
      this.#exchange = undefined;
    });
    return (await this.#exchange).accessToken;
  }

  async #exchangeToken(): Promise<GcpAccessToken> {
    const wi = this.#config.workloadIdentity!;
    const field = "spec.provider.gcpsm.auth.workloadIdentity.serviceAccountRef";
    const sa = wi.serviceAccountRef;
    const ns = refNamespace(this.#ctx, sa, field);
    const { pool, provider } = gcpIdentityPool(wi);
    let gsa: string | undefined;
    if (this.#ctx.serviceAccountAnnotations) {
      let annotations: Record<string, string>;
      try {
        annotations = await this.#ctx.serviceAccountAnnotations(ns, sa.name);
      } catch (err) {
        throw providerError("access-denied", `${field}: cannot read service account ${ns}/${sa.name}`, err);
      }
      const value = annotations[GCP_SA_ANNOTATION];
      if (value !== undefined && value !== "") {
        if (!isServiceAccountEmail(value)) {
          throw providerError("invalid-config", `service account ${ns}/${sa.name}: annotation ${GCP_SA_ANNOTATION} is not a Google service-account email`);
        }
        gsa = value;
      }
    }
    // ESO asks for the identity pool first, then any extra audiences the store names.
    const audiences = [pool, ...(sa.audiences ?? [])];
    const subjectToken = await serviceAccountToken(this.#ctx, { ...sa, audiences }, audiences, field);
    const o = this.#ctx.clients?.gcpsm;
    const started = this.#ctx.now();
    const token = await observed(
      this.#ctx,
      PROVIDER,
      gsa ? "GenerateAccessToken" : "TokenExchange",
      () =>
        exchangeGcpWorkloadIdentity({
          subjectToken,
          identityPool: pool,
          identityProvider: provider,
          ...(gsa ? { serviceAccountEmail: gsa } : {}),
          ...(o?.stsEndpoint ? { stsEndpoint: o.stsEndpoint } : {}),
          ...(o?.iamCredentialsEndpoint ? { iamCredentialsEndpoint: o.iamCredentialsEndpoint } : {}),
          now: () => this.#ctx.now(),
        }),
      (err) => mapGcpError(err, `workload identity for service account ${ns}/${sa.name}${gsa ? ` as ${gsa}` : ""}`),
    );
    const life = Math.max(0, token.expiresAt - started);
    this.#token = { value: token, renewAt: started + Math.max(life - 120_000, life / 2) };
    return token;
  }

  async #call<T>(operation: string, what: string, fn: (c: GcpSecretManagerClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const client = await this.#getClient();
    // Fetched here (then served from the cache to the gRPC call credentials) so an exchange
    // failure keeps its kind: gRPC would turn a call-credentials failure into UNAVAILABLE.
    if (!this.#config.workloadIdentity) {
      return observed(this.#ctx, PROVIDER, operation, () => withSignal(fn(client), signal), (err) => mapGcpError(err, what, signal));
    }
    const token = await this.#workloadIdentityToken();
    try {
      return await observed(this.#ctx, PROVIDER, operation, () => withSignal(fn(client), signal), (err) => mapGcpError(err, what, signal));
    } catch (err) {
      // UNAUTHENTICATED / PERMISSION_DENIED: the token may have been revoked (or the GSA binding
      // changed); exchange again on the next call rather than retrying a dead token until expiry.
      if (providerErrorKind(err) === "access-denied" && this.#token?.value.accessToken === token) this.#token = undefined;
      throw err;
    }
  }

  /** Accesses one version and verifies its CRC-32C. */
  async #access(key: string, version: string | undefined, signal?: AbortSignal): Promise<Uint8Array> {
    const name = gcpVersionName(this.#config, key, version);
    const what = `access ${describeKey(key)}`;
    let res: Payload;
    try {
      [res] = (await this.#call("AccessSecretVersion", what, (c) => c.accessSecretVersion({ name }), signal)) as [Payload];
    } catch (err) {
      const latest = version === undefined || version === "" || version === "latest";
      const gone = (err as { cause?: { code?: unknown } }).cause?.code === 9; // DISABLED / DESTROYED
      if (!(latest && gone && this.#config.versionPolicy === "LatestOrFetch")) throw err;
      const newest = await this.#newestEnabled(key, signal);
      if (newest === undefined) throw err;
      [res] = (await this.#call("AccessSecretVersion", what, (c) => c.accessSecretVersion({ name: newest }), signal)) as [Payload];
    }
    return verifiedPayload(res, key);
  }

  /** LatestOrFetch: the newest ENABLED version's name. */
  async #newestEnabled(key: string, signal?: AbortSignal): Promise<string | undefined> {
    const parent = gcpSecretName(this.#config, key);
    const [versions] = (await this.#call(
      "ListSecretVersions",
      `list versions of ${describeKey(key)}`,
      (c) => c.listSecretVersions({ parent, filter: "state:ENABLED" }),
      signal,
    )) as [{ name?: string; state?: unknown }[]];
    let best: { n: number; name: string } | undefined;
    for (const v of versions ?? []) {
      if (!v.name || (v.state !== "ENABLED" && v.state !== 1)) continue;
      const n = Number(v.name.slice(v.name.lastIndexOf("/") + 1));
      if (Number.isInteger(n) && (!best || n > best.n)) best = { n, name: v.name };
    }
    return best?.name;
  }

  /** Labels and annotations of a secret, as ESO's `metadataPolicy: Fetch` returns them. */
  async #metadata(key: string, signal?: AbortSignal): Promise<Uint8Array> {
    const name = gcpSecretName(this.#config, key);
    const [secret] = (await this.#call("GetSecret", `get ${describeKey(key)}`, (c) => c.getSecret({ name }), signal)) as [
      { labels?: Record<string, string>; annotations?: Record<string, string> },
    ];
    return utf8(JSON.stringify({ labels: secret?.labels ?? {}, annotations: secret?.annotations ?? {} }));
  }

  async #raw(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array> {
    return ref.metadataPolicy === "Fetch" ? this.#metadata(ref.key, signal) : this.#access(ref.key, ref.version, signal);
  }

  async getSecret(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array> {
    const value = await this.#raw(ref, signal);
    return ref.property ? extractProperty(value, ref.property, ref.key) : value;
  }

  async getSecretMap(ref: RemoteRef, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    return expandJsonObject(await this.#raw(ref, signal), ref.key, ref.property);
  }

  async getSecrets(refs: readonly RemoteRef[], signal?: AbortSignal): Promise<BatchResult[]> {
    // No batch access API: one read per distinct (key, version, metadata), shared by refs.
    const reads = new Map<string, Promise<Uint8Array>>();
    return Promise.all(
      refs.map(async (ref): Promise<BatchResult> => {
        const id = JSON.stringify([ref.key, ref.version ?? "", ref.metadataPolicy ?? "None"]);
        let p = reads.get(id);
        if (!p) reads.set(id, (p = this.#raw(ref, signal)));
        try {
          const value = await p;
          return { ok: true, value: ref.property ? extractProperty(value, ref.property, ref.key) : value };
        } catch (err) {
          return { ok: false, error: mapGcpError(err, `access ${describeKey(ref.key)}`) };
        }
      }),
    );
  }

  async findSecrets(find: FindSpec, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    const tags = Object.entries(find.tags ?? {});
    if (!find.name && tags.length === 0 && !find.path) throw providerError("invalid-config", "find needs a name regexp, tags or a path");
    let nameRe: RegExp | undefined;
    if (find.name) {
      try {
        nameRe = new RegExp(find.name.regexp);
      } catch (err) {
        throw providerError("invalid-config", "find.name.regexp is not a valid regular expression", err);
      }
    }
    const filter = gcpListFilter(find);
    const [secrets] = (await this.#call(
      "ListSecrets",
      "list secrets",
      (c) => c.listSecrets({ parent: gcpParent(this.#config), ...(filter ? { filter } : {}) }),
      signal,
    )) as [{ name?: string; labels?: Record<string, string> }[]];
    const out: Record<string, Uint8Array> = {};
    // The server filters too, but the match is re-checked here: the filter language is looser
    // (`name:` is a substring match) and not every emulator implements it.
    for (const s of secrets ?? []) {
      const id = s.name?.slice(s.name.lastIndexOf("/") + 1);
      if (!id) continue;
      if (find.path && !id.startsWith(find.path)) continue;
      if (nameRe && !nameRe.test(id)) continue;
      if (!tags.every(([k, v]) => s.labels?.[k] === v)) continue;
      try {
        setEntry(out, id, await this.#access(id, undefined, signal));
      } catch (err) {
        if ((err as { code?: string }).code !== "HUSH_ERR_PROVIDERS_NOT_FOUND") throw err; // no enabled version: skip
      }
    }
    return out;
  }

  /** PushSecret writes (gcp-push.ts), built on first use. */
  #pusher?: GcpPusher;
  #push(): GcpPusher {
    return (this.#pusher ??= new GcpPusher({
      parent: () => gcpParent(this.#config),
      secretName: (key) => gcpSecretName(this.#config, key),
      location: this.#config.location,
      call: (op, what, fn, signal) => this.#call(op, what, (c) => fn(c as unknown as GcpWriteClient), signal),
    }));
  }

  pushSecret(req: PushRequest, signal?: AbortSignal): Promise<PushOutcome> {
    return this.#push().push(req, signal);
  }

  deleteSecret(ref: PushRef, owner: PushOwner, signal?: AbortSignal): Promise<DeleteOutcome> {
    return this.#push().delete(ref, owner, signal);
  }

  secretExists(ref: PushRef, signal?: AbortSignal): Promise<boolean> {
    return this.#push().exists(ref, signal);
  }

  async validate(signal?: AbortSignal): Promise<void> {
    await this.#call(
      "ListSecrets",
      "validate store",
      (c) => c.listSecrets({ parent: gcpParent(this.#config), pageSize: 1 }, { autoPaginate: false }),
      signal,
    );
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) await (await client.catch(() => undefined))?.close();
  }
}

/** The ListSecrets filter for a find: labels as `labels.k="v"`, the path as `name:<path>`. */
export function gcpListFilter(find: FindSpec): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(find.tags ?? {})) {
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k) || !/^[a-z0-9_-]{0,63}$/.test(v)) {
      throw providerError("invalid-config", "find.tags must be valid GCP label keys and values");
    }
    parts.push(`labels.${k}=${v === "" ? '""' : v}`);
  }
  if (find.path) {
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(find.path)) throw providerError("invalid-config", "find.path must be a secret id prefix");
    parts.push(`name:${find.path}`);
  }
  return parts.join(" AND ");
}

/**
 * The payload bytes of an AccessSecretVersion response, after checking the CRC-32C the server
 * declared. Neither ESO nor the Node SDK checks it.
 *
 * @throws `HUSH_ERR_PROVIDERS_CHECKSUM_MISMATCH` when the bytes do not match the checksum.
 */
export function verifiedPayload(res: Payload | undefined, key: string): Uint8Array {
  const raw = res?.payload?.data;
  if (raw === undefined || raw === null) {
    throw providerError("not-found", `gcp secret manager: ${describeKey(key)} has no payload`);
  }
  const data = typeof raw === "string" ? Buffer.from(raw, "base64") : raw;
  const declared = declaredCrc32c(res?.payload?.dataCrc32c);
  if (declared !== undefined && declared !== crc32c(data)) {
    throw providerError("checksum-mismatch", `gcp secret manager: ${describeKey(key)}: payload checksum mismatch`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
