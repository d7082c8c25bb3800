import { defineCodes } from "./define.js";

/** Errors raised by @hush/kube. Codes are never reused once released. */
export const kubeCodes = defineCodes({
  HUSH_ERR_KUBE_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
  HUSH_ERR_KUBE_CONFIG: {
    exitCode: 1,
    hint: "pass --kubeconfig FILE, set KUBECONFIG, or run in a pod with a service account",
  },
  HUSH_ERR_KUBE_API: {
    exitCode: 1,
    hint: "the Kubernetes API request failed; check connectivity and RBAC (see deploy/controller)",
  },
  HUSH_ERR_KUBE_NOT_FOUND: { exitCode: 1, hint: "the object does not exist (any more)" },
  HUSH_ERR_KUBE_CONFLICT: { exitCode: 1, hint: "the object changed concurrently; it is retried" },
  HUSH_ERR_KUBE_FORBIDDEN: {
    exitCode: 1,
    hint: "grant the controller's ServiceAccount the verb named in the message (deploy/controller/rbac.yaml)",
  },
  HUSH_ERR_KUBE_INVALID_OBJECT: {
    exitCode: 1,
    hint: "the object does not match its schema; fix the named field",
  },
  HUSH_ERR_KUBE_WATCH: {
    exitCode: 1,
    hint: "the watch stream failed; the informer re-lists and reconnects with backoff",
  },
});
