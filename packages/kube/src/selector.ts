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
 * (labels `namespaceLabels`). No conditions: every namespace. Otherwise any one condition
 * must match, and within a condition every set field must match. `namespaceRegexes` are RE2
 * (as in ESO) and unanchored: write `^team-a$` to admit exactly `team-a`. A pattern that does
 * not compile admits nothing (fails closed).
 */
export function storeAdmitsNamespace(
  conditions: readonly ClusterSecretStoreCondition[] | undefined,
  namespace: string,
  namespaceLabels: Readonly<Record<string, string>>,
): boolean {
  if (!conditions || conditions.length === 0) return true;
  return conditions.some((c) => {
    if (c.namespaces && !c.namespaces.includes(namespace)) return false;
    if (c.namespaceRegexes && !c.namespaceRegexes.some((r) => safeRegex(r)?.test(namespace) ?? false)) return false;
    if (c.namespaceSelector && !matchesSelector(c.namespaceSelector, namespaceLabels)) return false;
    return true;
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
