import { scanConfigMapValues, isTokenLike } from "./configmap-scan.js";
import type { ApplicationFact, ApplicationSourceFact, Facts } from "./facts.js";
import { claimedSources, fluxImpersonates, objectRef, trustedSender, trustedSource } from "./ownership.js";
import { argoHome, modeFor, type Mode, type WebhookPolicy } from "./policy.js";
import { argoSecretTypeLabel, attributedToGit, changedValueKeys, identityMatches, provenance, valueKeys, type Provenance } from "./provenance.js";
import type { AdmissionRequest, KubeObject } from "./review.js";
import { containsSopsCiphertext, isSopsMetadataKey } from "./sops-ciphertext.js";

/**
 * Why the webhook decided as it did. Stable: used as the `reason` metrics label and the
 * `reason` audit annotation.
 */
export type Reason =
  | "not-judged"
  | "not-gitops"
  | "exempt-namespace"
  | "argocd-own-secret"
  | "controller-owned"
  | "helm-release"
  | "service-account-token"
  | "no-values"
  | "unchanged"
  | "decrypted-by-flux"
  | "decrypted-by-argo"
  | "rendered-by-helm"
  | "plaintext"
  | "sops-ciphertext"
  | "lookup-failed"
  | "configmap-clean"
  | "configmap-not-scanned"
  | "configmap-secret";

/** The reasons that are violations of the policy. */
export const violations: ReadonlySet<Reason> = new Set<Reason>(["plaintext", "sops-ciphertext", "lookup-failed", "configmap-secret"]);

/** The decision for one admission request. */
export interface Verdict {
  readonly allowed: boolean;
  readonly reason: Reason;
  /** The mode that applied (only meaningful for violations). */
  readonly mode: Mode;
  /** One line naming the object and the remedy; never a value. Empty when nothing is wrong. */
  readonly message: string;
  /** Shown by kubectl as `Warning: …` (warn mode). */
  readonly warnings: readonly string[];
  /** Recorded in the API server's audit log as `<webhook>/<key>` (audit mode). */
  readonly auditAnnotations: Readonly<Record<string, string>>;
}

const remedy =
  "encrypt it with `hush encrypt` (SOPS) and let the GitOps tool decrypt it (Flux Kustomization spec.decryption, " +
  "or an Argo CD plugin such as ksops), or replace it with an ExternalSecret";

/** Argo CD's own credential Secrets, written by argocd-server and the CLI (`common.ArgoCDSecretName`, `initialPasswordSecretName`). */
const argoOwnSecrets = new Set(["argocd-secret", "argocd-initial-admin-secret"]);
/** Keys the token controller writes into a service-account token Secret. */
const tokenKeys = new Set(["data.token", "data.ca.crt", "data.namespace"]);

/**
 * Decides one admission request. Pure: the facts about Kustomizations, HelmReleases and
 * Applications were looked up beforehand (see `neededFacts` and `resolveFacts`).
 *
 * Who sent it comes from {@link provenance}; only values this request adds or changes count,
 * and only those attributed to Git; exemptions rest on evidence a Git author cannot forge.
 */
export function judge(request: AdmissionRequest, policy: WebhookPolicy, facts: Facts): Verdict {
  const object = request.object;
  const kind = request.kind.kind;
  if (!object || request.kind.group !== "" || (kind !== "Secret" && kind !== "ConfigMap")) return pass("not-judged", policy.mode);
  const all = valueKeys(object);
  const changed = changedValueKeys(request, all);
  const prov = provenance(request, policy, new Set(changed));
  if (!prov.gitops) return pass("not-gitops", policy.mode);
  const self = objectRef(request, object);
  if (policy.exemptNamespaces.includes(self.namespace)) return pass("exempt-namespace", policy.mode);
  const subject = `${kind.toLowerCase()} ${safe(self.namespace)}/${safe(self.name || object.metadata.generateName || "")}`;
  const fromGit = attributedToGit(request, policy, prov, changed);

  if (kind === "ConfigMap") return judgeConfigMap(object, fromGit, policy, subject);
  const mode = modeFor(policy, self.namespace);

  // Argo CD's own credentials (argocd-server, `argocd repo|cluster add`, UI edits) are not a sync.
  if (!prov.senderIsGitOps && policy.adminNamespaces.argocd.includes(self.namespace) && (argoOwnSecrets.has(self.name) || Object.hasOwn(object.metadata.labels, argoSecretTypeLabel))) {
    return pass("argocd-own-secret", mode);
  }
  if (controllerOwned(request, object, policy)) return pass("controller-owned", mode);
  if (object.type === "helm.sh/release.v1" && helmRelease(request, object, policy, prov, all)) return pass("helm-release", mode);
  if (object.type === "kubernetes.io/service-account-token" && all.every((k) => tokenKeys.has(k))) return pass("service-account-token", mode);

  if (all.length === 0 && !object.hasSopsMetadata) return pass("no-values", mode);
  if (fromGit.length === 0 && !(object.hasSopsMetadata && request.operation === "CREATE")) return pass("unchanged", mode);

  const encrypted = fromGit.filter((k) => isSopsMetadataKey(k.slice(k.indexOf(".") + 1)) || containsSopsCiphertext(valueText(object, k)));
  if (encrypted.length > 0 || object.hasSopsMetadata) {
    const where = encrypted.length > 0 ? ` in ${list(encrypted)}` : "";
    return violation(
      "sops-ciphertext",
      mode,
      `${subject} still holds SOPS ciphertext${where}: it reached the cluster without being decrypted; ` +
        "enable decryption for its source (Flux Kustomization spec.decryption, or an Argo CD plugin such as ksops)",
    );
  }

  const decrypted = decryptingSource(request, policy, facts);
  if (decrypted.kind === "allowed") return pass(decrypted.reason, mode);
  if (decrypted.kind === "lookup-failed") {
    return violation(
      "lookup-failed",
      mode,
      `${subject} has values from Git in ${list(fromGit)} and whether its source decrypts cannot be checked (${decrypted.why}); ` +
        `retry once the API server answers, or ${remedy}`,
    );
  }
  const note = decrypted.note ? ` (${decrypted.note})` : "";
  return violation("plaintext", mode, `${subject} has plaintext values from Git in ${list(fromGit)}${note}; ${remedy}`);
}

function judgeConfigMap(object: KubeObject, fromGit: readonly string[], policy: WebhookPolicy, subject: string): Verdict {
  const mode = policy.configMaps.mode;
  if (!policy.configMaps.scan) return pass("configmap-not-scanned", mode);
  // binaryData too (decoded): a token does not stop being one for being stored as bytes.
  const judged: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const k of fromGit) if (k.startsWith("data.") || k.startsWith("binaryData.")) judged[k] = valueText(object, k, true);
  const findings = scanConfigMapValues(judged);
  if (findings.length === 0) return pass("configmap-clean", mode);
  const keys = [...new Set(findings.map((f) => f.key))];
  const rules = [...new Set(findings.map((f) => f.rule))];
  return violation("configmap-secret", mode, `${subject} looks like it holds a secret in ${list(keys)} (${list(rules)}); move it to a Secret managed by hush or an ExternalSecret`);
}

/**
 * A Secret a secrets controller wrote for its own object (sealed-secrets for a SealedSecret,
 * external-secrets or hush for an ExternalSecret): the controller ownerReference plus the
 * controller's own identity, which a Git author cannot borrow.
 */
function controllerOwned(request: AdmissionRequest, object: KubeObject, policy: WebhookPolicy): boolean {
  if (object.metadata.ownerReferences.length === 0) return false;
  const owners = object.metadata.ownerReferences.filter((r) => r.controller);
  const sealed = owners.some((r) => r.kind === "SealedSecret" && r.apiVersion === "bitnami.com/v1alpha1");
  const external = owners.some((r) => r.kind === "ExternalSecret" && (r.apiVersion.startsWith("external-secrets.io/") || r.apiVersion.startsWith("hush.dev/")));
  const user = { ...request, userInfo: { username: request.userInfo.username, groups: [] } };
  return (sealed && identityMatches(policy.controllers.sealedSecrets, user)) || (external && identityMatches(policy.controllers.externalSecrets, user));
}

/** Helm's release record (`pkg/storage/driver/secrets.go`): exactly that shape, from helm-controller. */
function helmRelease(request: AdmissionRequest, object: KubeObject, policy: WebhookPolicy, prov: Provenance, keys: readonly string[]): boolean {
  const fromHelm =
    identityMatches(policy.identities.fluxHelm, request) ||
    (request.fieldManager !== undefined && policy.fieldManagers.fluxHelm.includes(request.fieldManager)) ||
    (request.operation === "CREATE" && prov.signals.includes("managed-fields") && prov.tools.has("fluxHelm") && prov.tools.size === 1);
  return (
    fromHelm &&
    (object.metadata.name ?? "").startsWith("sh.helm.release.v1.") &&
    object.metadata.labels["owner"] === "helm" &&
    keys.length === 1 &&
    keys[0] === "data.release"
  );
}

type SourceDecision =
  | { readonly kind: "allowed"; readonly reason: "decrypted-by-flux" | "decrypted-by-argo" | "rendered-by-helm" }
  | { readonly kind: "lookup-failed"; readonly why: string }
  | { readonly kind: "plaintext"; readonly note?: string };

function decryptingSource(request: AdmissionRequest, policy: WebhookPolicy, facts: Facts): SourceDecision {
  const found = claimedSources(request, policy);
  // Facts about a source outside the admin namespaces and the allowlist never count, however they got here.
  const claimed = {
    ...found,
    kustomization: found.kustomization && trustedSource("Kustomization", found.kustomization, policy) ? found.kustomization : undefined,
    helmRelease: found.helmRelease && trustedSource("HelmRelease", found.helmRelease, policy) ? found.helmRelease : undefined,
    application: found.application && trustedSource("Application", found.application, policy) ? found.application : undefined,
  };
  if (claimed.kustomization && facts.kustomization) {
    const k = facts.kustomization;
    if (k.status === "error") return { kind: "lookup-failed", why: `looking up its Flux Kustomization failed: ${safeText(k.why)}` };
    if (k.status === "found" && k.value.decrypts && trustedSender("fluxKustomize", request, policy, fluxImpersonates(claimed.kustomization, k.value.serviceAccountName, policy))) {
      return { kind: "allowed", reason: "decrypted-by-flux" };
    }
  }
  if (claimed.helmRelease && facts.helmRelease) {
    const h = facts.helmRelease;
    if (h.status === "error") return { kind: "lookup-failed", why: `looking up its Flux HelmRelease failed: ${safeText(h.why)}` };
    if (
      h.status === "found" &&
      !h.value.inlineValues &&
      h.value.valuesFromKinds.every((kind) => kind === "Secret") &&
      trustedSender("fluxHelm", request, policy, fluxImpersonates(claimed.helmRelease, h.value.serviceAccountName, policy))
    ) {
      return { kind: "allowed", reason: "rendered-by-helm" };
    }
  }
  if (claimed.application && facts.application) {
    const a = facts.application;
    if (a.status === "error") return { kind: "lookup-failed", why: `looking up its Argo CD Application failed: ${safeText(a.why)}` };
    const ref = claimed.application;
    if (a.status === "found" && trustedSender("argocd", request, policy) && argoDecrypts(a.value, `${ref.namespace}/${ref.name}`, policy)) {
      return { kind: "allowed", reason: "decrypted-by-argo" };
    }
  }
  return claimed.argoProblem ? { kind: "plaintext", note: claimed.argoProblem } : { kind: "plaintext" };
}

/**
 * Every source that renders manifests decrypts: one ksops source does not vouch for a chart
 * next to it, because the tracking id does not say which source rendered the Secret.
 */
function argoDecrypts(app: ApplicationFact, ref: string, policy: WebhookPolicy): boolean {
  if (policy.argocd.ksopsApplications.includes(ref) || policy.argocd.ksopsApplications.includes(`${argoHome(policy)}/${ref}`)) return true;
  const rendering = app.sources.filter((s) => !s.refOnly);
  return rendering.length > 0 && rendering.every((s) => sourceDecrypts(s, policy));
}

function sourceDecrypts(source: ApplicationSourceFact, policy: WebhookPolicy): boolean {
  if (source.plugin !== undefined) return source.plugin === "" ? policy.argocd.unnamedPlugins : policy.argocd.decryptingPlugins.includes(source.plugin);
  return policy.argocd.helmSecretsValueFiles && source.valueFiles.some(isHelmSecretsFile);
}

/** helm-secrets value files: `secrets://path` or `secrets+<backend>://path`. */
function isHelmSecretsFile(file: string): boolean {
  if (file.startsWith("secrets://")) return true;
  const scheme = file.indexOf("://");
  return file.startsWith("secrets+") && scheme > 8 && scheme < 64;
}

/** Longest value prefix inspected for SOPS markers: a Secret is at most 1 MiB. */
const maxInspected = 1024 * 1024 + 4;

function valueText(object: KubeObject, key: string, configMap = false): string {
  const dot = key.indexOf(".");
  const field = key.slice(0, dot);
  const name = key.slice(dot + 1);
  const raw = (field === "data" ? object.data : field === "stringData" ? object.stringData : object.binaryData)[name] ?? "";
  // Secret data and every binaryData are base64; ConfigMap data and Secret stringData are text.
  // Node's decoder ignores characters outside the alphabet; a non-base64 value just decodes to noise.
  const encoded = field === "binaryData" || (field === "data" && !configMap);
  return encoded ? Buffer.from(raw.slice(0, Math.ceil((maxInspected * 4) / 3)), "base64").toString("latin1") : raw.slice(0, maxInspected);
}

function pass(reason: Reason, mode: Mode): Verdict {
  return { allowed: true, reason, mode, message: "", warnings: [], auditAnnotations: {} };
}

function violation(reason: Reason, mode: Mode, message: string): Verdict {
  switch (mode) {
    case "enforce":
      return { allowed: false, reason, mode, message, warnings: [], auditAnnotations: {} };
    case "warn":
      return { allowed: true, reason, mode, message, warnings: [`hush: ${message}`], auditAnnotations: {} };
    case "audit":
      return { allowed: true, reason, mode, message, warnings: [], auditAnnotations: { violation: reason, message } };
  }
}

/** Names and keys are shown, values never; names are cut and stripped of anything unusual. */
function safe(text: string): string {
  // Cut first, so the (linear) replacement never sees more than 64 characters.
  const cleaned = text.slice(0, 64).replace(/[^A-Za-z0-9._-]/g, "?");
  return text.length > 63 ? `${cleaned.slice(0, 60)}...` : cleaned;
}

/** Text from a lookup (hush's own words, naming objects from markers): printable ASCII only, bounded. */
function safeText(text: string): string {
  let out = "";
  const end = Math.min(text.length, 300);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    out += c >= 32 && c < 127 ? text[i] : "?";
  }
  return text.length > 300 ? `${out}...` : out;
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, 5).map((i) => {
    const dot = i.indexOf(".");
    const field = dot > 0 ? i.slice(0, dot) : "";
    const name = dot > 0 ? i.slice(dot + 1) : i;
    // A key name can itself be a token (`ghp_…: x`): say so instead of printing it.
    const shownName = isTokenLike(name) ? "<a key name that looks like a token>" : safe(name);
    return field ? `${field}.${shownName}` : shownName;
  });
  return items.length > 5 ? `${shown.join(", ")} and ${items.length - 5} more` : shown.join(", ");
}
