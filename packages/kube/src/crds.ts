import { stringify } from "yaml";
import { generatorApiVersionOf, generatorVersion, hushFlavour, type ApiFlavour } from "./constants.js";

/** An OpenAPI v3 schema node as CRDs accept it. */
export type Schema = Record<string, unknown>;

const str = (description?: string, extra: Schema = {}): Schema => ({ type: "string", ...(description ? { description } : {}), ...extra });
const enumStr = (values: readonly string[], description?: string, def?: string): Schema =>
  str(description, { enum: [...values], ...(def !== undefined ? { default: def } : {}) });
const bool = (description?: string): Schema => ({ type: "boolean", ...(description ? { description } : {}) });
const int = (description?: string): Schema => ({ type: "integer", ...(description ? { description } : {}) });
const strMap = (description?: string): Schema => ({ type: "object", additionalProperties: { type: "string" }, ...(description ? { description } : {}) });
const arr = (items: Schema, description?: string): Schema => ({ type: "array", items, ...(description ? { description } : {}) });
const obj = (properties: Record<string, Schema>, required: readonly string[] = [], extra: Schema = {}): Schema => ({
  type: "object",
  properties,
  ...(required.length > 0 ? { required: [...required] } : {}),
  ...extra,
});
const open = (properties: Record<string, Schema>, required: readonly string[] = []): Schema =>
  obj(properties, required, { "x-kubernetes-preserve-unknown-fields": true });

/**
 * Declares fields ESO defines and hush does not implement yet, and refuses them with a CEL
 * rule naming the field. Undeclared, the API server would prune them (only a warning, and
 * only when the client asks for one), and the ExternalSecret would sync as if they were not
 * there, e.g. raw keys instead of a `templateFrom` template. Declaring them keeps them long
 * enough for the rule to see them. Remove an entry here when the field is implemented.
 */
const refuse = (schema: Schema, fields: Record<string, Schema>, path: string): Schema => {
  const props = { ...(schema["properties"] as Record<string, Schema>) };
  const rules = [...((schema["x-kubernetes-validations"] as Schema[] | undefined) ?? [])];
  for (const [name, s] of Object.entries(fields)) {
    props[name] = s;
    rules.push({ rule: `!has(self.${name})`, message: `${path}.${name} is not supported by hush yet` });
  }
  return { ...schema, properties: props, "x-kubernetes-validations": rules };
};
const anyObject: Schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

const dnsName = str("DNS-1123 name", { maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" });
const durationPattern = "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$";
const duration = (description: string, def?: string): Schema =>
  str(description, { pattern: durationPattern, ...(def !== undefined ? { default: def } : {}) });

const storeRef = obj(
  {
    name: { ...dnsName, description: "Name of the SecretStore or ClusterSecretStore." },
    kind: enumStr(["SecretStore", "ClusterSecretStore"], "Kind of the store.", "SecretStore"),
  },
  ["name"],
);
const sourceRef = refuse(obj({ storeRef }), { generatorRef: anyObject }, "sourceRef");
/**
 * Stands for the flavour's generator apiVersion (`generators.hush.dev/v1alpha1` or ESO's
 * `generators.external-secrets.io/v1alpha1`) in the shared ExternalSecret schema; {@link crd}
 * substitutes it, so one schema serves both groups.
 */
const generatorApiVersionPlaceholder = "@@GENERATOR_API_VERSION@@";
/** ESO v0.16's generator kinds (its CRD enum); the ones hush does not implement are refused by a rule naming them. */
const esoGeneratorKinds = ["ACRAccessToken", "ClusterGenerator", "ECRAuthorizationToken", "Fake", "GCRAccessToken", "GithubAccessToken", "QuayAccessToken", "Password", "STSSessionToken", "UUID", "VaultDynamicSecret", "Webhook", "Grafana"] as const;
const implementedGeneratorKinds = ["Password", "UUID", "VaultDynamicSecret", "Fake", "ECRAuthorizationToken", "STSSessionToken", "ClusterGenerator"] as const;
const generatorRef = obj(
  {
    apiVersion: str("apiVersion of the generator; only the flavour's generator group is read.", { default: generatorApiVersionPlaceholder }),
    kind: enumStr(esoGeneratorKinds, "Kind of the generator."),
    name: str("Name of the generator, in the ExternalSecret's own namespace (a ClusterGenerator is cluster-scoped).", { minLength: 1, maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" }),
  },
  ["kind", "name"],
  {
    "x-kubernetes-validations": [
      {
        rule: `self.kind in [${implementedGeneratorKinds.map((k) => `'${k}'`).join(", ")}]`,
        message: `spec.dataFrom[].sourceRef.generatorRef.kind: only ${implementedGeneratorKinds.slice(0, -1).join(", ")} and ${implementedGeneratorKinds.at(-1)} generators are supported by hush yet`,
      },
      { rule: `!has(self.apiVersion) || self.apiVersion == '${generatorApiVersionPlaceholder}'`, message: `spec.dataFrom[].sourceRef.generatorRef.apiVersion must be ${generatorApiVersionPlaceholder}` },
    ],
  },
);
/** `dataFrom[].sourceRef`: a store, or a generator (ESO: exactly one of them). */
const dataFromSourceRef = obj({ storeRef, generatorRef: { ...generatorRef, description: "A generator (Password, UUID, VaultDynamicSecret, Fake, ECRAuthorizationToken, STSSessionToken) in the ExternalSecret's namespace, or a ClusterGenerator; its output is regenerated on every refresh." } }, [], { maxProperties: 1, minProperties: 1 });
const decoding = enumStr(["None", "Base64", "Base64URL", "Auto"], "How to decode the fetched bytes.", "None");
const conversion = enumStr(["Default", "Unicode"], "How to turn remote names into Secret keys.", "Default");
const remoteRef = obj(
  {
    key: str("Remote secret id or path.", { minLength: 1 }),
    property: str("Top-level key or dotted path inside a JSON value."),
    version: str("Provider version selector."),
    decodingStrategy: decoding,
    conversionStrategy: conversion,
    metadataPolicy: enumStr(["None", "Fetch"], "Fetch reads provider metadata instead of the value.", "None"),
    nullBytePolicy: enumStr(["Ignore", "Fail"], "Fail rejects values containing NUL bytes.", "Ignore"),
  },
  ["key"],
);
/** `templateFrom[].configMap` / `.secret`: a ConfigMap or Secret in the ExternalSecret's namespace (ESO's TemplateRef). */
const templateRef = (kind: string): Schema =>
  obj(
    {
      name: { ...dnsName, minLength: 1, description: `Name of the ${kind} in the ExternalSecret's namespace.` },
      items: {
        ...arr(
          obj(
            {
              key: str(`A key of the ${kind}.`, { minLength: 1, maxLength: 253, pattern: "^[-._a-zA-Z0-9]+$" }),
              templateAs: enumStr(["Values", "KeysAndValues"], "Values: the key names the output and its text is the template; KeysAndValues: the template renders YAML key: value pairs.", "Values"),
            },
            ["key"],
          ),
          `Keys of the ${kind} to use as templates.`,
        ),
        maxItems: 256,
      },
    },
    ["name", "items"],
  );
const templateFrom: Schema = {
  ...arr(
    obj({
      configMap: templateRef("ConfigMap"),
      secret: templateRef("Secret"),
      target: enumStr(["Data", "Annotations", "Labels"], "Where the rendered entries go.", "Data"),
      literal: str("A template rendering YAML key: value pairs."),
    }),
    "Templates kept in ConfigMaps, Secrets or inline, rendered before template.data (which wins on a clash).",
  ),
  maxItems: 256,
};

const secretKeyRef = obj({ name: str(), key: str(), namespace: str() });

/** `target.template` of an ExternalSecret, and `template` of a PushSecret (ESO's one `ExternalSecretTemplate`). */
const secretTemplate: Schema = obj(
  {
    type: str("Secret type, e.g. kubernetes.io/tls. ServiceAccount and bootstrap token types are refused.", { maxLength: 253 }),
    engineVersion: enumStr(["v2"], "Template engine.", "v2"),
    mergePolicy: enumStr(["Replace", "Merge"], "Replace keeps only templated keys; Merge keeps fetched keys too.", "Replace"),
    metadata: refuse(obj({ labels: strMap(), annotations: strMap() }), { finalizers: arr(str()) }, "spec.target.template.metadata"),
    data: strMap("Secret key to template."),
    templateFrom,
  },
  [],
  {
    // Refused here at admission, and again by the controller right before any write.
    "x-kubernetes-validations": [
      {
        rule: "!has(self.type) || !(self.type in ['kubernetes.io/service-account-token', 'bootstrap.kubernetes.io/token'])",
        message: "template.type must not be kubernetes.io/service-account-token or bootstrap.kubernetes.io/token: the controller never writes token Secrets",
      },
    ],
  },
);

/**
 * ExternalSecret `target.template`: {@link secretTemplate} with `metadata.finalizers`, which
 * the controller adds to the Secret as ESO's setMetadata does (a PushSecret's template keeps
 * refusing them: ESO ignores them there).
 */
const externalSecretTemplate: Schema = {
  ...secretTemplate,
  properties: {
    ...(secretTemplate["properties"] as Record<string, Schema>),
    metadata: obj({
      labels: strMap(),
      annotations: strMap(),
      finalizers: { ...arr(str(undefined, { maxLength: 317 }), "Finalizers added to the Secret while it is not being deleted."), maxItems: 32 },
    }),
  },
};

/**
 * `dataFrom[].rewrite[].merge` (ESO's ExternalSecretRewriteMerge, apis/externalsecrets/v1):
 * the JSON-object values are merged into one map, with ESO's defaults.
 */
const rewriteMerge = obj(
  {
    into: str("Key the merged JSON is written to; required with strategy JSON, ignored with Extract.", { default: "", maxLength: 253 }),
    priority: { ...arr(str(), "Keys merged last, in this order, so their members win a conflict."), maxItems: 256 },
    priorityPolicy: enumStr(["IgnoreNotFound", "Strict"], "Strict fails when a priority key is absent.", "Strict"),
    conflictPolicy: enumStr(["Ignore", "Error"], "Error fails when two values share a member name.", "Error"),
    strategy: enumStr(["Extract", "JSON"], "Extract: one key per merged member; JSON: the merged object under `into`, beside the input keys.", "Extract"),
  },
);

const externalSecretSpec = refuse(obj({
  secretStoreRef: storeRef,
  refreshInterval: duration("How often to re-fetch; 0 fetches once.", "1h0m0s"),
  refreshPolicy: enumStr(["Periodic", "OnChange", "CreatedOnce"], "When to refresh."),
  target: refuse(obj({
    name: { ...dnsName, description: "Name of the Secret to write; defaults to the ExternalSecret's name." },
    creationPolicy: enumStr(["Owner", "Orphan", "Merge", "None", "CreateOrMerge"], "Who owns the Secret; CreateOrMerge creates it when missing, else merges like Merge.", "Owner"),
    deletionPolicy: enumStr(["Retain", "Delete", "Merge"], "What happens when the provider secret disappears.", "Retain"),
    immutable: bool("Create an immutable Secret."),
    template: externalSecretTemplate,
  }), { manifest: anyObject }, "spec.target"),
  data: arr(
    obj(
      {
        secretKey: str("Key in the Secret.", { pattern: "^[-._a-zA-Z0-9]+$", maxLength: 253 }),
        remoteRef,
        sourceRef,
      },
      ["secretKey", "remoteRef"],
    ),
  ),
  dataFrom: arr(
    obj({
      extract: remoteRef,
      find: obj({
        path: str("Only names under this path."),
        name: obj({ regexp: str("RE2 regular expression over remote names.", { maxLength: 1024 }) }, ["regexp"]),
        tags: strMap("Remote tags/labels that must all match."),
        conversionStrategy: conversion,
        decodingStrategy: decoding,
        nullBytePolicy: enumStr(["Ignore", "Fail"], "Fail rejects values containing NUL bytes.", "Ignore"),
      }),
      rewrite: arr(
        obj(
          {
            regexp: obj({ source: str("RE2 regular expression over key names.", { maxLength: 1024 }), target: str("Replacement; $1, ${1}, ${name} expand groups.", { maxLength: 1024 }) }, ["source", "target"]),
            transform: obj({ template: str() }, ["template"]),
            merge: rewriteMerge,
          },
          [],
          { maxProperties: 1, minProperties: 1 },
        ),
      ),
      sourceRef: dataFromSourceRef,
    }, [], {
      "x-kubernetes-validations": [
        { rule: "!has(self.sourceRef) || !has(self.sourceRef.generatorRef) || (!has(self.extract) && !has(self.find))", message: "spec.dataFrom[]: sourceRef.generatorRef cannot be combined with extract or find" },
      ],
    }),
  ),
}), { syncWindows: anyObject }, "spec");

/** A `metav1.LabelSelector` (PushSecret store and Secret selection). */
const pushLabelSelector = obj({
  matchLabels: strMap(),
  matchExpressions: arr(obj({ key: str(), operator: enumStr(["In", "NotIn", "Exists", "DoesNotExist"]), values: arr(str()) }, ["key", "operator"])),
});

/** PushSecret `selector.generatorRef`: a Password or UUID generator of the PushSecret's namespace, generated anew at each push. */
const pushGeneratorKinds = ["Password", "UUID"] as const;
const pushGeneratorRef = obj(
  {
    apiVersion: str("apiVersion of the generator; only the flavour's generator group is read.", { default: generatorApiVersionPlaceholder }),
    kind: enumStr(esoGeneratorKinds, "Kind of the generator."),
    name: str("Name of the generator, in the PushSecret's own namespace.", { minLength: 1, maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" }),
  },
  ["kind", "name"],
  {
    description: "A generator (Password, UUID) in the PushSecret's namespace; a new value is generated and pushed at every refresh.",
    "x-kubernetes-validations": [
      { rule: `self.kind in [${pushGeneratorKinds.map((k) => `'${k}'`).join(", ")}]`, message: "spec.selector.generatorRef.kind: only Password and UUID generators are supported by hush yet" },
      { rule: `!has(self.apiVersion) || self.apiVersion == '${generatorApiVersionPlaceholder}'`, message: `spec.selector.generatorRef.apiVersion must be ${generatorApiVersionPlaceholder}` },
    ],
  },
);

/**
 * PushSecret `spec` (ESO v0.16 `external-secrets.io/v1alpha1`): which stores, which Secret of
 * the PushSecret's own namespace, and which of its keys go to which remote key. Bounded: at
 * most 16 store refs and 256 data entries.
 */
const pushSecretSpec = obj(
  {
    secretStoreRefs: {
      ...arr(
        obj(
          {
            name: { ...dnsName, description: "Name of the SecretStore (PushSecret's namespace) or ClusterSecretStore." },
            kind: enumStr(["SecretStore", "ClusterSecretStore"], "Kind of the store.", "SecretStore"),
            labelSelector: { ...pushLabelSelector, description: "Every store of this kind with matching labels (SecretStores: of the PushSecret's namespace only)." },
          },
          [],
          { "x-kubernetes-validations": [{ rule: "has(self.name) || has(self.labelSelector)", message: "a secretStoreRef needs a name or a labelSelector" }] },
        ),
        "Stores to push to.",
      ),
      maxItems: 16,
    },
    selector: obj(
      {
        secret: refuse(obj({ name: { ...dnsName, description: "A Secret of the PushSecret's namespace." } }), { selector: pushLabelSelector }, "spec.selector.secret"),
        generatorRef: pushGeneratorRef,
      },
      [],
      { "x-kubernetes-validations": [{ rule: "has(self.secret) != has(self.generatorRef)", message: "spec.selector needs exactly one of secret and generatorRef" }] },
    ),
    data: {
      ...arr(
        obj(
          {
            match: obj(
              {
                secretKey: str("Key of the source Secret; empty pushes the whole Secret as one JSON object.", { maxLength: 253 }),
                remoteRef: obj(
                  {
                    remoteKey: str("Remote secret name or path.", { minLength: 1, maxLength: 2048 }),
                    property: str("Key inside the remote JSON object to set.", { maxLength: 1024 }),
                  },
                  ["remoteKey"],
                ),
              },
              ["remoteRef"],
            ),
            metadata: { "x-kubernetes-preserve-unknown-fields": true, description: "Provider-specific settings (ESO PushSecretMetadata)." },
            conversionStrategy: enumStr(["None", "ReverseUnicode"], "ReverseUnicode turns _Uxxxx_ in key names back into the character.", "None"),
          },
          ["match"],
        ),
        "Keys to push.",
      ),
      maxItems: 256,
    },
    deletionPolicy: enumStr(["Delete", "None"], "Delete removes the remote secrets this PushSecret pushed when an entry or the PushSecret goes away.", "None"),
    refreshInterval: duration("How often to push again.", "1h"),
    updatePolicy: enumStr(["Replace", "IfNotExists"], "IfNotExists leaves an existing remote secret unchanged.", "Replace"),
    template: secretTemplate,
  },
  ["secretStoreRefs", "selector"],
  {
    "x-kubernetes-validations": [{ rule: "has(self.selector.generatorRef) || (has(self.selector.secret) && has(self.selector.secret.name))", message: "spec.selector.secret.name is required" }],
  },
);

const condition = obj(
  {
    type: str(),
    status: enumStr(["True", "False", "Unknown"]),
    reason: str(),
    message: str(),
    lastTransitionTime: str(undefined, { format: "date-time" }),
    observedGeneration: int(),
  },
  ["type", "status"],
);

const externalSecretStatus = obj({
  conditions: arr(condition),
  refreshTime: str("Start time of the last successful sync.", { format: "date-time" }),
  syncedResourceVersion: str("generation-hash of the ExternalSecret last synced."),
  binding: obj({ name: str() }),
});

const pushSecretStatus = obj({
  conditions: arr(condition),
  refreshTime: str("Start time of the last successful push.", { format: "date-time" }),
  syncedResourceVersion: str("generation-hash of the PushSecret last pushed."),
  syncedPushSecrets: {
    type: "object",
    description: "Store (Kind/name) to remote key (remoteKey or remoteKey/property) to the data entry pushed there.",
    additionalProperties: { type: "object", additionalProperties: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
  },
});

const awsProvider = refuse(open({
  service: enumStr(["SecretsManager", "ParameterStore"], "AWS service: SecretsManager or (Systems Manager) ParameterStore.", "SecretsManager"),
  region: str(),
  role: str("IAM role to assume."),
  prefix: str("Prepended to every key."),
  auth: open({
    secretRef: open({ accessKeyIDSecretRef: secretKeyRef, secretAccessKeySecretRef: secretKeyRef, sessionTokenSecretRef: secretKeyRef }),
    jwt: open({ serviceAccountRef: open({ name: str(), namespace: str(), audiences: arr(str()) }) }),
  }),
}), { sessionTags: arr(anyObject), transitiveTagKeys: arr(str()), sessionTagsPolicy: str() }, "spec.provider.aws");
const vaultProvider = open({
  server: str("Vault address."),
  path: str("KV mount path."),
  version: enumStr(["v1", "v2"], "KV engine version.", "v2"),
  namespace: str("Vault namespace."),
  caBundle: str("PEM CA bundle (base64)."),
  caProvider: obj(
    {
      type: enumStr(["Secret", "ConfigMap"], "Kind of the object holding the CA bundle."),
      name: str(undefined, { maxLength: 253 }),
      key: str(undefined, { maxLength: 253 }),
      namespace: str("ClusterSecretStore only.", { maxLength: 63 }),
    },
    ["type", "name"],
  ),
  tls: obj(
    {
      certSecretRef: obj({ name: str(), key: str("Default tls.crt."), namespace: str() }),
      keySecretRef: obj({ name: str(), key: str("Default tls.key."), namespace: str() }),
    },
    [],
    { description: "Client certificate for mutual TLS with Vault." },
  ),
  auth: open({
    tokenSecretRef: secretKeyRef,
    appRole: open({ path: str(), roleId: str(), roleRef: secretKeyRef, secretRef: secretKeyRef }),
    kubernetes: open({ mountPath: str(), role: str(), serviceAccountRef: open({ name: str(), audiences: arr(str()) }), secretRef: secretKeyRef }),
    cert: obj({ clientCert: secretKeyRef, secretRef: secretKeyRef }, [], { description: "TLS certificate login (auth/cert)." }),
  }),
});
const gcpProvider = open({
  projectID: str(),
  location: str(),
  auth: open({
    secretRef: open({ secretAccessKeySecretRef: secretKeyRef }),
    // GKE workload identity; hush needs the cluster fields (ESO reads them from the metadata server when unset).
    workloadIdentity: open({
      serviceAccountRef: open({ name: str(), namespace: str(), audiences: arr(str()) }),
      clusterLocation: str(),
      clusterName: str(),
      clusterProjectID: str(),
    }),
  }),
});

/**
 * ESO's other providers (ESO v0.16 `SecretStoreProvider`). Declared so that a store naming one
 * is refused with the provider's name, instead of being pruned to an empty `provider`.
 */
const unsupportedProviders = [
  "akeyless", "alibaba", "azurekv", "beyondtrust", "bitwardensecretsmanager", "chef", "cloudrusm", "conjur", "delinea",
  "device42", "doppler", "fake", "fortanix", "github", "gitlab", "ibm", "infisical", "keepersecurity", "kubernetes",
  "onboardbase", "onepassword", "oracle", "passbolt", "passworddepot", "previder", "pulumi", "scaleway", "secretserver",
  "senhasegura", "webhook", "yandexcertificatemanager", "yandexlockbox",
] as const;

const storeSpec = (cluster: boolean): Schema =>
  obj(
    {
      controller: str("Controller class; others ignore the store."),
      provider: refuse(
        obj({ aws: awsProvider, vault: vaultProvider, gcpsm: gcpProvider }, [], { minProperties: 1, maxProperties: 1 }),
        Object.fromEntries(unsupportedProviders.map((p) => [p, anyObject])),
        "spec.provider",
      ),
      retrySettings: obj({ maxRetries: int(), retryInterval: str() }),
      refreshInterval: { "x-kubernetes-int-or-string": true, description: "Store re-validation period (seconds or a duration)." },
      ...(cluster
        ? {
            conditions: arr(
              obj({
                namespaceSelector: obj({
                  matchLabels: strMap(),
                  matchExpressions: arr(obj({ key: str(), operator: enumStr(["In", "NotIn", "Exists", "DoesNotExist"]), values: arr(str()) }, ["key", "operator"])),
                }),
                namespaces: arr(str()),
                namespaceRegexes: arr(str()),
              }),
              "Namespaces allowed to use this store (any condition may match).",
            ),
          }
        : {}),
    },
    ["provider"],
  );
const storeStatus = obj({ conditions: arr(condition), capabilities: enumStr(["ReadOnly", "WriteOnly", "ReadWrite"]) });

/** A `metav1.LabelSelector` (ClusterExternalSecret namespace selection). */
const labelSelector = obj({
  matchLabels: strMap(),
  matchExpressions: arr(obj({ key: str(), operator: enumStr(["In", "NotIn", "Exists", "DoesNotExist"]), values: arr(str()) }, ["key", "operator"])),
});

/**
 * ClusterExternalSecret (ESO v0.16 `ClusterExternalSecretSpec`): one ExternalSecret spec
 * stamped into every selected namespace. `refreshTime` has no default, as in ESO (unset: the
 * namespaces are re-checked hourly; label changes are watched anyway).
 */
const clusterExternalSecretSpec = obj(
  {
    externalSecretSpec: { ...externalSecretSpec, description: "Spec of the ExternalSecret created in each selected namespace." },
    externalSecretName: str("Name of the ExternalSecrets created; defaults to the ClusterExternalSecret's name.", {
      minLength: 1,
      maxLength: 253,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    }),
    externalSecretMetadata: obj({ labels: strMap(), annotations: strMap() }),
    namespaceSelector: { ...labelSelector, description: "Deprecated: use namespaceSelectors. Namespaces whose labels match." },
    namespaceSelectors: arr(labelSelector, "Namespaces whose labels match any of these selectors."),
    namespaces: arr(str(undefined, { minLength: 1, maxLength: 63, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" }), "Namespaces chosen by name (OR-ed with the selectors)."),
    refreshTime: duration("How often the selected namespaces are re-checked (default 1h)."),
  },
  ["externalSecretSpec"],
);
const clusterExternalSecretStatus = obj({
  externalSecretName: str("Name of the ExternalSecrets created."),
  provisionedNamespaces: arr(str(), "Namespaces holding this ClusterExternalSecret's ExternalSecret."),
  failedNamespaces: arr(obj({ namespace: str(), reason: str() }, ["namespace"]), "Namespaces where the ExternalSecret could not be written, and why."),
  conditions: arr(condition),
});
/**
 * ClusterPushSecret (ESO v0.16 `ClusterPushSecretSpec`, v1alpha1 like PushSecret): one
 * PushSecret spec stamped into every namespace matched by `namespaceSelectors` (ESO has no
 * name list and no single selector here).
 */
const clusterPushSecretSpec = obj(
  {
    pushSecretSpec: { ...pushSecretSpec, description: "Spec of the PushSecret created in each selected namespace." },
    pushSecretName: str("Name of the PushSecrets created; defaults to the ClusterPushSecret's name.", {
      minLength: 1,
      maxLength: 253,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    }),
    pushSecretMetadata: obj({ labels: strMap(), annotations: strMap() }),
    namespaceSelectors: arr(labelSelector, "Namespaces whose labels match any of these selectors."),
    refreshTime: duration("How often the selected namespaces are re-checked (default 1h)."),
  },
  ["pushSecretSpec"],
);
const clusterPushSecretStatus = obj({
  pushSecretName: str("Name of the PushSecrets created."),
  provisionedNamespaces: arr(str(), "Namespaces holding this ClusterPushSecret's PushSecret."),
  failedNamespaces: arr(obj({ namespace: str(), reason: str() }, ["namespace"]), "Namespaces where the PushSecret could not be written, and why."),
  conditions: arr(condition),
});

interface CrdInput {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly scope: "Namespaced" | "Cluster";
  readonly spec: Schema;
  readonly status: Schema;
  readonly columns: readonly Schema[];
  /** Versions served (the first is stored); default the flavour's. */
  readonly versions?: readonly string[];
}

function crd(flavour: ApiFlavour, c: CrdInput): Schema {
  const schema = withGeneratorApiVersion({ openAPIV3Schema: obj({ apiVersion: str(), kind: str(), metadata: { type: "object" }, spec: c.spec, status: c.status }, ["spec"]) }, flavour);
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${c.plural}.${flavour.group}`, labels: { "app.kubernetes.io/part-of": "hush" } },
    spec: {
      group: flavour.group,
      names: { kind: c.kind, listKind: `${c.kind}List`, plural: c.plural, singular: c.kind.toLowerCase(), shortNames: [...c.shortNames], categories: [flavour.category] },
      scope: c.scope,
      // Every served version has the same schema, so the API server converts by rewriting
      // apiVersion only (strategy None). That is exact for ESO's v1 and v1beta1: ESO v0.16.2
      // serves both and its CRDs (config/crds/bases) declare no conversion, and walking this
      // schema against both of ESO's versions finds every node hush declares identical in
      // v1 and v1beta1 (types, enums, defaults, required) for all three kinds. Fields hush
      // declares only to refuse them (syncWindows, manifest), and the ones it implements from
      // later ESO releases (CreateOrMerge, find.nullBytePolicy, rewrite merge, template
      // finalizers), are absent from both versions there.
      conversion: { strategy: "None" },
      versions: (c.versions ?? [flavour.version, ...flavour.servedVersions]).map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        subresources: { status: {} },
        additionalPrinterColumns: [...c.columns],
        schema,
      })),
    },
  };
}

/**
 * `schema` with the flavour's generator apiVersion in place of {@link generatorApiVersionPlaceholder}.
 * Nodes shared before stay shared (the YAML keeps its anchors); untouched nodes are reused.
 */
function withGeneratorApiVersion<T>(schema: T, flavour: ApiFlavour): T {
  const value = generatorApiVersionOf(flavour);
  const done = new Map<unknown, unknown>();
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") return node.includes(generatorApiVersionPlaceholder) ? node.replaceAll(generatorApiVersionPlaceholder, value) : node;
    if (node === null || typeof node !== "object") return node;
    if (done.has(node)) return done.get(node);
    const entries = Array.isArray(node) ? node.map(walk) : Object.entries(node).map(([k, v]) => [k, walk(v)] as const);
    const changed = Array.isArray(node) ? (entries as unknown[]).some((v, i) => v !== node[i]) : (entries as (readonly [string, unknown])[]).some(([k, v]) => v !== (node as Record<string, unknown>)[k]);
    const out = !changed ? node : Array.isArray(node) ? entries : Object.fromEntries(entries as (readonly [string, unknown])[]);
    done.set(node, out);
    return out;
  };
  return walk(schema) as T;
}

/**
 * Password generator `spec` as ESO v0.16.2 declares it (`generators.external-secrets.io_passwords`):
 * same fields and defaults. Tighter than ESO where ESO would misbehave: counts are not negative,
 * the length is at most 4096 and `symbolCharacters` at most 1024 printable ASCII characters
 * (ESO picks bytes, splitting a multi-byte character).
 */
const passwordSpec = obj(
  {
    length: { ...int("Length of the password (default 24; 0 also means 24)."), default: 24, minimum: 0, maximum: 4096 },
    digits: { ...int("Number of digits; a quarter of the length when omitted."), minimum: 0, maximum: 4096 },
    symbols: { ...int("Number of symbols; a quarter of the length when omitted."), minimum: 0, maximum: 4096 },
    symbolCharacters: str("Characters symbols are drawn from; ESO's set (~!@#$%^&*()_+`-={}|[]\\:\"<>?,./) when omitted or empty.", { maxLength: 1024, pattern: "^[ -~]*$" }),
    noUpper: { ...bool("No upper-case letters."), default: false },
    allowRepeat: { ...bool("Allow a character to appear more than once."), default: false },
  },
  ["allowRepeat", "length", "noUpper"],
);

/**
 * VaultDynamicSecret `spec` as ESO v0.16.2 declares it: a Vault provider block (the store's
 * schema, read with the rules of a SecretStore in the ExternalSecret's namespace), the path,
 * the method and its JSON parameters, which part of the response to keep. `controller`
 * (generator controller classes) is refused rather than ignored.
 */
const vaultDynamicSecretSpec = refuse(
  obj(
    {
      provider: { ...vaultProvider, description: "Vault connection and auth, as a SecretStore's spec.provider.vault." },
      path: str("Vault path after /v1/, e.g. database/creds/app.", { minLength: 1, maxLength: 1024 }),
      method: str("GET (default), LIST, DELETE, or a write (POST, PUT) sending parameters.", { maxLength: 16 }),
      parameters: { "x-kubernetes-preserve-unknown-fields": true, description: "JSON body of a write." },
      resultType: enumStr(["Data", "Auth", "Raw"], "Data: the response's data; Auth: its auth block; Raw: the whole response.", "Data"),
      allowEmptyResponse: { ...bool("An empty response yields no keys instead of an error."), default: false },
      retrySettings: obj({ maxRetries: int(), retryInterval: str() }),
    },
    ["path", "provider"],
  ),
  { controller: str() },
  "spec",
);

/** Fake generator `spec` as ESO v0.16.2 declares it: `data` is returned as the keys, unchanged. */
const fakeSpec = refuse(obj({ data: strMap("The keys and values this generator returns, unchanged.") }), { controller: str() }, "spec");

/**
 * `spec.auth` of ESO v0.16.2's AWS generators: keys from a Secret or a ServiceAccount token
 * (IRSA), both in the ExternalSecret's namespace; neither means the controller's own identity.
 */
const awsGeneratorAuth = obj({
  secretRef: obj({ accessKeyIDSecretRef: secretKeyRef, secretAccessKeySecretRef: secretKeyRef, sessionTokenSecretRef: secretKeyRef }),
  jwt: obj({ serviceAccountRef: obj({ name: str(), namespace: str(), audiences: arr(str()) }, ["name"]) }),
});
/** ECRAuthorizationToken `spec` as ESO v0.16.2 declares it. */
const ecrAuthorizationTokenSpec = obj(
  {
    region: str("AWS region of the registry."),
    auth: { ...awsGeneratorAuth, description: "How to authenticate with AWS (secretRef or jwt); the controller's own identity when neither is set and the controller allows it." },
    role: str("IAM role assumed before the call."),
    scope: str("private (default) for the account's ECR registry, public for ECR Public."),
  },
  ["region"],
);
/** STSSessionToken `spec` as ESO v0.16.2 declares it. */
const stsSessionTokenSpec = obj(
  {
    region: str("AWS region of STS."),
    auth: { ...awsGeneratorAuth, description: "How to authenticate with AWS (secretRef or jwt); the controller's own identity when neither is set and the controller allows it." },
    role: str("IAM role assumed before the call."),
    requestParameters: obj({
      sessionDuration: { ...int("Seconds the credentials stay valid (AWS: 900 to 129600, default 43200)."), format: "int64" },
      serialNumber: str("The MFA device of the calling IAM user."),
      tokenCode: str("The code the MFA device shows, when MFA is required."),
    }),
  },
  ["region"],
);

/** The generator kinds a ClusterGenerator may wrap in hush (see clusterGeneratorKinds in the controller). */
const clusterGeneratorKinds = ["Password", "UUID", "Fake", "ECRAuthorizationToken"] as const;
/** `spec.generator.<kind>Spec` field of each ESO generator kind. */
const clusterSpecFields: Record<string, string> = {
  ACRAccessToken: "acrAccessTokenSpec", ECRAuthorizationToken: "ecrAuthorizationTokenSpec", Fake: "fakeSpec", GCRAccessToken: "gcrAccessTokenSpec",
  GithubAccessToken: "githubAccessTokenSpec", QuayAccessToken: "quayAccessTokenSpec", Password: "passwordSpec", STSSessionToken: "stsSessionTokenSpec",
  UUID: "uuidSpec", VaultDynamicSecret: "vaultDynamicSecretSpec", Webhook: "webhookSpec", Grafana: "grafanaSpec",
};

/**
 * ClusterGenerator `spec` as ESO v0.16.2 declares it: `kind` and exactly one `generator.<kind>Spec`.
 * hush runs Password, UUID, Fake and ECRAuthorizationToken inside one. VaultDynamicSecret is refused: a ClusterGenerator
 * serves every namespace and ESO resolves its Vault credential refs in the referencing
 * ExternalSecret's namespace, so a tenant would make an admin-written Vault request with
 * credentials of its choosing; the other kinds are not implemented by hush.
 */
const clusterGeneratorSpec = (() => {
  const esoKinds = esoGeneratorKinds.filter((k) => k !== "ClusterGenerator");
  const implemented = new Set<string>(clusterGeneratorKinds);
  const refused = Object.fromEntries(esoKinds.filter((k) => !implemented.has(k)).map((k) => [clusterSpecFields[k]!, anyObject]));
  const generator = refuse(
    obj(
      {
        passwordSpec: { ...passwordSpec, description: "Settings of a Password generator." },
        uuidSpec: { type: "object", description: "UUID has no settings." },
        fakeSpec: { ...fakeSpec, description: "Settings of a Fake generator." },
        ecrAuthorizationTokenSpec: { ...ecrAuthorizationTokenSpec, description: "Settings of an ECRAuthorizationToken generator; credential refs are read in the namespace of the ExternalSecret that names it." },
      },
      [],
      { maxProperties: 1, minProperties: 1, description: "The settings of the generator, in the member named after spec.kind." },
    ),
    refused,
    "spec.generator",
  );
  return obj({ kind: enumStr(esoKinds, "Kind of the generator this ClusterGenerator stands for."), generator }, ["generator", "kind"], {
    "x-kubernetes-validations": [
      { rule: "self.kind != 'VaultDynamicSecret'", message: "spec.kind: VaultDynamicSecret is not allowed in a ClusterGenerator by hush (its Vault credentials would be resolved in each referencing tenant's namespace); use a namespaced VaultDynamicSecret" },
      { rule: `self.kind in [${clusterGeneratorKinds.map((k) => `'${k}'`).join(", ")}]`, message: `spec.kind: only ${clusterGeneratorKinds.join(", ")} are supported in a ClusterGenerator by hush yet` },
      ...clusterGeneratorKinds.map((k) => ({ rule: `self.kind != '${k}' || has(self.generator.${clusterSpecFields[k]})`, message: `spec.generator.${clusterSpecFields[k]} must be set when spec.kind is ${k}` })),
    ],
  });
})();

/** The generator kinds hush implements (Password, UUID, VaultDynamicSecret, Fake, ECRAuthorizationToken, STSSessionToken, ClusterGenerator), under the flavour's generator group at v1alpha1. */
function generatorCrds(flavour: ApiFlavour): Schema[] {
  const one = (kind: string, plural: string, description: string, spec: Schema, scope: "Namespaced" | "Cluster" = "Namespaced"): Schema => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${flavour.generatorGroup}`, labels: { "app.kubernetes.io/part-of": "hush" } },
    spec: {
      group: flavour.generatorGroup,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), categories: [flavour.category, `${flavour.category}-generators`] },
      scope,
      versions: [
        {
          name: generatorVersion,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { ...obj({ apiVersion: str(), kind: str(), metadata: { type: "object" }, spec }), description } },
        },
      ],
    },
  });
  return [
    one("Password", "passwords", "Generates a random password on every refresh of an ExternalSecret that names it (key `password`).", passwordSpec),
    one("UUID", "uuids", "Generates a random version 4 UUID on every refresh of an ExternalSecret that names it (key `uuid`).", { type: "object", description: "UUID has no settings." }),
    one("VaultDynamicSecret", "vaultdynamicsecrets", "Makes one Vault request (e.g. database/creds/app) on every refresh of an ExternalSecret that names it; the response's data, auth or whole body become keys.", vaultDynamicSecretSpec),
    one("Fake", "fakes", "Returns spec.data as the keys on every refresh of an ExternalSecret that names it (static values, for tests).", fakeSpec),
    one("ECRAuthorizationToken", "ecrauthorizationtokens", "Gets an ECR registry token on every refresh of an ExternalSecret that names it (keys username, password, proxy_endpoint, expires_at).", ecrAuthorizationTokenSpec),
    one("STSSessionToken", "stssessiontokens", "Gets temporary AWS credentials (STS GetSessionToken) on every refresh of an ExternalSecret that names it (keys access_key_id, secret_access_key, session_token, expiration).", stsSessionTokenSpec),
    one("ClusterGenerator", "clustergenerators", "A cluster-wide Password, UUID, Fake or ECRAuthorizationToken generator that an ExternalSecret of any namespace may name; written by cluster admins.", clusterGeneratorSpec, "Cluster"),
  ];
}

const readyColumns: Schema[] = [
  { name: "Status", type: "string", jsonPath: ".status.conditions[?(@.type==\"Ready\")].reason" },
  { name: "Ready", type: "string", jsonPath: ".status.conditions[?(@.type==\"Ready\")].status" },
];

/** The CRDs of a flavour (default `hush.dev`) (ExternalSecret, SecretStore, ClusterSecretStore, ClusterExternalSecret, PushSecret, ClusterPushSecret, and the Password and UUID generators), as objects, in apply order. */
export function buildCrds(flavour: ApiFlavour = hushFlavour): Schema[] {
  return [
    crd(flavour, {
      kind: "ExternalSecret",
      plural: "externalsecrets",
      shortNames: ["es"],
      scope: "Namespaced",
      spec: externalSecretSpec,
      status: externalSecretStatus,
      columns: [
        { name: "Store", type: "string", jsonPath: ".spec.secretStoreRef.name" },
        { name: "Refresh Interval", type: "string", jsonPath: ".spec.refreshInterval" },
        ...readyColumns,
        { name: "Last Sync", type: "date", jsonPath: ".status.refreshTime" },
      ],
    }),
    crd(flavour, { kind: "SecretStore", plural: "secretstores", shortNames: ["ss"], scope: "Namespaced", spec: storeSpec(false), status: storeStatus, columns: [...readyColumns, { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }] }),
    crd(flavour, { kind: "ClusterSecretStore", plural: "clustersecretstores", shortNames: ["css"], scope: "Cluster", spec: storeSpec(true), status: storeStatus, columns: [...readyColumns, { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }] }),
    crd(flavour, {
      kind: "ClusterExternalSecret",
      plural: "clusterexternalsecrets",
      shortNames: ["ces"],
      scope: "Cluster",
      spec: clusterExternalSecretSpec,
      status: clusterExternalSecretStatus,
      columns: [
        { name: "Store", type: "string", jsonPath: ".spec.externalSecretSpec.secretStoreRef.name" },
        { name: "Refresh Interval", type: "string", jsonPath: ".spec.refreshTime" },
        { name: "Ready", type: "string", jsonPath: ".status.conditions[?(@.type==\"Ready\")].status" },
      ],
    }),
    crd(flavour, {
      kind: "PushSecret",
      plural: "pushsecrets",
      shortNames: ["ps"],
      scope: "Namespaced",
      spec: pushSecretSpec,
      status: pushSecretStatus,
      versions: [flavour.pushSecret.version],
      columns: [{ name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" }, { name: "Status", type: "string", jsonPath: ".status.conditions[?(@.type==\"Ready\")].reason" }],
    }),
    crd(flavour, {
      kind: "ClusterPushSecret",
      plural: "clusterpushsecrets",
      shortNames: [],
      scope: "Cluster",
      spec: clusterPushSecretSpec,
      status: clusterPushSecretStatus,
      versions: [flavour.pushSecret.version],
      columns: [{ name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" }, { name: "Status", type: "string", jsonPath: ".status.conditions[?(@.type==\"Ready\")].reason" }],
    }),
    ...generatorCrds(flavour),
  ];
}

/** The file name a CRD is committed under in `deploy/crds/` (e.g. `hush.dev_externalsecrets.yaml`). */
export function crdFileName(crdObject: Schema): string {
  const name = (crdObject["metadata"] as { name: string }).name; // plural.group
  const dot = name.indexOf(".");
  return `${name.slice(dot + 1)}_${name.slice(0, dot)}.yaml`;
}

/** A CRD rendered as the YAML committed in `deploy/crds/` (generated; do not edit by hand). */
export function renderCrdYaml(crdObject: Schema): string {
  return `# Generated by packages/kube (buildCrds); do not edit. Regenerate: pnpm exec vitest run --project unit packages/kube -u\n${stringify(crdObject, { lineWidth: 0 })}`;
}
