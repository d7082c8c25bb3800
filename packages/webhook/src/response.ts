import type { Verdict } from "./judge.js";

/** An `admission.k8s.io/v1` AdmissionReview response body. */
export interface AdmissionReviewResponse {
  readonly apiVersion: "admission.k8s.io/v1";
  readonly kind: "AdmissionReview";
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status?: { readonly code: number; readonly reason: string; readonly message: string };
    readonly warnings?: readonly string[];
    readonly auditAnnotations?: Readonly<Record<string, string>>;
  };
}

/** Renders a verdict as the review the API server expects back, echoing the request's uid. */
export function toAdmissionResponse(uid: string, verdict: Verdict): AdmissionReviewResponse {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: {
      uid,
      allowed: verdict.allowed,
      ...(verdict.allowed ? {} : { status: { code: 403, reason: "Forbidden", message: verdict.message } }),
      ...(verdict.warnings.length > 0 ? { warnings: verdict.warnings } : {}),
      ...(Object.keys(verdict.auditAnnotations).length > 0 ? { auditAnnotations: verdict.auditAnnotations } : {}),
    },
  };
}
