/** The API group of hush's CRDs. */
export const group = "hush.dev";
/** The served and stored version. */
export const version = "v1";
/** `apiVersion` of hush objects. */
export const apiVersion = `${group}/${version}`;

/** Label on every Secret the controller manages; the Secret watch selects on it. */
export const managedLabel = "reconcile.hush.dev/managed";
/** Label value of {@link managedLabel}. */
export const managedLabelValue = "true";
/** Annotation naming the ExternalSecret (same namespace) that manages a Secret. */
export const ownerAnnotation = "reconcile.hush.dev/external-secret";
/** Annotation holding the hash of the data the controller wrote (detects out-of-band edits). */
export const dataHashAnnotation = "reconcile.hush.dev/data-hash";
/** Annotation listing, as JSON, the keys the controller owns in a Merge-policy Secret. */
export const managedKeysAnnotation = "reconcile.hush.dev/managed-keys";
/** The conventional annotation users bump to force a refresh (any label/annotation change works). */
export const forceSyncAnnotation = "hush.dev/force-sync";
/** Field manager name for writes that are not on behalf of one ExternalSecret (status, events). */
export const fieldManager = "hush-controller";
/**
 * Opt-in on a Secret the controller did not create: a comma-separated list of ExternalSecret
 * names (same namespace) allowed to take it over (`Owner`/`Orphan`) or merge keys into it
 * (`Merge`). Setting it needs write access to the Secret, so creating an ExternalSecret alone
 * never grants control of an existing Secret.
 */
export const adoptAnnotation = "reconcile.hush.dev/adopt";
/** Prefix of the per-ExternalSecret annotation a `Merge` ExternalSecret records its keys and hash in. */
export const mergeAnnotationPrefix = "merge.reconcile.hush.dev/";

/**
 * An API flavour: the group hush serves its kinds under and every name that follows from it
 * (labels and annotations on managed Secrets, the finalizer, metric names). `hush.dev` is
 * hush's own group, for running beside ESO; `external-secrets.io` lets hush replace ESO
 * without a change to any manifest, label selector, alert or policy keyed on ESO's names.
 * This is the one source of these names: the controller, the CRD generator and the tests
 * read them from here.
 */
export interface ApiFlavour {
  readonly group: string;
  /** The storage version (also served). */
  readonly version: string;
  /** Further versions served from the same schema (no conversion: identical for the fields hush serves). */
  readonly servedVersions: readonly string[];
  /** Label on every managed Secret; the Secret watch selects on it. */
  readonly managedLabel: string;
  /** Annotation holding the hash of the data the controller wrote. */
  readonly dataHashAnnotation: string;
  /**
   * Label ESO puts on a `creationPolicy: Owner` Secret: SHA3-224 (hex) of `<namespace>/<name>` of
   * its ExternalSecret (ESO `LabelOwner`), which ESO selects on to delete a renamed target.
   * Set under `external-secrets.io` so Secrets look as ESO leaves them; hush itself uses the owner reference.
   */
  readonly createdByLabel?: string;
  /** Annotation naming the owning ExternalSecret (same namespace). */
  readonly ownerAnnotation: string;
  /** Annotation listing the keys the owner wrote. */
  readonly managedKeysAnnotation: string;
  /** Opt-in annotation on a foreign Secret (see {@link adoptAnnotation}). */
  readonly adoptAnnotation: string;
  /** Prefix of the per-ExternalSecret annotation of a `Merge` writer. */
  readonly mergeAnnotationPrefix: string;
  /** Annotation prefix the controller reserves: never copied from an ExternalSecret onto its Secret. */
  readonly reservedAnnotationPrefix: string;
  /** The ExternalSecret cleanup finalizer's name (ESO's `externalsecrets.external-secrets.io/externalsecret-cleanup` under ESO's group). */
  readonly finalizer: string;
  /** `categories` of the CRDs (`kubectl get <category>`). */
  readonly category: string;
  /**
   * API group of the generator kinds (Password, UUID) an ExternalSecret's
   * `dataFrom[].sourceRef.generatorRef` names; served at version `v1alpha1` as ESO serves them.
   */
  readonly generatorGroup: string;
  /** Event source component. */
  readonly component: string;
  /**
   * Prefix of the per-ExternalSecret field manager of Secret writes (the ExternalSecret's name
   * follows). ESO's own prefix under `external-secrets.io`, so `managedFields` of a Secret ESO
   * wrote name the same manager after the switch.
   */
  readonly fieldManagerPrefix: string;
  /**
   * PushSecret (ESO `external-secrets.io/v1alpha1`): the version served, its finalizer (put on
   * a PushSecret with `deletionPolicy: Delete` until its remote secrets are deleted), and the
   * remote tag hush adds to what it pushes, naming the pushing namespace. A PushSecret may
   * overwrite or delete a remote secret only if it carries `managed-by: external-secrets` (as
   * ESO writes it) and this tag names its own namespace; see docs/controller.md, "PushSecret".
   */
  readonly pushSecret: { readonly version: string; readonly finalizer: string; readonly ownerTag: string; readonly fieldManager: string };
  /** Per-ExternalSecret metrics, named as the flavour's dashboards and alerts expect. */
  readonly metrics: {
    /** Gauge `{name,namespace,condition,status}`: 1 for the current status, 0 for the opposite one. */
    readonly statusCondition: string;
    /** Counter `{name,namespace}` of reconciles. */
    readonly syncCalls: string;
    /** Counter `{name,namespace}` of failed reconciles. */
    readonly syncCallsError: string;
    /** Gauge `{name,namespace}`: duration of the last reconcile in nanoseconds (ESO's unit). */
    readonly reconcileDuration: string;
    /** ClusterExternalSecret gauge `{name,namespace,condition,status}` (namespace empty: cluster-scoped). */
    readonly cesStatusCondition: string;
    /** ClusterExternalSecret gauge `{name,namespace}`: duration of the last reconcile in nanoseconds. */
    readonly cesReconcileDuration: string;
    /** PushSecret gauge `{name,namespace,condition,status}`: 1 for the current Ready status, 0 for the opposite. */
    readonly psStatusCondition: string;
    /** PushSecret gauge `{name,namespace}`: duration of the last reconcile in nanoseconds. */
    readonly psReconcileDuration: string;
    /** ClusterPushSecret gauge `{name,namespace,condition,status}` (namespace empty: cluster-scoped). */
    readonly cpsStatusCondition: string;
    /** ClusterPushSecret gauge `{name,namespace}`: duration of the last reconcile in nanoseconds. */
    readonly cpsReconcileDuration: string;
    /** SecretStore gauge `{name,namespace,condition,status}`: 1 for the current Ready status, 0 for the opposite. */
    readonly ssStatusCondition: string;
    /** SecretStore gauge `{name,namespace}`: duration of the last validation in nanoseconds. */
    readonly ssReconcileDuration: string;
    /** ClusterSecretStore gauge `{name,namespace,condition,status}` (namespace empty: cluster-scoped). */
    readonly cssStatusCondition: string;
    /** ClusterSecretStore gauge `{name,namespace}`: duration of the last validation in nanoseconds. */
    readonly cssReconcileDuration: string;
    /** Counter `{provider,call,status}` of provider API calls, labelled with ESO's provider and call names. */
    readonly providerApiCalls: string;
  };
}

/** hush's own group, `hush.dev/v1`. */
export const hushFlavour: ApiFlavour = {
  group,
  version,
  servedVersions: [],
  managedLabel,
  dataHashAnnotation,
  ownerAnnotation,
  managedKeysAnnotation,
  adoptAnnotation,
  mergeAnnotationPrefix,
  reservedAnnotationPrefix: "reconcile.hush.dev/",
  finalizer: "externalsecrets.hush.dev/externalsecret-cleanup",
  category: "hush",
  generatorGroup: "generators.hush.dev",
  component: fieldManager,
  fieldManagerPrefix: "hush/",
  pushSecret: { version: "v1alpha1", finalizer: "pushsecret.hush.dev/finalizer", ownerTag: "hush.dev/pushed-from-namespace", fieldManager },
  metrics: {
    statusCondition: "hush_externalsecret_status_condition",
    syncCalls: "hush_externalsecret_sync_calls_total",
    syncCallsError: "hush_externalsecret_sync_calls_error",
    reconcileDuration: "hush_externalsecret_reconcile_duration",
    cesStatusCondition: "hush_clusterexternalsecret_status_condition",
    cesReconcileDuration: "hush_clusterexternalsecret_reconcile_duration",
    psStatusCondition: "hush_pushsecret_status_condition",
    psReconcileDuration: "hush_pushsecret_reconcile_duration",
    cpsStatusCondition: "hush_clusterpushsecret_status_condition",
    cpsReconcileDuration: "hush_clusterpushsecret_reconcile_duration",
    ssStatusCondition: "hush_secretstore_status_condition",
    ssReconcileDuration: "hush_secretstore_reconcile_duration",
    cssStatusCondition: "hush_clustersecretstore_status_condition",
    cssReconcileDuration: "hush_clustersecretstore_reconcile_duration",
    providerApiCalls: "hush_externalsecret_provider_api_calls_count",
  },
};

/**
 * ESO's group: `external-secrets.io/v1` stored, `v1beta1` served alongside, and ESO's label,
 * annotation, finalizer and metric names (ESO `apis/externalsecrets/v1/externalsecret_types.go`,
 * `pkg/controllers/externalsecret/esmetrics`). The owner, managed-keys, adopt and merge
 * annotations are hush's own bookkeeping, kept under ESO's `reconcile.` prefix.
 */
export const esoFlavour: ApiFlavour = {
  group: "external-secrets.io",
  version: "v1",
  servedVersions: ["v1beta1"],
  managedLabel: "reconcile.external-secrets.io/managed",
  dataHashAnnotation: "reconcile.external-secrets.io/data-hash",
  createdByLabel: "reconcile.external-secrets.io/created-by",
  ownerAnnotation: "reconcile.external-secrets.io/external-secret",
  managedKeysAnnotation: "reconcile.external-secrets.io/managed-keys",
  adoptAnnotation: "reconcile.external-secrets.io/adopt",
  mergeAnnotationPrefix: "merge.reconcile.external-secrets.io/",
  reservedAnnotationPrefix: "reconcile.external-secrets.io/",
  finalizer: "externalsecrets.external-secrets.io/externalsecret-cleanup",
  category: "external-secrets",
  generatorGroup: "generators.external-secrets.io",
  component: "external-secrets",
  // ESO v0.16 pkg/controllers/externalsecret: fieldOwnerTemplate "externalsecrets.external-secrets.io/%v".
  fieldManagerPrefix: "externalsecrets.external-secrets.io/",
  // ESO v0.16 pkg/controllers/pushsecret: pushSecretFinalizer; its events come from "pushsecret".
  pushSecret: { version: "v1alpha1", finalizer: "pushsecret.externalsecrets.io/finalizer", ownerTag: "reconcile.external-secrets.io/pushed-from-namespace", fieldManager: "external-secrets" },
  metrics: {
    statusCondition: "externalsecret_status_condition",
    syncCalls: "externalsecret_sync_calls_total",
    syncCallsError: "externalsecret_sync_calls_error",
    reconcileDuration: "externalsecret_reconcile_duration",
    // ESO v0.16 pkg/controllers/clusterexternalsecret/cesmetrics.
    cesStatusCondition: "clusterexternalsecret_status_condition",
    cesReconcileDuration: "clusterexternalsecret_reconcile_duration",
    // ESO v0.16 pkg/controllers/pushsecret/psmetrics.
    psStatusCondition: "pushsecret_status_condition",
    psReconcileDuration: "pushsecret_reconcile_duration",
    // ESO v0.16 pkg/controllers/clusterpushsecret/cpsmetrics.
    cpsStatusCondition: "clusterpushsecret_status_condition",
    cpsReconcileDuration: "clusterpushsecret_reconcile_duration",
    // ESO v0.16 pkg/controllers/secretstore/ssmetrics and cssmetrics.
    ssStatusCondition: "secretstore_status_condition",
    ssReconcileDuration: "secretstore_reconcile_duration",
    cssStatusCondition: "clustersecretstore_status_condition",
    cssReconcileDuration: "clustersecretstore_reconcile_duration",
    // ESO v0.16 pkg/metrics.
    providerApiCalls: "externalsecret_provider_api_calls_count",
  },
};

/** The flavour serving `group` (`hush.dev` or `external-secrets.io`); undefined for any other group. */
export function flavourFor(group: string): ApiFlavour | undefined {
  return [hushFlavour, esoFlavour].find((f) => f.group === group);
}

/** The one served version of the generator kinds (ESO's `generators.external-secrets.io/v1alpha1`). */
export const generatorVersion = "v1alpha1";

/** `apiVersion` of a flavour's generator objects, e.g. `generators.hush.dev/v1alpha1`. */
export function generatorApiVersionOf(flavour: ApiFlavour): string {
  return `${flavour.generatorGroup}/${generatorVersion}`;
}

/** `apiVersion` (storage version) of a flavour's objects. */
export function apiVersionOf(flavour: ApiFlavour): string {
  return `${flavour.group}/${flavour.version}`;
}
