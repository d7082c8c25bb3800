import { HushError, isHushError, type ErrorCode } from "@hush/errors";
import {
  apiVersion,
  dataHashAnnotation,
  managedKeysAnnotation,
  managedLabel,
  managedLabelValue,
  ownerAnnotation,
  type ExternalSecret,
  type OwnerReference,
  type Secret,
} from "@hush/kube";
import { hashSecretData } from "./data-hash.js";
import { assertValidKeys } from "./remote-value.js";
import { renderTemplate } from "./template.js";

/** Stable `Ready` reasons (ESO's names). */
export type ReadyReason = "SecretSynced" | "SecretSyncedError" | "SecretDeleted" | "SecretMissing";

/** What fetching produced: data (bytes per Secret key) plus entries the provider no longer has. */
export type FetchResult =
  | { readonly ok: true; readonly data: Readonly<Record<string, Uint8Array>>; readonly missing: readonly string[] }
  | { readonly ok: false; readonly error: unknown };

/** The write the runtime must perform. */
export type SecretAction =
  | { readonly type: "none" }
  | { readonly type: "create"; readonly secret: Secret }
  | { readonly type: "update"; readonly secret: Secret }
  | { readonly type: "delete"; readonly name: string };

/** An Event to record on the ExternalSecret. */
export interface PlannedEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

/**
 * The decision for one reconcile. `outcome` drives scheduling: `synced` records a refresh
 * and waits for the next interval, `retry` backs off, `terminal` waits for a spec change
 * (re-checked at the refresh interval), `waiting` is not an error but not synced either.
 */
export interface Plan {
  readonly action: SecretAction;
  readonly ready: { readonly status: "True" | "False"; readonly reason: ReadyReason; readonly message: string };
  readonly events: readonly PlannedEvent[];
  readonly outcome: "synced" | "retry" | "terminal" | "waiting";
  /** The error code behind a failed plan, for metrics and logs. */
  readonly errorCode?: ErrorCode;
}

/** Error codes that retrying with backoff cannot fix; they wait for a spec change. */
const terminalCodes: ReadonlySet<string> = new Set([
  "HUSH_ERR_CONTROLLER_INVALID_SPEC",
  "HUSH_ERR_CONTROLLER_TARGET_CONFLICT",
  "HUSH_ERR_CONTROLLER_TARGET_IMMUTABLE",
  "HUSH_ERR_CONTROLLER_STORE_NOT_ALLOWED",
  "HUSH_ERR_CONTROLLER_TEMPLATE",
]);

/** The Secret name an ExternalSecret writes. */
export function targetName(es: ExternalSecret): string {
  return es.spec.target?.name ?? es.metadata.name ?? "";
}

/**
 * Rejects specs ESO also rejects (forbidden policy combinations, no data sources) with
 * `HUSH_ERR_CONTROLLER_INVALID_SPEC` naming the field.
 */
export function validateExternalSecret(es: ExternalSecret): void {
  const creation = es.spec.target?.creationPolicy ?? "Owner";
  const deletion = es.spec.target?.deletionPolicy ?? "Retain";
  if (deletion === "Delete" && (creation === "Merge" || creation === "None")) {
    throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `spec.target: deletionPolicy Delete cannot be combined with creationPolicy ${creation}`);
  }
  if (deletion === "Merge" && creation === "None") {
    throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", "spec.target: deletionPolicy Merge cannot be combined with creationPolicy None");
  }
  const sources = (es.spec.data?.length ?? 0) + (es.spec.dataFrom?.length ?? 0);
  const templated = Object.keys(es.spec.target?.template?.data ?? {}).length;
  if (sources === 0 && templated === 0) {
    throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", "spec: set data, dataFrom or target.template.data");
  }
  if (!es.spec.secretStoreRef && [...(es.spec.data ?? []), ...(es.spec.dataFrom ?? [])].some((d) => !d.sourceRef?.storeRef)) {
    throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", "spec.secretStoreRef is required unless every entry sets sourceRef.storeRef");
  }
}

function b64(v: Uint8Array): string {
  return Buffer.from(v).toString("base64");
}

const utf8 = new TextDecoder();

/** kubectl's client-side-apply record: never copied to the Secret. */
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

/** Renders `template.data`, `template.metadata` and applies `mergePolicy`. Pure. */
export function renderSecretData(
  es: ExternalSecret,
  fetched: Readonly<Record<string, Uint8Array>>,
): { data: Record<string, string>; labels: Record<string, string>; annotations: Record<string, string>; type: string | undefined } {
  const tpl = es.spec.target?.template;
  const context: Record<string, string> = {};
  for (const [k, v] of Object.entries(fetched)) context[k] = utf8.decode(v);
  const data: Record<string, string> = {};
  const templated = Object.entries(tpl?.data ?? {});
  if (templated.length === 0 || tpl?.mergePolicy === "Merge") for (const [k, v] of Object.entries(fetched)) data[k] = b64(v);
  for (const [k, src] of templated) data[k] = Buffer.from(renderTemplate(src, context, `spec.target.template.data.${k}`), "utf8").toString("base64");
  const renderMap = (m: Record<string, string> | undefined, field: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, src] of Object.entries(m ?? {})) out[k] = renderTemplate(src, context, `spec.target.template.metadata.${field}.${k}`);
    return out;
  };
  assertValidKeys(data, "spec.target");
  if (!tpl?.metadata) {
    // ESO: without template metadata the ExternalSecret's own labels and annotations are copied.
    const annotations = { ...(es.metadata.annotations ?? {}) };
    delete annotations[lastAppliedAnnotation];
    return { data, labels: { ...(es.metadata.labels ?? {}) }, annotations, type: tpl?.type };
  }
  return { data, labels: renderMap(tpl.metadata.labels, "labels"), annotations: renderMap(tpl.metadata.annotations, "annotations"), type: tpl.type };
}

function ownerRef(es: ExternalSecret): OwnerReference {
  return { apiVersion, kind: "ExternalSecret", name: es.metadata.name ?? "", uid: es.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

function sameRecord(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => Object.hasOwn(b ?? {}, k) && a![k] === b![k]);
}

function sameSecret(a: Secret, b: Secret): boolean {
  return (
    (a.type ?? "Opaque") === (b.type ?? "Opaque") &&
    sameRecord(a.data, b.data) &&
    sameRecord(a.metadata.labels, b.metadata.labels) &&
    sameRecord(a.metadata.annotations, b.metadata.annotations) &&
    JSON.stringify(a.metadata.ownerReferences ?? []) === JSON.stringify(b.metadata.ownerReferences ?? []) &&
    Boolean(a.immutable) === Boolean(b.immutable)
  );
}

function managedKeysOf(secret: Secret | undefined): string[] {
  const raw = secret?.metadata.annotations?.[managedKeysAnnotation];
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/**
 * Whether the live Secret still holds what hush last wrote: it exists, carries the managed
 * label, and its data (Merge: the managed keys) matches the data-hash annotation. `Orphan`
 * and `None` targets are never repaired (ESO semantics).
 */
export function secretIsIntact(es: ExternalSecret, existing: Secret | undefined): boolean {
  const creation = es.spec.target?.creationPolicy ?? "Owner";
  if (creation === "None" || creation === "Orphan") return true;
  if (!existing) return creation !== "Owner";
  if (existing.metadata.labels?.[managedLabel] !== managedLabelValue) return false;
  const keys = creation === "Merge" ? managedKeysOf(existing) : undefined;
  return existing.metadata.annotations?.[dataHashAnnotation] === hashSecretData(existing.data, keys);
}

function describeError(err: unknown): { code: ErrorCode; message: string } {
  if (isHushError(err)) return { code: err.code, message: err.message };
  return { code: "HUSH_ERR_CONTROLLER_INTERNAL", message: "unexpected error" };
}

function failed(err: unknown, context: string): Plan {
  const { code, message } = describeError(err);
  const terminal = terminalCodes.has(code);
  const text = `${context}: ${message} [${code}]`;
  return {
    action: { type: "none" },
    ready: { status: "False", reason: "SecretSyncedError", message: text },
    events: [{ type: "Warning", reason: "UpdateFailed", message: text }],
    outcome: terminal ? "terminal" : "retry",
    errorCode: code,
  };
}

/**
 * The pure heart of the controller: given the ExternalSecret, what the providers returned
 * and the live target Secret, decide the write, the `Ready` condition and the events.
 * A fetch error never produces a write: the existing Secret is kept as it is.
 */
export function planSecret(es: ExternalSecret, fetched: FetchResult, existing: Secret | undefined): Plan {
  try {
    validateExternalSecret(es);
  } catch (err) {
    return failed(err, "invalid spec");
  }
  if (!fetched.ok) return failed(fetched.error, "could not get secret data from provider");

  const target = es.spec.target ?? {};
  const creation = target.creationPolicy ?? "Owner";
  const deletion = target.deletionPolicy ?? "Retain";
  const name = targetName(es);
  const events: PlannedEvent[] = fetched.missing.map((where) => ({
    type: "Normal" as const,
    reason: "MissingProviderSecret",
    message: `secret does not exist at provider using ${where}`,
  }));
  const allGone = Object.keys(fetched.data).length === 0;

  if (allGone && fetched.missing.length > 0 && deletion === "Delete") {
    const ours = existing?.metadata.ownerReferences?.some((r) => r.controller && r.uid === es.metadata.uid) ?? false;
    if (existing && ours) {
      return {
        action: { type: "delete", name },
        ready: { status: "True", reason: "SecretDeleted", message: "secret deleted due to DeletionPolicy=Delete" },
        events: [...events, { type: "Normal", reason: "Deleted", message: "secret deleted due to DeletionPolicy=Delete" }],
        outcome: "synced",
      };
    }
    return { action: { type: "none" }, ready: { status: "True", reason: "SecretDeleted", message: "secret deleted due to DeletionPolicy=Delete" }, events, outcome: "synced" };
  }
  if (allGone && existing && deletion === "Retain" && creation !== "Merge") {
    return { action: { type: "none" }, ready: { status: "True", reason: "SecretSynced", message: "secret retained due to DeletionPolicy=Retain" }, events, outcome: "synced" };
  }

  let rendered: ReturnType<typeof renderSecretData>;
  try {
    rendered = renderSecretData(es, fetched.data);
  } catch (err) {
    return failed(err, "could not render secret");
  }

  if (creation === "None") {
    return { action: { type: "none" }, ready: { status: "True", reason: "SecretSynced", message: "secret synced (creationPolicy=None)" }, events, outcome: "synced" };
  }
  if (creation === "Merge" && !existing) {
    return { action: { type: "none" }, ready: { status: "False", reason: "SecretMissing", message: "target secret does not exist (creationPolicy=Merge)" }, events, outcome: "waiting" };
  }

  const otherController = existing?.metadata.ownerReferences?.find((r) => r.controller && r.uid !== es.metadata.uid);
  if (creation === "Owner" && otherController) {
    return failed(new HushError("HUSH_ERR_CONTROLLER_TARGET_CONFLICT", `secret ${name} is controlled by ${otherController.kind} ${otherController.name}`), "could not update secret");
  }
  const foreignOwner = existing?.metadata.annotations?.[ownerAnnotation];
  if (foreignOwner !== undefined && foreignOwner !== es.metadata.name && creation !== "Merge") {
    return failed(new HushError("HUSH_ERR_CONTROLLER_TARGET_CONFLICT", `secret ${name} is managed by ExternalSecret ${foreignOwner}`), "could not update secret");
  }

  let data: Record<string, string>;
  let managedKeys: string[] | undefined;
  if (creation === "Merge") {
    data = { ...(existing?.data ?? {}) };
    for (const k of managedKeysOf(existing)) delete data[k];
    Object.assign(data, rendered.data);
    managedKeys = Object.keys(rendered.data).sort();
  } else {
    data = rendered.data;
  }

  const labels = { ...(existing?.metadata.labels ?? {}), ...rendered.labels, [managedLabel]: managedLabelValue };
  const annotations: Record<string, string> = {
    ...(existing?.metadata.annotations ?? {}),
    ...rendered.annotations,
    [ownerAnnotation]: es.metadata.name ?? "",
    [dataHashAnnotation]: hashSecretData(data, managedKeys),
  };
  if (managedKeys) annotations[managedKeysAnnotation] = JSON.stringify(managedKeys);
  let ownerReferences = (existing?.metadata.ownerReferences ?? []).filter((r) => r.uid !== es.metadata.uid);
  if (creation === "Owner") ownerReferences = [...ownerReferences, ownerRef(es)];

  const desired: Secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      namespace: es.metadata.namespace ?? "",
      labels,
      annotations,
      ...(ownerReferences.length > 0 ? { ownerReferences } : {}),
      ...(existing?.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    type: rendered.type ?? existing?.type ?? "Opaque",
    data,
    ...(target.immutable || existing?.immutable ? { immutable: true } : {}),
  };

  const synced = { status: "True" as const, reason: "SecretSynced" as const, message: "secret synced" };
  if (!existing) {
    return { action: { type: "create", secret: desired }, ready: synced, events: [...events, { type: "Normal", reason: "Created", message: "secret created" }], outcome: "synced" };
  }
  if (sameSecret(desired, existing)) return { action: { type: "none" }, ready: synced, events, outcome: "synced" };
  if (existing.immutable) {
    return failed(new HushError("HUSH_ERR_CONTROLLER_TARGET_IMMUTABLE", `secret ${name} is immutable and its data changed`), "could not update secret");
  }
  return { action: { type: "update", secret: desired }, ready: synced, events: [...events, { type: "Normal", reason: "Updated", message: "secret updated" }], outcome: "synced" };
}
