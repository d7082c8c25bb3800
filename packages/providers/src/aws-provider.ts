import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
  type Filter,
  type SecretsManagerClientConfig,
  type SecretValueEntry,
} from "@aws-sdk/client-secrets-manager";
import type { SSMClient, SSMClientConfig } from "@aws-sdk/client-ssm";
import { STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { isHushError, type HushError } from "@hush/errors";
import { awsVersionSelector, chunk, isBatchable, parseAwsConfig, type AwsConfig } from "./aws-config.js";
import { awsErrorKind, mapAwsError } from "./aws-errors.js";
import { expandJsonObject, extractProperty, objectToBytesMap, setEntry, utf8 } from "./json-property.js";
import { awsSession, type AwsSession } from "./aws-session.js";
import { readBatched, readFound } from "./batched-read.js";
import { observed } from "./observe.js";
import { describeKey, providerError } from "./provider-error.js";
import type { BatchResult, FindSpec, ProviderContext, RemoteRef, SecretProvider } from "./provider.js";
import { AwsPusher } from "./aws-push.js";
import type { DeleteOutcome, PushOutcome, PushOwner, PushRef, PushRequest } from "./push.js";

export { memoizeCredentials } from "@hush/cloud/aws";

/** Builds the SDK clients; tests and special endpoints swap these. */
export interface AwsClientFactories {
  secretsManager(config: SecretsManagerClientConfig): SecretsManagerClient;
  sts(config: STSClientConfig): STSClient;
  /** The Parameter Store client (`service: ParameterStore`); the SDK's own when unset. */
  ssm?(config: SSMClientConfig): SSMClient;
}

const defaultFactories: AwsClientFactories = {
  secretsManager: (config) => new SecretsManagerClient(config),
  sts: (config) => new STSClient(config),
};

const PROVIDER = "aws";
/** BatchGetSecretValue accepts at most 20 ids per call. */
const BATCH_SIZE = 20;

/**
 * AWS Secrets Manager behind {@link SecretProvider}. Created by `createProvider` for a
 * `spec.provider.aws` block; exported for direct use with custom client factories. A block with
 * `service: ParameterStore` is served by `createParameterStoreProvider` instead.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` for a malformed block.
 */
export async function createAwsProvider(
  spec: unknown,
  ctx: ProviderContext,
  options: { retrySettings?: unknown; factories?: AwsClientFactories } = {},
): Promise<SecretProvider> {
  const config = parseAwsConfig(spec, options.retrySettings);
  if (config.service === "ParameterStore") {
    const { createParameterStoreProvider } = await import("./parameter-store-provider.js");
    return createParameterStoreProvider(config, ctx, options.factories);
  }
  return new AwsSecretsManagerProvider(config, ctx, options.factories ?? defaultFactories);
}

class AwsSecretsManagerProvider implements SecretProvider {
  readonly kind = PROVIDER;
  readonly #config: AwsConfig;
  readonly #ctx: ProviderContext;
  readonly #client: SecretsManagerClient;
  readonly #session: AwsSession;
  /** Set when the identity may not call BatchGetSecretValue: fall back to single reads. */
  #batchDenied = false;

  constructor(config: AwsConfig, ctx: ProviderContext, factories: AwsClientFactories) {
    this.#config = config;
    this.#ctx = ctx;
    this.#session = awsSession(config, ctx, (c) => factories.sts(c), PROVIDER);
    this.#client = factories.secretsManager(this.#session.clientConfig(ctx.clients?.aws?.endpoint));
  }

  #key(ref: { key: string }): string {
    if (ref.key === "") throw providerError("invalid-config", "remoteRef.key must not be empty");
    return `${this.#config.prefix}${ref.key}`;
  }

  #call<T>(operation: string, what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return observed(this.#ctx, PROVIDER, operation, fn, (err) => (isHushError(err) ? err : mapAwsError(err, what, signal)));
  }

  async #getValue(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array> {
    const id = this.#key(ref);
    if (ref.metadataPolicy === "Fetch") return utf8(JSON.stringify(await this.#tags(id, signal)));
    const out = await this.#call(
      "GetSecretValue",
      `get secret ${describeKey(id)}`,
      () => this.#client.send(new GetSecretValueCommand({ SecretId: id, ...awsVersionSelector(ref.version) }), { abortSignal: signal }),
      signal,
    );
    return entryBytes(out, id);
  }

  async #tags(id: string, signal?: AbortSignal): Promise<Record<string, string>> {
    const out = await this.#call(
      "DescribeSecret",
      `describe secret ${describeKey(id)}`,
      () => this.#client.send(new DescribeSecretCommand({ SecretId: id }), { abortSignal: signal }),
      signal,
    );
    const tags: Record<string, string> = {};
    for (const t of out.Tags ?? []) if (t.Key !== undefined) setEntry(tags, t.Key, t.Value ?? "");
    return tags;
  }

  async getSecret(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array> {
    const value = await this.#getValue(ref, signal);
    return ref.property ? extractProperty(value, ref.property, ref.key) : value;
  }

  async getSecretMap(ref: RemoteRef, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    if (ref.metadataPolicy === "Fetch") {
      const tags = await this.#tags(this.#key(ref), signal);
      return objectToBytesMap(tags);
    }
    return expandJsonObject(await this.#getValue(ref, signal), ref.key, ref.property);
  }

  async getSecrets(refs: readonly RemoteRef[], signal?: AbortSignal): Promise<BatchResult[]> {
    // Current values go through BatchGetSecretValue; versioned reads and tags are single calls.
    const batchKey = (ref: RemoteRef) => (this.#batchDenied || !isBatchable(ref) || ref.key === "" ? undefined : this.#key(ref));
    return readBatched(refs, batchKey, { ...this.#batches(signal), readOne: (ref) => this.#getValue(ref, signal) });
  }

  /** The batch side of {@link readBatched} and {@link readFound}: BatchGetSecretValue even for one id. */
  #batches(signal?: AbortSignal) {
    return { readBatch: (ids: string[], out: Map<string, BatchResult>) => this.#batchRead(ids, out, signal), minBatch: 1, asHush };
  }

  /** Reads `ids` with BatchGetSecretValue, 20 per call, into `out` (keyed by the id asked). */
  async #batchRead(ids: string[], out: Map<string, BatchResult>, signal?: AbortSignal): Promise<void> {
    for (const group of chunk(ids, BATCH_SIZE)) {
      let entries: SecretValueEntry[] = [];
      const errors: { SecretId?: string; ErrorCode?: string; Message?: string }[] = [];
      try {
        let token: string | undefined;
        do {
          const page = await this.#call(
            "BatchGetSecretValue",
            `batch get ${group.length} secrets`,
            () => this.#client.send(new BatchGetSecretValueCommand({ SecretIdList: group, ...(token ? { NextToken: token } : {}) }), { abortSignal: signal }),
            signal,
          );
          entries = entries.concat(page.SecretValues ?? []);
          errors.push(...(page.Errors ?? []));
          token = page.NextToken;
        } while (token);
      } catch (err) {
        const error = asHush(err);
        if (error.code === "HUSH_ERR_PROVIDERS_ACCESS_DENIED") {
          // No secretsmanager:BatchGetSecretValue permission: single reads still work.
          this.#batchDenied = true;
          return;
        }
        for (const id of group) out.set(id, { ok: false, error });
        continue;
      }
      const byName = new Map<string, SecretValueEntry>();
      for (const e of entries) {
        if (e.Name) byName.set(e.Name, e);
        if (e.ARN) byName.set(e.ARN, e);
      }
      for (const e of errors) {
        if (!e.SecretId) continue;
        const kind = awsErrorKind(e.ErrorCode ?? "", undefined, e.Message);
        const code = /^[A-Za-z0-9]{1,64}$/.test(e.ErrorCode ?? "") ? ` (${e.ErrorCode})` : "";
        out.set(e.SecretId, {
          ok: false,
          error: providerError(kind, `aws secretsmanager: get secret ${describeKey(e.SecretId)}: ${kind.replace("-", " ")}${code}`),
        });
      }
      for (const id of group) {
        if (out.has(id)) continue;
        const entry = byName.get(id) ?? [...byName.values()].find((e) => e.ARN?.startsWith(`${id}`) || e.Name === id);
        if (!entry) {
          out.set(id, { ok: false, error: providerError("not-found", `aws secretsmanager: get secret ${describeKey(id)}: not found`) });
          continue;
        }
        try {
          out.set(id, { ok: true, value: entryBytes(entry, id) });
        } catch (err) {
          out.set(id, { ok: false, error: asHush(err) });
        }
      }
    }
  }

  async findSecrets(find: FindSpec, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    const tags = Object.entries(find.tags ?? {});
    if (!find.name && tags.length === 0 && !find.path) {
      throw providerError("invalid-config", "find needs a name regexp, tags or a path");
    }
    let nameRe: RegExp | undefined;
    if (find.name) {
      try {
        nameRe = new RegExp(find.name.regexp);
      } catch (err) {
        throw providerError("invalid-config", "find.name.regexp is not a valid regular expression", err);
      }
    }
    const prefix = `${this.#config.prefix}${find.path ?? ""}`;
    const filters: Filter[] = [];
    if (prefix) filters.push({ Key: "name", Values: [prefix] });
    for (const [k, v] of tags) {
      filters.push({ Key: "tag-key", Values: [k] }, { Key: "tag-value", Values: [v] });
    }
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call(
        "ListSecrets",
        "list secrets",
        () => this.#client.send(new ListSecretsCommand({ MaxResults: 100, ...(filters.length ? { Filters: filters } : {}), ...(token ? { NextToken: token } : {}) }), { abortSignal: signal }),
        signal,
      );
      for (const s of page.SecretList ?? []) {
        if (!s.Name || s.DeletedDate) continue;
        if (prefix && !s.Name.startsWith(prefix)) continue;
        if (nameRe && !nameRe.test(s.Name)) continue;
        const have = new Map((s.Tags ?? []).map((t) => [t.Key, t.Value]));
        if (!tags.every(([k, v]) => have.get(k) === v)) continue;
        names.push(s.Name);
      }
      token = page.NextToken;
    } while (token);
    // A secret deleted between the listing and the read is skipped.
    return readFound(names, !this.#batchDenied, { ...this.#batches(signal), readOne: (name) => this.#getValue({ key: name.slice(this.#config.prefix.length) }, signal) });
  }

  /** PushSecret writes (aws-push.ts), built on first use. */
  #pusher?: AwsPusher;
  #push(): AwsPusher {
    return (this.#pusher ??= new AwsPusher({ client: this.#client, key: (k) => this.#key({ key: k }), call: (op, what, fn, signal) => this.#call(op, what, fn, signal) }));
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
    await this.#session.validate("aws secretsmanager", signal);
  }

  async close(): Promise<void> {
    this.#client.destroy();
    this.#session.close();
  }
}

function entryBytes(entry: { SecretString?: string; SecretBinary?: Uint8Array }, id: string): Uint8Array {
  if (entry.SecretString !== undefined) return utf8(entry.SecretString);
  if (entry.SecretBinary !== undefined) return entry.SecretBinary;
  throw providerError("not-found", `aws secretsmanager: secret ${describeKey(id)} has no value`);
}

function asHush(err: unknown): HushError {
  return isHushError(err) ? err : mapAwsError(err, "read");
}
