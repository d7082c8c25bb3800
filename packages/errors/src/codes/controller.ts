import { defineCodes } from "./define.js";

/**
 * Errors raised by @hush/controller. Codes are never reused once released.
 *
 * Messages name the ExternalSecret (namespace/name) and the spec path, never a value.
 */
export const controllerCodes = defineCodes({
  HUSH_ERR_CONTROLLER_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
  HUSH_ERR_CONTROLLER_INVALID_SPEC: {
    exitCode: 1,
    hint: "fix the ExternalSecret spec at the named path; it is not retried until the spec changes",
  },
  HUSH_ERR_CONTROLLER_TEMPLATE: {
    exitCode: 1,
    hint: "fix spec.target.template at the named key; see docs/controller.md for the template functions",
  },
  HUSH_ERR_CONTROLLER_TEMPLATE_SOURCE_NOT_FOUND: {
    exitCode: 1,
    hint: "create the ConfigMap or Secret (or the key) spec.target.template.templateFrom names, in the ExternalSecret's namespace; the sync is retried with backoff",
  },
  HUSH_ERR_CONTROLLER_INVALID_KEY: {
    exitCode: 1,
    hint: "Secret keys must match [-._a-zA-Z0-9]+; use dataFrom[].rewrite or conversionStrategy",
  },
  HUSH_ERR_CONTROLLER_GENERATOR: {
    exitCode: 1,
    hint: "fix the generator (Password, UUID) named by dataFrom[].sourceRef.generatorRef: its spec cannot produce a value (e.g. digits + symbols > length, length > 4096); the sync is retried with backoff",
  },
  HUSH_ERR_CONTROLLER_GENERATOR_NOT_FOUND: {
    exitCode: 1,
    hint: "create the generator dataFrom[].sourceRef.generatorRef names, in the ExternalSecret's own namespace (generators in other namespaces are never read); the sync is retried with backoff",
  },
  HUSH_ERR_CONTROLLER_STORE_NOT_FOUND: {
    exitCode: 1,
    hint: "create the referenced SecretStore/ClusterSecretStore or fix spec.secretStoreRef",
  },
  HUSH_ERR_CONTROLLER_STORE_NOT_ALLOWED: {
    exitCode: 1,
    hint: "the ClusterSecretStore's spec.conditions do not admit this namespace",
  },
  HUSH_ERR_CONTROLLER_STORE_NOT_READY: {
    exitCode: 1,
    hint: "the store failed validation; check its status and credentials",
  },
  HUSH_ERR_CONTROLLER_PROVIDER: {
    exitCode: 128,
    hint: "the provider call failed; the existing Secret is kept and the sync is retried with backoff",
  },
  HUSH_ERR_CONTROLLER_TARGET_CONFLICT: {
    exitCode: 1,
    hint: "the target Secret is owned by another object; pick another spec.target.name",
  },
  HUSH_ERR_CONTROLLER_TARGET_IMMUTABLE: {
    exitCode: 1,
    hint: "the target Secret is immutable; delete it to let the controller recreate it",
  },
  HUSH_ERR_CONTROLLER_LEADERSHIP_LOST: {
    exitCode: 1,
    hint: "the Lease could not be renewed in time; the process exits so it restarts as a standby",
  },
  HUSH_ERR_CONTROLLER_CES_WRITE: {
    exitCode: 1,
    hint: "a ClusterExternalSecret could not create, update or delete its ExternalSecret in some namespaces (status.failedNamespaces says why); retried with backoff",
  },
  HUSH_ERR_CONTROLLER_CPS_WRITE: {
    exitCode: 1,
    hint: "a ClusterPushSecret could not create, update or delete its PushSecret in some namespaces (status.failedNamespaces says why); retried with backoff",
  },
  HUSH_ERR_CONTROLLER_CONFIG: {
    exitCode: 1,
    hint: "check the controller flags (--workers, --namespace, --kubeconfig)",
  },
  HUSH_ERR_CONTROLLER_REWRITE_MERGE: {
    exitCode: 1,
    hint: "dataFrom[].rewrite[].merge needs every value it merges to be a JSON object, its priority keys present (or priorityPolicy IgnoreNotFound), no member in two values (or conflictPolicy Ignore) and `into` with strategy JSON; the sync is retried with backoff",
  },
  HUSH_ERR_CONTROLLER_PUSH_SOURCE_NOT_FOUND: {
    exitCode: 1,
    hint: "create the Secret named by the PushSecret's spec.selector.secret.name (in the PushSecret's namespace) or the key its data[].match.secretKey names",
  },
});
