import type { Condition } from "./types.js";

/**
 * Returns `conditions` with `next` set (replacing the condition of the same type).
 * `lastTransitionTime` is kept when the status did not change, so it records real
 * transitions only; pure and non-mutating.
 */
export function setCondition(conditions: readonly Condition[] | undefined, next: Omit<Condition, "lastTransitionTime">, now: string): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : now;
  const cond: Condition = { ...next, lastTransitionTime };
  if (i >= 0) list[i] = cond;
  else list.push(cond);
  return list;
}

/** The condition of `type`, if present. */
export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the `Ready` condition is `True`. */
export function isReady(conditions: readonly Condition[] | undefined): boolean {
  return getCondition(conditions, "Ready")?.status === "True";
}
