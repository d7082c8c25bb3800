import { isHushError } from "@hush/errors";
import type { Facts } from "./facts.js";
import { judge, violations, type Reason, type Verdict } from "./judge.js";
import { tools, type Tool, type WebhookPolicy } from "./policy.js";
import { markerTools } from "./provenance.js";
import { parseAdmissionReview, type AdmissionRequest } from "./review.js";

/** A Secret or ConfigMap as read from the API server (`list`), before any checking. */
export interface ListedObject {
  readonly kind: "Secret" | "ConfigMap";
  readonly object: unknown;
}

/** What the audit found about one object the policy cares about. */
export interface AuditFinding {
  readonly kind: "Secret" | "ConfigMap";
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly verdict: Verdict;
}

// The controllers' own accounts, as their installs name them, used as the sender an existing
// object's recorded field manager stands for (the audit cannot see who sent a past write).
const controllerAccount: Readonly<Record<Exclude<Tool, "other">, string>> = {
  argocd: "argocd-application-controller",
  fluxKustomize: "kustomize-controller",
  fluxHelm: "helm-controller",
};

/**
 * The admission request an existing object stands for, or undefined when nothing about it is
 * GitOps. Values owned only by other field managers (cert-manager, an ExternalSecret merge, a
 * person) are left out, as an UPDATE would leave them out; a GitOps manager recorded in
 * managedFields stands for that tool's controller in its first admin namespace, so decryption
 * exemptions apply as they would have at admission.
 */
export function auditRequest(listed: ListedObject, policy: WebhookPolicy): AdmissionRequest | undefined {
  const raw = listed.object as { metadata?: { name?: unknown; namespace?: unknown; managedFields?: unknown }; [k: string]: unknown };
  if (typeof raw !== "object" || raw === null || typeof raw.metadata !== "object" || raw.metadata === null) return undefined;
  const managers = Array.isArray(raw.metadata.managedFields) ? (raw.metadata.managedFields as { manager?: unknown; fieldsV1?: unknown }[]) : [];
  const gitManager = (m: unknown) => tools.find((t) => typeof m === "string" && policy.fieldManagers[t].includes(m));
  const tool = managers.map((m) => gitManager(m.manager)).find((t) => t !== undefined);

  // Drop values whose only recorded owners are not GitOps managers.
  const owners = new Map<string, unknown[]>();
  for (const m of managers) {
    const f = (m.fieldsV1 as Record<string, unknown> | undefined)?.["f:data"];
    if (typeof f !== "object" || f === null) continue;
    for (const k of Object.keys(f)) if (k.startsWith("f:")) owners.set(k.slice(2), [...(owners.get(k.slice(2)) ?? []), m.manager]);
  }
  const data = (raw["data"] ?? {}) as Record<string, unknown>;
  const kept: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(data)) {
    const o = owners.get(k);
    if (o === undefined || o.some((m) => gitManager(m) !== undefined)) kept[k] = data[k];
  }

  const adminNs = tool === "argocd" ? policy.adminNamespaces.argocd[0] : policy.adminNamespaces.flux[0];
  const username = tool !== undefined && tool !== "other" && adminNs ? `system:serviceaccount:${adminNs}:${controllerAccount[tool]}` : "hush-audit";
  let request: AdmissionRequest;
  try {
    request = parseAdmissionReview({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "hush-audit",
        kind: { group: "", version: "v1", kind: listed.kind },
        ...(typeof raw.metadata.namespace === "string" ? { namespace: raw.metadata.namespace } : {}),
        ...(typeof raw.metadata.name === "string" ? { name: raw.metadata.name } : {}),
        operation: "CREATE",
        userInfo: { username, groups: [] },
        object: { ...raw, data: kept },
        ...(tool !== undefined ? { options: { fieldManager: managers.map((m) => m.manager).find((m) => gitManager(m) !== undefined) } } : {}),
      },
    }).request;
  } catch (err) {
    if (isHushError(err)) return undefined;
    throw err;
  }
  if (tool === undefined && request.object && markerTools(request.object, policy).size === 0) return undefined;
  return request;
}

/** Judges one existing object; undefined when it carries no GitOps signal. */
export function auditObject(listed: ListedObject, policy: WebhookPolicy, facts: Facts): AuditFinding | undefined {
  const request = auditRequest(listed, policy);
  if (!request?.object) return undefined;
  const verdict = judge(request, policy, facts);
  if (verdict.reason === "not-gitops" || verdict.reason === "not-judged") return undefined;
  const uid = (listed.object as { metadata?: { uid?: unknown } }).metadata?.uid;
  return { kind: listed.kind, namespace: request.namespace ?? "", name: request.name ?? "", uid: typeof uid === "string" ? uid : "", verdict };
}

/** True when a finding is a violation of the policy. */
export function isViolation(finding: AuditFinding): boolean {
  return violations.has(finding.verdict.reason);
}

/** A `wgpolicyk8s.io/v1alpha2` PolicyReport, as Kyverno and Gatekeeper tooling read them. */
export interface PolicyReport {
  readonly apiVersion: "wgpolicyk8s.io/v1alpha2";
  readonly kind: "PolicyReport";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
  readonly summary: { readonly pass: number; readonly fail: number; readonly warn: number; readonly error: number; readonly skip: number };
  readonly results: readonly PolicyReportResult[];
}

/** One result of a {@link PolicyReport}. */
export interface PolicyReportResult {
  readonly policy: string;
  readonly rule: Reason;
  readonly result: "fail" | "warn";
  readonly severity: "high" | "medium";
  readonly message: string;
  readonly source: "hush";
  readonly scored: true;
  readonly timestamp: { readonly seconds: number; readonly nanos: number };
  readonly resources: readonly { readonly apiVersion: "v1"; readonly kind: string; readonly name: string; readonly namespace: string; readonly uid: string }[];
}

/** Name of the policy in reports, and of each namespace's report object. */
export const auditPolicyName = "hush-no-plaintext-from-git";

/**
 * One PolicyReport per namespace that has GitOps-applied Secrets or ConfigMaps: a result per
 * violation (never a value: the messages are the webhook's), passes counted in the summary.
 */
export function policyReports(findings: readonly AuditFinding[], now: Date): PolicyReport[] {
  const byNamespace = new Map<string, AuditFinding[]>();
  for (const f of findings) byNamespace.set(f.namespace, [...(byNamespace.get(f.namespace) ?? []), f]);
  const seconds = Math.floor(now.getTime() / 1000);
  return [...byNamespace.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, list]) => {
    const results: PolicyReportResult[] = list.filter(isViolation).map((f) => ({
      policy: auditPolicyName,
      rule: f.verdict.reason,
      result: f.verdict.mode === "warn" ? "warn" : "fail",
      severity: f.kind === "Secret" ? "high" : "medium",
      message: f.verdict.message,
      source: "hush",
      scored: true,
      timestamp: { seconds, nanos: 0 },
      resources: [{ apiVersion: "v1", kind: f.kind, name: f.name, namespace: f.namespace, uid: f.uid }],
    }));
    return {
      apiVersion: "wgpolicyk8s.io/v1alpha2",
      kind: "PolicyReport",
      metadata: { name: auditPolicyName, namespace, labels: { "app.kubernetes.io/managed-by": "hush" } },
      summary: {
        pass: list.length - results.length,
        fail: results.filter((r) => r.result === "fail").length,
        warn: results.filter((r) => r.result === "warn").length,
        error: 0,
        skip: 0,
      },
      results,
    };
  });
}
