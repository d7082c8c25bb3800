/**
 * @packageDocumentation
 * The Kubernetes edge shared by hush's controller and webhook. This entry point is pure:
 * object models for ExternalSecret / SecretStore / ClusterSecretStore, condition and
 * selector helpers, Go durations, and the CRD generator. The I/O adapters on
 * `@kubernetes/client-node` live in the `@hush/kube/client` subpath.
 */
export type {
  ClusterSecretStoreCondition,
  Condition,
  ExternalSecret,
  ExternalSecretData,
  ExternalSecretDataFrom,
  ExternalSecretFind,
  ExternalSecretGeneratorRef,
  ExternalSecretRemoteRef,
  ExternalSecretRewrite,
  ExternalSecretRewriteMerge,
  ExternalSecretSpec,
  ExternalSecretStatus,
  ExternalSecretTarget,
  ExternalSecretTemplate,
  KubeObject,
  LabelSelector,
  ObjectMeta,
  OwnerReference,
  PasswordGenerator,
  PasswordGeneratorSpec,
  PushSecret,
  PushSecretData,
  PushSecretRemoteRef,
  PushSecretSpec,
  PushSecretStatus,
  PushSecretStoreRef,
  Secret,
  SecretStore,
  SecretStoreSpec,
  SecretStoreStatus,
  StoreRef,
} from "./types.js";
export {
  adoptAnnotation,
  apiVersion,
  apiVersionOf,
  esoFlavour,
  flavourFor,
  generatorApiVersionOf,
  generatorVersion,
  hushFlavour,
  type ApiFlavour,
  dataHashAnnotation,
  fieldManager,
  forceSyncAnnotation,
  group,
  managedKeysAnnotation,
  managedLabel,
  managedLabelValue,
  mergeAnnotationPrefix,
  ownerAnnotation,
  version,
} from "./constants.js";
export { formatDuration, parseDuration } from "./duration.js";
export { getCondition, isReady, setCondition } from "./conditions.js";
export { formatLabelSelector, matchesSelector, storeAdmitsNamespace } from "./selector.js";
export { compileTenantRegexp, maxTenantRegexpInput, maxTenantRegexpLength, type TenantRegexp, type TenantRegexpResult } from "./tenant-regexp.js";
export { buildCrds, crdFileName, renderCrdYaml, type Schema } from "./crds.js";
