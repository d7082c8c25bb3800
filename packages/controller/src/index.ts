/**
 * @packageDocumentation
 * The hush ExternalSecret sync controller, in controller-runtime's shape. The pure core
 * decides: {@link planSecret} (templates, creation/deletion policies, ownership, data hash,
 * Ready reasons), {@link resolveStore} (may this ExternalSecret use that store, and if not,
 * why), {@link refreshDecision} and {@link backoffDelay}. {@link Reconciler} is one sync,
 * `reconcile(key) → Result`; {@link WorkerLoop} owns every requeue; {@link ReaderCache} and
 * {@link SecretWriter} are the store and Secret edges. {@link Controller} wires them to
 * informers; {@link runController} adds the Lease and the ops server.
 */
export {
  assertWritableSecret,
  fieldManagerFor,
  mergeAnnotationFor,
  planSecret,
  privilegedSecretTypes,
  renderSecretData,
  secretIsIntact,
  targetName,
  validateExternalSecret,
  writersOf,
  type FetchResult,
  type Plan,
  type PlannedEvent,
  type ReadyReason,
  type SecretAction,
} from "./plan-secret.js";
export { failure, isTerminalCode, type Verdict } from "./failure.js";
export { renderTemplate, renderSecret, renderTransform, templateSourceRefs, TemplateBudget, maxTemplateOutput, maxTemplateSource, type RenderedSecret, type TemplateSources, type TemplateSourceRef } from "./template.js";
export { resolveStore, storeCacheKey, storeRefsOf, type StoreAccess, type StoreDenial, type StoreQuery } from "./resolve-store.js";
export { Reconciler, type ReconcilerDeps } from "./reconcile.js";
export { WorkerLoop, TerminalError, type Result, type WorkerLoopOptions } from "./worker-loop.js";
export { ReaderCache, type CredentialReadObserver, type CredentialSourceKind, type ReaderCacheOptions } from "./reader-cache.js";
export { SecretWriter, type WriteOutcome } from "./secret-writer.js";
export { hashSecretData } from "./data-hash.js";
export { backoffDelay, defaultRefreshIntervalMs, defaultStoreRefreshMs, jitteredInterval, jitterFraction, minStoreRefreshMs, refreshDecision, refreshIntervalMs, storeRefreshIntervalMs, syncedResourceVersion, type BackoffOptions, type RefreshDecision } from "./refresh.js";
export { maxRetryBudgetMs, maxRetryDelayMs, maxStoreRetries, retryPolicyOf, type RetryPolicy } from "./store-retry.js";
export { fetchExternalSecretData, type SourceReader } from "./fetch-data.js";
export { clusterGeneratorKinds, clusterGeneratorTarget, fakeData, generatePassword, generatorKinds, generatorResource, maxPasswordLength, runGenerator, type Generated, type GeneratorKind, type Randomness } from "./generators.js";
export { cryptoRandomness } from "./random.js";
export { StoreReader, type CallObserver, type ReadOptions, type ReadStats, type StoreReaderOptions } from "./store-reader.js";
export { TokenBucket, type TokenBucketOptions } from "./token-bucket.js";
export { WorkQueue } from "./work-queue.js";
export { ManualClock, maxTimerDelayMs, systemClock, timerDelay, type Clock, type Timer } from "./clock.js";
export { createControllerMetrics, type ControllerMetrics } from "./metrics.js";
export {
  cesKind,
  cesOwnerReference,
  cesRefreshMs,
  clashReason,
  clusterExternalSecretStatus,
  controllingClusterExternalSecret,
  defaultCesRefreshMs,
  externalSecretNameOf,
  namespacesFailedMessage,
  planClusterExternalSecret,
  selectNamespaces,
  stampedSpec,
  type CesAction,
  type CesPlan,
  type ClusterExternalSecret,
  type ClusterExternalSecretCondition,
  type ClusterExternalSecretSpec,
  type ClusterExternalSecretStatus,
  type NamespaceFailure,
  type NamespaceInfo,
} from "./plan-cluster-external-secret.js";
export { ClusterExternalSecretController, type ClusterExternalSecretControllerOptions } from "./cluster-external-secret.js";
export { ClusterPushSecretController, type ClusterPushSecretControllerOptions } from "./cluster-push-secret.js";
export { StampingController, type StampingControllerOptions, type StampingKindConfig, type StampingOwner } from "./stamping-controller.js";
export {
  clusterPushSecretStatus,
  controllingClusterPushSecret,
  cpsKind,
  cpsRefreshMs,
  defaultCpsRefreshMs,
  planClusterPushSecret,
  pushClashReason,
  pushSecretNameOf,
  stampedPushSpec,
  type ClusterPushSecret,
  type ClusterPushSecretSpec,
  type ClusterPushSecretStatus,
  type CpsAction,
  type CpsPlan,
} from "./plan-cluster-push-secret.js";
export { controllingOwner, planStamped, stampStatus, type NamespaceSelection, type StampAction, type StampCondition, type StampedChild, type StampedKind, type StampPlan } from "./plan-stamped.js";
export { Controller, type ControllerOptions, type ControllerStats } from "./controller.js";
export { PushSecretController, type PushSecretControllerOptions } from "./push-controller.js";
export { PushReconciler, mergeSynced, type PushReconcilerDeps } from "./push-reconcile.js";
export { convertKeys, planCleanup, planPush, pushSourceData, reverseUnicode, statusKeyOf, validatePushSecret, type PlannedDelete, type PlannedPush, type PushPlan, type SyncedMap } from "./push-plan.js";
export { runController, type RunControllerOptions } from "./run-controller.js";
