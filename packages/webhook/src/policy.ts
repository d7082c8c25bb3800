import { HushError } from "@hush/errors";

/** What happens to a violation: deny it, allow it with a kubectl warning, or allow it and record an audit annotation. */
export type Mode = "enforce" | "warn" | "audit";

/** The modes, for validation and help text. */
export const modes: readonly Mode[] = ["enforce", "warn", "audit"];

/**
 * Who counts as GitOps, by the tool behind the identity. The tool matters: a Flux
 * Kustomization's labels are trusted only on requests from kustomize-controller, an Argo CD
 * tracking annotation only on requests from Argo CD, because those tools overwrite them.
 */
export interface GitOpsIdentities {
  readonly argocd: readonly string[];
  readonly fluxKustomize: readonly string[];
  readonly fluxHelm: readonly string[];
  /** Other identities that apply from Git (no decryption exemption applies to them). */
  readonly other: readonly string[];
}

/** The webhook's policy. Build it with {@link parsePolicy}; {@link defaultPolicy} is the baseline. */
export interface WebhookPolicy {
  readonly identities: GitOpsIdentities;
  /** Global mode for Secrets. */
  readonly mode: Mode;
  /** Per-namespace overrides of {@link WebhookPolicy.mode}. */
  readonly namespaceModes: Readonly<Record<string, Mode>>;
  /** Namespaces whose objects are never judged. */
  readonly exemptNamespaces: readonly string[];
  /** Secret types that controllers write; allowed with values. */
  readonly exemptSecretTypes: readonly string[];
  /** Argo CD config-management plugins that decrypt (matched exactly or as `name-…`). */
  readonly decryptingPlugins: readonly string[];
  /** The namespace Argo CD Applications live in when the tracking id names no namespace. */
  readonly argocdNamespace: string;
  /** Whether ConfigMaps from GitOps identities are scanned, and the mode for findings. */
  readonly configMaps: { readonly scan: boolean; readonly mode: Mode };
}

/** The defaults the issue names; every field of a config file overrides one of these. */
export const defaultPolicy: WebhookPolicy = Object.freeze({
  identities: Object.freeze({
    argocd: ["system:serviceaccount:argocd:argocd-application-controller", "system:serviceaccount:argocd:argocd-server"],
    fluxKustomize: ["system:serviceaccount:flux-system:kustomize-controller"],
    fluxHelm: ["system:serviceaccount:flux-system:helm-controller"],
    other: [],
  }),
  mode: "enforce",
  namespaceModes: {},
  exemptNamespaces: [],
  exemptSecretTypes: ["kubernetes.io/service-account-token", "helm.sh/release.v1"],
  decryptingPlugins: ["ksops", "argocd-vault-plugin", "sops", "helm-secrets"],
  argocdNamespace: "argocd",
  configMaps: Object.freeze({ scan: true, mode: "warn" as Mode }),
});

const topKeys = new Set([
  "identities", "mode", "namespaceModes", "exemptNamespaces", "exemptSecretTypes", "decryptingPlugins", "argocdNamespace", "configMaps",
]);

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
  for (const key of Object.keys(doc)) if (!topKeys.has(key)) fail(key, "is not a known field");

  const ids = doc["identities"] === undefined ? {} : doc["identities"];
  if (!isRecord(ids)) fail("identities", "must be a mapping");
  for (const key of Object.keys(ids)) if (!["argocd", "fluxKustomize", "fluxHelm", "other"].includes(key)) fail(`identities.${key}`, "is not a known field");

  const namespaceModes = doc["namespaceModes"] === undefined ? {} : doc["namespaceModes"];
  if (!isRecord(namespaceModes)) fail("namespaceModes", "must be a mapping of namespace to mode");
  const parsedModes: Record<string, Mode> = {};
  for (const [ns, m] of Object.entries(namespaceModes)) parsedModes[ns] = parseMode(m, `namespaceModes.${ns}`);

  const cm = doc["configMaps"] === undefined ? {} : doc["configMaps"];
  if (!isRecord(cm)) fail("configMaps", "must be a mapping");
  for (const key of Object.keys(cm)) if (!["scan", "mode"].includes(key)) fail(`configMaps.${key}`, "is not a known field");
  if (cm["scan"] !== undefined && typeof cm["scan"] !== "boolean") fail("configMaps.scan", "must be true or false");

  const argocdNamespace = doc["argocdNamespace"] ?? defaultPolicy.argocdNamespace;
  if (typeof argocdNamespace !== "string" || argocdNamespace === "") fail("argocdNamespace", "must be a namespace name");

  return Object.freeze({
    identities: Object.freeze({
      argocd: strings(ids["argocd"], "identities.argocd", defaultPolicy.identities.argocd),
      fluxKustomize: strings(ids["fluxKustomize"], "identities.fluxKustomize", defaultPolicy.identities.fluxKustomize),
      fluxHelm: strings(ids["fluxHelm"], "identities.fluxHelm", defaultPolicy.identities.fluxHelm),
      other: strings(ids["other"], "identities.other", defaultPolicy.identities.other),
    }),
    mode: overrides.mode !== undefined ? parseMode(overrides.mode, "--mode") : doc["mode"] === undefined ? defaultPolicy.mode : parseMode(doc["mode"], "mode"),
    namespaceModes: Object.freeze(parsedModes),
    exemptNamespaces: strings(doc["exemptNamespaces"], "exemptNamespaces", defaultPolicy.exemptNamespaces),
    exemptSecretTypes: strings(doc["exemptSecretTypes"], "exemptSecretTypes", defaultPolicy.exemptSecretTypes),
    decryptingPlugins: strings(doc["decryptingPlugins"], "decryptingPlugins", defaultPolicy.decryptingPlugins),
    argocdNamespace,
    configMaps: Object.freeze({
      scan: typeof cm["scan"] === "boolean" ? cm["scan"] : defaultPolicy.configMaps.scan,
      mode: cm["mode"] === undefined ? defaultPolicy.configMaps.mode : parseMode(cm["mode"], "configMaps.mode"),
    }),
  });
}

/** The mode that applies to Secrets in `namespace`. */
export function modeFor(policy: WebhookPolicy, namespace: string): Mode {
  return Object.hasOwn(policy.namespaceModes, namespace) ? (policy.namespaceModes[namespace] ?? policy.mode) : policy.mode;
}

function parseMode(value: unknown, field: string): Mode {
  if (typeof value === "string" && (modes as readonly string[]).includes(value)) return value as Mode;
  fail(field, `must be one of ${modes.join(", ")}`);
}

function strings(value: unknown, field: string, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== "")) fail(field, "must be a list of non-empty strings");
  return Object.freeze([...(value as string[])]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(field: string, problem: string): never {
  // The field path is ours (validated keys are echoed only after they matched, or are config keys, not secrets).
  const where = field === "" ? "the webhook config" : field.startsWith("--") ? field : `webhook config field ${safeField(field)}`;
  throw new HushError("HUSH_ERR_WEBHOOK_CONFIG", `${where} ${problem}`);
}

function safeField(field: string): string {
  return field.replace(/[^\w.:/-]/g, "?").slice(0, 120);
}
