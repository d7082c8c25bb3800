import { Counter, Histogram, type Registry } from "prom-client";
import type { FactKind, LookupOutcome } from "./cached-facts.js";
import type { Verdict } from "./judge.js";

/** The webhook's Prometheus metrics, registered on the registry `/metrics` serves. */
export interface WebhookMetrics {
  /** Records one decision and how long the review took, end to end. */
  observe(verdict: Verdict, seconds: number): void;
  /** Records a request answered with an error instead of a decision (400, 413, 415, 500). */
  rejected(status: number): void;
}

/** Registers `hush_webhook_*` metrics on `registry`. */
export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const decisions = new Counter({
    name: "hush_webhook_decisions_total",
    help: "Admission decisions by result (allowed, denied, warned, audited), reason and mode.",
    labelNames: ["result", "reason", "mode"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "hush_webhook_review_duration_seconds",
    help: "Time from receiving an AdmissionReview to answering it, including lookups.",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const rejected = new Counter({
    name: "hush_webhook_rejected_requests_total",
    help: "Requests answered with an error instead of a decision (400 malformed, 413 oversized, 415 not JSON, 500 internal).",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  return {
    observe(verdict, seconds) {
      const result = !verdict.allowed ? "denied" : verdict.warnings.length > 0 ? "warned" : Object.keys(verdict.auditAnnotations).length > 0 ? "audited" : "allowed";
      decisions.inc({ result, reason: verdict.reason, mode: verdict.mode });
      duration.observe(seconds);
    },
    rejected(status) {
      rejected.inc({ status: String(status) });
    },
  };
}

/**
 * Registers `hush_webhook_lookups_total{kind, outcome}` and returns a recorder to pass as
 * `onLookup` to `createCachedFacts`. A rising `error` count usually means missing RBAC.
 */
export function createLookupMetrics(registry: Registry): (kind: FactKind, outcome: LookupOutcome) => void {
  const lookups = new Counter({
    name: "hush_webhook_lookups_total",
    help: "Flux Kustomization/HelmRelease and Argo CD Application lookups by kind and outcome (cached, found, missing, error).",
    labelNames: ["kind", "outcome"] as const,
    registers: [registry],
  });
  return (kind, outcome) => lookups.inc({ kind, outcome });
}
