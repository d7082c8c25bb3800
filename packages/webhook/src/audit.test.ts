import { describe, expect, it } from "vitest";
import { auditObject, auditRequest, defaultPolicy, isViolation, policyReports, type AuditFinding } from "./index.js";

const canary = "hush-audit-canary-0b5e55ed";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const secret = (name: string, meta: Record<string, unknown> = {}, data: Record<string, string> = { password: b64(canary) }) => ({
  kind: "Secret" as const,
  object: { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "team-a", uid: `uid-${name}`, ...meta }, type: "Opaque", data },
});
const managed = (manager: string, keys: string[]) => ({ manager, operation: "Apply", fieldsV1: { "f:data": Object.fromEntries(keys.map((k) => [`f:${k}`, {}])) } });

describe("audit: existing objects judged as the webhook would", () => {
  it("skips objects with no GitOps signal", () => {
    expect(auditRequest(secret("by-hand", { managedFields: [managed("kubectl-client-side-apply", ["password"])] }), defaultPolicy)).toBeUndefined();
    expect(auditObject(secret("plain"), defaultPolicy, {})).toBeUndefined();
  });

  it("finds plaintext a GitOps manager wrote, and names no value", () => {
    const f = auditObject(secret("from-flux", { managedFields: [managed("kustomize-controller", ["password"])] }), defaultPolicy, {});
    expect(f).toMatchObject({ namespace: "team-a", name: "from-flux", uid: "uid-from-flux", verdict: { allowed: false, reason: "plaintext" } });
    expect(JSON.stringify(f)).not.toContain(canary);
  });

  it("finds plaintext by marker alone, and leaves out values another manager owns", () => {
    const labels = { "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };
    expect(auditObject(secret("marked", { labels }), defaultPolicy, {})?.verdict.reason).toBe("plaintext");
    const certManager = secret("tls", { labels, managedFields: [managed("kustomize-controller", []), managed("cert-manager-certificates-issuing", ["password"])] });
    expect(auditObject(certManager, defaultPolicy, {})?.verdict.reason).toBe("no-values");
  });

  it("applies the decryption exemption as the controller would have earned it", () => {
    const labels = { "kustomize.toolkit.fluxcd.io/name": "secrets", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };
    const f = auditObject(secret("decrypted", { labels, managedFields: [managed("kustomize-controller", ["password"])] }), defaultPolicy, {
      kustomization: { status: "found", value: { decrypts: true } },
    });
    expect(f?.verdict.reason).toBe("decrypted-by-flux");
  });

  it("writes one PolicyReport per namespace: violations as results, passes in the summary", () => {
    const fail = auditObject(secret("a", { managedFields: [managed("argocd-controller", ["password"])] }), defaultPolicy, {}) as AuditFinding;
    const pass = auditObject(secret("b", { managedFields: [managed("argocd-controller", [])] }, {}), defaultPolicy, {}) as AuditFinding;
    expect(isViolation(fail)).toBe(true);
    expect(isViolation(pass)).toBe(false);
    const [report, ...rest] = policyReports([fail, pass], new Date(1_700_000_000_500));
    expect(rest).toEqual([]);
    expect(report).toMatchObject({
      apiVersion: "wgpolicyk8s.io/v1alpha2",
      kind: "PolicyReport",
      metadata: { name: "hush-no-plaintext-from-git", namespace: "team-a" },
      summary: { pass: 1, fail: 1, warn: 0, error: 0, skip: 0 },
      results: [{ policy: "hush-no-plaintext-from-git", rule: "plaintext", result: "fail", severity: "high", source: "hush",
        timestamp: { seconds: 1_700_000_000, nanos: 0 }, resources: [{ apiVersion: "v1", kind: "Secret", name: "a", namespace: "team-a", uid: "uid-a" }] }],
    });
    expect(JSON.stringify(report)).not.toContain(canary);
  });
});
