import { HushError } from "@hush/errors";
import { maxTenantRegexpInput } from "@hush/kube";
import type { ExternalSecret, ExternalSecretGeneratorRef, ExternalSecretRemoteRef, StoreRef } from "@hush/kube";
import type { FindSpec, RemoteRef } from "@hush/providers";
import type { FetchResult } from "./plan-secret.js";
import { noTemplateSources, templateSourceRefs, type TemplateSources } from "./template.js";
import { assertValidKeys, checkNullBytes, convertKey, decodeValue, expandJsonObject, extractProperty, rewriteKeys, tenantRegexp } from "./remote-value.js";

/** Reads for one ExternalSecret, per store; the runtime backs this with {@link StoreReader}s. */
export interface SourceReader {
  get(store: StoreRef, ref: RemoteRef): Promise<Uint8Array>;
  getMap(store: StoreRef, ref: RemoteRef): Promise<Record<string, Uint8Array>>;
  find(store: StoreRef, find: FindSpec): Promise<Record<string, Uint8Array>>;
  /**
   * `templateFrom` sources, read in the ExternalSecret's own namespace (never another):
   * a ConfigMap's `data`, a Secret's decoded `data`; `undefined` when it does not exist.
   */
  readConfigMap?(name: string): Promise<Readonly<Record<string, string>> | undefined>;
  readSecret?(name: string): Promise<Readonly<Record<string, Uint8Array>> | undefined>;
  /**
   * Runs the generator `dataFrom[].sourceRef.generatorRef` names, read in the ExternalSecret's
   * own namespace; a new value on every call (never cached or de-duplicated).
   */
  generate?(ref: ExternalSecretGeneratorRef, where: string): Promise<Record<string, Uint8Array>>;
}

/** Reads the ConfigMaps and Secrets the ExternalSecret's `templateFrom` names (absent ones are left out). */
export async function readTemplateSources(es: ExternalSecret, reader: SourceReader): Promise<TemplateSources> {
  const refs = templateSourceRefs(es);
  if (refs.length === 0) return noTemplateSources;
  const configMaps = new Map<string, Readonly<Record<string, string>>>();
  const secrets = new Map<string, Readonly<Record<string, Uint8Array>>>();
  await Promise.all(
    refs.map(async (ref) => {
      const unavailable = () => new HushError("HUSH_ERR_CONTROLLER_TEMPLATE", `spec.target.template.templateFrom: reading a ${ref.kind} is not available here`);
      if (ref.kind === "ConfigMap") {
        if (!reader.readConfigMap) throw unavailable();
        const got = await reader.readConfigMap(ref.name);
        if (got !== undefined) configMaps.set(ref.name, got);
      } else {
        if (!reader.readSecret) throw unavailable();
        const got = await reader.readSecret(ref.name);
        if (got !== undefined) secrets.set(ref.name, got);
      }
    }),
  );
  return { configMaps, secrets };
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "HUSH_ERR_PROVIDERS_NOT_FOUND";
}

function baseRef(r: ExternalSecretRemoteRef): RemoteRef {
  return { key: r.key, ...(r.version ? { version: r.version } : {}), ...(r.metadataPolicy === "Fetch" ? { metadataPolicy: "Fetch" as const } : {}) };
}

/**
 * A pattern safe for any regexp engine that every name the tenant's RE2 `source` matches also
 * matches: `^` plus the literal prefix of an anchored pattern without alternation (`^app/db-.*`
 * gives `^app/db-`), else the empty pattern (everything). Providers filter with it; the real
 * match is RE2, in the controller.
 */
export function literalPrefilter(source: string): string {
  if (!source.startsWith("^") || source.includes("|")) return "";
  let prefix = "";
  let i = 1;
  for (; i < source.length; i++) {
    const ch = source[i]!;
    if (/[A-Za-z0-9_/-]/.test(ch)) prefix += ch;
    else if (ch === "\\" && /[./-]/.test(source[i + 1] ?? "")) prefix += source[++i]!;
    else break;
  }
  // A quantifier after the prefix applies to its last character, which is then optional.
  if (/^[*?{]/.test(source.slice(i))) prefix = prefix.slice(0, -1);
  return prefix === "" ? "" : `^${prefix.replace(/[.\-\/]/g, (c) => `\\${c}`)}`;
}

function shownKey(key: string): string {
  return JSON.stringify(key.replace(/[^\x20-\x7e]/g, "?").slice(0, 120));
}

/**
 * Fetches every `dataFrom` then `data` entry of `es` (concurrently, so reads batch), and
 * merges them in spec order. With `deletionPolicy` Delete or Merge a remote secret that no
 * longer exists is skipped and reported in `missing`; any other failure fails the whole
 * fetch, so a partial result is never written.
 */
export async function fetchExternalSecretData(es: ExternalSecret, reader: SourceReader): Promise<FetchResult> {
  const deletion = es.spec.target?.deletionPolicy ?? "Retain";
  const tolerateMissing = deletion === "Delete" || deletion === "Merge";
  const storeOf = (entry: { sourceRef?: { storeRef?: StoreRef } }): StoreRef => {
    const s = entry.sourceRef?.storeRef ?? es.spec.secretStoreRef;
    if (!s) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", "spec.secretStoreRef is required");
    return s;
  };
  const missing: string[] = [];
  const skipMissing = async <T>(where: string, key: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      if (tolerateMissing && isNotFound(err)) {
        missing.push(`${where} (key=${shownKey(key)})`);
        return undefined;
      }
      throw err;
    }
  };

  try {
    const fromParts = (es.spec.dataFrom ?? []).map(async (df, i) => {
      const where = `spec.dataFrom[${i}]`;
      let map: Record<string, Uint8Array> | undefined;
      let decoding: string | undefined;
      let conversion: string | undefined;
      let nullBytePolicy: string | undefined;
      if (df.extract) {
        const store = storeOf(df);
        const ex = df.extract;
        if (ex.property) {
          // The whole remote secret is read and the property picked here: only "the remote
          // secret is gone" may count as missing. A property absent from a secret that exists
          // (a typo) is an error, never a reason to delete or shrink the target (S5).
          const whole = await skipMissing(where, ex.key, () => reader.get(store, baseRef(ex)));
          map = whole === undefined ? undefined : expandJsonObject(extractProperty(whole, ex.property, where), where);
        } else {
          map = await skipMissing(where, ex.key, () => reader.getMap(store, baseRef(ex)));
        }
        decoding = ex.decodingStrategy;
        conversion = ex.conversionStrategy;
        nullBytePolicy = ex.nullBytePolicy;
      } else if (df.find) {
        const f = df.find;
        // The tenant's pattern never reaches a backtracking engine: providers get only a
        // literal-prefix prefilter (or match-all), and names are matched here with RE2.
        const re = f.name ? tenantRegexp(f.name.regexp, `${where}.find.name.regexp`) : undefined;
        const spec: FindSpec = { ...(f.path ? { path: f.path } : {}), ...(re ? { name: { regexp: literalPrefilter(re.source) } } : {}), ...(f.tags ? { tags: f.tags } : {}) };
        const found = await reader.find(storeOf(df), spec);
        map = re ? Object.fromEntries(Object.entries(found).filter(([name]) => name.length <= maxTenantRegexpInput && re.test(name))) : found;
        decoding = f.decodingStrategy;
        conversion = f.conversionStrategy;
        nullBytePolicy = f.nullBytePolicy;
      } else if (df.sourceRef?.generatorRef) {
        // As ESO: generated keys are neither converted nor decoded; rewrite still applies.
        if (!reader.generate) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${where}.sourceRef.generatorRef: generators are not available here`);
        map = await reader.generate(df.sourceRef.generatorRef, `${where}.sourceRef.generatorRef`);
      } else {
        throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${where} must set extract, find or sourceRef.generatorRef`);
      }
      if (!map) return {};
      // ESO's handleExtractSecrets / handleFindAllSecrets order
      // (pkg/controllers/externalsecret/externalsecret_controller_secret.go): rewrite (on the
      // values as fetched, which a merge reads) or key conversion, key validation, decoding,
      // then the nullBytePolicy check in key order.
      let out: Record<string, Uint8Array> = {};
      for (const [k, v] of Object.entries(map)) {
        const key = df.rewrite?.length ? k : convertKey(k, conversion);
        // As ESO: two remote names that convert to one key are an error, not a silent overwrite.
        if (Object.hasOwn(out, key)) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `${where}: two remote secrets convert to the same key ${JSON.stringify(key)}`);
        out[key] = v;
      }
      if (df.rewrite?.length) out = rewriteKeys(out, df.rewrite, where);
      assertValidKeys(out, where);
      const decoded = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, decodeValue(v, decoding, where)] as const));
      for (const k of Object.keys(decoded).sort()) checkNullBytes(decoded[k]!, nullBytePolicy, `${where} (key ${shownKey(k)})`);
      return decoded;
    });
    const dataParts = (es.spec.data ?? []).map(async (d, i) => {
      const where = `spec.data[${i}]`;
      const raw = await skipMissing(where, d.remoteRef.key, () => reader.get(storeOf(d), baseRef(d.remoteRef)));
      if (raw === undefined) return {};
      const picked = d.remoteRef.property ? extractProperty(raw, d.remoteRef.property, where) : raw;
      const value = decodeValue(picked, d.remoteRef.decodingStrategy, where);
      checkNullBytes(value, d.remoteRef.nullBytePolicy, where);
      return { [d.secretKey]: value };
    });
    const [parts, templates] = await Promise.all([Promise.all([...fromParts, ...dataParts]), readTemplateSources(es, reader)]);
    return { ok: true, data: Object.assign({}, ...parts) as Record<string, Uint8Array>, missing, templates };
  } catch (error) {
    return { ok: false, error };
  }
}
