/**
 * @packageDocumentation
 * hush's validating admission webhook: no plaintext Secret arrives from GitOps sync.
 *
 * The decision is the pure {@link judge}; {@link neededFacts} says which Flux Kustomization
 * or Argo CD Application it depends on, {@link resolveFacts} looks them up through a
 * {@link FactsSource} (the cached Kubernetes edge from {@link createCachedFacts}), and
 * {@link createWebhookApp} is the fastify shell around them.
 */
export { createWebhookApp, type WebhookAppOptions } from "./app.js";
export { admissionPlugin, type AdmissionPluginOptions } from "./admission-plugin.js";
export { judge, violations, type Reason, type Verdict } from "./judge.js";
export { parsePolicy, defaultPolicy, modeFor, modes, type Mode, type WebhookPolicy, type GitOpsIdentities } from "./policy.js";
export { parseAdmissionReview, type AdmissionReview, type AdmissionRequest, type KubeObject, type Operation } from "./review.js";
export { toAdmissionResponse, type AdmissionReviewResponse } from "./response.js";
export { neededFacts, gitOpsTool, type GitOpsTool } from "./ownership.js";
export {
  resolveFacts,
  type Facts,
  type FactsNeeded,
  type FactsSource,
  type Lookup,
  type ObjectRef,
  type KustomizationFact,
  type ApplicationFact,
} from "./facts.js";
export {
  createCachedFacts,
  kustomizationFact,
  applicationFact,
  type ObjectReader,
  type CustomObjectRef,
  type CachedFactsOptions,
  type LookupOutcome,
} from "./cached-facts.js";
export { createKubeObjectReader, type KubeObjectReaderOptions } from "./io/kube-object-reader.js";
export { createWebhookMetrics, createLookupMetrics, type WebhookMetrics } from "./metrics.js";
export { serveWebhook, type ServeWebhookOptions, type RunningWebhook } from "./serve.js";
