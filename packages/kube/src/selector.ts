import { compileTenantRegexp, maxTenantRegexpInput } from "./tenant-regexp.js";
import type { ClusterSecretStoreCondition, LabelSelector } from "./types.js";

/** True when `labels` satisfy the label selector (an empty selector matches everything). */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === "In" && !(has && values.includes(value!))) return false;
    if (e.operator === "NotIn" && has && values.includes(value!)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

/**
 * Whether a ClusterSecretStore with `conditions` may serve ExternalSecrets in `namespace`
 * (labels `namespaceLabels`), as ESO v0.16.2 decides it (`shouldProcessSecret` in its client
 * manager). No conditions: every namespace. Otherwise everything is OR-ed: a namespace is
 * admitted when, in any condition, its `namespaceSelector` matches, or any entry of
 * `namespaces` names it, or any of `namespaceRegexes` matches it. A condition with none of the
 * three admits nothing; an empty `namespaceSelector` (`{}`) matches every namespace, as a
 * Kubernetes label selector does. `namespaceRegexes` are RE2 (as in ESO) and unanchored: write
 * `^team-a$` to admit exactly `team-a`. A pattern that does not compile denies the namespace
 * (fails closed: ESO's webhook refuses such a store and its controller stops at the error), and
 * so does a selector Kubernetes would refuse (`In`/`NotIn` without values, `Exists`/
 * `DoesNotExist` with values).
 */
export function storeAdmitsNamespace(
  conditions: readonly ClusterSecretStoreCondition[] | undefined,
  namespace: string,
  namespaceLabels: Readonly<Record<string, string>>,
): boolean {
  if (!conditions || conditions.length === 0) return true;
  for (const c of conditions) {
    if (c.namespaceSelector) {
      if (!selectorIsValid(c.namespaceSelector)) return false;
      if (matchesSelector(c.namespaceSelector, namespaceLabels)) return true;
    }
    if (c.namespaces?.includes(namespace)) return true;
    for (const source of c.namespaceRegexes ?? []) {
      const r = safeRegex(source);
      if (!r) return false;
      if (r.test(namespace)) return true;
    }
  }
  return false;
}

/** What `metav1.LabelSelectorAsSelector` accepts: set operators need values, existence operators none. */
function selectorIsValid(selector: LabelSelector): boolean {
  return (selector.matchExpressions ?? []).every((e) => {
    const n = e.values?.length ?? 0;
    return e.operator === "In" || e.operator === "NotIn" ? n > 0 : n === 0;
  });
}

function safeRegex(source: string): { test(input: string): boolean } | undefined {
  const r = compileTenantRegexp(source);
  if (!r.ok) return undefined;
  return { test: (input) => input.length <= maxTenantRegexpInput && r.regexp.test(input) };
}

/** Renders `{k: v}` as a label selector query string `k=v,k2=v2`. */
export function formatLabelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
