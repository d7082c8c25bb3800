import { crc32c } from "./crc32c.js";
import { describeKey, providerError } from "./provider-error.js";
import { managedByKey, managedByValue, maxPushBytes, notManagedError, ownershipOf, removeJsonProperty, setJsonProperty, type DeleteOutcome, type PushOutcome, type PushOwner, type PushRef, type PushRequest } from "./push.js";

/** The Secret Manager calls a push makes (`SecretManagerServiceClient` has them all). */
export interface GcpWriteClient {
  getSecret(req: { name: string }): Promise<unknown[]>;
  accessSecretVersion(req: { name: string }): Promise<unknown[]>;
  createSecret?(req: { parent: string; secretId: string; secret: unknown }): Promise<unknown[]>;
  updateSecret?(req: { secret: unknown; updateMask: { paths: string[] } }): Promise<unknown[]>;
  deleteSecret?(req: { name: string; etag?: string }): Promise<unknown[]>;
  addSecretVersion?(req: { parent: string; payload: { data: Uint8Array; dataCrc32c: number } }): Promise<unknown[]>;
}

/** What {@link GcpPusher} needs of the Secret Manager provider. */
export interface GcpPushHost {
  /** `projects/<p>` or `projects/<p>/locations/<l>`. */
  parent(): string;
  /** The secret's resource name for a remote key. */
  secretName(remoteKey: string): string;
  /** The store's `location` (regional secrets are user-managed replicas there). */
  readonly location: string | undefined;
  /** Runs one call, observed, errors mapped to provider errors. */
  call<T>(operation: string, what: string, fn: (c: GcpWriteClient) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

interface GcpSecret {
  name?: string;
  etag?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
}

/** ESO's GCP `PushSecretMetadataSpec` as hush serves it. */
interface GcpPushSettings {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly merge: boolean;
}

/**
 * Label keys may hold only lowercase letters, digits, `_` and `-` (63 at most): the owner tag
 * (`hush.dev/pushed-from-namespace`) is spelled `hush_dev_pushed-from-namespace` here.
 */
export function gcpOwnerLabel(ownerTag: string): string {
  return ownerTag.toLowerCase().replace(/[^a-z0-9_-]/g, "_").slice(0, 63);
}

const metadataApiVersion = "kubernetes.external-secrets.io/v1alpha1";

/**
 * `data[].metadata` for Google Secret Manager (ESO v0.16 `PushSecretMetadataSpec`): `labels`,
 * `annotations`, `mergePolicy` (`Replace` default, `Merge` keeps the secret's labels). `topics`
 * and `cmekKeyName` are refused (not implemented), as is metadata together with a `property`
 * (ESO refuses that too).
 */
export function gcpPushSettings(metadata: unknown, property: string | undefined, ownerLabel: string): GcpPushSettings {
  const none: GcpPushSettings = { labels: {}, annotations: {}, merge: false };
  if (metadata === undefined || metadata === null) return none;
  const bad = (what: string) => providerError("invalid-config", `data[].metadata: ${what}`);
  if (property) throw bad("cannot specify metadata and property at the same time");
  if (typeof metadata !== "object" || Array.isArray(metadata)) throw bad("must be an object");
  const m = metadata as Record<string, unknown>;
  if (m["apiVersion"] !== metadataApiVersion || m["kind"] !== "PushSecretMetadata") throw bad(`must be ${metadataApiVersion} PushSecretMetadata`);
  const spec = (m["spec"] ?? {}) as Record<string, unknown>;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw bad("spec must be an object");
  for (const k of Object.keys(spec)) {
    if (k === "topics" || k === "cmekKeyName") throw bad(`spec.${k} is not supported by hush yet`);
    if (!["labels", "annotations", "mergePolicy"].includes(k)) throw bad(`unknown field spec.${JSON.stringify(k.slice(0, 64))}`);
  }
  const map = (k: string): Record<string, string> => {
    const v = spec[k] ?? {};
    if (typeof v !== "object" || v === null || Array.isArray(v) || Object.keys(v).length > 64) throw bad(`spec.${k} must be a map of at most 64 strings`);
    const out: Record<string, string> = {};
    for (const [key, val] of Object.entries(v as Record<string, unknown>)) {
      if (typeof val !== "string" || key.length > 256 || val.length > 1024) throw bad(`spec.${k} must be a map of short strings`);
      out[key] = val;
    }
    return out;
  };
  const labels = map("labels");
  if (managedByKey in labels || ownerLabel in labels) throw bad(`spec.labels: cannot specify a '${managedByKey}' or '${ownerLabel}' label`);
  const policy = spec["mergePolicy"] ?? "Replace";
  if (policy !== "Replace" && policy !== "Merge") throw bad("spec.mergePolicy must be Replace or Merge");
  return { labels, annotations: map("annotations"), merge: policy === "Merge" };
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/**
 * The write side of Google Secret Manager (ESO v0.16 `PushSecret`, `DeleteSecret`,
 * `SecretExists`): secrets labelled `managed-by: external-secrets` plus the owner label, a new
 * version only when the payload changes, `property` merged into the latest JSON payload. Unlike
 * ESO (whose property pushes skip the check), every overwrite and delete needs ownership.
 */
export class GcpPusher {
  readonly #h: GcpPushHost;

  constructor(host: GcpPushHost) {
    this.#h = host;
  }

  async #secret(name: string, key: string, signal?: AbortSignal): Promise<GcpSecret | undefined> {
    try {
      const [s] = (await this.#h.call("GetSecret", `get secret ${describeKey(key)}`, (c) => c.getSecret({ name }), signal)) as [GcpSecret];
      return s;
    } catch (err) {
      if ((err as { code?: string }).code === "HUSH_ERR_PROVIDERS_NOT_FOUND") return undefined;
      throw err;
    }
  }

  async #latest(name: string, key: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    try {
      const [res] = (await this.#h.call("AccessSecretVersion", `access ${describeKey(key)}`, (c) => c.accessSecretVersion({ name: `${name}/versions/latest` }), signal)) as [{ payload?: { data?: Uint8Array | string | null } }];
      const data = res.payload?.data;
      return data === undefined || data === null ? undefined : typeof data === "string" ? Buffer.from(data, "base64") : new Uint8Array(data);
    } catch (err) {
      if ((err as { code?: string }).code === "HUSH_ERR_PROVIDERS_NOT_FOUND") return undefined;
      throw err;
    }
  }

  #need<K extends keyof GcpWriteClient>(c: GcpWriteClient, method: K): NonNullable<GcpWriteClient[K]> {
    const fn = c[method];
    if (!fn) throw providerError("invalid-config", `gcp secret manager client cannot ${String(method)}`);
    return (fn as (...a: unknown[]) => unknown).bind(c) as NonNullable<GcpWriteClient[K]>;
  }

  async exists(ref: PushRef, signal?: AbortSignal): Promise<boolean> {
    return (await this.#secret(this.#h.secretName(ref.remoteKey), ref.remoteKey, signal)) !== undefined;
  }

  async push(req: PushRequest, signal?: AbortSignal): Promise<PushOutcome> {
    const key = req.ref.remoteKey;
    const name = this.#h.secretName(key);
    const ownerLabel = gcpOwnerLabel(req.owner.ownerTag);
    const owner = { ...req.owner, ownerTag: ownerLabel };
    const settings = gcpPushSettings(req.metadata, req.ref.property, ownerLabel);
    const what = `push ${describeKey(key)}`;
    let secret = await this.#secret(name, key, signal);
    let created = false;
    const mine = { [managedByKey]: managedByValue, [ownerLabel]: req.owner.namespace };
    if (!secret) {
      const replication = this.#h.location ? { userManaged: { replicas: [{ location: this.#h.location }] } } : { automatic: {} };
      const id = name.slice(name.lastIndexOf("/") + 1);
      [secret] = (await this.#h.call("CreateSecret", what, (c) => this.#need(c, "createSecret")({ parent: this.#h.parent(), secretId: id, secret: { labels: { ...settings.labels, ...mine }, annotations: settings.annotations, replication } }), signal)) as [GcpSecret];
      created = true;
    } else {
      const ownership = ownershipOf(secret.labels ?? {}, owner);
      if (ownership === "unmanaged" || ownership === "other-owner") throw notManagedError("gcp secret manager", key, ownership);
      const current = secret.labels ?? {};
      // ESO: property pushes keep labels and annotations; whole pushes set them from the metadata.
      const labels = req.ref.property ? { ...current, ...mine } : { ...(settings.merge ? current : {}), ...settings.labels, ...mine };
      const annotations = req.ref.property ? (secret.annotations ?? {}) : settings.annotations;
      if (!sameMap(labels, current) || !sameMap(annotations, secret.annotations ?? {})) {
        [secret] = (await this.#h.call("UpdateSecret", what, (c) => this.#need(c, "updateSecret")({ secret: { name, etag: secret!.etag, labels, annotations }, updateMask: { paths: ["labels", "annotations"] } }), signal)) as [GcpSecret];
      }
    }
    const original = created ? undefined : await this.#latest(name, key, signal);
    let data: Uint8Array = req.value;
    if (req.ref.property) {
      const text = Buffer.from(req.value).toString("utf8");
      if (original !== undefined) {
        try {
          if ((JSON.parse(Buffer.from(original).toString("utf8")) as Record<string, unknown>)[req.ref.property] === text) return "unchanged";
        } catch {
          // not JSON: setJsonProperty below says so
        }
      }
      data = new TextEncoder().encode(setJsonProperty(original ? Buffer.from(original).toString("utf8") : "", req.ref.property, text, key));
    } else if (original !== undefined && Buffer.from(original).equals(Buffer.from(data))) {
      return "unchanged";
    }
    if (data.byteLength > Math.min(maxPushBytes, 64 * 1024)) throw providerError("invalid-config", `gcp secret manager: value for ${describeKey(key)} exceeds 64 KiB`);
    await this.#h.call("AddSecretVersion", what, (c) => this.#need(c, "addSecretVersion")({ parent: name, payload: { data, dataCrc32c: crc32c(data) } }), signal);
    return created ? "created" : "updated";
  }

  async delete(ref: PushRef, owner: PushOwner, signal?: AbortSignal): Promise<DeleteOutcome> {
    const key = ref.remoteKey;
    const name = this.#h.secretName(key);
    const secret = await this.#secret(name, key, signal);
    if (!secret) return "absent";
    if (ownershipOf(secret.labels ?? {}, { ...owner, ownerTag: gcpOwnerLabel(owner.ownerTag) }) !== "owned") return "kept-unmanaged";
    const what = `delete ${describeKey(key)}`;
    if (ref.property) {
      const original = await this.#latest(name, key, signal);
      if (original === undefined) return "absent";
      const { doc, removed } = removeJsonProperty(Buffer.from(original).toString("utf8"), ref.property, key);
      if (!removed) return "absent";
      if (doc !== undefined) {
        const data = new TextEncoder().encode(doc);
        await this.#h.call("AddSecretVersion", what, (c) => this.#need(c, "addSecretVersion")({ parent: name, payload: { data, dataCrc32c: crc32c(data) } }), signal);
        return "property-removed";
      }
    }
    await this.#h.call("DeleteSecret", what, (c) => this.#need(c, "deleteSecret")({ name, ...(secret.etag ? { etag: secret.etag } : {}) }), signal);
    return "deleted";
  }
}
