/** A namespaced object name. */
export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

/** The outcome of looking an object up: found, absent, or the lookup itself failed. */
export type Lookup<T> =
  | { readonly status: "found"; readonly value: T }
  | { readonly status: "missing" }
  | { readonly status: "error"; readonly why: string };

/** What the policy needs to know about a Flux Kustomization. */
export interface KustomizationFact {
  /** `spec.decryption.provider` is set (Flux decrypts SOPS files before applying). */
  readonly decrypts: boolean;
  /** `spec.serviceAccountName`: the account Flux impersonates to apply it, if any. */
  readonly serviceAccountName?: string;
}

/** One source of an Argo CD Application, as far as decryption goes. */
export interface ApplicationSourceFact {
  /** `plugin.name`; `""` for a `plugin` without a name (picked by discovery); absent without a plugin. */
  readonly plugin?: string;
  /** `helm.valueFiles`. */
  readonly valueFiles: readonly string[];
  /** A `ref`-only source (values for another source): it renders no manifests. */
  readonly refOnly: boolean;
}

/** What the policy needs to know about an Argo CD Application. */
export interface ApplicationFact {
  /** `spec.source` and every `spec.sources[]`. */
  readonly sources: readonly ApplicationSourceFact[];
}

/** What the policy needs to know about a Flux HelmRelease. */
export interface HelmReleaseFact {
  /** `spec.values` holds at least one value (inline values are Git's plaintext). */
  readonly inlineValues: boolean;
  /** `spec.valuesFrom` entries, by kind. */
  readonly valuesFromKinds: readonly string[];
  readonly serviceAccountName?: string;
}

/** Lookups a review needs, derived from the object by `neededFacts`. */
export interface FactsNeeded {
  readonly kustomization?: ObjectRef;
  readonly application?: ObjectRef;
  readonly helmRelease?: ObjectRef;
}

/** Looked-up facts handed to the pure `judge`. */
export interface Facts {
  readonly kustomization?: Lookup<KustomizationFact>;
  readonly application?: Lookup<ApplicationFact>;
  readonly helmRelease?: Lookup<HelmReleaseFact>;
}

/** The I/O edge that answers lookups (the Kubernetes API behind a cache, or a table in tests). */
export interface FactsSource {
  kustomization(ref: ObjectRef): Promise<Lookup<KustomizationFact>>;
  application(ref: ObjectRef): Promise<Lookup<ApplicationFact>>;
  helmRelease(ref: ObjectRef): Promise<Lookup<HelmReleaseFact>>;
}

/** Runs the lookups `needed` names against `source`, in parallel. A throwing source becomes an `error` lookup. */
export async function resolveFacts(needed: FactsNeeded, source: FactsSource | undefined): Promise<Facts> {
  const guard = async <T>(run: () => Promise<Lookup<T>>): Promise<Lookup<T>> => {
    try {
      return await run();
    } catch {
      return { status: "error", why: "the lookup failed" };
    }
  };
  const noSource = { status: "error", why: "the webhook has no Kubernetes API access configured" } as const;
  const { kustomization: k, application: a, helmRelease: h } = needed;
  const [kustomization, application, helmRelease] = await Promise.all([
    k ? (source ? guard(() => source.kustomization(k)) : noSource) : undefined,
    a ? (source ? guard(() => source.application(a)) : noSource) : undefined,
    h ? (source ? guard(() => source.helmRelease(h)) : noSource) : undefined,
  ]);
  return { ...(kustomization ? { kustomization } : {}), ...(application ? { application } : {}), ...(helmRelease ? { helmRelease } : {}) };
}
