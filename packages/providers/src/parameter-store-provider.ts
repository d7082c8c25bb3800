import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  SSMClient,
  type ParameterStringFilter,
  type SSMClientConfig,
} from "@aws-sdk/client-ssm";
import { STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { isHushError, type HushError } from "@hush/errors";
import { compileTenantRegexp, maxTenantRegexpInput, type TenantRegexp } from "@hush/kube";
import { chunk, type AwsConfig } from "./aws-config.js";
import { mapAwsError } from "./aws-errors.js";
import { awsSession, type AwsSession } from "./aws-session.js";
import { readBatched, readFound } from "./batched-read.js";
import { expandJsonObject, extractProperty, objectToBytesMap, setEntry, utf8 } from "./json-property.js";
import { observed } from "./observe.js";
import { describeKey, providerError } from "./provider-error.js";
import type { BatchResult, FindSpec, ProviderContext, RemoteRef, SecretProvider } from "./provider.js";

/** Builds the SDK clients of a Parameter Store provider; tests and special endpoints swap these. */
export interface ParameterStoreClientFactories {
  ssm(config: SSMClientConfig): SSMClient;
  sts(config: STSClientConfig): STSClient;
}

const defaultFactories: ParameterStoreClientFactories = {
  ssm: (config) => new SSMClient(config),
  sts: (config) => new STSClient(config),
};

const PROVIDER = "aws";
const SERVICE = "aws ssm";
/** GetParameters accepts at most 10 names per call. */
const BATCH_SIZE = 10;
/** GetParametersByPath returns at most 10 parameters a page, DescribeParameters at most 50. */
const BY_PATH_PAGE = 10;
const DESCRIBE_PAGE = 50;
/**
 * Pages one `find` may walk (10 000 parameters by path, 50 000 described): a search over a
 * whole large account is refused with a hint instead of running unbounded.
 */
const MAX_FIND_PAGES = 1000;
/** Parameters one `find` may return (they all go into one Kubernetes Secret of at most 1 MiB). */
const MAX_FOUND = 1000;

/**
 * AWS Systems Manager Parameter Store behind {@link SecretProvider}, with ESO v0.16's semantics
 * (`spec.provider.aws.service: ParameterStore`):
 *
 * - a value is `GetParameter` with decryption (SecureString values arrive decrypted, StringList
 *   values as their comma-separated text); `version` selects `name:version`; `prefix` is
 *   prepended to every key (not to `find` paths, as in ESO);
 * - `metadataPolicy: Fetch` reads the parameter's tags (`ListTagsForResource`) as a JSON object;
 * - `find.name` walks `GetParametersByPath` (recursive, from `find.path` or `/`) and keeps the
 *   names the pattern matches, falling back to `DescribeParameters` when the identity may not call
 *   `GetParametersByPath`; `find.tags` (only when `find.name` is unset, as in ESO) walks
 *   `DescribeParameters` with tag and path filters. Found parameters are keyed by full name;
 * - a parameter that does not exist is `HUSH_ERR_PROVIDERS_NOT_FOUND` (the controller's "gone",
 *   as for Secrets Manager); a missing version, or tags asked of a missing parameter, is an
 *   error, never "gone" (ESO reports those as errors too).
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` for a malformed block.
 */
export function createParameterStoreProvider(config: AwsConfig, ctx: ProviderContext, factories: Partial<ParameterStoreClientFactories> = {}): SecretProvider {
  return new ParameterStoreProvider(config, ctx, { ssm: factories.ssm ?? defaultFactories.ssm, sts: factories.sts ?? defaultFactories.sts });
}

class ParameterStoreProvider implements SecretProvider {
  readonly kind = PROVIDER;
  readonly #config: AwsConfig;
  readonly #ctx: ProviderContext;
  readonly #client: SSMClient;
  readonly #session: AwsSession;
  /** Set when the identity may not call GetParameters: fall back to single reads. */
  #batchDenied = false;

  constructor(config: AwsConfig, ctx: ProviderContext, factories: ParameterStoreClientFactories) {
    this.#config = config;
    this.#ctx = ctx;
    this.#session = awsSession(config, ctx, (c) => factories.sts(c), PROVIDER);
    this.#client = factories.ssm(this.#session.clientConfig(ctx.clients?.aws?.endpoint));
  }

  /** The parameter name of a ref: prefix, key, and `:version` when one is asked (ESO's selector). */
  #name(ref: RemoteRef): string {
    if (ref.key === "") throw providerError("invalid-config", "remoteRef.key must not be empty");
    const version = ref.version ?? "";
    return `${this.#config.prefix}${ref.key}${version === "" ? "" : `:${version}`}`;
  }

  #call<T>(operation: string, what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return observed(this.#ctx, PROVIDER, operation, fn, (err) => (isHushError(err) ? err : mapAwsError(err, what, signal, SERVICE)));
  }

  async #value(name: string, signal?: AbortSignal): Promise<Uint8Array> {
    const out = await this.#call(
      "GetParameter",
      `get parameter ${describeKey(name)}`,
      () => this.#client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), { abortSignal: signal }),
      signal,
    );
    return parameterBytes(out.Parameter, name);
  }

  async #tags(name: string, signal?: AbortSignal): Promise<Record<string, string>> {
    const out = await this.#call(
      "ListTagsForResource",
      `list tags of parameter ${describeKey(name)}`,
      () => this.#client.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: name }), { abortSignal: signal }),
      signal,
    );
    const tags: Record<string, string> = {};
    for (const t of out.TagList ?? []) if (t.Key !== undefined) setEntry(tags, t.Key, t.Value ?? "");
    return tags;
  }

  async #getValue(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array> {
    const name = this.#name(ref);
    // As ESO: the tags of `name:version` are asked for (AWS answers for the parameter).
    if (ref.metadataPolicy === "Fetch") return utf8(goJsonObject(await this.#tags(name, signal)));
    return this.#value(name, signal);
  }

  async getSecret(ref: RemoteRef, signal?: AbortSignal): Promise<Uint8Array> {
    const value = await this.#getValue(ref, signal);
    return ref.property ? extractProperty(value, ref.property, ref.key) : value;
  }

  async getSecretMap(ref: RemoteRef, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    if (ref.metadataPolicy === "Fetch" && !ref.property) return objectToBytesMap(await this.#tags(this.#name(ref), signal));
    return expandJsonObject(await this.#getValue(ref, signal), ref.key, ref.property);
  }

  async getSecrets(refs: readonly RemoteRef[], signal?: AbortSignal): Promise<BatchResult[]> {
    // Current values of plain names go through GetParameters; versioned reads and tags are
    // single calls.
    const batchKey = (ref: RemoteRef) =>
      this.#batchDenied || ref.key === "" || (ref.metadataPolicy ?? "None") !== "None" || (ref.version ?? "") !== "" ? undefined : this.#name(ref);
    return readBatched(refs, batchKey, { ...this.#batches(signal), readOne: (ref) => this.#getValue(ref, signal) });
  }

  /** The batch side of {@link readBatched} and {@link readFound}: one name is a single GetParameter. */
  #batches(signal?: AbortSignal) {
    return { readBatch: (names: string[], out: Map<string, BatchResult>) => this.#batchRead(names, out, signal), minBatch: 2, asHush };
  }

  /**
   * Reads `names` with GetParameters, 10 per call, into `out` (keyed by the name asked). Names
   * the call reports invalid are not found; a name answered under another name (an ARN) is
   * left out, for a single read.
   */
  async #batchRead(names: string[], out: Map<string, BatchResult>, signal?: AbortSignal): Promise<void> {
    for (const group of chunk(names, BATCH_SIZE)) {
      let page;
      try {
        page = await this.#call(
          "GetParameters",
          `get ${group.length} parameters`,
          () => this.#client.send(new GetParametersCommand({ Names: group, WithDecryption: true }), { abortSignal: signal }),
          signal,
        );
      } catch (err) {
        const error = asHush(err);
        if (error.code === "HUSH_ERR_PROVIDERS_ACCESS_DENIED") {
          // No ssm:GetParameters permission: single reads (ssm:GetParameter) may still work.
          this.#batchDenied = true;
          return;
        }
        for (const name of group) out.set(name, { ok: false, error });
        continue;
      }
      const asked = new Set(group);
      for (const name of page.InvalidParameters ?? []) {
        if (asked.has(name)) out.set(name, { ok: false, error: providerError("not-found", `${SERVICE}: get parameter ${describeKey(name)}: not found (ParameterNotFound)`) });
      }
      for (const p of page.Parameters ?? []) {
        if (p.Name === undefined || !asked.has(p.Name) || out.has(p.Name)) continue;
        try {
          out.set(p.Name, { ok: true, value: parameterBytes(p, p.Name) });
        } catch (err) {
          out.set(p.Name, { ok: false, error: asHush(err) });
        }
      }
    }
  }

  async findSecrets(find: FindSpec, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    // ESO: a name pattern wins (tags are then not consulted); tags alone search by tags.
    if (find.name) return this.#findByName(find.name.regexp, find.path, signal);
    const tags = Object.entries(find.tags ?? {});
    if (tags.length > 0) return this.#findByTags(tags, find.path, signal);
    throw providerError("invalid-config", "find on Parameter Store needs name or tags (as in ESO, a path alone is not a search)");
  }

  /** ESO's findByName: every parameter under `path` (default `/`, recursive) whose name matches. */
  async #findByName(pattern: string, path: string | undefined, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    const re = compilePattern(pattern);
    const out: Record<string, Uint8Array> = {};
    let found = 0;
    // The controller hands over a literal prefix of the tenant's pattern (`^/app/db-`): the walk
    // starts at that folder instead of the whole account. Every matching name is under it.
    const from = path ?? prefixFolder(pattern) ?? "/";
    let token: string | undefined;
    let pages = 0;
    do {
      if (++pages > MAX_FIND_PAGES) throw tooBroad(`more than ${MAX_FIND_PAGES * BY_PATH_PAGE} parameters under ${describeKey(from)}`);
      let page;
      try {
        page = await this.#call(
          "GetParametersByPath",
          `get parameters by path ${describeKey(from)}`,
          () => this.#client.send(new GetParametersByPathCommand({ Path: from, Recursive: true, WithDecryption: true, MaxResults: BY_PATH_PAGE, ...(token ? { NextToken: token } : {}) }), { abortSignal: signal }),
          signal,
        );
      } catch (err) {
        // ESO falls back to DescribeParameters when ssm:GetParametersByPath is denied (only on
        // the first page: a denial half-way is an error like any other).
        if (pages === 1 && asHush(err).code === "HUSH_ERR_PROVIDERS_ACCESS_DENIED") return this.#findDescribed([], path, re, signal);
        throw err;
      }
      for (const p of page.Parameters ?? []) {
        if (p.Name === undefined || !matches(re, p.Name)) continue;
        if (++found > MAX_FOUND) throw tooBroad(`more than ${MAX_FOUND} parameters match`);
        setEntry(out, p.Name, parameterBytes(p, p.Name));
      }
      token = page.NextToken;
    } while (token);
    return out;
  }

  /** ESO's findByTags: DescribeParameters with every tag as an `Equals` filter (and the path). */
  #findByTags(tags: [string, string][], path: string | undefined, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    return this.#findDescribed(
      tags.map(([k, v]) => ({ Key: `tag:${k}`, Option: "Equals", Values: [v] })),
      path,
      undefined,
      signal,
    );
  }

  /** Names from DescribeParameters (filters, then the pattern), values read 10 a call. */
  async #findDescribed(filters: ParameterStringFilter[], path: string | undefined, re: TenantRegexp | undefined, signal?: AbortSignal): Promise<Record<string, Uint8Array>> {
    const all = [...filters, ...(path !== undefined ? [{ Key: "Path", Option: "Recursive", Values: [path] }] : [])];
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      if (++pages > MAX_FIND_PAGES) throw tooBroad(`more than ${MAX_FIND_PAGES * DESCRIBE_PAGE} parameters described`);
      const page = await this.#call(
        "DescribeParameters",
        "describe parameters",
        () => this.#client.send(new DescribeParametersCommand({ MaxResults: DESCRIBE_PAGE, ...(all.length ? { ParameterFilters: all } : {}), ...(token ? { NextToken: token } : {}) }), { abortSignal: signal }),
        signal,
      );
      for (const p of page.Parameters ?? []) {
        if (p.Name === undefined || (re && !matches(re, p.Name))) continue;
        names.push(p.Name);
        if (names.length > MAX_FOUND) throw tooBroad(`more than ${MAX_FOUND} parameters match`);
      }
      token = page.NextToken;
    } while (token);
    // A parameter deleted between DescribeParameters and the read is skipped.
    return readFound(names, !this.#batchDenied, { ...this.#batches(signal), readOne: (name) => this.#value(name, signal) });
  }

  async validate(signal?: AbortSignal): Promise<void> {
    await this.#session.validate(SERVICE, signal);
  }

  async close(): Promise<void> {
    this.#client.destroy();
    this.#session.close();
  }
}

/**
 * A string map as Go's `json.Marshal` writes it, which is what ESO stores for tags: keys sorted
 * by their bytes, and `<`, `>`, `&`, U+2028, U+2029 escaped.
 */
export function goJsonObject(map: Record<string, string>): string {
  const str = (v: string) => JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const keys = Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${str(k)}:${str(map[k]!)}`).join(",")}}`;
}

function parameterBytes(p: { Value?: string } | undefined, name: string): Uint8Array {
  if (p?.Value === undefined) throw providerError("not-found", `${SERVICE}: parameter ${describeKey(name)} has no value`);
  return utf8(p.Value);
}

/** The `find.name` pattern, RE2 (linear time) whatever the caller: `""` matches every name. */
function compilePattern(pattern: string): TenantRegexp {
  const compiled = compileTenantRegexp(pattern);
  if (!compiled.ok) {
    throw providerError("invalid-config", compiled.reason === "too-long" ? "find.name.regexp is too long" : "find.name.regexp is not a valid RE2 regular expression");
  }
  return compiled.regexp;
}

function matches(re: TenantRegexp, name: string): boolean {
  return name.length <= maxTenantRegexpInput && re.test(name);
}

/**
 * The folder a literal-prefix pattern confines the search to: `^/app/db-` → `/app`, `^/app/`
 * → `/app`. Only for a pattern that is `^` then literal characters (`\.`, `\-`, `\/` escaped),
 * starting with `/` and naming a folder; anything else gives `undefined` (search from `/`).
 */
export function prefixFolder(pattern: string): string | undefined {
  if (!pattern.startsWith("^")) return undefined;
  let literal = "";
  for (let i = 1; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\" && i + 1 < pattern.length && ".-/".includes(pattern[i + 1]!)) literal += pattern[++i]!;
    else if (/^[A-Za-z0-9_]$/.test(ch) || ch === "/" || ch === "-") literal += ch;
    else return undefined;
  }
  const cut = literal.lastIndexOf("/");
  return literal.startsWith("/") && cut > 0 ? literal.slice(0, cut) : undefined;
}

function tooBroad(what: string): HushError {
  return providerError("invalid-config", `${SERVICE}: find is too broad: ${what}; narrow it with find.path or a longer name prefix`);
}

function asHush(err: unknown): HushError {
  return isHushError(err) ? err : mapAwsError(err, "read", undefined, SERVICE);
}
