import type { Tool, WebhookPolicy } from "./policy.js";
import { tools } from "./policy.js";
import type { AdmissionRequest, KubeObject } from "./review.js";

/** Labels kustomize-controller stamps on everything a Kustomization applies (fluxcd/pkg ssa `SetOwnerLabels`). */
export const fluxNameLabel = "kustomize.toolkit.fluxcd.io/name";
export const fluxNamespaceLabel = "kustomize.toolkit.fluxcd.io/namespace";
/** Labels helm-controller's post-renderer stamps on everything a HelmRelease renders (`originLabels`). */
export const helmNameLabel = "helm.toolkit.fluxcd.io/name";
export const helmNamespaceLabel = "helm.toolkit.fluxcd.io/namespace";
/** Argo CD's annotation tracking (`<app>:<group>/<kind>:<namespace>/<name>`), `common.AnnotationKeyAppInstance`. */
export const argoTrackingAnnotation = "argocd.argoproj.io/tracking-id";
/** Argo CD's label on its own credential Secrets (`common.LabelKeySecretType`). */
export const argoSecretTypeLabel = "argocd.argoproj.io/secret-type";

/** The signals that made a request GitOps, for the log line and messages. */
export type Signal = "identity" | "field-manager" | "managed-fields" | "marker";

/** Who sent a request, as far as the policy can tell. */
export interface Provenance {
  /** The request is GitOps: at least one signal holds. */
  readonly gitops: boolean;
  readonly signals: readonly Signal[];
  /** The tools the signals point at (a request can carry several). */
  readonly tools: ReadonlySet<Tool>;
  /**
   * The sender itself is GitOps (username/group pattern or `options.fieldManager`): everything it
   * changes came from Git. Markers and old managedFields entries only say the object once did.
   */
  readonly senderIsGitOps: boolean;
}

/**
 * Matches a name against a pattern whose `*` stands for any run of characters inside one
 * `:`-separated segment. Linear in the input (a greedy wildcard match per segment).
 */
export function matchesPattern(pattern: string, name: string): boolean {
  return segmentsMatch(compile(pattern), name.split(":"));
}

// Patterns are split once per policy array, names once per request: this runs on every review.
const compiledLists = new WeakMap<readonly string[], readonly (readonly string[])[]>();

function compile(pattern: string): readonly string[] {
  return pattern.split(":");
}

function compiledList(patterns: readonly string[]): readonly (readonly string[])[] {
  let list = compiledLists.get(patterns);
  if (!list) {
    list = patterns.map(compile);
    compiledLists.set(patterns, list);
  }
  return list;
}

function segmentsMatch(ps: readonly string[], ns: readonly string[]): boolean {
  if (ps.length !== ns.length) return false;
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i] ?? "";
    const n = ns[i] ?? "";
    if (p === n) continue;
    if (!p.includes("*") || !wildcard(p, n)) return false;
  }
  return true;
}
function wildcard(p: string, s: string): boolean {
  // The classic two-pointer match with one backtrack point: O(|p|·|s|) worst case, both short here.
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] !== "*" && p[pi] === s[si]) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

/** The username and groups of a request, split into segments once. */
interface SplitUser {
  readonly user: readonly string[];
  readonly groups: readonly (readonly string[])[];
}

function splitUser(request: AdmissionRequest): SplitUser {
  return { user: request.userInfo.username.split(":"), groups: request.userInfo.groups.map((g) => g.split(":")) };
}

function matchesSplit(patterns: readonly string[], who: SplitUser): boolean {
  for (const p of compiledList(patterns)) {
    if (segmentsMatch(p, who.user)) return true;
    for (const g of who.groups) if (segmentsMatch(p, g)) return true;
  }
  return false;
}

/** True when the username or one of the groups matches one of `patterns`. */
export function identityMatches(patterns: readonly string[], request: AdmissionRequest): boolean {
  return matchesSplit(patterns, splitUser(request));
}

/** The `namespace` of a `system:serviceaccount:<namespace>:<name>` username, if it is one. */
export function serviceAccountNamespace(username: string): string | undefined {
  const parts = username.split(":");
  return parts.length === 4 && parts[0] === "system" && parts[1] === "serviceaccount" ? parts[2] : undefined;
}

/** The tools whose markers the object carries (a forged marker only adds scrutiny). */
export function markerTools(object: KubeObject, policy: WebhookPolicy): Set<Tool> {
  const found = new Set<Tool>();
  const { labels, annotations } = object.metadata;
  if (Object.hasOwn(labels, fluxNameLabel) || Object.hasOwn(labels, fluxNamespaceLabel)) found.add("fluxKustomize");
  if (Object.hasOwn(labels, helmNameLabel) || Object.hasOwn(labels, helmNamespaceLabel)) found.add("fluxHelm");
  const tracking = policy.argocd.tracking;
  if (tracking !== "label" && Object.hasOwn(annotations, argoTrackingAnnotation)) found.add("argocd");
  if (tracking !== "annotation" && Object.hasOwn(labels, policy.argocd.instanceLabelKey)) found.add("argocd");
  return found;
}

/** The tools whose field managers own any of `keys` (or, with no keys, appear at all). */
function managerTools(object: KubeObject, policy: WebhookPolicy, keys: ReadonlySet<string> | undefined): Set<Tool> {
  const found = new Set<Tool>();
  for (const entry of object.metadata.managedFields) {
    if (keys && !entry.valueKeys.some((k) => keys.has(k))) continue;
    for (const tool of tools) if (policy.fieldManagers[tool].includes(entry.manager)) found.add(tool);
  }
  return found;
}

/**
 * Classifies a write of a Secret or ConfigMap. GitOps when ANY of these holds: the username or
 * a group matches an identity pattern; `options.fieldManager` is a GitOps manager; a GitOps
 * manager owns a value this request changes (`metadata.managedFields`; on CREATE every entry is
 * this request's); the object carries a tool's marker.
 */
export function provenance(request: AdmissionRequest, policy: WebhookPolicy, changed: ReadonlySet<string>): Provenance {
  const object = request.object;
  const signals: Signal[] = [];
  const found = new Set<Tool>();
  const add = (signal: Signal, from: Iterable<Tool>) => {
    let any = false;
    for (const t of from) {
      found.add(t);
      any = true;
    }
    if (any) signals.push(signal);
  };
  const who = splitUser(request);
  add("identity", tools.filter((t) => matchesSplit(policy.identities[t], who)));
  const manager = request.fieldManager;
  add("field-manager", manager === undefined ? [] : tools.filter((t) => policy.fieldManagers[t].includes(manager)));
  const senderIsGitOps = signals.length > 0;
  if (object) {
    add("managed-fields", managerTools(object, policy, request.operation === "CREATE" ? undefined : changed));
    add("marker", markerTools(object, policy));
  }
  return { gitops: signals.length > 0, signals, tools: found, senderIsGitOps };
}

/** Value keys (`data.<k>`, `stringData.<k>`, `binaryData.<k>`) with a non-empty value. */
export function valueKeys(object: KubeObject): string[] {
  const keys: string[] = [];
  for (const k in object.data) if (object.data[k] !== "") keys.push(`data.${k}`);
  for (const k in object.stringData) if (object.stringData[k] !== "") keys.push(`stringData.${k}`);
  for (const k in object.binaryData) if (object.binaryData[k] !== "") keys.push(`binaryData.${k}`);
  return keys;
}

/**
 * The non-empty values this request adds or changes: all of them on CREATE, and on UPDATE
 * those that differ from `oldObject` (stringData always counts: it replaces data on write).
 */
export function changedValueKeys(request: AdmissionRequest, all?: readonly string[]): string[] {
  const object = request.object;
  if (!object) return [];
  const old = request.oldObject;
  if (request.operation !== "UPDATE" || !old) return all ? [...all] : valueKeys(object);
  const changed: string[] = [];
  for (const [field, now, before] of [["data", object.data, old.data], ["binaryData", object.binaryData, old.binaryData]] as const) {
    for (const k of Object.keys(now)) if (now[k] !== "" && (!Object.hasOwn(before, k) || before[k] !== now[k])) changed.push(`${field}.${k}`);
  }
  for (const k of Object.keys(object.stringData)) if (object.stringData[k] !== "") changed.push(`stringData.${k}`);
  return changed;
}

/**
 * The changed values attributed to Git. When the sender is GitOps, all of them. Otherwise (the
 * request was GitOps only through a marker or an old managedFields entry) a value is Git's when a
 * GitOps manager owns it, and not when another manager does: a person's edit through the Argo CD
 * UI, cert-manager's key, an ExternalSecret merge. A value nobody is recorded as owning stays Git's.
 */
export function attributedToGit(request: AdmissionRequest, policy: WebhookPolicy, prov: Provenance, changed: readonly string[]): string[] {
  const object = request.object;
  if (!object || prov.senderIsGitOps || request.operation === "CREATE") return [...changed];
  const gitManagers = new Set(tools.flatMap((t) => policy.fieldManagers[t]));
  return changed.filter((key) => {
    const owners = object.metadata.managedFields.filter((e) => e.valueKeys.includes(key)).map((e) => e.manager);
    return owners.length === 0 || owners.some((m) => gitManagers.has(m));
  });
}
