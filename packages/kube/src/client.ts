/**
 * @packageDocumentation
 * `@hush/kube/client`: the I/O half of the Kubernetes edge: kubeconfig loading (delegating
 * auth plugins to `@kubernetes/client-node`), a generic REST client, hardened informers (re-list, liveness),
 * an event recorder and Lease-based leader election. Contains no reconcile decisions.
 */
export { loadKubeConfig, type KubeConfigSource, type KubeConnection } from "./client/kube-config.js";
export {
  KubeClient,
  kubeErrorCode,
  resourcePath,
  type ListResult,
  type RequestOptions,
  type WatchEvent,
} from "./client/kube-client.js";
export { Informer, type InformerHandlers, type InformerOptions, type InformerStats, type KubeLogger } from "./client/informer.js";
export { EventRecorder, type EventInput } from "./client/events.js";
export { LeaderElector, type LeaderElectionOptions } from "./client/leader-election.js";
