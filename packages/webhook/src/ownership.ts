import type { FactsNeeded, ObjectRef } from "./facts.js";
import type { WebhookPolicy } from "./policy.js";
import type { AdmissionRequest } from "./review.js";

/** Labels kustomize-controller stamps on everything a Kustomization applies. */
export const fluxNameLabel = "kustomize.toolkit.fluxcd.io/name";
export const fluxNamespaceLabel = "kustomize.toolkit.fluxcd.io/namespace";
/** Argo CD's annotation-based tracking (`<app>:<group>/<kind>:<namespace>/<name>`). */
export const argoTrackingAnnotation = "argocd.argoproj.io/tracking-id";
/** Argo CD's label-based tracking (the default before Argo CD 3). */
export const argoInstanceLabel = "app.kubernetes.io/instance";

/** Which GitOps tool an identity belongs to, or undefined when it is not a GitOps identity. */
export type GitOpsTool = "argocd" | "flux-kustomize" | "flux-helm" | "other";

/** Classifies the requesting user by the policy's identity lists. */
export function gitOpsTool(policy: WebhookPolicy, username: string): GitOpsTool | undefined {
  const ids = policy.identities;
  if (ids.fluxKustomize.includes(username)) return "flux-kustomize";
  if (ids.argocd.includes(username)) return "argocd";
  if (ids.fluxHelm.includes(username)) return "flux-helm";
  if (ids.other.includes(username)) return "other";
  return undefined;
}

/**
 * The lookups that could exempt this object: its Flux Kustomization when kustomize-controller
 * applies it, its Argo CD Application when Argo CD does. Labels are only trusted from the
 * tool that writes them, so a chart cannot claim a decrypting Kustomization.
 */
export function neededFacts(request: AdmissionRequest, policy: WebhookPolicy): FactsNeeded {
  const object = request.object;
  if (!object) return {};
  const tool = gitOpsTool(policy, request.userInfo.username);
  if (tool === "flux-kustomize") {
    const name = object.metadata.labels[fluxNameLabel];
    const namespace = object.metadata.labels[fluxNamespaceLabel];
    return name && namespace ? { kustomization: { namespace, name } } : {};
  }
  if (tool === "argocd") {
    const app = argoApplication(object.metadata.annotations[argoTrackingAnnotation], object.metadata.labels[argoInstanceLabel], policy);
    return app ? { application: app } : {};
  }
  return {};
}

function argoApplication(trackingId: string | undefined, instance: string | undefined, policy: WebhookPolicy): ObjectRef | undefined {
  // The annotation wins: Argo CD rewrites it on every sync, while a chart can set the label.
  const app = trackingId !== undefined ? trackingId.split(":", 1)[0] : instance;
  if (!app) return undefined;
  // Apps in any namespace are written `<namespace>_<name>`; names cannot contain "_".
  const sep = app.indexOf("_");
  return sep > 0 ? { namespace: app.slice(0, sep), name: app.slice(sep + 1) } : { namespace: policy.argocdNamespace, name: app };
}
