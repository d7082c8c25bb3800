import { createHash } from "node:crypto";
import { HushError } from "@hush/errors";
import {
  apiVersionOf,
  hushFlavour,
  managedLabelValue,
  mergeAnnotationPrefix,
  type ApiFlavour,
  type ExternalSecret,
  type OwnerReference,
  type Secret,
} from "@hush/kube";
import { hashSecretData } from "./data-hash.js";
import { failure, type PlannedEvent, type ReadyReason, type Verdict } from "./failure.js";
import { assertValidKeys, tenantRegexp } from "./remote-value.js";
import { noTemplateSources, renderSecret, type TemplateSources } from "./template.js";

export type { PlannedEvent, ReadyReason } from "./failure.js";

/** What fetching produced: data (bytes per Secret key) plus entries the provider no longer has. */
export type FetchResult =
  | {
      readonly ok: true;
      readonly data: Readonly<Record<string, Uint8Array>>;
      readonly missing: readonly string[];
      /** The `templateFrom` ConfigMaps and Secrets, read from the ExternalSecret's namespace. */
      readonly templates?: TemplateSources;
    }
  | { readonly ok: false; readonly error: unknown };

/**
 * The write the runtime must perform. `create` and `update` carry only the fields this
 * ExternalSecret owns (its keys, labels, annotations, ownerReference), written under its own
 * field manager; an update is a server-side apply, so several ExternalSecrets can share one
 * Secret and keys an ExternalSecret stops producing are pruned. `create` must fail if the
 * Secret appeared meanwhile; `update` is conditional on the `resourceVersion` it was planned
 * against.
 */
export type SecretAction =
  | { readonly type: "none" }
  | { readonly type: "create"; readonly secret: Secret; readonly fieldManager: string }
  | {
      readonly type: "update";
      readonly secret: Secret;
      readonly fieldManager: string;
      /**
       * Keys this ExternalSecret wrote before and no longer produces. Apply prunes them unless
       * another field manager also claims them (a Secret written before per-ExternalSecret
       * managers existed); the writer then removes the ones still present.
       */
      readonly prune?: readonly string[];
    }
  | { readonly type: "delete"; readonly name: string; readonly uid?: string };

/** The decision for one reconcile: the write, the `Ready` condition, the events and scheduling. */
export interface Plan extends Verdict {
  readonly action: SecretAction;
}

/** Secret types whose creation makes Kubernetes mint credentials (ESO GHSA-fq7h-9x26-6j22). */
export const privilegedSecretTypes: ReadonlySet<string> = new Set(["kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token"]);

/** Annotations that bind a Secret to a ServiceAccount (read by the token controller). */
const serviceAccountAnnotations = ["kubernetes.io/service-account.name", "kubernetes.io/service-account.uid"];

/** The Secret name an ExternalSecret writes. */
export function targetName(es: ExternalSecret): string {
  return es.spec.target?.name ?? es.metadata.name ?? "";
}

/**
 * The field manager of one ExternalSecret's writes: the flavour's prefix and the name (ESO's
 * `externalsecrets.external-secrets.io/<name>` under that group), hashed when longer than the
 * 128 characters the API server allows.
 */
export function fieldManagerFor(es: ExternalSecret, flavour: ApiFlavour = hushFlavour): string {
  const name = es.metadata.name ?? "";
  const prefix = flavour.fieldManagerPrefix;
  const m = `${prefix}${name}`;
  return m.length <= 128 ? m : `${prefix}h-${createHash("sha256").update(name).digest("hex").slice(0, 40)}`;
}

/** ESO's `created-by` label value: SHA3-224 (hex, 56 characters) of `<namespace>/<name>`, as ESO's `utils.ObjectHash` computes it. */
export function createdByValue(es: ExternalSecret): string {
  return createHash("sha3-224").update(`${es.metadata.namespace ?? ""}/${es.metadata.name ?? ""}`).digest("hex");
}

/** The annotation key a `Merge` ExternalSecret records its keys under (name part at most 63 characters). */
export function mergeAnnotationFor(esName: string, flavour: ApiFlavour = hushFlavour): string {
  const prefix = flavour.mergeAnnotationPrefix;
  return esName.length <= 63 ? `${prefix}${esName}` : `${prefix}h-${createHash("sha256").update(esName).digest("hex").slice(0, 40)}`;
}

/** The value of a merge annotation. */
interface MergeRecord {
  readonly externalSecret: string;
  readonly keys: readonly string[];
  readonly hash: string;
}

function parseMergeRecord(raw: string | undefined): MergeRecord | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<MergeRecord>;
    if (typeof v.externalSecret !== "string" || typeof v.hash !== "string" || !Array.isArray(v.keys)) return undefined;
    return { externalSecret: v.externalSecret, hash: v.hash, keys: v.keys.filter((k): k is string => typeof k === "string") };
  } catch {
    return undefined;
  }
}

/**
 * Whether a creation policy merges into an existing Secret: `Merge`, and `CreateOrMerge` (ESO's
 * createOrMerge: ApplyTemplate keeps existing keys for both, externalsecret_controller_template.go).
 */
export function mergesInto(creation: string | undefined): boolean {
  return creation === "Merge" || creation === "CreateOrMerge";
}

/** The ExternalSecrets (same namespace) that write into `secret`: its primary owner and every merger. */
export function writersOf(secret: Secret, flavour: ApiFlavour = hushFlavour): string[] {
  const out = new Set<string>();
  const owner = secret.metadata.annotations?.[flavour.ownerAnnotation];
  if (owner) out.add(owner);
  for (const [k, v] of Object.entries(secret.metadata.annotations ?? {})) {
    if (k.startsWith(flavour.mergeAnnotationPrefix)) {
      const r = parseMergeRecord(v);
      if (r) out.add(r.externalSecret);
    }
  }
  return [...out];
}

function invalid(message: string): HushError {
  return new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", message);
}

/**
 * Rejects specs ESO also rejects, and more, with `HUSH_ERR_CONTROLLER_INVALID_SPEC` naming the
 * field: forbidden policy combinations, no data sources, privileged Secret types (a
 * ServiceAccount or bootstrap token Secret would hand the tenant a long-lived credential
 * minted by Kubernetes), ServiceAccount-binding annotations, and regular expressions that are
 * not RE2 or too long. Pure; the same type check runs again on the final Secret before writing.
 */
export function validateExternalSecret(es: ExternalSecret): void {
  const target = es.spec.target ?? {};
  const creation = target.creationPolicy ?? "Owner";
  const deletion = target.deletionPolicy ?? "Retain";
  // ESO's validatePolicies (apis/externalsecrets/v1/externalsecret_validator.go): Delete only with a Secret the controller owns.
  if (deletion === "Delete" && (creation === "Merge" || creation === "None" || creation === "CreateOrMerge")) {
    throw invalid(`spec.target: deletionPolicy Delete cannot be combined with creationPolicy ${creation}`);
  }
  if (deletion === "Merge" && creation === "None") throw invalid("spec.target: deletionPolicy Merge cannot be combined with creationPolicy None");
  const sources = (es.spec.data?.length ?? 0) + (es.spec.dataFrom?.length ?? 0);
  const templated = Object.keys(target.template?.data ?? {}).length + (target.template?.templateFrom?.length ?? 0);
  if (sources === 0 && templated === 0) throw invalid("spec: set data, dataFrom, target.template.data or target.template.templateFrom");
  // A generator entry needs no store.
  const storeEntries = [...(es.spec.data ?? []), ...(es.spec.dataFrom ?? []).filter((d) => !d.sourceRef?.generatorRef)];
  if (!es.spec.secretStoreRef && storeEntries.some((d) => !d.sourceRef?.storeRef)) {
    throw invalid("spec.secretStoreRef is required unless every entry sets sourceRef.storeRef or sourceRef.generatorRef");
  }
  const type = target.template?.type;
  if (type !== undefined && privilegedSecretTypes.has(type)) throw invalid(`spec.target.template.type ${type} is not allowed: it would mint a credential`);
  const annotations = target.template?.metadata?.annotations ?? (target.template ? {} : (es.metadata.annotations ?? {}));
  for (const a of serviceAccountAnnotations) {
    if (Object.hasOwn(annotations, a)) throw invalid(`annotation ${a} is not allowed on a target Secret`);
  }
  (es.spec.dataFrom ?? []).forEach((df, i) => {
    if (df.find?.name) tenantRegexp(df.find.name.regexp, `spec.dataFrom[${i}].find.name.regexp`);
    (df.rewrite ?? []).forEach((rw, j) => {
      if (rw.regexp) tenantRegexp(rw.regexp.source, `spec.dataFrom[${i}].rewrite[${j}].regexp.source`);
    });
  });
}

/**
 * The last check before any write, on the Secret as it will be stored: never a privileged type
 * (the existing Secret's type counts for Merge), never a ServiceAccount-binding annotation.
 * The runtime calls it again just before the API request.
 */
export function assertWritableSecret(secret: Secret, existingType?: string): void {
  for (const type of [secret.type, existingType]) {
    if (type !== undefined && privilegedSecretTypes.has(type)) {
      throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `secret ${secret.metadata.name ?? ""}: type ${type} is never written by the controller`);
    }
  }
  for (const a of serviceAccountAnnotations) {
    if (Object.hasOwn(secret.metadata.annotations ?? {}, a)) {
      throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `secret ${secret.metadata.name ?? ""}: annotation ${a} is never written by the controller`);
    }
  }
}

/** Never copied from the ExternalSecret: kubectl's record and hush's own control annotations. */
function copyable(key: string): boolean {
  return key !== "kubectl.kubernetes.io/last-applied-configuration" && !key.startsWith("reconcile.hush.dev/") && !key.startsWith(mergeAnnotationPrefix);
}

/**
 * Renders `target.template` (`templateFrom`, `data`, `metadata`, `mergePolicy`) as ESO does,
 * through {@link renderSecret}, and checks the resulting keys. Pure. As in ESO, the
 * ExternalSecret's own labels and annotations are copied only when it has no template at all.
 */
export function renderSecretData(
  es: ExternalSecret,
  fetched: Readonly<Record<string, Uint8Array>>,
  sources: TemplateSources = noTemplateSources,
): { data: Record<string, string>; labels: Record<string, string>; annotations: Record<string, string>; type: string | undefined } {
  const r = renderSecret(es, fetched, sources);
  assertValidKeys(r.data, "spec.target");
  const pick = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).filter(([k]) => copyable(k)));
  return { data: r.data, labels: pick(r.labels), annotations: pick(r.annotations), type: r.type };
}

function ownerRef(es: ExternalSecret, flavour: ApiFlavour): OwnerReference {
  return { apiVersion: apiVersionOf(flavour), kind: "ExternalSecret", name: es.metadata.name ?? "", uid: es.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

function parseKeys(raw: string | undefined): string[] | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
  } catch {
    return undefined;
  }
}

/** Keys the primary (Owner/Orphan) ExternalSecret of `secret` writes. */
function primaryKeys(secret: Secret | undefined, flavour: ApiFlavour): string[] {
  if (!secret?.metadata.annotations?.[flavour.ownerAnnotation]) return [];
  return parseKeys(secret.metadata.annotations[flavour.managedKeysAnnotation]) ?? Object.keys(secret.data ?? {});
}

/**
 * Whether the live Secret still holds what this ExternalSecret last wrote: it exists, carries
 * the managed label, and the data of the keys this ExternalSecret owns matches its recorded
 * hash. `Orphan` and `None` targets are never repaired (ESO semantics).
 */
export function secretIsIntact(es: ExternalSecret, existing: Secret | undefined, flavour: ApiFlavour = hushFlavour): boolean {
  const creation = es.spec.target?.creationPolicy ?? "Owner";
  if (creation === "None" || creation === "Orphan") return true;
  // CreateOrMerge is repaired like Owner when the Secret is gone (ESO's isSecretValid).
  if (!existing) return creation === "Merge";
  if (existing.metadata.labels?.[flavour.managedLabel] !== managedLabelValue) return false;
  if (mergesInto(creation)) {
    const rec = parseMergeRecord(existing.metadata.annotations?.[mergeAnnotationFor(es.metadata.name ?? "", flavour)]);
    return rec !== undefined && rec.hash === hashSecretData(existing.data, rec.keys);
  }
  const keys = parseKeys(existing.metadata.annotations?.[flavour.managedKeysAnnotation]);
  return existing.metadata.annotations?.[flavour.dataHashAnnotation] === hashSecretData(existing.data, keys);
}

function conflict(message: string): Plan {
  return { action: { type: "none" }, ...failure(new HushError("HUSH_ERR_CONTROLLER_TARGET_CONFLICT", message), "could not update secret") };
}

function listed(value: string | undefined, name: string): boolean {
  return (value ?? "").split(",").some((v) => v.trim() === name);
}

/**
 * Who may write what into an existing Secret (S4/S7). Never a Secret controlled by another
 * controller (a `Merge` may sit beside the owning hush ExternalSecret). `Owner`/`Orphan` take a
 * Secret only if this ExternalSecret already manages it, or the Secret opts in with the
 * {@link adoptAnnotation}; `Merge` and `CreateOrMerge` write only into Secrets hush manages
 * (an owner or a merger records itself on them) or that opt in. Keys another hush
 * ExternalSecret writes are never taken by a merger. (ESO merges into any Secret of the
 * namespace; hush does not, so an ExternalSecret cannot write into a Secret it was not given.)
 */
function checkOwnership(es: ExternalSecret, existing: Secret, ownKeys: readonly string[], flavour: ApiFlavour): Plan | undefined {
  const { ownerAnnotation, adoptAnnotation, mergeAnnotationPrefix } = flavour;
  const name = es.metadata.name ?? "";
  const creation = es.spec.target?.creationPolicy ?? "Owner";
  const target = existing.metadata.name ?? "";
  const controller = existing.metadata.ownerReferences?.find((r) => r.controller && r.uid !== es.metadata.uid);
  const hushController = controller?.kind === "ExternalSecret" && controller.apiVersion.split("/")[0] === flavour.group;
  if (controller && !(mergesInto(creation) && hushController)) return conflict(`secret ${target} is controlled by ${controller.kind} ${controller.name}`);
  const owner = existing.metadata.annotations?.[ownerAnnotation];
  const optedIn = listed(existing.metadata.annotations?.[adoptAnnotation], name);
  if (mergesInto(creation)) {
    const mine = existing.metadata.annotations?.[mergeAnnotationFor(name, flavour)] !== undefined;
    // Another ExternalSecret's merge record makes the Secret hush-managed, as an owner does
    // (a Secret a CreateOrMerge created carries only that).
    const merged = Object.entries(existing.metadata.annotations ?? {}).some(([k, v]) => k.startsWith(mergeAnnotationPrefix) && parseMergeRecord(v) !== undefined);
    if (!owner && !mine && !merged && !optedIn) {
      return conflict(`secret ${target} is not managed by hush; annotate it ${adoptAnnotation}=${name} to let this ExternalSecret merge into it`);
    }
    const taken = new Set(owner === name ? [] : primaryKeys(existing, flavour));
    for (const [k, v] of Object.entries(existing.metadata.annotations ?? {})) {
      if (!k.startsWith(mergeAnnotationPrefix) || k === mergeAnnotationFor(name, flavour)) continue;
      for (const key of parseMergeRecord(v)?.keys ?? []) taken.add(key);
    }
    const clash = ownKeys.find((k) => taken.has(k));
    if (clash !== undefined) return conflict(`key ${JSON.stringify(clash.slice(0, 80))} of secret ${target} is written by another ExternalSecret`);
    return undefined;
  }
  if (owner === name) return undefined;
  // This very ExternalSecret (same uid) controls it: a Secret ESO created for it before the
  // switch to hush, which carries ESO's ownerReference but not hush's owner annotation.
  if (owner === undefined && existing.metadata.ownerReferences?.some((r) => r.controller && r.uid === es.metadata.uid)) return undefined;
  if (owner !== undefined) return conflict(`secret ${target} is managed by ExternalSecret ${owner}`);
  if (!optedIn) return conflict(`secret ${target} already exists and is not managed by hush; annotate it ${adoptAnnotation}=${name} to let this ExternalSecret adopt it`);
  return undefined;
}

function sameRecord(want: Readonly<Record<string, string>> | undefined, have: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => Object.hasOwn(have ?? {}, k) && have![k] === v);
}

/** Whether `existing` already holds every field of `applied` and none of this ExternalSecret's stale keys. */
function isCurrent(applied: Secret, existing: Secret, stale: readonly string[]): boolean {
  return (
    (applied.type === undefined || applied.type === (existing.type ?? "Opaque")) &&
    sameRecord(applied.data, existing.data) &&
    sameRecord(applied.metadata.labels, existing.metadata.labels) &&
    sameRecord(applied.metadata.annotations, existing.metadata.annotations) &&
    (applied.metadata.ownerReferences ?? []).every((r) => existing.metadata.ownerReferences?.some((o) => o.uid === r.uid && o.controller === r.controller)) &&
    (applied.metadata.finalizers ?? []).every((f) => existing.metadata.finalizers?.includes(f)) &&
    !stale.some((k) => Object.hasOwn(existing.data ?? {}, k)) &&
    (!applied.immutable || Boolean(existing.immutable))
  );
}

/**
 * The pure heart of the controller: given the ExternalSecret, what the providers returned
 * and the live target Secret, decide the write, the `Ready` condition and the events.
 * A fetch error never produces a write: the existing Secret is kept as it is.
 */
export function planSecret(es: ExternalSecret, fetched: FetchResult, existing: Secret | undefined, flavour: ApiFlavour = hushFlavour): Plan {
  const { managedLabel, ownerAnnotation, dataHashAnnotation, managedKeysAnnotation } = flavour;
  const fail = (err: unknown, context: string): Plan => ({ action: { type: "none" }, ...failure(err, context) });
  try {
    validateExternalSecret(es);
  } catch (err) {
    return fail(err, "invalid spec");
  }
  if (!fetched.ok) return fail(fetched.error, "could not get secret data from provider");

  const target = es.spec.target ?? {};
  const creation = target.creationPolicy ?? "Owner";
  const deletion = target.deletionPolicy ?? "Retain";
  const name = targetName(es);
  const esName = es.metadata.name ?? "";
  const events: PlannedEvent[] = fetched.missing.map((where) => ({
    type: "Normal" as const,
    reason: "MissingProviderSecret",
    message: `secret does not exist at provider using ${where}`,
  }));
  const allGone = Object.keys(fetched.data).length === 0;

  if (allGone && fetched.missing.length > 0 && deletion === "Delete") {
    const deleted = { status: "True" as const, reason: "SecretDeleted" as const, message: "secret deleted due to DeletionPolicy=Delete" };
    const ours = existing?.metadata.ownerReferences?.some((r) => r.controller && r.uid === es.metadata.uid) ?? false;
    if (existing && ours) {
      return {
        action: { type: "delete", name, ...(existing.metadata.uid ? { uid: existing.metadata.uid } : {}) },
        ready: deleted,
        events: [...events, { type: "Normal", reason: "Deleted", message: "secret deleted due to DeletionPolicy=Delete" }],
        outcome: "synced",
      };
    }
    return { action: { type: "none" }, ready: deleted, events, outcome: "synced" };
  }
  if (allGone && existing && deletion === "Retain" && !mergesInto(creation)) {
    return { action: { type: "none" }, ready: { status: "True", reason: "SecretSynced", message: "secret retained due to DeletionPolicy=Retain" }, events, outcome: "synced" };
  }

  let rendered: ReturnType<typeof renderSecretData>;
  try {
    rendered = renderSecretData(es, fetched.data, fetched.templates);
  } catch (err) {
    return fail(err, "could not render secret");
  }

  if (creation === "None") {
    return { action: { type: "none" }, ready: { status: "True", reason: "SecretSynced", message: "secret synced (creationPolicy=None)" }, events, outcome: "synced" };
  }
  if (creation === "Merge" && !existing) {
    return { action: { type: "none" }, ready: { status: "False", reason: "SecretMissing", message: "target secret does not exist (creationPolicy=Merge)" }, events, outcome: "waiting" };
  }
  // Merge semantics when the Secret exists; CreateOrMerge without one creates it (ESO's
  // Reconcile: `case CreatePolicyOrphan, CreatePolicyCreateOrMerge`, no ownerReference).
  const merging = mergesInto(creation);

  const data = rendered.data;
  const keys = Object.keys(data).sort();
  if (existing) {
    const refused = checkOwnership(es, existing, keys, flavour);
    if (refused) return refused;
  }

  // The flavour's own control annotations are never taken from the ExternalSecret.
  const reserved = (k: string) => k.startsWith(flavour.reservedAnnotationPrefix) || k.startsWith(flavour.mergeAnnotationPrefix);
  rendered.annotations = Object.fromEntries(Object.entries(rendered.annotations).filter(([k]) => !reserved(k)));
  const labels: Record<string, string> = { ...rendered.labels, [managedLabel]: managedLabelValue };
  if (flavour.createdByLabel) {
    // As ESO: only an Owner Secret carries it, never a value taken from the ExternalSecret.
    delete labels[flavour.createdByLabel];
    if (creation === "Owner") labels[flavour.createdByLabel] = createdByValue(es);
  }
  let annotations: Record<string, string>;
  let previous: readonly string[];
  if (merging) {
    const key = mergeAnnotationFor(esName, flavour);
    previous = parseMergeRecord(existing?.metadata.annotations?.[key])?.keys ?? [];
    annotations = { ...rendered.annotations, [key]: JSON.stringify({ externalSecret: esName, keys, hash: hashSecretData(data, keys) } satisfies MergeRecord) };
  } else {
    previous = existing?.metadata.annotations?.[ownerAnnotation] === esName ? primaryKeys(existing, flavour) : [];
    annotations = { ...rendered.annotations, [ownerAnnotation]: esName, [dataHashAnnotation]: hashSecretData(data, keys), [managedKeysAnnotation]: JSON.stringify(keys) };
  }
  const stale = previous.filter((k) => !Object.hasOwn(data, k));
  // ESO's setMetadata (externalsecret_controller_template.go): the template's finalizers are
  // added while the Secret is not being deleted; once it is, none is added back (the API server
  // refuses new finalizers then).
  const wantedFinalizers = [...new Set(target.template?.metadata?.finalizers ?? [])];
  const finalizers = existing?.metadata.deletionTimestamp ? wantedFinalizers.filter((f) => existing.metadata.finalizers?.includes(f)) : wantedFinalizers;

  const applied: Secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      namespace: es.metadata.namespace ?? "",
      labels,
      annotations,
      ...(creation === "Owner" ? { ownerReferences: [ownerRef(es, flavour)] } : {}),
      ...(finalizers.length > 0 ? { finalizers } : {}),
      ...(existing?.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    // A merger never sets the type of a Secret that exists; one it creates gets the template's.
    ...(merging && existing ? {} : { type: rendered.type ?? existing?.type ?? "Opaque" }),
    data,
    ...((!merging || !existing) && target.immutable ? { immutable: true } : {}),
  };
  try {
    assertWritableSecret(applied, existing?.type);
  } catch (err) {
    return fail(err, "could not update secret");
  }

  const synced = { status: "True" as const, reason: "SecretSynced" as const, message: "secret synced" };
  const manager = fieldManagerFor(es, flavour);
  if (!existing) {
    return { action: { type: "create", secret: applied, fieldManager: manager }, ready: synced, events: [...events, { type: "Normal", reason: "Created", message: "secret created" }], outcome: "synced" };
  }
  if (isCurrent(applied, existing, stale)) return { action: { type: "none" }, ready: synced, events, outcome: "synced" };
  if (existing.immutable) {
    return fail(new HushError("HUSH_ERR_CONTROLLER_TARGET_IMMUTABLE", `secret ${name} is immutable and its data changed`), "could not update secret");
  }
  if (rendered.type !== undefined && existing.type !== undefined && rendered.type !== existing.type) {
    return fail(new HushError("HUSH_ERR_CONTROLLER_TARGET_CONFLICT", `secret ${name} has type ${existing.type}; a Secret's type cannot change`), "could not update secret");
  }
  const prune = stale.filter((k) => Object.hasOwn(existing.data ?? {}, k));
  return {
    action: { type: "update", secret: applied, fieldManager: manager, ...(prune.length > 0 ? { prune } : {}) },
    ready: synced,
    events: [...events, { type: "Normal", reason: "Updated", message: "secret updated" }],
    outcome: "synced",
  };
}

/**
 * What deleting the ExternalSecret removes, as ESO's `cleanupManagedSecrets`
 * (pkg/controllers/externalsecret/externalsecret_controller.go) decides it: only with
 * `deletionPolicy: Delete`, and only the target Secret this very ExternalSecret (same uid)
 * controls (`metav1.IsControlledBy`). A Secret it merges into, created with `Orphan` or
 * `CreateOrMerge`, or controlled by anything else is never deleted. Pure; the delete is
 * conditional on the Secret's uid.
 */
export function planCleanup(es: ExternalSecret, existing: Secret | undefined): SecretAction {
  if ((es.spec.target?.deletionPolicy ?? "Retain") !== "Delete" || !existing || !es.metadata.uid) return { type: "none" };
  const controlled = existing.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === es.metadata.uid) ?? false;
  if (!controlled) return { type: "none" };
  return { type: "delete", name: existing.metadata.name ?? targetName(es), ...(existing.metadata.uid ? { uid: existing.metadata.uid } : {}) };
}
