import { createHash } from "node:crypto";

/**
 * Label and annotation keys each tool writes for its own bookkeeping (managed markers, data
 * hashes, field owners); they are left out of the comparison on purpose. Anything else that
 * differs is a behavioural difference.
 */
export const toolSpecificPrefixes: readonly string[] = [
  "reconcile.external-secrets.io/",
  "externalsecrets.external-secrets.io/",
  "reconcile.hush.dev/",
  "merge.reconcile.hush.dev/",
  "externalsecrets.hush.dev/",
  "hush.dev/",
];

/** The parts of a Secret both tools are meant to produce identically. */
export interface SecretView {
  readonly type: string;
  /** base64 as the API server returns it. */
  readonly data: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** `Kind/name` of the controller ownerReference (apiVersion differs by design), or "". */
  readonly owner: string;
}

interface SecretObject {
  type?: string;
  data?: Record<string, string>;
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
}

const keep = (m: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !toolSpecificPrefixes.some((p) => k.startsWith(p))));

/** Reduces a Secret read from the API server to a {@link SecretView}. */
export function secretView(s: SecretObject): SecretView {
  const owner = (s.metadata?.ownerReferences ?? []).find((o) => o.controller);
  return {
    type: s.type ?? "Opaque",
    data: { ...(s.data ?? {}) },
    labels: keep(s.metadata?.labels),
    annotations: keep(s.metadata?.annotations),
    owner: owner ? `${owner.kind}/${owner.name}` : "",
  };
}

/** One difference; values appear only as short SHA-256 prefixes, never in clear. */
export interface Difference {
  /** `type`, `owner`, or `data.KEY` / `labels.KEY` / `annotations.KEY`. */
  readonly where: string;
  readonly eso: string | undefined;
  readonly hush: string | undefined;
}

/** The first 12 hex digits of SHA-256: enough to tell values apart, useless to recover them. */
export function shortHash(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 12);
}

/** Every field where the two Secrets differ, sorted by {@link Difference.where}. */
export function diffSecrets(eso: SecretView, hush: SecretView): Difference[] {
  const out: Difference[] = [];
  const scalar = (where: string, a: string, b: string) => {
    if (a !== b) out.push({ where, eso: shortHash(a), hush: shortHash(b) });
  };
  scalar("type", eso.type, hush.type);
  scalar("owner", eso.owner, hush.owner);
  for (const field of ["data", "labels", "annotations"] as const) {
    const a = eso[field];
    const b = hush[field];
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const va = a[key];
      const vb = b[key];
      if (va === vb) continue;
      out.push({ where: `${field}.${key}`, eso: va === undefined ? undefined : shortHash(va), hush: vb === undefined ? undefined : shortHash(vb) });
    }
  }
  return out.sort((x, y) => (x.where < y.where ? -1 : x.where > y.where ? 1 : 0));
}

/** A readable report of {@link diffSecrets}: field names and hashes only. */
export function formatDiff(diffs: readonly Difference[]): string {
  if (diffs.length === 0) return "no differences";
  return diffs
    .map((d) => `  ${d.where}: eso ${d.eso === undefined ? "(absent)" : `sha256:${d.eso}`} | hush ${d.hush === undefined ? "(absent)" : `sha256:${d.hush}`}`)
    .join("\n");
}
