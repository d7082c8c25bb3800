import { HushError } from "@hush/errors";

/** The operation an admission request is for. */
export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

/** The parts of `admission.k8s.io/v1` `AdmissionRequest` the webhook reads, checked. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string };
  readonly subResource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly operation: Operation;
  readonly userInfo: { readonly username: string; readonly groups: readonly string[] };
  /** The object being written, for CREATE and UPDATE; checked only as far as the policy reads it. */
  readonly object?: KubeObject;
  /** The object before an UPDATE. */
  readonly oldObject?: KubeObject;
  /** `options.fieldManager` of the create/update/apply call, when the client named one. */
  readonly fieldManager?: string;
  readonly dryRun: boolean;
}

/** One `metadata.managedFields` entry, reduced to who owns which value keys. */
export interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: string;
  /** Keys of `data`, `stringData` and `binaryData` this manager owns, as `data.<key>` etc. */
  readonly valueKeys: readonly string[];
}

/** One `metadata.ownerReferences` entry. */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly controller: boolean;
}

/** The fields of a Secret or ConfigMap the policy reads. */
export interface KubeObject {
  readonly metadata: {
    readonly name?: string;
    readonly generateName?: string;
    readonly namespace?: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
    readonly managedFields: readonly ManagedFieldsEntry[];
    readonly ownerReferences: readonly OwnerReference[];
  };
  readonly type?: string;
  readonly data: Readonly<Record<string, string>>;
  readonly stringData: Readonly<Record<string, string>>;
  readonly binaryData: Readonly<Record<string, string>>;
  /** True when the object carries a top-level `sops` field (a SOPS file applied as is). */
  readonly hasSopsMetadata: boolean;
}

/** An `admission.k8s.io/v1` AdmissionReview request. */
export interface AdmissionReview {
  readonly apiVersion: "admission.k8s.io/v1";
  readonly kind: "AdmissionReview";
  readonly request: AdmissionRequest;
}

const operations = new Set(["CREATE", "UPDATE", "DELETE", "CONNECT"]);
const judgedKinds = new Set(["Secret", "ConfigMap"]);

/**
 * Checks an untrusted, already JSON-parsed body and returns the typed review. Anything the
 * policy would read must have the right type; other fields are ignored. Objects of kinds the
 * webhook does not judge are not inspected.
 *
 * @throws HushError `HUSH_ERR_WEBHOOK_BAD_REVIEW` naming the field (never its value).
 */
export function parseAdmissionReview(body: unknown): AdmissionReview {
  if (!isRecord(body)) bad("the body", "must be a JSON object");
  if (body["apiVersion"] !== "admission.k8s.io/v1") bad("apiVersion", "must be admission.k8s.io/v1");
  if (body["kind"] !== "AdmissionReview") bad("kind", "must be AdmissionReview");
  const req = body["request"];
  if (!isRecord(req)) bad("request", "must be an object");

  const uid = req["uid"];
  if (typeof uid !== "string" || uid === "" || uid.length > 128) bad("request.uid", "must be a non-empty string of at most 128 characters");
  const kind = req["kind"];
  if (!isRecord(kind) || typeof kind["group"] !== "string" || typeof kind["version"] !== "string" || typeof kind["kind"] !== "string") {
    bad("request.kind", "must have string group, version and kind");
  }
  const operation = req["operation"];
  if (typeof operation !== "string" || !operations.has(operation)) bad("request.operation", "must be CREATE, UPDATE, DELETE or CONNECT");
  const user = req["userInfo"];
  if (!isRecord(user) || typeof user["username"] !== "string") bad("request.userInfo.username", "must be a string");
  const groups = user["groups"] ?? [];
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === "string")) bad("request.userInfo.groups", "must be a list of strings");
  const dryRun = req["dryRun"] ?? false;
  if (typeof dryRun !== "boolean") bad("request.dryRun", "must be a boolean");
  const namespace = optionalString(req, "namespace", "request.namespace");
  const name = optionalString(req, "name", "request.name");
  const subResource = optionalString(req, "subResource", "request.subResource");

  const judged = kind["group"] === "" && kind["version"] === "v1" && judgedKinds.has(kind["kind"] as string);
  const writes = operation === "CREATE" || operation === "UPDATE";
  let object: KubeObject | undefined;
  let oldObject: KubeObject | undefined;
  let fieldManager: string | undefined;
  if (judged && writes && subResource === undefined) {
    if (!isRecord(req["object"])) bad("request.object", "must be an object for CREATE and UPDATE");
    object = parseObject(req["object"], "request.object");
    if (operation === "UPDATE" && isRecord(req["oldObject"])) oldObject = parseObject(req["oldObject"], "request.oldObject");
    const options = req["options"];
    if (isRecord(options)) fieldManager = optionalString(options, "fieldManager", "request.options.fieldManager");
  }

  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: { group: kind["group"] as string, version: kind["version"] as string, kind: kind["kind"] as string },
      ...(subResource !== undefined ? { subResource } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      operation: operation as Operation,
      userInfo: { username: user["username"] as string, groups: groups as string[] },
      ...(object ? { object } : {}),
      ...(oldObject ? { oldObject } : {}),
      ...(fieldManager !== undefined ? { fieldManager } : {}),
      dryRun,
    },
  };
}

function parseObject(obj: Record<string, unknown>, at: string): KubeObject {
  const meta = obj["metadata"] ?? {};
  if (!isRecord(meta)) bad(`${at}.metadata`, "must be an object");
  const type = obj["type"];
  if (type !== undefined && type !== null && typeof type !== "string") bad(`${at}.type`, "must be a string");
  return {
    metadata: {
      ...(typeof meta["name"] === "string" ? { name: meta["name"] } : {}),
      ...(typeof meta["generateName"] === "string" ? { generateName: meta["generateName"] } : {}),
      ...(typeof meta["namespace"] === "string" ? { namespace: meta["namespace"] } : {}),
      labels: stringMap(meta["labels"], `${at}.metadata.labels`),
      annotations: stringMap(meta["annotations"], `${at}.metadata.annotations`),
      managedFields: managedFields(meta["managedFields"], `${at}.metadata.managedFields`),
      ownerReferences: ownerReferences(meta["ownerReferences"], `${at}.metadata.ownerReferences`),
    },
    ...(typeof type === "string" ? { type } : {}),
    data: stringMap(obj["data"], `${at}.data`),
    stringData: stringMap(obj["stringData"], `${at}.stringData`),
    binaryData: stringMap(obj["binaryData"], `${at}.binaryData`),
    hasSopsMetadata: obj["sops"] !== undefined && obj["sops"] !== null,
  };
}

// The API server keeps one entry per manager and operation; anything longer is not from it.
const maxManagedFields = 256;

function managedFields(value: unknown, field: string): readonly ManagedFieldsEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > maxManagedFields) bad(field, `must be a list of at most ${maxManagedFields} entries`);
  return value.map((entry) => {
    if (!isRecord(entry)) bad(field, "must be a list of objects");
    const manager = typeof entry["manager"] === "string" ? entry["manager"] : "";
    const operation = typeof entry["operation"] === "string" ? entry["operation"] : "";
    const fields = entry["fieldsV1"];
    const valueKeys: string[] = [];
    if (isRecord(fields)) {
      // fieldsV1 is a trie: {"f:data": {"f:password": {}}} says this manager owns data.password.
      for (const top of ["data", "stringData", "binaryData"]) {
        const owned = fields[`f:${top}`];
        if (!isRecord(owned)) continue;
        for (const k of Object.keys(owned)) if (k.startsWith("f:")) valueKeys.push(`${top}.${k.slice(2)}`);
      }
    }
    return { manager, operation, valueKeys };
  });
}

function ownerReferences(value: unknown, field: string): readonly OwnerReference[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > maxManagedFields) bad(field, `must be a list of at most ${maxManagedFields} entries`);
  return value.map((ref) => {
    if (!isRecord(ref)) bad(field, "must be a list of objects");
    const str = (k: string) => (typeof ref[k] === "string" ? (ref[k] as string) : "");
    return { apiVersion: str("apiVersion"), kind: str("kind"), name: str("name"), controller: ref["controller"] === true };
  });
}

function stringMap(value: unknown, field: string): Readonly<Record<string, string>> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) bad(field, "must be a map of strings");
  // A null-prototype copy: keys such as __proto__ stay plain data.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") bad(field, "must be a map of strings");
    out[k] = v;
  }
  return out;
}

function optionalString(obj: Record<string, unknown>, key: string, field: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") bad(field, "must be a string");
  return v;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function bad(field: string, problem: string): never {
  throw new HushError("HUSH_ERR_WEBHOOK_BAD_REVIEW", `admission review ${field} ${problem}`);
}
