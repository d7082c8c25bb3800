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
  readonly dryRun: boolean;
}

/** The fields of a Secret or ConfigMap the policy reads. */
export interface KubeObject {
  readonly metadata: {
    readonly name?: string;
    readonly generateName?: string;
    readonly namespace?: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
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
  if (judged && writes && subResource === undefined) {
    if (!isRecord(req["object"])) bad("request.object", "must be an object for CREATE and UPDATE");
    object = parseObject(req["object"]);
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
      dryRun,
    },
  };
}

function parseObject(obj: Record<string, unknown>): KubeObject {
  const meta = obj["metadata"] ?? {};
  if (!isRecord(meta)) bad("request.object.metadata", "must be an object");
  const type = obj["type"];
  if (type !== undefined && type !== null && typeof type !== "string") bad("request.object.type", "must be a string");
  return {
    metadata: {
      ...(typeof meta["name"] === "string" ? { name: meta["name"] } : {}),
      ...(typeof meta["generateName"] === "string" ? { generateName: meta["generateName"] } : {}),
      ...(typeof meta["namespace"] === "string" ? { namespace: meta["namespace"] } : {}),
      labels: stringMap(meta["labels"], "request.object.metadata.labels"),
      annotations: stringMap(meta["annotations"], "request.object.metadata.annotations"),
    },
    ...(typeof type === "string" ? { type } : {}),
    data: stringMap(obj["data"], "request.object.data"),
    stringData: stringMap(obj["stringData"], "request.object.stringData"),
    binaryData: stringMap(obj["binaryData"], "request.object.binaryData"),
    hasSopsMetadata: obj["sops"] !== undefined && obj["sops"] !== null,
  };
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
