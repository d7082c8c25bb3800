import { stringify } from "yaml";
import { hushFlavour, type ApiFlavour } from "./constants.js";

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

const externalSecretSpec = refuse(obj({
  secretStoreRef: storeRef,
  refreshInterval: duration("How often to re-fetch; 0 fetches once.", "1h0m0s"),
  refreshPolicy: enumStr(["Periodic", "OnChange", "CreatedOnce"], "When to refresh."),
  target: refuse(obj({
    name: { ...dnsName, description: "Name of the Secret to write; defaults to the ExternalSecret's name." },
    creationPolicy: enumStr(["Owner", "Orphan", "Merge", "None"], "Who owns the Secret.", "Owner"),
    deletionPolicy: enumStr(["Retain", "Delete", "Merge"], "What happens when the provider secret disappears.", "Retain"),
    immutable: bool("Create an immutable Secret."),
    template: obj(
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
    ),
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
      find: refuse(obj({
        path: str("Only names under this path."),
        name: obj({ regexp: str("RE2 regular expression over remote names.", { maxLength: 1024 }) }, ["regexp"]),
        tags: strMap("Remote tags/labels that must all match."),
        conversionStrategy: conversion,
        decodingStrategy: decoding,
      }), { nullBytePolicy: str() }, "spec.dataFrom[].find"),
      rewrite: arr(
        refuse(
          obj(
            {
              regexp: obj({ source: str("RE2 regular expression over key names.", { maxLength: 1024 }), target: str("Replacement; $1, ${1}, ${name} expand groups.", { maxLength: 1024 }) }, ["source", "target"]),
              transform: obj({ template: str() }, ["template"]),
            },
            [],
            { maxProperties: 1, minProperties: 1 },
          ),
          { merge: anyObject },
          "spec.dataFrom[].rewrite[]",
        ),
      ),
      sourceRef,
    }),
  ),
}), { syncWindows: anyObject }, "spec");

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
const vaultProvider = refuse(open({
  server: str("Vault address."),
  path: str("KV mount path."),
  version: enumStr(["v1", "v2"], "KV engine version.", "v2"),
  namespace: str("Vault namespace."),
  caBundle: str("PEM CA bundle (base64)."),
  auth: open({
    tokenSecretRef: secretKeyRef,
    appRole: open({ path: str(), roleId: str(), roleRef: secretKeyRef, secretRef: secretKeyRef }),
    kubernetes: open({ mountPath: str(), role: str(), serviceAccountRef: open({ name: str(), audiences: arr(str()) }), secretRef: secretKeyRef }),
  }),
}), { tls: anyObject }, "spec.provider.vault");
const gcpProvider = open({
  projectID: str(),
  location: str(),
  auth: open({ secretRef: open({ secretAccessKeySecretRef: secretKeyRef }), workloadIdentity: open({}) }),
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

interface CrdInput {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly scope: "Namespaced" | "Cluster";
  readonly spec: Schema;
  readonly status: Schema;
  readonly columns: readonly Schema[];
}

function crd(flavour: ApiFlavour, c: CrdInput): Schema {
  const schema = { openAPIV3Schema: obj({ apiVersion: str(), kind: str(), metadata: { type: "object" }, spec: c.spec, status: c.status }, ["spec"]) };
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
      // declares only to refuse them (syncWindows, manifest, nullBytePolicy, rewrite merge,
      // template finalizers) are from later ESO releases and absent from both versions there.
      conversion: { strategy: "None" },
      versions: [flavour.version, ...flavour.servedVersions].map((name) => ({
        name,
        served: true,
        storage: name === flavour.version,
        subresources: { status: {} },
        additionalPrinterColumns: [...c.columns],
        schema,
      })),
    },
  };
}

const readyColumns: Schema[] = [
  { name: "Status", type: "string", jsonPath: ".status.conditions[?(@.type==\"Ready\")].reason" },
  { name: "Ready", type: "string", jsonPath: ".status.conditions[?(@.type==\"Ready\")].status" },
];

/** The three CRDs of a flavour (default `hush.dev`) (ExternalSecret, SecretStore, ClusterSecretStore), as objects, in apply order. */
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
