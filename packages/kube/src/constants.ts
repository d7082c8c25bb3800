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
