import { createHash } from "node:crypto";
import { createSecureContext } from "node:tls";
import { withSignal } from "@hush/cloud";
import { createVaultClient, type VaultClient, type VaultClientOptions } from "@hush/cloud/vault";
import { expandJsonObject, extractProperty, jsonValueBytes, objectToBytesMap, setEntry, utf8 } from "./json-property.js";
import { observed } from "./observe.js";
import { describeKey, providerError } from "./provider-error.js";
import type { BatchResult, FindSpec, ProviderContext, RemoteRef, SecretProvider, VaultRequest } from "./provider.js";
import { assertAmbientAllowed, readSecretRef, refNamespace, serviceAccountToken } from "./spec.js";
import { mapAwsError } from "./aws-errors.js";
import { parseVaultConfig, type VaultCaProvider, type VaultConfig } from "./vault-config.js";
import { iamCredentials, signIamLogin, type IamCredentialSource } from "./vault-iam.js";
import { mapVaultError, vaultStatus } from "./vault-errors.js";
import { kvListPath, kvMetadataPath, kvReadPath, locateKvKey, type VaultKvLocation } from "./vault-paths.js";
import { VaultTokenCache, type VaultToken, type VaultTokenCacheOptions } from "./vault-token.js";
import { HushError } from "@hush/errors";
import { goJson, managedByKey, managedByValue, maxPushBytes, notManagedError, ownershipOf, type DeleteOutcome, type PushOwner, type PushOutcome, type PushRef, type PushRequest } from "./push.js";

/** Builds the Vault client (`createVaultClient` of `@hush/cloud/vault`); tests and special transports swap this. */
export type VaultClientFactory = (options: VaultClientOptions) => VaultClient;

const PROVIDER = "vault";
/** Default audience of service-account tokens sent to Vault's kubernetes auth. */
const VAULT_AUDIENCE = "vault";
/** Upper bound on secrets visited by one `find`, so a huge mount cannot run away. */
const FIND_LIMIT = 5_000;

/**
 * HashiCorp Vault / OpenBao KV (v1, v2) behind {@link SecretProvider}, with token, appRole,
 * kubernetes (a ServiceAccount's TokenRequest, a JWT from a Secret, or the controller's own
 * token for ClusterSecretStores), jwt, userPass, ldap, cert and iam (a signed STS GetCallerIdentity) auth, and mutual TLS. The token is cached per provider, renewed before expiry by
 * the injected clock and replaced on failure; `close` revokes tokens hush created.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` for a malformed block.
 */
export async function createVaultProvider(
  spec: unknown,
  ctx: ProviderContext,
  options: { factory?: VaultClientFactory; tokenCache?: VaultTokenCacheOptions } = {},
): Promise<SecretProvider> {
  const config = parseVaultConfig(spec);
  if (config.auth.kind === "kubernetes" && !config.auth.serviceAccountRef && !config.auth.secretRef) {
    // Refused before any call: the controller's own token is an ambient credential.
    assertAmbientAllowed(ctx, "spec.provider.vault.auth.kubernetes.serviceAccountRef");
  }
  if (config.auth.kind === "iam" && !config.auth.secretRef && !config.auth.serviceAccountRef) {
    // Neither keys nor a ServiceAccount: the controller's own AWS identity, an ambient credential.
    assertAmbientAllowed(ctx, "spec.provider.vault.auth.iam.secretRef");
  }
  return new VaultProvider(config, ctx, options.factory ?? createVaultClient, options.tokenCache);
}

/** Per-request timeout: a reconcile must not hang on a Vault that accepts and never answers. */
const TIMEOUT_MS = 30_000;
/**
 * How long TLS material read from the cluster (CA bundle, client certificate) is used before it
 * is read again; a failed call makes the next use read it at once. A rotated CA or certificate
 * is so picked up without rebuilding the store, at three object reads a minute at most.
 */
export const VAULT_TLS_REREAD_MS = 60_000;

/** The TLS settings of the client, as read from the store and its references. */
interface TlsMaterial {
  ca?: string;
  clientCert?: { cert: string; key: string };
  /** SHA-256 over the material: a change rebuilds the client. */
  fingerprint: string;
}

interface ClientState {
  client: VaultClient;
  fingerprint: string;
  checkedAt: number;
}

class VaultProvider implements SecretProvider {
  readonly kind = PROVIDER;
  readonly #config: VaultConfig;
  readonly #ctx: ProviderContext;
  readonly #factory: VaultClientFactory;
  readonly #tokens: VaultTokenCache;
  #state: ClientState | undefined;
  #pending: Promise<VaultClient> | undefined;
  /** Set by a failed call: the next use reads the TLS material again. */
  #stale = false;
  #closed = false;
  /** The AWS keys an iam login signs with (iam auth only). */
  readonly #iam: IamCredentialSource | undefined;

  constructor(config: VaultConfig, ctx: ProviderContext, factory: VaultClientFactory, cacheOptions?: VaultTokenCacheOptions) {
    this.#config = config;
    this.#ctx = ctx;
    this.#factory = factory;
    this.#iam = config.auth.kind === "iam" ? iamCredentials(config.auth, ctx) : undefined;
    const loginBased = config.auth.kind !== "token";
    this.#tokens = new VaultTokenCache(
      {
        login: () => this.#login(),
        renew: (token) => this.#renew(token),
        ...(loginBased ? { revoke: (token: string) => this.#revoke(token) } : {}),
      },
      () => ctx.now(),
      cacheOptions,
    );
  }

  /** True when TLS material comes from cluster objects, so it may rotate. */
  #dynamicTls(): boolean {
    const c = this.#config;
    return c.caProvider !== undefined || c.clientTls !== undefined || c.auth.kind === "cert";
  }

  /**
   * The Vault client: no debug output, no `VAULT_*` environment fall-backs, TLS always
   * verified, every call bounded. Built once; when its CA or client certificate comes from a
   * Secret or ConfigMap, that material is read again after {@link VAULT_TLS_REREAD_MS} or a
   * failed call, and a changed one replaces the client (and, for cert auth, the token).
   */
  #getClient(): Promise<VaultClient> {
    if (this.#closed) return Promise.reject(providerError("unavailable", "vault: provider closed"));
    const state = this.#state;
    if (state && (!this.#dynamicTls() || (!this.#stale && this.#ctx.now() - state.checkedAt < VAULT_TLS_REREAD_MS))) {
      return Promise.resolve(state.client);
    }
    this.#pending ??= this.#refreshClient().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #refreshClient(): Promise<VaultClient> {
    const checkedAt = this.#ctx.now();
    this.#stale = false;
    const material = await this.#readTls();
    const current = this.#state;
    if (current && current.fingerprint === material.fingerprint) {
      current.checkedAt = checkedAt;
      return current.client;
    }
    const client = this.#factory({
      address: this.#config.server,
      headers: this.#config.headers,
      ...(this.#config.namespace ? { namespace: this.#config.namespace } : {}),
      ...(material.ca ? { ca: material.ca } : {}),
      ...(material.clientCert ? { clientCert: material.clientCert } : {}),
      timeoutMs: TIMEOUT_MS,
    });
    this.#state = { client, fingerprint: material.fingerprint, checkedAt };
    if (current) {
      // A new client certificate is a new identity under cert auth: log in with it.
      if (this.#config.auth.kind === "cert") this.#tokens.reset();
      current.client.close();
    }
    return client;
  }

  /** Reads the CA bundle and client certificate; refuses material Node cannot use. */
  async #readTls(): Promise<TlsMaterial> {
    const c = this.#config;
    const f = "spec.provider.vault";
    const ca = c.caProvider ? await this.#readCa(c.caProvider) : c.caBundle;
    let clientCert: TlsMaterial["clientCert"];
    if (c.auth.kind === "cert") {
      // ESO lets the cert auth certificate replace the `tls` one on the transport.
      const [cert, key] = await Promise.all([
        readSecretRef(this.#ctx, c.auth.clientCert, `${f}.auth.cert.clientCert`),
        readSecretRef(this.#ctx, c.auth.secretRef, `${f}.auth.cert.secretRef`),
      ]);
      clientCert = { cert, key };
    } else if (c.clientTls) {
      const [cert, key] = await Promise.all([
        readSecretRef(this.#ctx, c.clientTls.certSecretRef, `${f}.tls.certSecretRef`),
        readSecretRef(this.#ctx, c.clientTls.keySecretRef, `${f}.tls.keySecretRef`),
      ]);
      clientCert = { cert, key };
    }
    try {
      // Parses and matches them now, so a bad bundle or a key that does not fit the certificate
      // is a config error naming the field, not a failure inside the first request.
      createSecureContext({ ...(ca ? { ca } : {}), ...(clientCert ?? {}) });
    } catch {
      const what = clientCert ? "the client certificate and key (PEM, matching)" : "the CA bundle (PEM)";
      throw providerError("invalid-config", `${f}: ${what} cannot be used for TLS`);
    }
    const h = createHash("sha256");
    for (const part of [ca ?? "", clientCert?.cert ?? "", clientCert?.key ?? ""]) h.update(`${part.length}:`).update(part);
    return { ...(ca ? { ca } : {}), ...(clientCert ? { clientCert } : {}), fingerprint: h.digest("hex") };
  }

  /** The CA bundle of `caProvider`, from a Secret or a ConfigMap (same namespace rules as credentials). */
  async #readCa(cp: VaultCaProvider): Promise<string> {
    const field = "spec.provider.vault.caProvider";
    if (cp.type === "Secret") return readSecretRef(this.#ctx, cp, field);
    const ns = refNamespace(this.#ctx, cp, field);
    if (!this.#ctx.readConfigMap) throw providerError("invalid-config", `${field}: this host cannot read ConfigMaps`);
    try {
      return (await this.#ctx.readConfigMap(ns, cp.name, cp.key)).trim();
    } catch (err) {
      throw providerError("invalid-config", `${field}: cannot read key "${cp.key}" of configmap ${ns}/${cp.name}`, err);
    }
  }

  /** Request options for a login: the auth namespace when it differs, no token. */
  #loginOptions(): { namespace: string | null } {
    return { namespace: this.#config.authNamespace ?? this.#config.namespace ?? null };
  }

  #call<T>(operation: string, what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return observed(this.#ctx, PROVIDER, operation, () => withSignal(fn(), signal), (err) => {
      const mapped = mapVaultError(err, what, signal);
      // A rotated CA or client certificate shows as a failed call: read them again next time.
      if (mapped.code !== "HUSH_ERR_PROVIDERS_NOT_FOUND") this.#stale = true;
      // A login rejected with 400 ("invalid role or secret ID") is a credentials problem.
      if (operation === "login" && vaultStatus(err) === 400) {
        return providerError("access-denied", `vault: ${what}: access denied (http 400)`, mapped.cause);
      }
      return mapped;
    });
  }

  async #login(): Promise<VaultToken> {
    const { auth } = this.#config;
    const client = await this.#getClient();
    const f = "spec.provider.vault.auth";
    if (auth.kind === "token") {
      const token = await readSecretRef(this.#ctx, auth.tokenSecretRef, `${f}.tokenSecretRef`);
      const out = await this.#call("token-lookup", "look up token", () => client.read("auth/token/lookup-self", { token }));
      const data = (out as { data?: { ttl?: unknown; renewable?: unknown } }).data;
      return { token, ttlSeconds: num(data?.ttl), renewable: data?.renewable === true };
    }
    const login = this.#loginOptions();
    let out: unknown;
    if (auth.kind === "appRole") {
      const roleId = auth.roleId ?? (await readSecretRef(this.#ctx, auth.roleRef!, `${f}.appRole.roleRef`));
      const secretId = await readSecretRef(this.#ctx, auth.secretRef, `${f}.appRole.secretRef`);
      out = await this.#call("login", "approle login", () =>
        client.write(`auth/${auth.path}/login`, { role_id: roleId, secret_id: secretId }, login),
      );
    } else if (auth.kind === "jwt") {
      const jwt = auth.serviceAccountRef
        ? await serviceAccountToken(this.#ctx, auth.serviceAccountRef, auth.audiences, `${f}.jwt.kubernetesServiceAccountToken`)
        : await readSecretRef(this.#ctx, auth.secretRef!, `${f}.jwt.secretRef`);
      out = await this.#call("login", "jwt login", () =>
        client.write(`auth/${auth.path}/login`, { ...(auth.role ? { role: auth.role } : {}), jwt }, login),
      );
    } else if (auth.kind === "cert") {
      // The certificate presented in the handshake is the credential; the body is empty.
      out = await this.#call("login", "cert login", () => client.write("auth/cert/login", {}, login));
    } else if (auth.kind === "iam") {
      let credentials;
      try {
        credentials = await this.#iam!.get();
      } catch (err) {
        throw err instanceof HushError ? err : mapAwsError(err, "resolve credentials for the vault iam login", undefined, "sts");
      }
      const body = await signIamLogin({
        credentials,
        region: auth.region,
        ...(auth.vaultRole ? { vaultRole: auth.vaultRole } : {}),
        ...(auth.serverId ? { serverId: auth.serverId } : {}),
        now: new Date(this.#ctx.now()),
      });
      out = await this.#call("login", "iam login", () => client.write(`auth/${auth.path}/login`, { ...body }, login));
    } else if (auth.kind === "userPass" || auth.kind === "ldap") {
      // Vault's userpass and ldap methods take the same login call (the password is checked by
      // Vault, or by the directory through a bind); only the mount differs.
      const password = await readSecretRef(this.#ctx, auth.secretRef, `${f}.${auth.kind}.secretRef`);
      out = await this.#call("login", `${auth.kind === "ldap" ? "ldap" : "userpass"} login`, () =>
        client.write(`auth/${auth.path}/login/${encodeURIComponent(auth.username)}`, { password }, login),
      );
    } else {
      // The token's audience is `vault` unless the store names others: a token minted for the
      // API server's own audience would also be valid against the API server.
      const jwt = auth.serviceAccountRef
        ? await serviceAccountToken(this.#ctx, auth.serviceAccountRef, [VAULT_AUDIENCE], `${f}.kubernetes.serviceAccountRef`)
        : auth.secretRef
          ? await readSecretRef(this.#ctx, auth.secretRef, `${f}.kubernetes.secretRef`)
          : await this.#ownToken();
      out = await this.#call("login", "kubernetes login", () =>
        client.write(`auth/${auth.mountPath}/login`, { role: auth.role, jwt }, login),
      );
    }
    return authToken(out, "login");
  }

  /**
   * The controller's own ServiceAccount token (ESO reads the pod's mounted token when the store
   * names no ref). It acts as the controller, so a namespaced store needs the ambient opt-in.
   */
  async #ownToken(): Promise<string> {
    const field = "spec.provider.vault.auth.kubernetes.serviceAccountRef";
    assertAmbientAllowed(this.#ctx, field);
    if (!this.#ctx.ownServiceAccountToken) throw providerError("invalid-config", `${field}: this host has no service account token of its own`);
    let token: string;
    try {
      token = (await this.#ctx.ownServiceAccountToken()).trim();
    } catch (err) {
      throw providerError("invalid-config", "spec.provider.vault.auth.kubernetes: cannot read the controller's service account token", err);
    }
    if (token === "") throw providerError("invalid-config", "spec.provider.vault.auth.kubernetes: the controller's service account token is empty");
    return token;
  }

  async #renew(token: string): Promise<VaultToken> {
    const client = await this.#getClient();
    const out = await this.#call("token-renew", "renew token", () => client.write("auth/token/renew-self", {}, { token }));
    return authToken(out, "renew");
  }

  async #revoke(token: string): Promise<void> {
    const client = await this.#getClient();
    await this.#call("token-revoke", "revoke token", () => client.write("auth/token/revoke-self", {}, { token }));
  }

  /**
   * Runs `fn` with the cached token. Vault answers 403 both for a policy refusal and for a
   * revoked/expired token; a `lookup-self` tells them apart, so only a dead token costs a new
   * login (a denied path never turns into a login per reconcile).
   */
  async #authed<T>(fn: (client: VaultClient, token: string) => Promise<T>): Promise<T> {
    const client = await this.#getClient();
    const token = await this.#tokens.token();
    try {
      return await fn(client, token);
    } catch (err) {
      if (!(err && typeof err === "object" && "code" in err && err.code === "HUSH_ERR_PROVIDERS_ACCESS_DENIED")) throw err;
      const alive = await this.#call("token-lookup", "look up token", () => client.read("auth/token/lookup-self", { token })).then(
        () => true,
        (lookupErr: unknown) => ((lookupErr as { code?: string }).code === "HUSH_ERR_PROVIDERS_ACCESS_DENIED" ? false : true),
      );
      if (alive) throw err;
      this.#tokens.invalidate(token);
      const fresh = await this.#tokens.token();
      if (fresh === token) throw err;
      return fn(client, fresh);
    }
  }

  #locate(key: string): VaultKvLocation {
    return locateKvKey(key, this.#config.path, this.#config.version);
  }

  /** The KV data of `ref` (v2: `data.data`), or not-found. */
  async #readData(ref: RemoteRef, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const loc = this.#locate(ref.key);
    const path = kvReadPath(loc, this.#config.version, ref.version);
    const what = `read ${describeKey(ref.key)}`;
    const body = await this.#authed((c, token) => this.#call("kv-read", what, () => c.read(path, { token, ...sig(signal) }), signal));
    const outer = (body as { data?: unknown } | null)?.data;
    const data = this.#config.version === "v2" ? (outer as { data?: unknown } | null | undefined)?.data : outer;
    if (data === null || data === undefined || typeof data !== "object" || Array.isArray(data)) {
      // v2: a deleted or destroyed version reads as data: null.
      throw providerError("not-found", `vault: ${what}: not found`);
    }
    return data as Record<string, unknown>;
  }

  async #readCustomMetadata(ref: { key: string }, signal?: AbortSignal): Promise<Record<string, unknown>> {
    if (this.#config.version !== "v2") {
      throw providerError("invalid-config", "metadataPolicy: Fetch needs a KV v2 store");
    }
    const path = kvMetadataPath(this.#locate(ref.key));
    const body = await this.#authed((c, token) =>
      this.#call("kv-metadata", `read metadata of ${describeKey(ref.key)}`, () => c.read(path, { token, ...sig(signal) }), signal),
    );
    const meta = (body as { data?: { custom_metadata?: unknown } } | null)?.data?.custom_metadata;
    return meta && typeof meta === "object" && !Array.isArray(meta) ? (meta as Record<string, unknown>) : {};
  }

  async getSecret(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array> {
    const data = ref.metadataPolicy === "Fetch" ? await this.#readCustomMetadata(ref, signal) : await this.#readData(ref, signal);
    const whole = utf8(JSON.stringify(data));
    return ref.property ? extractProperty(whole, ref.property, ref.key) : whole;
  }

  async getSecretMap(ref: RemoteRef, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    const data = ref.metadataPolicy === "Fetch" ? await this.#readCustomMetadata(ref, signal) : await this.#readData(ref, signal);
    return ref.property ? expandJsonObject(utf8(JSON.stringify(data)), ref.key, ref.property) : objectToBytesMap(data);
  }

  async getSecrets(refs: readonly RemoteRef[], signal?: AbortSignal): Promise<BatchResult[]> {
    // Vault has no batch read: one read per distinct (key, version, metadata), shared by refs.
    const reads = new Map<string, Promise<Record<string, unknown>>>();
    return Promise.all(
      refs.map(async (ref): Promise<BatchResult> => {
        const id = JSON.stringify([ref.key, ref.version ?? "", ref.metadataPolicy ?? "None"]);
        let p = reads.get(id);
        if (!p) {
          p = ref.metadataPolicy === "Fetch" ? this.#readCustomMetadata(ref, signal) : this.#readData(ref, signal);
          reads.set(id, p);
        }
        try {
          const whole = utf8(JSON.stringify(await p));
          return { ok: true, value: ref.property ? extractProperty(whole, ref.property, ref.key) : whole };
        } catch (err) {
          return { ok: false, error: mapVaultError(err, `read ${describeKey(ref.key)}`) };
        }
      }),
    );
  }

  async findSecrets(find: FindSpec, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    const tags = Object.entries(find.tags ?? {});
    if (!find.name && tags.length === 0) throw providerError("invalid-config", "find needs a name regexp or tags");
    if (tags.length > 0 && this.#config.version !== "v2") {
      throw providerError("invalid-config", "find by tags needs a KV v2 store (custom_metadata)");
    }
    let nameRe: RegExp | undefined;
    if (find.name) {
      try {
        nameRe = new RegExp(find.name.regexp);
      } catch (err) {
        throw providerError("invalid-config", "find.name.regexp is not a valid regular expression", err);
      }
    }
    const base = (find.path ?? "").replace(/^\/+|\/+$/g, "");
    let mount = this.#config.path?.replace(/^\/+|\/+$/g, "");
    let start = base;
    if (!mount) {
      const [first, ...rest] = base.split("/");
      if (!first) throw providerError("invalid-config", "find.path must start with the mount when the store has no path");
      mount = first;
      start = rest.join("/");
    }
    const names = await this.#listRecursive(mount, start, signal);
    const out: Record<string, Uint8Array> = {};
    for (const rel of names) {
      if (nameRe && !nameRe.test(rel)) continue;
      const key = this.#config.path ? rel : `${mount}/${rel}`;
      if (tags.length > 0) {
        const meta = await this.#readCustomMetadata({ key }, signal);
        if (!tags.every(([k, v]) => meta[k] === v)) continue;
      }
      try {
        setEntry(out, rel, jsonValueBytes(await this.#readData({ key }, signal)));
      } catch (err) {
        if ((err as { code?: string }).code !== "HUSH_ERR_PROVIDERS_NOT_FOUND") throw err; // deleted: skip
      }
    }
    return out;
  }

  /** Every secret path (relative to the mount) below `folder`, depth-first, bounded. */
  async #listRecursive(mount: string, folder: string, signal?: AbortSignal): Promise<string[]> {
    const found: string[] = [];
    const queue = [folder];
    while (queue.length > 0) {
      const dir = queue.shift()!;
      const path = kvListPath(mount, dir, this.#config.version);
      let keys: unknown;
      try {
        const body = await this.#authed((c, token) => this.#call("kv-list", "list secrets", () => c.list(path, { token, ...sig(signal) }), signal));
        keys = (body as { data?: { keys?: unknown } } | null)?.data?.keys;
      } catch (err) {
        if ((err as { code?: string }).code === "HUSH_ERR_PROVIDERS_NOT_FOUND") continue; // empty folder
        throw err;
      }
      for (const k of Array.isArray(keys) ? keys : []) {
        if (typeof k !== "string" || k === "" || k.includes("..")) continue;
        const rel = dir ? `${dir}/${k}` : k;
        if (k.endsWith("/")) queue.push(rel.replace(/\/+$/, ""));
        else found.push(rel);
        if (found.length + queue.length > FIND_LIMIT) {
          throw providerError("invalid-config", `find matched more than ${FIND_LIMIT} vault paths; narrow find.path`);
        }
      }
    }
    return found.sort();
  }

  #pushLocation(ref: PushRef): VaultKvLocation {
    if (this.#config.version !== "v2") throw new HushError("HUSH_ERR_PROVIDERS_PUSH_UNSUPPORTED", "vault: push needs a KV v2 store (custom_metadata marks what a PushSecret manages)");
    return this.#locate(ref.remoteKey);
  }

  /** The KV v2 custom metadata of `key`, or undefined when the secret has no metadata at all. */
  async #metadataOrNone(key: string, signal?: AbortSignal): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.#readCustomMetadata({ key }, signal);
    } catch (err) {
      if ((err as { code?: string }).code === "HUSH_ERR_PROVIDERS_NOT_FOUND") return undefined;
      throw err;
    }
  }

  async #dataOrNone(key: string, signal?: AbortSignal): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.#readData({ key }, signal);
    } catch (err) {
      if ((err as { code?: string }).code === "HUSH_ERR_PROVIDERS_NOT_FOUND") return undefined;
      throw err;
    }
  }

  async secretExists(ref: PushRef, signal?: AbortSignal): Promise<boolean> {
    this.#pushLocation(ref);
    return (await this.#dataOrNone(ref.remoteKey, signal)) !== undefined;
  }

  /**
   * ESO's `PushSecret` for KV v2: writes `custom_metadata` `managed-by: external-secrets` (and
   * the owner key) and a new version. The whole value must be a JSON object; a `property` is
   * set as a string key of the existing object. The ownership check reads the metadata even when
   * the latest version was deleted (ESO checks only readable secrets), so a soft-deleted secret
   * of another namespace is not taken either.
   */
  async pushSecret(req: PushRequest, signal?: AbortSignal): Promise<PushOutcome> {
    const loc = this.#pushLocation(req.ref);
    const key = req.ref.remoteKey;
    const meta = await this.#metadataOrNone(key, signal);
    if (meta !== undefined) {
      const ownership = ownershipOf(meta, req.owner);
      if (ownership === "unmanaged" || ownership === "other-owner") throw notManagedError("vault", key, ownership);
    }
    const existing = meta === undefined ? undefined : await this.#dataOrNone(key, signal);
    const text = new TextDecoder().decode(req.value);
    let next: Record<string, unknown>;
    if (req.ref.property) {
      if (existing && existing[req.ref.property] === text) return "unchanged";
      next = { ...(existing ?? {}), [req.ref.property]: text };
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw providerError("invalid-config", `vault: push to ${describeKey(key)} without a property needs a JSON object value (or set remoteRef.property)`);
      }
      next = parsed as Record<string, unknown>;
      if (existing && goJson(existing) === goJson(next)) return "unchanged";
    }
    if (Buffer.byteLength(JSON.stringify(next)) > maxPushBytes) throw providerError("invalid-config", `vault: value for ${describeKey(key)} exceeds ${maxPushBytes} bytes`);
    const custom = { ...(meta ?? {}), [managedByKey]: managedByValue, [req.owner.ownerTag]: req.owner.namespace };
    const what = `write ${describeKey(key)}`;
    if (!meta || meta[managedByKey] !== managedByValue || meta[req.owner.ownerTag] !== req.owner.namespace) {
      await this.#authed((c, token) => this.#call("kv-write-metadata", what, () => c.write(kvMetadataPath(loc), { custom_metadata: custom }, { token, ...sig(signal) }), signal));
    }
    await this.#authed((c, token) => this.#call("kv-write", what, () => c.write(kvReadPath(loc, "v2"), { data: next }, { token, ...sig(signal) }), signal));
    return existing === undefined ? "created" : "updated";
  }

  /**
   * ESO's `DeleteSecret` for KV v2: only a secret this namespace owns. A property is removed
   * from the object (a new version); the secret goes (all versions and its metadata) when no
   * property is named or none is left.
   */
  async deleteSecret(ref: PushRef, owner: PushOwner, signal?: AbortSignal): Promise<DeleteOutcome> {
    const loc = this.#pushLocation(ref);
    const key = ref.remoteKey;
    const meta = await this.#metadataOrNone(key, signal);
    if (meta === undefined) return "absent";
    if (ownershipOf(meta, owner) !== "owned") return "kept-unmanaged";
    const what = `delete ${describeKey(key)}`;
    if (ref.property) {
      const existing = await this.#dataOrNone(key, signal);
      if (!existing || !Object.hasOwn(existing, ref.property)) return "absent";
      const { [ref.property]: _gone, ...rest } = existing;
      if (Object.keys(rest).length > 0) {
        await this.#authed((c, token) => this.#call("kv-write", what, () => c.write(kvReadPath(loc, "v2"), { data: rest }, { token, ...sig(signal) }), signal));
        return "property-removed";
      }
    }
    await this.#authed((c, token) => {
      if (!c.delete) throw new HushError("HUSH_ERR_PROVIDERS_PUSH_UNSUPPORTED", "vault: this client cannot delete");
      const del = c.delete.bind(c);
      return this.#call("kv-delete", what, () => del(kvMetadataPath(loc), { token, ...sig(signal) }), signal);
    });
    return "deleted";
  }

  async vaultRequest(req: VaultRequest, signal?: AbortSignal): Promise<unknown> {
    const method = (req.method ?? "").toUpperCase() || "GET";
    // The path is the tenant's, sent to the tenant's Vault with the tenant's credentials; only
    // its shape is checked, so a request cannot leave /v1/ or smuggle a query.
    let start = 0;
    while (req.path[start] === "/") start++;
    const path = req.path.slice(start);
    if (path === "" || path.length > 1024 || path.split("/").some((seg) => seg === ".." || seg === ".") || ["?", "#", "\\"].some((c) => path.includes(c))) {
      throw providerError("invalid-config", "vault: the generator path must be a relative Vault path (no '..', '?', '#' or '\\'), at most 1024 characters");
    }
    const what = `${method} ${describeKey(path)}`;
    try {
      return await this.#authed((c, token) =>
        this.#call("dynamic-secret", what, async () => {
          const o = { token, ...sig(signal) };
          if (method === "GET") return c.read(path, o);
          if (method === "LIST") return c.list(path, o);
          if (method === "DELETE") {
            if (!c.delete) throw new HushError("HUSH_ERR_PROVIDERS_INVALID_CONFIG", "vault: this client cannot delete");
            return c.delete(path, o);
          }
          return c.write(path, req.parameters ?? {}, o);
        }, signal),
      );
    } catch (err) {
      // As the Vault Go client: a 404 on a read is an empty answer, not an error.
      if (method === "GET" && (err as { code?: unknown } | null)?.code === "HUSH_ERR_PROVIDERS_NOT_FOUND") return null;
      throw err;
    }
  }

  async validate(signal?: AbortSignal): Promise<void> {
    await this.#authed((c, token) =>
      this.#call("token-lookup", "look up token", () => c.read("auth/token/lookup-self", { token, ...sig(signal) }), signal),
    );
  }

  async close(): Promise<void> {
    await this.#tokens.close();
    this.#closed = true;
    this.#iam?.close();
    await this.#pending?.catch(() => undefined);
    this.#state?.client.close();
    this.#state = undefined;
  }
}

function sig(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

function authToken(out: unknown, what: string): VaultToken {
  const auth = (out as { auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } } | null)?.auth;
  if (typeof auth?.client_token !== "string" || auth.client_token === "") {
    throw providerError("access-denied", `vault: ${what}: no token in the response`);
  }
  return { token: auth.client_token, ttlSeconds: num(auth.lease_duration), renewable: auth.renewable === true };
}
