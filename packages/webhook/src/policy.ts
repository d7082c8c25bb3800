import { HushError } from "@hush/errors";

/** What happens to a violation: deny it, allow it with a kubectl warning, or allow it and record an audit annotation. */
export type Mode = "enforce" | "warn" | "audit";

/** The modes, for validation and help text. */
export const modes: readonly Mode[] = ["enforce", "warn", "audit"];

/** The GitOps tools the webhook tells apart. */
export type Tool = "argocd" | "fluxKustomize" | "fluxHelm" | "other";

/** The tools, in the order the policy lists them. */
export const tools: readonly Tool[] = ["argocd", "fluxKustomize", "fluxHelm", "other"];

/** One list per tool. */
export type PerTool<T> = { readonly [K in Tool]: T };

/**
 * How Argo CD marks what it applied (`application.resourceTrackingMethod` in `argocd-cm`).
 * Only the marker Argo CD writes in that mode is read for an exemption: under `label` it never
 * writes the annotation, so a Git-supplied one would survive.
 */
export type ArgoTracking = "annotation" | "label" | "annotation+label";

/** Argo CD specifics. */
export interface ArgoPolicy {
  readonly tracking: ArgoTracking;
  /** `application.instanceLabelKey` in `argocd-cm`. */
  readonly instanceLabelKey: string;
  /** Identities Argo CD uses on clusters it manages remotely (trusted senders, like the controller in an admin namespace). */
  readonly remoteIdentities: readonly string[];
  /** Config-management plugins that decrypt, matched by exact name. */
  readonly decryptingPlugins: readonly string[];
  /** Applications (`namespace/name`) whose kustomize build runs ksops as an exec plugin (no CMP name to see). */
  readonly ksopsApplications: readonly string[];
  /** Sources whose Helm `valueFiles` use helm-secrets (`secrets://…`, `secrets+…://…`) decrypt. */
  readonly helmSecretsValueFiles: boolean;
  /** A `plugin: {}` without a name (a CMP picked by discovery) counts as decrypting. Opt-in. */
  readonly unnamedPlugins: boolean;
}

/** The webhook's policy. Build it with {@link parsePolicy}; {@link defaultPolicy} is the baseline. */
export interface WebhookPolicy {
  /**
   * Who applies from Git, as patterns over the username and groups: `*` stands for any run of
   * characters within one `:`-separated segment (`system:serviceaccount:*:kustomize-controller`).
   * Matching any of them makes a request GitOps (more scrutiny, never an exemption on its own).
   */
  readonly identities: PerTool<readonly string[]>;
  /** Field managers (`options.fieldManager`, `metadata.managedFields[].manager`) that apply from Git. */
  readonly fieldManagers: PerTool<readonly string[]>;
  /**
   * Namespaces only cluster admins write: the tools' own installs. A Kustomization or Application
   * there is trusted about decryption, and the tool's service account there is a trusted sender.
   * The first Argo CD namespace is where Applications live when a tracking id names no namespace.
   */
  readonly adminNamespaces: { readonly argocd: readonly string[]; readonly flux: readonly string[] };
  /** Sources outside the admin namespaces trusted about decryption: `Kustomization/<ns>/<name>`, `Application/<ns>/<name>`, `HelmRelease/<ns>/<name>`. */
  readonly decryptingSources: readonly string[];
  /** Flux's `--default-service-account` (impersonated when a Kustomization names none), if set. */
  readonly fluxDefaultServiceAccount: string;
  readonly argocd: ArgoPolicy;
  /** Controllers whose own Secrets (controller ownerReference to their kind) pass: identity patterns. */
  readonly controllers: { readonly sealedSecrets: readonly string[]; readonly externalSecrets: readonly string[] };
  /** Global mode for Secrets. */
  readonly mode: Mode;
  /** Per-namespace overrides of {@link WebhookPolicy.mode}. */
  readonly namespaceModes: Readonly<Record<string, Mode>>;
  /** Namespaces whose objects are never judged. */
  readonly exemptNamespaces: readonly string[];
  /** Whether ConfigMaps from GitOps are scanned, and the mode for findings. */
  readonly configMaps: { readonly scan: boolean; readonly mode: Mode };
}

// Every name below is the one the tool itself uses (sources in docs/webhook.md, "Provenance").
/** The defaults; every field of a config file overrides one of these. */
export const defaultPolicy: WebhookPolicy = deepFreeze({
  identities: {
    argocd: [
      "system:serviceaccount:*:argocd-application-controller",
      // Operator installs prefix the instance name (OpenShift GitOps: openshift-gitops-argocd-application-controller).
      "system:serviceaccount:*:*-argocd-application-controller",
      "system:serviceaccount:kube-system:argocd-manager",
    ],
    fluxKustomize: ["system:serviceaccount:*:kustomize-controller"],
    fluxHelm: ["system:serviceaccount:*:helm-controller"],
    other: [],
  },
  fieldManagers: { argocd: ["argocd-controller"], fluxKustomize: ["kustomize-controller"], fluxHelm: ["helm-controller"], other: [] },
  adminNamespaces: { argocd: ["argocd"], flux: ["flux-system"] },
  decryptingSources: [],
  fluxDefaultServiceAccount: "",
  argocd: {
    tracking: "annotation",
    instanceLabelKey: "app.kubernetes.io/instance",
    remoteIdentities: ["system:serviceaccount:kube-system:argocd-manager"],
    decryptingPlugins: ["ksops", "argocd-vault-plugin", "sops", "helm-secrets"],
    ksopsApplications: [],
    helmSecretsValueFiles: true,
    unnamedPlugins: false,
  },
  controllers: {
    sealedSecrets: ["system:serviceaccount:*:sealed-secrets-controller", "system:serviceaccount:*:sealed-secrets"],
    externalSecrets: ["system:serviceaccount:*:external-secrets", "system:serviceaccount:*:hush-controller"],
  },
  mode: "enforce",
  namespaceModes: {},
  exemptNamespaces: [],
  configMaps: { scan: true, mode: "warn" },
} satisfies WebhookPolicy);

const topKeys = [
  "identities", "fieldManagers", "adminNamespaces", "decryptingSources", "fluxDefaultServiceAccount", "argocd", "controllers",
  "mode", "namespaceModes", "exemptNamespaces", "configMaps",
];
const argoKeys = ["tracking", "instanceLabelKey", "remoteIdentities", "decryptingPlugins", "ksopsApplications", "helmSecretsValueFiles", "unnamedPlugins"];
const trackings: readonly ArgoTracking[] = ["annotation", "label", "annotation+label"];

/**
 * Validates a parsed configuration document (YAML or JSON, already parsed by the caller)
 * and merges it over {@link defaultPolicy}. Unknown fields are errors, so a typo cannot
 * silently weaken the policy.
 *
 * @param overrides - `mode` from the command line wins over the file.
 * @throws HushError `HUSH_ERR_WEBHOOK_CONFIG` naming the offending field.
 */
export function parsePolicy(config: unknown, overrides: { readonly mode?: string } = {}): WebhookPolicy {
  const doc = config === undefined || config === null ? {} : config;
  if (!isRecord(doc)) fail("", "must be a mapping");
  known(doc, topKeys, "");
  const d = defaultPolicy;

  const ids = section(doc, "identities");
  known(ids, tools, "identities.");
  const managers = section(doc, "fieldManagers");
  known(managers, tools, "fieldManagers.");
  const admin = section(doc, "adminNamespaces");
  known(admin, ["argocd", "flux"], "adminNamespaces.");
  const argo = section(doc, "argocd");
  known(argo, argoKeys, "argocd.");
  const controllers = section(doc, "controllers");
  known(controllers, ["sealedSecrets", "externalSecrets"], "controllers.");
  const cm = section(doc, "configMaps");
  known(cm, ["scan", "mode"], "configMaps.");

  const namespaceModes = section(doc, "namespaceModes");
  const parsedModes: Record<string, Mode> = {};
  for (const [ns, m] of Object.entries(namespaceModes)) parsedModes[ns] = parseMode(m, `namespaceModes.${ns}`);

  const tracking = argo["tracking"] ?? d.argocd.tracking;
  if (typeof tracking !== "string" || !(trackings as readonly string[]).includes(tracking)) fail("argocd.tracking", `must be one of ${trackings.join(", ")}`);
  const argoNamespaces = strings(admin["argocd"], "adminNamespaces.argocd", d.adminNamespaces.argocd);
  if (argoNamespaces.length === 0) fail("adminNamespaces.argocd", "must name the namespace Argo CD is installed in");

  const perTool = (src: Record<string, unknown>, field: string, fallback: PerTool<readonly string[]>, check?: (v: string, f: string) => void) =>
    Object.fromEntries(tools.map((t) => [t, strings(src[t], `${field}.${t}`, fallback[t], check)])) as unknown as PerTool<readonly string[]>;

  return deepFreeze({
    identities: perTool(ids, "identities", d.identities, checkPattern),
    fieldManagers: perTool(managers, "fieldManagers", d.fieldManagers),
    adminNamespaces: { argocd: argoNamespaces, flux: strings(admin["flux"], "adminNamespaces.flux", d.adminNamespaces.flux) },
    decryptingSources: strings(doc["decryptingSources"], "decryptingSources", d.decryptingSources, checkSource),
    fluxDefaultServiceAccount: optionalName(doc["fluxDefaultServiceAccount"], "fluxDefaultServiceAccount", d.fluxDefaultServiceAccount),
    argocd: {
      tracking: tracking as ArgoTracking,
      instanceLabelKey: optionalName(argo["instanceLabelKey"], "argocd.instanceLabelKey", d.argocd.instanceLabelKey) || d.argocd.instanceLabelKey,
      remoteIdentities: strings(argo["remoteIdentities"], "argocd.remoteIdentities", d.argocd.remoteIdentities, checkPattern),
      decryptingPlugins: strings(argo["decryptingPlugins"], "argocd.decryptingPlugins", d.argocd.decryptingPlugins),
      ksopsApplications: strings(argo["ksopsApplications"], "argocd.ksopsApplications", d.argocd.ksopsApplications, checkRef),
      helmSecretsValueFiles: bool(argo["helmSecretsValueFiles"], "argocd.helmSecretsValueFiles", d.argocd.helmSecretsValueFiles),
      unnamedPlugins: bool(argo["unnamedPlugins"], "argocd.unnamedPlugins", d.argocd.unnamedPlugins),
    },
    controllers: {
      sealedSecrets: strings(controllers["sealedSecrets"], "controllers.sealedSecrets", d.controllers.sealedSecrets, checkPattern),
      externalSecrets: strings(controllers["externalSecrets"], "controllers.externalSecrets", d.controllers.externalSecrets, checkPattern),
    },
    mode: overrides.mode !== undefined ? parseMode(overrides.mode, "--mode") : doc["mode"] === undefined ? d.mode : parseMode(doc["mode"], "mode"),
    namespaceModes: parsedModes,
    exemptNamespaces: strings(doc["exemptNamespaces"], "exemptNamespaces", d.exemptNamespaces),
    configMaps: {
      scan: bool(cm["scan"], "configMaps.scan", d.configMaps.scan),
      mode: cm["mode"] === undefined ? d.configMaps.mode : parseMode(cm["mode"], "configMaps.mode"),
    },
  });
}

/** The mode that applies to Secrets in `namespace`. */
export function modeFor(policy: WebhookPolicy, namespace: string): Mode {
  return Object.hasOwn(policy.namespaceModes, namespace) ? (policy.namespaceModes[namespace] ?? policy.mode) : policy.mode;
}

/** The namespace Argo CD is installed in (where Applications named without a namespace live). */
export function argoHome(policy: WebhookPolicy): string {
  return policy.adminNamespaces.argocd[0] ?? "argocd";
}

function section(doc: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = doc[key];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) fail(key, "must be a mapping");
  return value;
}

function known(obj: Record<string, unknown>, keys: readonly string[], prefix: string): void {
  for (const key of Object.keys(obj)) if (!keys.includes(key)) fail(`${prefix}${key}`, "is not a known field");
}

function parseMode(value: unknown, field: string): Mode {
  if (typeof value === "string" && (modes as readonly string[]).includes(value)) return value as Mode;
  fail(field, `must be one of ${modes.join(", ")}`);
}

function strings(value: unknown, field: string, fallback: readonly string[], check?: (v: string, field: string) => void): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== "")) fail(field, "must be a list of non-empty strings");
  for (const v of value as string[]) check?.(v, field);
  return [...(value as string[])];
}

function optionalName(value: unknown, field: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string") fail(field, "must be a string");
  return value;
}

function bool(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") fail(field, "must be true or false");
  return value;
}

function checkPattern(pattern: string, field: string): void {
  // `**` or a bare `*` segment at the user position would match every service account's writes
  // as a trusted sender; patterns are for detection, but keep them readable.
  if (pattern.length > 253 || pattern.includes("**")) fail(field, "holds a pattern that is too long or uses **");
}

function checkSource(source: string, field: string): void {
  const parts = source.split("/");
  if (parts.length !== 3 || !["Kustomization", "Application", "HelmRelease"].includes(parts[0] ?? "") || !parts[1] || !parts[2]) {
    fail(field, "entries must read Kustomization/<namespace>/<name>, Application/<namespace>/<name> or HelmRelease/<namespace>/<name>");
  }
}

function checkRef(ref: string, field: string): void {
  const parts = ref.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) fail(field, "entries must read <namespace>/<name>");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function fail(field: string, problem: string): never {
  // The field path is ours (validated keys are echoed only after they matched, or are config keys, not secrets).
  const where = field === "" ? "the webhook config" : field.startsWith("--") ? field : `webhook config field ${safeField(field)}`;
  throw new HushError("HUSH_ERR_WEBHOOK_CONFIG", `${where} ${problem}`);
}

function safeField(field: string): string {
  return field.replace(/[^\w.:/-]/g, "?").slice(0, 120);
}
