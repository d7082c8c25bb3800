import { scanConfigMapValues } from "./configmap-scan.js";
import type { Facts } from "./facts.js";
import { gitOpsTool, type GitOpsTool } from "./ownership.js";
import { modeFor, type Mode, type WebhookPolicy } from "./policy.js";
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
  | "exempt-type"
  | "no-values"
  | "decrypted-by-flux"
  | "decrypted-by-argo-plugin"
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

/**
 * Decides one admission request. Pure: the facts about Kustomizations and Applications
 * were looked up beforehand (see `neededFacts` and `resolveFacts`).
 */
export function judge(request: AdmissionRequest, policy: WebhookPolicy, facts: Facts): Verdict {
  const object = request.object;
  const kind = request.kind.kind;
  if (!object || request.kind.group !== "" || (kind !== "Secret" && kind !== "ConfigMap")) return pass("not-judged", policy.mode);
  const tool = gitOpsTool(policy, request.userInfo.username);
  if (tool === undefined) return pass("not-gitops", policy.mode);
  const namespace = request.namespace ?? object.metadata.namespace ?? "";
  if (policy.exemptNamespaces.includes(namespace)) return pass("exempt-namespace", policy.mode);
  const subject = `${kind.toLowerCase()} ${safe(namespace)}/${safe(object.metadata.name ?? request.name ?? object.metadata.generateName ?? "")}`;

  if (kind === "ConfigMap") return judgeConfigMap(object, policy, subject);

  const mode = modeFor(policy, namespace);
  if (object.type !== undefined && policy.exemptSecretTypes.includes(object.type)) return pass("exempt-type", mode);

  const keys = valueKeys(object);
  if (keys.length === 0 && !object.hasSopsMetadata) return pass("no-values", mode);

  const encrypted = sopsKeys(object);
  if (encrypted.length > 0 || object.hasSopsMetadata) {
    const where = encrypted.length > 0 ? ` in ${list(encrypted)}` : "";
    return violation(
      "sops-ciphertext",
      mode,
      `${subject} still holds SOPS ciphertext${where}: it reached the cluster without being decrypted; ` +
        "enable decryption for its source (Flux Kustomization spec.decryption, or an Argo CD plugin such as ksops)",
    );
  }

  const decrypted = decryptingSource(tool, facts, policy);
  if (decrypted.kind === "allowed") return pass(decrypted.reason, mode);
  if (decrypted.kind === "lookup-failed") {
    return violation(
      "lookup-failed",
      mode,
      `${subject} has values from Git in ${list(keys)} and whether its source decrypts cannot be checked (${decrypted.why}); ` +
        `retry once the API server answers, or ${remedy}`,
    );
  }
  return violation("plaintext", mode, `${subject} has plaintext values from Git in ${list(keys)}; ${remedy}`);
}

function judgeConfigMap(object: KubeObject, policy: WebhookPolicy, subject: string): Verdict {
  const mode = policy.configMaps.mode;
  if (!policy.configMaps.scan) return pass("configmap-not-scanned", mode);
  const findings = scanConfigMapValues(object.data);
  if (findings.length === 0) return pass("configmap-clean", mode);
  const keys = [...new Set(findings.map((f) => `data.${f.key}`))];
  const rules = [...new Set(findings.map((f) => f.rule))];
  return violation("configmap-secret", mode, `${subject} looks like it holds a secret in ${list(keys)} (${list(rules)}); move it to a Secret managed by hush or an ExternalSecret`);
}

type SourceDecision =
  | { readonly kind: "allowed"; readonly reason: "decrypted-by-flux" | "decrypted-by-argo-plugin" }
  | { readonly kind: "lookup-failed"; readonly why: string }
  | { readonly kind: "plaintext" };

function decryptingSource(tool: GitOpsTool, facts: Facts, policy: WebhookPolicy): SourceDecision {
  if (tool === "flux-kustomize" && facts.kustomization) {
    const k = facts.kustomization;
    if (k.status === "error") return { kind: "lookup-failed", why: `looking up its Flux Kustomization failed: ${k.why}` };
    if (k.status === "found" && k.value.decrypts) return { kind: "allowed", reason: "decrypted-by-flux" };
  }
  if (tool === "argocd" && facts.application) {
    const a = facts.application;
    if (a.status === "error") return { kind: "lookup-failed", why: `looking up its Argo CD Application failed: ${a.why}` };
    if (a.status === "found" && a.value.plugins.some((p) => isDecryptingPlugin(p, policy.decryptingPlugins))) {
      return { kind: "allowed", reason: "decrypted-by-argo-plugin" };
    }
  }
  return { kind: "plaintext" };
}

function isDecryptingPlugin(name: string, configured: readonly string[]): boolean {
  return configured.some((c) => name === c || name.startsWith(`${c}-`));
}

/** Keys with a non-empty value, as `data.<key>` / `stringData.<key>` / `binaryData.<key>`. */
function valueKeys(object: KubeObject): string[] {
  const keys: string[] = [];
  for (const [field, map] of [["data", object.data], ["stringData", object.stringData], ["binaryData", object.binaryData]] as const) {
    for (const [k, v] of Object.entries(map)) if (v !== "") keys.push(`${field}.${k}`);
  }
  return keys;
}

function sopsKeys(object: KubeObject): string[] {
  const keys: string[] = [];
  for (const [field, map, encoded] of [["data", object.data, true], ["stringData", object.stringData, false]] as const) {
    for (const [k, v] of Object.entries(map)) {
      if (v === "") continue;
      const text = encoded ? decodeBase64(v) : v;
      if (isSopsMetadataKey(k) || containsSopsCiphertext(text)) keys.push(`${field}.${k}`);
    }
  }
  return keys;
}

function decodeBase64(value: string): string {
  // Node's decoder ignores characters outside the alphabet; a non-base64 value just decodes to noise.
  return Buffer.from(value, "base64").toString("latin1");
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
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, "?");
  return cleaned.length > 63 ? `${cleaned.slice(0, 60)}...` : cleaned;
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, 5).map((i) => {
    const dot = i.indexOf(".");
    return dot > 0 ? `${i.slice(0, dot)}.${safe(i.slice(dot + 1))}` : safe(i);
  });
  return items.length > 5 ? `${shown.join(", ")} and ${items.length - 5} more` : shown.join(", ");
}
