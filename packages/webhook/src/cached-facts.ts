import { isHushError } from "@hush/errors";
import type { ApplicationFact, ApplicationSourceFact, FactsSource, HelmReleaseFact, KustomizationFact, Lookup, ObjectRef } from "./facts.js";

/** Reads one custom object; resolves `undefined` when it does not exist (404). */
export type ObjectReader = (ref: CustomObjectRef) => Promise<unknown>;

/** Group, version, plural and name of a namespaced custom object. */
export interface CustomObjectRef extends ObjectRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/** Options of {@link createCachedFacts}. */
export interface CachedFactsOptions {
  /** How long found and missing answers are kept; default 30 s. */
  readonly ttlMs?: number;
  /** How long a failed lookup is kept, so an outage does not become a request storm; default 2 s. */
  readonly errorTtlMs?: number;
  /** Most entries kept; the oldest go first. Default 1,000. */
  readonly maxEntries?: number;
  /** Clock in milliseconds (injected in tests). */
  readonly now?: () => number;
  /** Told about every lookup: which kind, and whether it was cached, found, missing or failed. */
  readonly onLookup?: (kind: FactKind, outcome: LookupOutcome) => void;
}

/** Which kind of object a lookup was for. */
export type FactKind = "kustomization" | "application" | "helmrelease";

/** How a lookup ended, for metrics. */
export type LookupOutcome = "cached" | "found" | "missing" | "error";

/** Where the Flux and Argo CD objects are served. */
export const kustomizationResource = { group: "kustomize.toolkit.fluxcd.io", version: "v1", plural: "kustomizations" } as const;
export const applicationResource = { group: "argoproj.io", version: "v1alpha1", plural: "applications" } as const;
export const helmReleaseResource = { group: "helm.toolkit.fluxcd.io", version: "v2", plural: "helmreleases" } as const;

/**
 * A {@link FactsSource} over an {@link ObjectReader}, with a TTL cache and one in-flight
 * lookup per object (concurrent reviews of one Kustomization share a request).
 */
export function createCachedFacts(read: ObjectReader, options: CachedFactsOptions = {}): FactsSource {
  const ttl = options.ttlMs ?? 30_000;
  const errorTtl = options.errorTtlMs ?? 2_000;
  const max = options.maxEntries ?? 1_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { expires: number; value: Promise<Lookup<unknown>> }>();

  const report = options.onLookup ?? (() => {});

  const lookup = <T>(
    kind: FactKind,
    resource: { group: string; version: string; plural: string },
    ref: ObjectRef,
    toFact: (obj: unknown) => T,
  ): Promise<Lookup<T>> => {
    const key = `${resource.plural}/${ref.namespace}/${ref.name}`;
    const hit = cache.get(key);
    if (hit && hit.expires > now()) {
      report(kind, "cached");
      return hit.value as Promise<Lookup<T>>;
    }
    const value = (async (): Promise<Lookup<T>> => {
      try {
        const obj = await read({ ...resource, ...ref });
        return obj === undefined ? { status: "missing" } : { status: "found", value: toFact(obj) };
      } catch (err) {
        // A HushError's message is written by hush and safe to show; other error text can carry
        // response bodies, so only the fact that the lookup failed is kept.
        const why = isHushError(err) ? err.message : `the lookup of ${resource.plural}.${resource.group} ${ref.namespace}/${ref.name} failed`;
        return { status: "error", why };
      }
    })();
    const entry = { expires: Number.POSITIVE_INFINITY, value: value as Promise<Lookup<unknown>> };
    cache.delete(key);
    cache.set(key, entry);
    if (cache.size > max) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    void value.then((result) => {
      entry.expires = now() + (result.status === "error" ? errorTtl : ttl);
      report(kind, result.status);
    });
    return value;
  };

  return {
    kustomization: (ref) => lookup<KustomizationFact>("kustomization", kustomizationResource, ref, kustomizationFact),
    application: (ref) => lookup<ApplicationFact>("application", applicationResource, ref, applicationFact),
    helmRelease: (ref) => lookup<HelmReleaseFact>("helmrelease", helmReleaseResource, ref, helmReleaseFact),
  };
}

/** `spec.decryption` set with a provider makes Flux decrypt SOPS files before applying. */
export function kustomizationFact(obj: unknown): KustomizationFact {
  const spec = field(obj, "spec");
  const decryption = field(spec, "decryption");
  const sa = field(spec, "serviceAccountName");
  return {
    decrypts: typeof field(decryption, "provider") === "string" && field(decryption, "provider") !== "",
    ...(typeof sa === "string" && sa !== "" ? { serviceAccountName: sa } : {}),
  };
}

/** `spec.source` and every `spec.sources[]`: plugin, Helm value files, and whether it is `ref`-only. */
export function applicationFact(obj: unknown): ApplicationFact {
  const spec = field(obj, "spec");
  const list = Array.isArray(field(spec, "sources")) ? (field(spec, "sources") as unknown[]) : [];
  const sources: ApplicationSourceFact[] = [];
  for (const source of [field(spec, "source"), ...list]) {
    if (typeof source !== "object" || source === null) continue;
    const plugin = field(source, "plugin");
    const name = field(plugin, "name");
    const files = field(field(source, "helm"), "valueFiles");
    const refOnly = typeof field(source, "ref") === "string" && field(source, "path") === undefined && field(source, "chart") === undefined && plugin === undefined;
    sources.push({
      ...(typeof plugin === "object" && plugin !== null ? { plugin: typeof name === "string" ? name : "" } : {}),
      valueFiles: Array.isArray(files) ? files.filter((f): f is string => typeof f === "string") : [],
      refOnly,
    });
  }
  return { sources };
}

/** Inline `spec.values`, `spec.valuesFrom[].kind` and `spec.serviceAccountName` of a HelmRelease. */
export function helmReleaseFact(obj: unknown): HelmReleaseFact {
  const spec = field(obj, "spec");
  const values = field(spec, "values");
  const from = field(spec, "valuesFrom");
  const sa = field(spec, "serviceAccountName");
  return {
    inlineValues: typeof values === "object" && values !== null && Object.keys(values).length > 0,
    valuesFromKinds: Array.isArray(from) ? from.map((v) => (typeof field(v, "kind") === "string" ? (field(v, "kind") as string) : "")) : [],
    ...(typeof sa === "string" && sa !== "" ? { serviceAccountName: sa } : {}),
  };
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === "object" && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[key] : undefined;
}
