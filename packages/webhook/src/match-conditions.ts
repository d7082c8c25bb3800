import { tools, type WebhookPolicy } from "./policy.js";
import { argoTrackingAnnotation, fluxNameLabel, fluxNamespaceLabel, helmNameLabel, helmNamespaceLabel } from "./provenance.js";

/** One `matchConditions` entry of a ValidatingWebhookConfiguration. */
export interface MatchCondition {
  readonly name: string;
  readonly expression: string;
}

/**
 * The ValidatingWebhookConfiguration `matchConditions` for `policy`: the API server calls the
 * webhook when ANY of the policy's GitOps signals holds, so impersonated or relocated GitOps
 * traffic is sent. Kubernetes ANDs separate conditions, so this is one condition whose CEL ORs
 * the signals. (The admission `options`, and so `fieldManager`, are not visible to CEL; the
 * manager shows in `object.metadata.managedFields`, which the API server fills before admission.)
 * CEL's `matches` is RE2: linear time. Needs Kubernetes 1.30 or later (matchConditions GA).
 */
export function renderMatchConditions(policy: WebhookPolicy): MatchCondition[] {
  const patterns = [...new Set([...tools.flatMap((t) => policy.identities[t]), ...policy.argocd.remoteIdentities])];
  const managers = [...new Set(tools.flatMap((t) => policy.fieldManagers[t]))];
  const labels = [fluxNameLabel, fluxNamespaceLabel, helmNameLabel, helmNamespaceLabel];
  if (policy.argocd.tracking !== "annotation") labels.push(policy.argocd.instanceLabelKey);
  const annotations = policy.argocd.tracking === "label" ? [] : [argoTrackingAnnotation];

  const terms: string[] = [];
  if (patterns.length > 0) {
    const re = `^(${patterns.map(patternToRe2).join("|")})$`;
    terms.push(`request.userInfo.username.matches(${str(re)})`);
    terms.push(`(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g.matches(${str(re)})))`);
  }
  if (managers.length > 0) {
    terms.push(`(has(object.metadata.managedFields) && object.metadata.managedFields.exists(m, has(m.manager) && m.manager in ${strList(managers)}))`);
  }
  terms.push(`(has(object.metadata.labels) && ${strList(labels)}.exists(k, k in object.metadata.labels))`);
  if (annotations.length > 0) terms.push(`(has(object.metadata.annotations) && ${strList(annotations)}.exists(k, k in object.metadata.annotations))`);
  // DELETE carries no object; the webhook has nothing to judge there anyway.
  return [{ name: "gitops-signals", expression: `object != null && (\n  ${terms.join(" ||\n  ")})` }];
}

/** `*` is any run of characters inside one `:`-separated segment; everything else is literal. */
export function patternToRe2(pattern: string): string {
  return pattern
    .split("*")
    .map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, (c) => `\\${c}`))
    .join("[^:]*");
}

function str(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function strList(items: readonly string[]): string {
  return `[${items.map(str).join(", ")}]`;
}
