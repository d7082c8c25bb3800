import { HushError } from "@hush/errors";
import { parseAllDocuments, stringify } from "yaml";

/** Kubernetes object metadata as carried in manifests (only the fields Sealed Secrets reads are typed). */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A core/v1 Secret manifest. `data` values are base64, `stringData` values are text. */
export interface SecretManifest {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  immutable?: boolean;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
  [field: string]: unknown;
}

/** `spec.template` of a SealedSecret: the Secret's metadata and type, and optional templated data. */
export interface SecretTemplate {
  metadata: ObjectMeta;
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
}

/** A `bitnami.com/v1alpha1` SealedSecret. `encryptedData` values are base64 of the hybrid ciphertext. */
export interface SealedSecret {
  apiVersion: string;
  kind: "SealedSecret";
  metadata: ObjectMeta;
  spec: {
    template: SecretTemplate;
    encryptedData: Record<string, string>;
    /** The long-deprecated single-blob format (hush neither writes nor reads it). */
    data?: string;
  };
  status?: unknown;
}

/** The SealedSecret API group/version. */
export const sealedSecretApiVersion = "bitnami.com/v1alpha1";
/** Annotation kubeseal and the controller read for the namespace-wide scope. */
export const namespaceWideAnnotation = "sealedsecrets.bitnami.com/namespace-wide";
/** Annotation kubeseal and the controller read for the cluster-wide scope. */
export const clusterWideAnnotation = "sealedsecrets.bitnami.com/cluster-wide";

/** Output formats, as kubeseal's `-o`. */
export type OutputFormat = "yaml" | "json";

/** True for a plain (non-array, non-null) object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Most documents hush reads in one input; bounds the cost of hostile multi-document files. */
const maxDocuments = 1000;

/**
 * Parses YAML or JSON (one or many `---`-separated documents) into plain values, skipping
 * empty documents. Aliases are bounded by the YAML library's defaults.
 * @throws `HUSH_ERR_SEALED_INVALID_INPUT` on a syntax error (without echoing the input).
 */
export function parseDocuments(input: Uint8Array): unknown[] {
  const text = Buffer.from(input).toString("utf8");
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > maxDocuments) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `the input has more than ${maxDocuments} documents`);
  const out: unknown[] = [];
  for (const [i, doc] of list.entries()) {
    const err = doc.errors[0];
    if (err) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `document ${i + 1} is not valid YAML or JSON (${err.code} at line ${err.linePos?.[0].line ?? "?"})`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function stringMap(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string") throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where}.${k} must be a string`);
    out[k] = val;
  }
  return out;
}

function metaOf(v: unknown, where: string): ObjectMeta {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} must be a map`);
  const meta: ObjectMeta = { ...v };
  for (const f of ["name", "namespace"] as const) {
    if (meta[f] !== undefined && typeof meta[f] !== "string") throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where}.${f} must be a string`);
  }
  const labels = stringMap(v["labels"], `${where}.labels`);
  const annotations = stringMap(v["annotations"], `${where}.annotations`);
  if (labels) meta.labels = labels;
  else delete meta.labels;
  if (annotations) meta.annotations = annotations;
  else delete meta.annotations;
  return meta;
}

/**
 * Reads a document as a core/v1 Secret (`kind` may be omitted, as kubeseal allows).
 * @throws `HUSH_ERR_SEALED_INVALID_INPUT` naming the offending field.
 */
export function toSecret(doc: unknown, index = 0): SecretManifest {
  const where = `document ${index + 1}`;
  if (!isRecord(doc)) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} is not an object`);
  if (doc["kind"] === "SealedSecret") throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} is already a SealedSecret`, { hint: "use `hush unseal` to open it, or `hush seal --re-encrypt` to re-seal it" });
  if (doc["kind"] !== undefined && doc["kind"] !== "Secret") throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} is a ${String(doc["kind"])}, not a Secret`);
  const secret: SecretManifest = { ...doc, metadata: metaOf(doc["metadata"], `${where} metadata`) };
  const data = stringMap(doc["data"], `${where} data`);
  const stringData = stringMap(doc["stringData"], `${where} stringData`);
  if (data) {
    for (const [k, v] of Object.entries(data)) {
      if (!isBase64(v)) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} data.${k} is not valid base64`);
    }
    secret.data = data;
  } else delete secret.data;
  if (stringData) secret.stringData = stringData;
  else delete secret.stringData;
  if (doc["type"] !== undefined && typeof doc["type"] !== "string") throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} type must be a string`);
  if (doc["immutable"] !== undefined && typeof doc["immutable"] !== "boolean") throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} immutable must be a boolean`);
  return secret;
}

/**
 * Reads a document as a SealedSecret.
 * @throws `HUSH_ERR_SEALED_INVALID_INPUT` naming the offending field.
 */
export function toSealedSecret(doc: unknown, index = 0): SealedSecret {
  const where = `document ${index + 1}`;
  if (!isRecord(doc)) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} is not an object`);
  if (doc["kind"] !== "SealedSecret") throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} is ${doc["kind"] === undefined ? "not a SealedSecret (no kind)" : `a ${String(doc["kind"])}, not a SealedSecret`}`);
  const spec = doc["spec"];
  if (!isRecord(spec)) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} has no spec`);
  const tpl = spec["template"] === undefined || spec["template"] === null ? {} : spec["template"];
  if (!isRecord(tpl)) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} spec.template must be a map`);
  const template: SecretTemplate = { ...tpl, metadata: metaOf(tpl["metadata"], `${where} spec.template.metadata`) };
  const tplData = stringMap(tpl["data"], `${where} spec.template.data`);
  if (tplData) template.data = tplData;
  else delete template.data;
  if (tpl["type"] !== undefined && typeof tpl["type"] !== "string") throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} spec.template.type must be a string`);
  const encryptedData = stringMap(spec["encryptedData"], `${where} spec.encryptedData`) ?? {};
  const out: SealedSecret = {
    apiVersion: typeof doc["apiVersion"] === "string" ? doc["apiVersion"] : sealedSecretApiVersion,
    kind: "SealedSecret",
    metadata: metaOf(doc["metadata"], `${where} metadata`),
    spec: { template, encryptedData },
  };
  if (typeof spec["data"] === "string" && spec["data"] !== "") out.spec.data = spec["data"];
  return out;
}

/** Strict standard base64 (padding required), checked without a regex. */
export function isBase64(v: string): boolean {
  if (v.length % 4 !== 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || (c === 61 && i >= v.length - 2 && (i === v.length - 1 || v.charCodeAt(i + 1) === 61));
    if (!ok) return false;
  }
  return true;
}

// Kubernetes' JSON field order for ObjectMeta, so JSON output reads like kubectl's and kubeseal's.
const metaOrder = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields"];

function orderedMeta(meta: ObjectMeta, nullTimestamp: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // kubeseal's SealedSecrets carry `creationTimestamp: null`; a Secret headed for Git or SOPS need not.
  const withTs: Record<string, unknown> = nullTimestamp ? { creationTimestamp: null, ...meta } : { ...meta };
  for (const k of metaOrder) if (Object.hasOwn(withTs, k)) out[k] = withTs[k];
  for (const [k, v] of Object.entries(withTs)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

function sortedMap(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The SealedSecret in Kubernetes' field order (as kubeseal's JSON output). */
function sealedJsonShape(ss: SealedSecret): Record<string, unknown> {
  const template: Record<string, unknown> = { metadata: orderedMeta(ss.spec.template.metadata, true) };
  if (ss.spec.template.type) template["type"] = ss.spec.template.type;
  if (ss.spec.template.immutable !== undefined) template["immutable"] = ss.spec.template.immutable;
  if (ss.spec.template.data && Object.keys(ss.spec.template.data).length > 0) template["data"] = sortedMap(ss.spec.template.data);
  for (const [k, v] of Object.entries(ss.spec.template)) if (!Object.hasOwn(template, k) && k !== "data") template[k] = v;
  return {
    kind: "SealedSecret",
    apiVersion: ss.apiVersion,
    metadata: orderedMeta(ss.metadata, true),
    spec: { template, encryptedData: sortedMap(ss.spec.encryptedData) },
  };
}

/** The Secret in Kubernetes' field order. */
function secretJsonShape(s: SecretManifest): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: "Secret", apiVersion: "v1", metadata: orderedMeta(s.metadata, false) };
  if (s.immutable !== undefined) out["immutable"] = s.immutable;
  if (s.data) out["data"] = sortedMap(s.data);
  if (s.stringData) out["stringData"] = sortedMap(s.stringData);
  if (s.type) out["type"] = s.type;
  return out;
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep(v[k])]));
  return v;
}

function render(shape: Record<string, unknown>, format: OutputFormat): string {
  // kubeseal: JSON is 2-space pretty printed then a newline; YAML is `---` then keys sorted (sigs.k8s.io/yaml).
  if (format === "json") return `${JSON.stringify(shape, null, 2)}\n`;
  return `---\n${stringify(sortDeep(shape), { lineWidth: 0, minContentWidth: 0, defaultStringType: "PLAIN", defaultKeyType: "PLAIN" })}`;
}

/** Renders SealedSecrets as kubeseal prints them (`-o json`: pretty JSON; `-o yaml`: `---` documents, sorted keys). */
export function renderSealedSecrets(list: readonly SealedSecret[], format: OutputFormat): Uint8Array {
  return new Uint8Array(Buffer.from(list.map((ss) => render(sealedJsonShape(ss), format)).join("")));
}

/** Renders Secrets (e.g. unsealed ones) in the same style. */
export function renderSecrets(list: readonly SecretManifest[], format: OutputFormat): Uint8Array {
  return new Uint8Array(Buffer.from(list.map((s) => render(secretJsonShape(s), format)).join("")));
}

/** Guesses the format of existing bytes: JSON when the first non-blank character is `{`. */
export function detectFormat(input: Uint8Array): OutputFormat {
  for (const b of input) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b ? "json" : "yaml";
  }
  return "yaml";
}
