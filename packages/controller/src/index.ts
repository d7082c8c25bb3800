/**
 * @packageDocumentation
 * The hush ExternalSecret sync controller. The pure core decides: {@link planSecret}
 * (templates, creation/deletion policies, data hash, Ready reasons), {@link refreshDecision}
 * (refresh schedule with deterministic jitter) and {@link backoffDelay}; {@link StoreReader}
 * de-duplicates and batches provider reads. {@link Controller} wires them to informers, a
 * work queue and the API server; {@link runController} adds the Lease and the ops server.
 */
export { planSecret, renderSecretData, secretIsIntact, targetName, validateExternalSecret, type FetchResult, type Plan, type PlannedEvent, type ReadyReason, type SecretAction } from "./plan-secret.js";
export { renderTemplate, templateFunctions } from "./template.js";
export { hashSecretData } from "./data-hash.js";
export { backoffDelay, defaultRefreshIntervalMs, jitteredInterval, jitterFraction, refreshDecision, refreshIntervalMs, syncedResourceVersion, type BackoffOptions, type RefreshDecision } from "./refresh.js";
export { fetchExternalSecretData, type SourceReader } from "./fetch-data.js";
export { StoreReader, type CallObserver, type ReadOptions, type ReadStats, type StoreReaderOptions } from "./store-reader.js";
export { TokenBucket, type TokenBucketOptions } from "./token-bucket.js";
export { WorkQueue } from "./work-queue.js";
export { ManualClock, systemClock, type Clock, type Timer } from "./clock.js";
export { createControllerMetrics, type ControllerMetrics } from "./metrics.js";
export { Controller, type ControllerOptions, type ControllerStats } from "./controller.js";
export { runController, type RunControllerOptions } from "./run-controller.js";
