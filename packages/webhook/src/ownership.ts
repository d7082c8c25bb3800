import type { FactsNeeded, ObjectRef } from "./facts.js";
import { argoHome, type Tool, type WebhookPolicy } from "./policy.js";
import {
  argoTrackingAnnotation,
  fluxNameLabel,
  fluxNamespaceLabel,
  helmNameLabel,
  helmNamespaceLabel,
  matchesPattern,
  serviceAccountNamespace,
} from "./provenance.js";
import type { AdmissionRequest, KubeObject } from "./review.js";

/** Where an object says it came from, when that claim could earn an exemption. */
export interface ClaimedSources {
  readonly kustomization?: ObjectRef;
  readonly helmRelease?: ObjectRef;
  readonly application?: ObjectRef;
  /** Why the Argo CD marker was not usable (shown in the message, already escaped by the caller). */
  readonly argoProblem?: string;
}

/** The namespace and name of the object a request writes. */
export function objectRef(request: AdmissionRequest, object: KubeObject): ObjectRef {
  return { namespace: request.namespace ?? object.metadata.namespace ?? "", name: object.metadata.name ?? request.name ?? "" };
}

/**
 * The sources the object's markers name. Flux labels name a Kustomization or HelmRelease. For
 * Argo CD only the marker the configured tracking method writes is read: the tracking-id
 * annotation (which must name this very object) under `annotation` and `annotation+label`, the
 * instance label under `label`. Argo CD overwrites that marker on every sync; the other one a
 * Git author could have set.
 */
export function claimedSources(request: AdmissionRequest, policy: WebhookPolicy): ClaimedSources {
  const object = request.object;
  if (!object) return {};
  const { labels, annotations } = object.metadata;
  const out: { kustomization?: ObjectRef; helmRelease?: ObjectRef; application?: ObjectRef; argoProblem?: string } = {};
  const k = pair(labels[fluxNameLabel], labels[fluxNamespaceLabel]);
  if (k) out.kustomization = k;
  const h = pair(labels[helmNameLabel], labels[helmNamespaceLabel]);
  if (h) out.helmRelease = h;
  if (policy.argocd.tracking === "label") {
    const app = labels[policy.argocd.instanceLabelKey];
    if (app) out.application = appRef(app, policy);
  } else {
    const id = annotations[argoTrackingAnnotation];
    if (id !== undefined) {
      const parsed = parseTrackingId(id);
      const self = objectRef(request, object);
      if (!parsed) out.argoProblem = "its Argo CD tracking id is malformed";
      else if (parsed.group !== "" || parsed.kind !== request.kind.kind || parsed.namespace !== self.namespace || parsed.name !== self.name) {
        out.argoProblem = "its Argo CD tracking id names another object";
      } else out.application = appRef(parsed.app, policy);
    }
  }
  return out;
}

/** `<app>:<group>/<kind>:<namespace>/<name>`, as Argo CD's `ParseAppInstanceValue` reads it. */
export function parseTrackingId(id: string): { app: string; group: string; kind: string; namespace: string; name: string } | undefined {
  const first = id.indexOf(":");
  const second = first < 0 ? -1 : id.indexOf(":", first + 1);
  if (first <= 0 || second < 0) return undefined;
  const gk = id.slice(first + 1, second).split("/");
  const nn = id.slice(second + 1).split("/");
  if (gk.length !== 2 || nn.length !== 2) return undefined;
  return { app: id.slice(0, first), group: gk[0] ?? "", kind: gk[1] ?? "", namespace: nn[0] ?? "", name: nn[1] ?? "" };
}

function appRef(app: string, policy: WebhookPolicy): ObjectRef | undefined {
  // Applications outside Argo CD's own namespace are written `<namespace>_<name>` (`InstanceName`);
  // names are DNS subdomains, so "_" only ever separates the two.
  const sep = app.indexOf("_");
  if (sep === 0 || sep === app.length - 1) return undefined;
  return sep > 0 ? { namespace: app.slice(0, sep), name: app.slice(sep + 1) } : { namespace: argoHome(policy), name: app };
}

function pair(name: string | undefined, namespace: string | undefined): ObjectRef | undefined {
  return name && namespace ? { namespace, name } : undefined;
}

/** A source is trusted about decryption when it lives in an admin namespace or is allowlisted. */
export function trustedSource(kind: "Kustomization" | "HelmRelease" | "Application", ref: ObjectRef, policy: WebhookPolicy): boolean {
  const admin = kind === "Application" ? policy.adminNamespaces.argocd : policy.adminNamespaces.flux;
  return admin.includes(ref.namespace) || policy.decryptingSources.includes(`${kind}/${ref.namespace}/${ref.name}`);
}

/**
 * The sender is the tool itself, not someone holding a token that looks like it: the tool's
 * service account in one of its admin namespaces (only cluster admins mint tokens there), an
 * Argo CD remote-cluster identity, or the account a trusted Flux source impersonates.
 */
export function trustedSender(tool: Tool, request: AdmissionRequest, policy: WebhookPolicy, impersonates?: string): boolean {
  const user = request.userInfo.username;
  if (impersonates !== undefined && user === impersonates) return true;
  const ns = serviceAccountNamespace(user);
  const admin = tool === "argocd" ? policy.adminNamespaces.argocd : policy.adminNamespaces.flux;
  if (ns !== undefined && admin.includes(ns) && policy.identities[tool].some((p) => matchesPattern(p, user))) return true;
  return tool === "argocd" && policy.argocd.remoteIdentities.some((p) => matchesPattern(p, user));
}

/** The username of the service account a Flux source impersonates, if any. */
export function fluxImpersonates(ref: ObjectRef, serviceAccountName: string | undefined, policy: WebhookPolicy): string | undefined {
  const sa = serviceAccountName ?? (policy.fluxDefaultServiceAccount || undefined);
  return sa ? `system:serviceaccount:${ref.namespace}:${sa}` : undefined;
}

/**
 * The lookups that could exempt this object: only sources it names that are trusted by
 * location, and for Argo CD only when a trusted sender applies it. A tenant's own Kustomization
 * is never looked up, so `/validate` does not answer questions about arbitrary objects.
 */
export function neededFacts(request: AdmissionRequest, policy: WebhookPolicy): FactsNeeded {
  const claimed = claimedSources(request, policy);
  return {
    ...(claimed.kustomization && trustedSource("Kustomization", claimed.kustomization, policy) ? { kustomization: claimed.kustomization } : {}),
    ...(claimed.helmRelease && trustedSource("HelmRelease", claimed.helmRelease, policy) ? { helmRelease: claimed.helmRelease } : {}),
    ...(claimed.application && trustedSource("Application", claimed.application, policy) && trustedSender("argocd", request, policy)
      ? { application: claimed.application }
      : {}),
  };
}
