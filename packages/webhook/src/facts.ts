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
  /** `spec.decryption` is set (Flux decrypts SOPS files before applying). */
  readonly decrypts: boolean;
}

/** What the policy needs to know about an Argo CD Application. */
export interface ApplicationFact {
  /** Names of the config-management plugins its sources use. */
  readonly plugins: readonly string[];
}

/** Lookups a review needs, derived from the object by {@link neededFacts}. */
export interface FactsNeeded {
  readonly kustomization?: ObjectRef;
  readonly application?: ObjectRef;
}

/** Looked-up facts handed to the pure `judge`. */
export interface Facts {
  readonly kustomization?: Lookup<KustomizationFact>;
  readonly application?: Lookup<ApplicationFact>;
}

/** The I/O edge that answers lookups (the Kubernetes API behind a cache, or a table in tests). */
export interface FactsSource {
  kustomization(ref: ObjectRef): Promise<Lookup<KustomizationFact>>;
  application(ref: ObjectRef): Promise<Lookup<ApplicationFact>>;
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
  const { kustomization: k, application: a } = needed;
  const [kustomization, application] = await Promise.all([
    k ? (source ? guard(() => source.kustomization(k)) : noSource) : undefined,
    a ? (source ? guard(() => source.application(a)) : noSource) : undefined,
  ]);
  return { ...(kustomization ? { kustomization } : {}), ...(application ? { application } : {}) };
}
