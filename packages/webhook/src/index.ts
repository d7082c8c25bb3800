/**
 * @packageDocumentation
 * hush's validating admission webhook: no plaintext Secret arrives from GitOps sync.
 *
 * The decision is the pure {@link judge}: {@link provenance} says whether a request is GitOps
 * and who sent it, {@link neededFacts} says which Flux Kustomization, HelmRelease or Argo CD
 * Application an exemption depends on, {@link resolveFacts} looks them up through a
 * {@link FactsSource} (the cached Kubernetes edge from {@link createCachedFacts}), and
 * {@link createWebhookApp} is the fastify shell around them.
 */
export { createWebhookApp, type WebhookAppOptions } from "./app.js";
export { admissionPlugin, type AdmissionPluginOptions } from "./admission-plugin.js";
export { judge, violations, type Reason, type Verdict } from "./judge.js";
export { parsePolicy, defaultPolicy, modeFor, modes, tools, type Mode, type WebhookPolicy, type Tool, type PerTool, type ArgoPolicy, type ArgoTracking } from "./policy.js";
export {
  parseAdmissionReview,
  type AdmissionReview,
  type AdmissionRequest,
  type KubeObject,
  type Operation,
  type ManagedFieldsEntry,
  type OwnerReference,
} from "./review.js";
export { toAdmissionResponse, type AdmissionReviewResponse } from "./response.js";
export { neededFacts, claimedSources, parseTrackingId, type ClaimedSources } from "./ownership.js";
export { provenance, matchesPattern, changedValueKeys, type Provenance, type Signal } from "./provenance.js";
export { renderMatchConditions, patternToRe2, type MatchCondition } from "./match-conditions.js";
export { containsSopsCiphertext, containsEncValue, containsSopsMetadata } from "./sops-ciphertext.js";
export {
  resolveFacts,
  type Facts,
  type FactsNeeded,
  type FactsSource,
  type Lookup,
  type ObjectRef,
  type KustomizationFact,
  type ApplicationFact,
  type ApplicationSourceFact,
  type HelmReleaseFact,
} from "./facts.js";
export {
  createCachedFacts,
  kustomizationFact,
  applicationFact,
  helmReleaseFact,
  type FactKind,
  type ObjectReader,
  type CustomObjectRef,
  type CachedFactsOptions,
  type LookupOutcome,
} from "./cached-facts.js";
export {
  auditRequest,
  auditObject,
  isViolation,
  policyReports,
  auditPolicyName,
  type ListedObject,
  type AuditFinding,
  type PolicyReport,
  type PolicyReportResult,
} from "./audit.js";
export { createKubeObjectReader, type KubeObjectReaderOptions } from "./io/kube-object-reader.js";
export { auditCluster, type AuditClusterOptions, type AuditResult } from "./io/audit-cluster.js";
export { createWebhookMetrics, createLookupMetrics, type WebhookMetrics } from "./metrics.js";
export { serveWebhook, type ServeWebhookOptions, type RunningWebhook } from "./serve.js";
