/**
 * @packageDocumentation
 * `@hush/kube/client`: the I/O half of the Kubernetes edge, on `@kubernetes/client-node`'s
 * credential handling: a generic REST client, hardened informers (re-list, liveness),
 * an event recorder and Lease-based leader election. Contains no reconcile decisions.
 */
export {
  KubeClient,
  kubeErrorCode,
  loadKubeConfig,
  resourcePath,
  type KubeConfigSource,
  type ListResult,
  type RequestOptions,
  type WatchEvent,
} from "./client/kube-client.js";
export { Informer, type InformerHandlers, type InformerOptions, type InformerStats, type KubeLogger } from "./client/informer.js";
export { EventRecorder, type EventInput } from "./client/events.js";
export { LeaderElector, type LeaderElectionOptions } from "./client/leader-election.js";
