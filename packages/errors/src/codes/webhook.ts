import { defineCodes } from "./define.js";

/** Errors raised by @hush/webhook. Codes are never reused once released. */
export const webhookCodes = defineCodes({
  HUSH_ERR_WEBHOOK_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
  HUSH_ERR_WEBHOOK_CONFIG: {
    exitCode: 1,
    hint: "fix the webhook configuration file (see docs/webhook.md for every field)",
  },
  HUSH_ERR_WEBHOOK_BAD_REVIEW: {
    exitCode: 1,
    hint: "send an admission.k8s.io/v1 AdmissionReview with a request (the API server does this)",
  },
  HUSH_ERR_WEBHOOK_KUBECONFIG: {
    exitCode: 1,
    hint: "pass --kubeconfig with a readable kubeconfig, or run the webhook in a cluster with a service account",
  },
  HUSH_ERR_WEBHOOK_LOOKUP: {
    exitCode: 1,
    hint: "check the webhook's RBAC (get on kustomizations, helmreleases and applications) and the API server's health",
  },
  HUSH_ERR_WEBHOOK_UNAUTHENTICATED: {
    exitCode: 1,
    hint: "the webhook runs with --client-ca: configure the API server's admission client certificate (AdmissionConfiguration kubeConfigFile)",
  },
  HUSH_ERR_WEBHOOK_CLIENT_CA: {
    exitCode: 1,
    hint: "pass --client-ca a readable PEM file with the CA that signs the API server's admission client certificate",
  },
});
