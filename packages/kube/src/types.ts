/**
 * Plain TypeScript models of the Kubernetes objects hush reads and writes. They mirror the
 * wire JSON (`external-secrets.io/v1` field names under group `hush.dev`), with every field
 * optional where the API server may omit it.
 */

/** `metadata` of any object, the fields hush uses. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** An ownerReference entry. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** core/v1 Secret; `data` values are base64 on the wire. */
export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  immutable?: boolean;
}

/** A `metav1.Condition`. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** `secretStoreRef` / `sourceRef.storeRef`. */
export interface StoreRef {
  name: string;
  kind?: "SecretStore" | "ClusterSecretStore";
}

/** `data[].remoteRef` and `dataFrom[].extract`. */
export interface ExternalSecretRemoteRef {
  key: string;
  property?: string;
  version?: string;
  decodingStrategy?: "None" | "Base64" | "Base64URL" | "Auto";
  conversionStrategy?: "Default" | "Unicode";
  metadataPolicy?: "None" | "Fetch";
  nullBytePolicy?: "Ignore" | "Fail";
}

/** `data[]`. */
export interface ExternalSecretData {
  secretKey: string;
  remoteRef: ExternalSecretRemoteRef;
  sourceRef?: { storeRef?: StoreRef };
}

/** `dataFrom[].find`. */
export interface ExternalSecretFind {
  path?: string;
  name?: { regexp: string };
  tags?: Record<string, string>;
  conversionStrategy?: "Default" | "Unicode";
  decodingStrategy?: "None" | "Base64" | "Base64URL" | "Auto";
  nullBytePolicy?: "Ignore" | "Fail";
}

/** `dataFrom[].rewrite[].merge` (ESO's ExternalSecretRewriteMerge); the API server fills the defaults. */
export interface ExternalSecretRewriteMerge {
  into?: string;
  priority?: string[];
  priorityPolicy?: "IgnoreNotFound" | "Strict";
  conflictPolicy?: "Ignore" | "Error";
  strategy?: "Extract" | "JSON";
}

/** `dataFrom[].rewrite[]` (exactly one member set). */
export interface ExternalSecretRewrite {
  regexp?: { source: string; target: string };
  transform?: { template: string };
  merge?: ExternalSecretRewriteMerge;
}

/** `dataFrom[].sourceRef.generatorRef`: a generator object in the ExternalSecret's own namespace. */
export interface ExternalSecretGeneratorRef {
  /** `generators.hush.dev/v1alpha1` (or `generators.external-secrets.io/v1alpha1` under ESO's group); the flavour's when omitted. */
  apiVersion?: string;
  kind: string;
  name: string;
}

/** `dataFrom[]`. */
export interface ExternalSecretDataFrom {
  extract?: ExternalSecretRemoteRef;
  find?: ExternalSecretFind;
  rewrite?: ExternalSecretRewrite[];
  sourceRef?: { storeRef?: StoreRef; generatorRef?: ExternalSecretGeneratorRef };
}

/** One key of a `templateFrom` ConfigMap or Secret, and how its text is used. */
export interface TemplateRefItem {
  key: string;
  /** `Values` (default): the key names the output, its text is the template; `KeysAndValues`: the template renders YAML `key: value` pairs. */
  templateAs?: "Values" | "KeysAndValues";
}

/** A ConfigMap or Secret in the ExternalSecret's own namespace holding templates. */
export interface TemplateRef {
  name: string;
  items: TemplateRefItem[];
}

/** `target.template.templateFrom[]`: exactly one of `configMap`, `secret`, `literal`. */
export interface TemplateFrom {
  configMap?: TemplateRef;
  secret?: TemplateRef;
  /** A template rendering YAML `key: value` pairs (as `KeysAndValues`). */
  literal?: string;
  /** Where rendered entries go (default `Data`). */
  target?: "Data" | "Annotations" | "Labels";
}

/** `target.template`. */
export interface ExternalSecretTemplate {
  type?: string;
  engineVersion?: "v2";
  mergePolicy?: "Replace" | "Merge";
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] };
  data?: Record<string, string>;
  templateFrom?: TemplateFrom[];
}

/** `target`. */
export interface ExternalSecretTarget {
  name?: string;
  creationPolicy?: "Owner" | "Orphan" | "Merge" | "None" | "CreateOrMerge";
  deletionPolicy?: "Retain" | "Delete" | "Merge";
  template?: ExternalSecretTemplate;
  immutable?: boolean;
}

/** ExternalSecret `spec`. */
export interface ExternalSecretSpec {
  secretStoreRef?: StoreRef;
  refreshInterval?: string;
  refreshPolicy?: "Periodic" | "OnChange" | "CreatedOnce";
  target?: ExternalSecretTarget;
  data?: ExternalSecretData[];
  dataFrom?: ExternalSecretDataFrom[];
}

/** ExternalSecret `status`. */
export interface ExternalSecretStatus {
  conditions?: Condition[];
  refreshTime?: string;
  syncedResourceVersion?: string;
  binding?: { name: string };
}

/** `hush.dev/v1` ExternalSecret. */
export interface ExternalSecret extends KubeObject {
  spec: ExternalSecretSpec;
  status?: ExternalSecretStatus;
}

/** A label selector (`matchLabels` + `matchExpressions`). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

/** ClusterSecretStore `spec.conditions[]`: which namespaces may use the store. */
export interface ClusterSecretStoreCondition {
  namespaceSelector?: LabelSelector;
  namespaces?: string[];
  namespaceRegexes?: string[];
}

/** SecretStore / ClusterSecretStore `spec`. */
export interface SecretStoreSpec {
  controller?: string;
  provider: Record<string, unknown>;
  retrySettings?: { maxRetries?: number; retryInterval?: string };
  refreshInterval?: number | string;
  conditions?: ClusterSecretStoreCondition[];
}

/** SecretStore / ClusterSecretStore `status`. */
export interface SecretStoreStatus {
  conditions?: Condition[];
  capabilities?: "ReadOnly" | "WriteOnly" | "ReadWrite";
}

/** `hush.dev/v1` SecretStore (namespaced) or ClusterSecretStore (cluster-scoped). */
export interface SecretStore extends KubeObject {
  spec: SecretStoreSpec;
  status?: SecretStoreStatus;
}

/** `Password` generator `spec` (ESO `generators.external-secrets.io/v1alpha1` PasswordSpec). */
export interface PasswordGeneratorSpec {
  length?: number;
  digits?: number;
  symbols?: number;
  symbolCharacters?: string;
  noUpper?: boolean;
  allowRepeat?: boolean;
}

/** A `Password` generator object. */
export interface PasswordGenerator extends KubeObject {
  spec?: PasswordGeneratorSpec;
}

/** PushSecret `spec.secretStoreRefs[]`: a store by name, or every store of `kind` matching `labelSelector`. */
export interface PushSecretStoreRef {
  name?: string;
  kind?: "SecretStore" | "ClusterSecretStore";
  labelSelector?: LabelSelector;
}

/** PushSecret `spec.data[].match.remoteRef`: where one value goes. */
export interface PushSecretRemoteRef {
  remoteKey: string;
  /** A key of a JSON object (the value is merged into the remote object under it). */
  property?: string;
}

/** PushSecret `spec.data[]`. */
export interface PushSecretData {
  match: {
    /** Key of the source Secret; unset or empty pushes the whole Secret as one JSON object. */
    secretKey?: string;
    remoteRef: PushSecretRemoteRef;
  };
  /** Provider-specific settings (ESO's `PushSecretMetadata`, e.g. AWS tags, description, secretPushFormat). */
  metadata?: unknown;
  /** `ReverseUnicode` turns `_Uxxxx_` in source keys back into the character. */
  conversionStrategy?: "None" | "ReverseUnicode";
}

/** PushSecret `spec` (ESO `external-secrets.io/v1alpha1`). */
export interface PushSecretSpec {
  secretStoreRefs: PushSecretStoreRef[];
  /** Exactly one: a Secret of the PushSecret's namespace, or a generator there (a new value at each push). */
  selector: { secret?: { name?: string; selector?: LabelSelector }; generatorRef?: ExternalSecretGeneratorRef };
  data?: PushSecretData[];
  deletionPolicy?: "None" | "Delete";
  refreshInterval?: string;
  updatePolicy?: "Replace" | "IfNotExists";
  template?: ExternalSecretTemplate;
}

/** PushSecret `status`: `syncedPushSecrets` maps `Kind/store` to `remoteKey[/property]` to the data entry pushed. */
export interface PushSecretStatus {
  conditions?: Condition[];
  refreshTime?: string;
  syncedResourceVersion?: string;
  syncedPushSecrets?: Record<string, Record<string, PushSecretData>>;
}

/** A PushSecret: writes keys of a Secret of its namespace to provider secrets. */
export interface PushSecret extends KubeObject {
  spec: PushSecretSpec;
  status?: PushSecretStatus;
}
