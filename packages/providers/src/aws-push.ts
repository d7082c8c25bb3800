import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  TagResourceCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describeKey, providerError } from "./provider-error.js";
import { managedByKey, maxPushBytes, notManagedError, ownerTags, ownershipOf, removeJsonProperty, setJsonProperty, type DeleteOutcome, type PushOutcome, type PushOwner, type PushRef, type PushRequest } from "./push.js";

/** The settings of one AWS push, from ESO's `PushSecretMetadata` with ESO's defaults. */
export interface AwsPushSettings {
  readonly format: "binary" | "string";
  readonly description: string;
  readonly kmsKeyId: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** ESO's first version id of a pushed secret (`ClientRequestToken` of CreateSecret). */
export const initialAwsVersion = "00000000-0000-0000-0000-000000000001";

const metadataApiVersion = "kubernetes.external-secrets.io/v1alpha1";
const metadataKind = "PushSecretMetadata";
const specFields = new Set(["tags", "description", "secretPushFormat", "kmsKeyId"]);
/** AWS limits: 50 tags per secret, keys up to 128 characters, values up to 256. */
const maxTags = 48;

/**
 * Parses `data[].metadata` for AWS Secrets Manager as ESO v0.16 does
 * (`constructMetadataWithDefaults`): `apiVersion: kubernetes.external-secrets.io/v1alpha1`,
 * `kind: PushSecretMetadata`, `spec: {tags, description, secretPushFormat, kmsKeyId}`, unknown
 * fields refused; defaults binary, `secret 'managed-by:external-secrets'`,
 * `alias/aws/secretsmanager`. Tags may set neither `managed-by` nor the owner tag.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` naming the offending field.
 */
export function awsPushSettings(metadata: unknown, owner: PushOwner): AwsPushSettings {
  const defaults: AwsPushSettings = { format: "binary", description: `secret '${managedByKey}:external-secrets'`, kmsKeyId: "alias/aws/secretsmanager", tags: {} };
  if (metadata === undefined || metadata === null) return defaults;
  const bad = (what: string) => providerError("invalid-config", `data[].metadata: ${what}`);
  if (typeof metadata !== "object" || Array.isArray(metadata)) throw bad("must be an object");
  const m = metadata as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!["apiVersion", "kind", "spec"].includes(k)) throw bad(`unknown field ${JSON.stringify(k.slice(0, 64))}`);
  if (m["apiVersion"] !== metadataApiVersion) throw bad(`apiVersion must be ${metadataApiVersion}`);
  if (m["kind"] !== metadataKind) throw bad(`kind must be ${metadataKind}`);
  const spec = m["spec"] ?? {};
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw bad("spec must be an object");
  const sp = spec as Record<string, unknown>;
  for (const k of Object.keys(sp)) if (!specFields.has(k)) throw bad(`unknown field spec.${JSON.stringify(k.slice(0, 64))}`);
  const str = (k: string): string | undefined => {
    const v = sp[k];
    if (v === undefined || v === "") return undefined;
    if (typeof v !== "string" || v.length > 2048) throw bad(`spec.${k} must be a string of at most 2048 characters`);
    return v;
  };
  const format = str("secretPushFormat") ?? "binary";
  if (format !== "binary" && format !== "string") throw bad(`invalid secret push format (binary or string)`);
  const tags: Record<string, string> = {};
  if (sp["tags"] !== undefined) {
    const t = sp["tags"];
    if (typeof t !== "object" || t === null || Array.isArray(t)) throw bad("spec.tags must be a map of strings");
    const entries = Object.entries(t as Record<string, unknown>);
    if (entries.length > maxTags) throw bad(`spec.tags: at most ${maxTags} tags`);
    for (const [k, v] of entries) {
      if (typeof v !== "string" || k.length === 0 || k.length > 128 || v.length > 256) throw bad("spec.tags: keys of 1-128 and values of at most 256 characters");
      if (k === managedByKey || k === owner.ownerTag) throw bad(`spec.tags: cannot specify a '${k}' tag`);
      tags[k] = v;
    }
  }
  return { format, description: str("description") ?? defaults.description, kmsKeyId: str("kmsKeyId") ?? defaults.kmsKeyId, tags };
}

/**
 * The next version id after `id`, as ESO computes it (`bumpVersionNumber`): the UUID read as a
 * 128-bit number plus one; {@link initialAwsVersion} when there is none. A version id that is not
 * a UUID (a secret created outside ESO) gets a fresh random one.
 */
export function bumpAwsVersion(id: string | undefined): string {
  if (!id) return initialAwsVersion;
  const hex = id.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{1,32}$/.test(hex)) return crypto.randomUUID();
  const next = ((BigInt(`0x${hex}`) + 1n) & ((1n << 128n) - 1n)).toString(16).padStart(32, "0");
  return `${next.slice(0, 8)}-${next.slice(8, 12)}-${next.slice(12, 16)}-${next.slice(16, 20)}-${next.slice(20)}`;
}

/** What {@link AwsPusher} needs of the Secrets Manager provider: its client, key prefixing and observed calls. */
export interface AwsPushHost {
  readonly client: SecretsManagerClient;
  /** The store's prefix applied to a remote key. */
  key(remoteKey: string): string;
  /** Runs one SDK call, observed and with errors mapped to provider errors. */
  call<T>(operation: string, what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/**
 * The write side of AWS Secrets Manager (ESO v0.16 `secretsmanager.go` `PushSecret`,
 * `DeleteSecret`, `SecretExists`), with hush's ownership rule on top (see `ownershipOf`).
 */
export class AwsPusher {
  readonly #h: AwsPushHost;

  constructor(host: AwsPushHost) {
    this.#h = host;
  }

  /** The current value of `id`; undefined when it does not exist, `"deleted"` while it waits in its recovery window. */
  async #current(id: string, signal?: AbortSignal): Promise<GetSecretValueCommandOutput | "deleted" | undefined> {
    try {
      return await this.#h.call("GetSecretValue", `get secret ${describeKey(id)}`, async () => {
        try {
          return await this.#h.client.send(new GetSecretValueCommand({ SecretId: id }), { abortSignal: signal });
        } catch (err) {
          if (scheduledForDeletion(err)) return "deleted" as const;
          throw err;
        }
      }, signal);
    } catch (err) {
      if ((err as { code?: string }).code === "HUSH_ERR_PROVIDERS_NOT_FOUND") return undefined;
      throw err;
    }
  }

  async #tags(id: string, signal?: AbortSignal): Promise<Record<string, string>> {
    const out = await this.#h.call("DescribeSecret", `describe secret ${describeKey(id)}`, () => this.#h.client.send(new DescribeSecretCommand({ SecretId: id }), { abortSignal: signal }), signal);
    const tags: Record<string, string> = {};
    for (const t of out.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
    return tags;
  }

  async exists(ref: PushRef, signal?: AbortSignal): Promise<boolean> {
    const current = await this.#current(this.#h.key(ref.remoteKey), signal);
    return current !== undefined && current !== "deleted";
  }

  /**
   * Creates the secret tagged `managed-by: external-secrets` (plus the owner tag and the
   * metadata's tags), or puts a new version when the value differs, only into a secret this
   * namespace owns. A `property` is merged into the remote JSON object. Binary by default
   * (`secretPushFormat: string` in the metadata for text), as ESO.
   */
  async push(req: PushRequest, signal?: AbortSignal, restored = false): Promise<PushOutcome> {
    const id = this.#h.key(req.ref.remoteKey);
    const settings = awsPushSettings(req.metadata, req.owner);
    const current = await this.#current(id, signal);
    if (current === "deleted") {
      // Deleted by a PushSecret of this namespace (Delete policy) and pushed again: restore it,
      // then update it as any other. Anyone else's is left alone (ESO stays stuck here).
      if (restored || ownershipOf(await this.#tags(id, signal), req.owner) !== "owned") throw notManagedError("aws secretsmanager", id, "other-owner");
      await this.#h.call("RestoreSecret", `restore secret ${describeKey(id)}`, () => this.#h.client.send(new RestoreSecretCommand({ SecretId: id }), { abortSignal: signal }), signal);
      return this.push(req, signal, true);
    }
    const existing = current;
    // Ownership first: nothing about a secret that is not ours (not even whether it is JSON) decides anything.
    const ownership = existing ? ownershipOf(await this.#tags(id, signal), req.owner) : undefined;
    if (ownership === "unmanaged" || ownership === "other-owner") throw notManagedError("aws secretsmanager", id, ownership);
    let value = req.value;
    if (req.ref.property) {
      value = new TextEncoder().encode(setJsonProperty(existing ? textOf(existing) : "", req.ref.property, Buffer.from(req.value).toString("utf8"), id));
    }
    if (value.byteLength > maxPushBytes) throw providerError("invalid-config", `aws secretsmanager: value for ${describeKey(id)} exceeds ${maxPushBytes} bytes`);
    const payload = settings.format === "string" ? { SecretString: Buffer.from(value).toString("utf8") } : { SecretBinary: value };
    if (!existing) {
      const tags = { ...settings.tags, ...ownerTags(req.owner) };
      await this.#h.call("CreateSecret", `create secret ${describeKey(id)}`, () =>
        this.#h.client.send(
          new CreateSecretCommand({ Name: id, ...payload, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })), Description: settings.description, ClientRequestToken: initialAwsVersion, KmsKeyId: settings.kmsKeyId }),
          { abortSignal: signal },
        ), signal);
      return "created";
    }
    const arn = existing.ARN ?? id;
    if (ownership === "adoptable") {
      await this.#h.call("TagResource", `tag secret ${describeKey(id)}`, () =>
        this.#h.client.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: req.owner.ownerTag, Value: req.owner.namespace }] }), { abortSignal: signal }), signal);
    }
    const same =
      (existing.SecretBinary !== undefined && Buffer.from(existing.SecretBinary).equals(Buffer.from(value))) ||
      (existing.SecretString !== undefined && Buffer.from(existing.SecretString, "utf8").equals(Buffer.from(value)));
    if (same) return "unchanged";
    await this.#h.call("PutSecretValue", `put secret value ${describeKey(id)}`, () =>
      this.#h.client.send(new PutSecretValueCommand({ SecretId: arn, ...payload, ClientRequestToken: bumpAwsVersion(existing.VersionId) }), { abortSignal: signal }), signal);
    return "updated";
  }

  /**
   * Deletes only a secret this namespace owns, else leaves it (as ESO leaves an unmanaged one).
   * Unlike ESO, which deletes the whole secret, a pushed `property` is removed from the JSON
   * object and the secret is deleted only when nothing is left, so other properties survive.
   * Deletion keeps AWS's recovery window (restorable for 30 days).
   */
  async delete(ref: PushRef, owner: PushOwner, signal?: AbortSignal): Promise<DeleteOutcome> {
    const id = this.#h.key(ref.remoteKey);
    const existing = await this.#current(id, signal);
    if (!existing || existing === "deleted") return "absent";
    if (ownershipOf(await this.#tags(id, signal), owner) !== "owned") return "kept-unmanaged";
    const arn = existing.ARN ?? id;
    if (ref.property) {
      const { doc, removed } = removeJsonProperty(textOf(existing), ref.property, id);
      if (!removed) return "absent";
      if (doc !== undefined) {
        const payload = existing.SecretString !== undefined ? { SecretString: doc } : { SecretBinary: new TextEncoder().encode(doc) };
        await this.#h.call("PutSecretValue", `put secret value ${describeKey(id)}`, () =>
          this.#h.client.send(new PutSecretValueCommand({ SecretId: arn, ...payload, ClientRequestToken: bumpAwsVersion(existing.VersionId) }), { abortSignal: signal }), signal);
        return "property-removed";
      }
    }
    await this.#h.call("DeleteSecret", `delete secret ${describeKey(id)}`, () => this.#h.client.send(new DeleteSecretCommand({ SecretId: arn }), { abortSignal: signal }), signal);
    return "deleted";
  }
}

/** AWS refuses to create a name whose secret waits in its recovery window (read only to recognise that, never kept). */
function scheduledForDeletion(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | null;
  return e?.name === "InvalidRequestException" && typeof e.message === "string" && /scheduled for deletion|marked (for )?delet/i.test(e.message.slice(0, 500));
}

function textOf(v: GetSecretValueCommandOutput): string {
  return v.SecretString ?? (v.SecretBinary ? Buffer.from(v.SecretBinary).toString("utf8") : "");
}
