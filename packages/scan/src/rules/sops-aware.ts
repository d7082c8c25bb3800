import { isMap, isScalar, isSeq, parseAllDocuments, type Node } from "yaml";
import type { Rule } from "../rule.js";
import type { RawHit } from "../types.js";

/**
 * The @hush/sops recognisers the SOPS-aware detector needs. Injected so the SOPS format logic
 * stays in one place (@hush/sops) and this package never re-implements it.
 */
export interface SopsRecognisers {
  /** True for `ENC[AES256_GCM,data:…]` values. */
  isEncryptedValue(value: string): boolean;
  /** Reads the selector (`encrypted_regex`, `unencrypted_suffix`, …) from a file's `sops` metadata. */
  readSelectors(metadata: Record<string, unknown>): unknown;
  /** Whether the value at `path` (mapping keys from the root) must be encrypted under `selectors`. */
  shouldEncrypt(path: readonly string[], selectors: unknown): boolean;
  /** The `.sops.yaml` creation rule covering `relPath`, if any. */
  findCreationRule?(config: unknown, relPath: string): unknown;
  /** Parses `.sops.yaml` text. */
  parseConfig?(text: string): unknown;
}

/** A parsed `.sops.yaml` in force for the scan, with its directory relative to the scan root. */
export interface SopsConfigInForce {
  readonly config: unknown;
  /** Directory of the config relative to the scan paths (`""` for the root). */
  readonly dir: string;
}

const sopsPath = /\.(?:ya?ml|json)$/i;

/**
 * A Bitnami SealedSecret (`apiVersion: bitnami.com/v1alpha1`, `kind: SealedSecret`) is encrypted
 * to the cluster's controller key: a file of them is as safe as a SOPS file. YAML or JSON.
 */
export function isSealedSecret(text: string): boolean {
  return /["']?apiVersion["']?\s*:\s*["']?bitnami\.com\/v1alpha1\b/.test(text) && /["']?kind["']?\s*:\s*["']?SealedSecret\b/.test(text);
}

/** Flat stores: dotenv (`sops_*` keys) and INI (a `[sops]` section); value paths are [key] / [section, key]. */
function flatLeaves(text: string): { meta: Record<string, unknown>; leaves: Leaf[] } | undefined {
  const dotenv = /(?:^|\n)sops_mac=/.test(text);
  const ini = /(?:^|\n)\[sops\]\s*(?:\n|$)/.test(text);
  if (!dotenv && !ini) return undefined;
  const meta: Record<string, unknown> = {};
  const leaves: Leaf[] = [];
  let section = "";
  let offset = 0;
  for (const line of text.split("\n")) {
    const start = offset;
    offset += line.length + 1;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    const sec = /^\[([^\]]+)\]$/.exec(trimmed);
    if (ini && sec) {
      section = sec[1]!;
      continue;
    }
    const kv = ini ? /^([^=]+?)\s*=\s*(.*)$/.exec(trimmed) : /^([^=\s]+)=(.*)$/.exec(trimmed);
    if (!kv) continue;
    const key = kv[1]!;
    const value = kv[2]!;
    if (dotenv && key.startsWith("sops_")) meta[key.slice(5)] = value;
    else if (ini && section === "sops") meta[key] = value;
    else if (value.length > 0) leaves.push({ path: ini ? [section, key] : [key], value, offset: start + line.indexOf(value, line.indexOf("=") + 1) });
  }
  return { meta, leaves };
}

interface Leaf {
  readonly path: readonly string[];
  readonly value: string;
  readonly offset: number;
}

function collectLeaves(node: Node | null, path: string[], out: Leaf[]): void {
  if (node === null) return;
  if (isMap(node)) {
    for (const item of node.items) {
      const key = isScalar(item.key) ? String(item.key.value) : undefined;
      if (key === undefined || (path.length === 0 && key === "sops")) continue;
      collectLeaves((item.value as Node | null) ?? null, [...path, key], out);
    }
  } else if (isSeq(node)) {
    for (const it of node.items) collectLeaves(it as Node, path, out);
  } else if (isScalar(node) && node.range && node.value !== null && node.value !== undefined) {
    const value = String(node.value);
    if (value.length > 0) out.push({ path, value, offset: node.range[0] });
  }
}

function plain(node: unknown): unknown {
  return node && typeof (node as { toJSON?: unknown }).toJSON === "function" ? (node as { toJSON(): unknown }).toJSON() : node;
}

/**
 * SOPS-aware detectors:
 * - `sops-unencrypted-value`: a file with `sops` metadata whose own selectors say a value
 *   must be encrypted, but the value is in clear (a hand edit after encryption);
 * - `sops-file-not-encrypted`: a file that a `.sops.yaml` creation rule with a `path_regex`
 *   covers but that carries no `sops` metadata at all.
 */
export function sopsRules(sops: SopsRecognisers, configs: readonly SopsConfigInForce[]): Rule[] {
  const unencryptedValue: Rule = {
    id: "sops-unencrypted-value",
    description: "Value in clear in a SOPS-encrypted file although its selectors require encryption",
    keywords: ["sops"],
    detect: (text, ctx) => {
      const flat = flatLeaves(text);
      if (flat) {
        let selectors: unknown;
        try {
          selectors = sops.readSelectors(flat.meta);
        } catch {
          return [];
        }
        return flat.leaves
          .filter((l) => !sops.isEncryptedValue(l.value) && sops.shouldEncrypt(l.path, selectors))
          .map((l) => ({ rule: "sops-unencrypted-value", offset: l.offset, secret: l.value, fileLevel: true }));
      }
      // Only a top-level `sops` key makes a SOPS file: check cheaply before building an AST.
      if (!sopsPath.test(ctx.path) || !/(?:^|\n)sops:|"sops"\s*:/.test(text)) return [];
      if (/^\s*[{[]/.test(text)) {
        try {
          const top = JSON.parse(text) as unknown;
          if (!top || typeof top !== "object" || !("sops" in top)) return [];
        } catch {
          // not JSON after all: fall through to the YAML parser
        }
      }
      let docs;
      try {
        docs = parseAllDocuments(text, { strict: false, uniqueKeys: false });
      } catch {
        return [];
      }
      if (!Array.isArray(docs)) return [];
      const hits: RawHit[] = [];
      for (const doc of docs) {
        if (doc.errors.length > 0 || !isMap(doc.contents)) continue;
        const meta = doc.contents.items.find((i) => isScalar(i.key) && i.key.value === "sops");
        const metaValue = plain(meta?.value);
        if (!metaValue || typeof metaValue !== "object" || !("mac" in metaValue || "lastmodified" in metaValue)) continue;
        let selectors: unknown;
        try {
          selectors = sops.readSelectors(metaValue as Record<string, unknown>);
        } catch {
          continue; // damaged metadata: decrypt will report it; not a leak by itself
        }
        const leaves: Leaf[] = [];
        collectLeaves(doc.contents as Node, [], leaves);
        for (const leaf of leaves) {
          if (sops.isEncryptedValue(leaf.value)) continue;
          if (!sops.shouldEncrypt(leaf.path, selectors)) continue;
          hits.push({ rule: "sops-unencrypted-value", offset: leaf.offset, secret: leaf.value, fileLevel: true });
        }
      }
      return hits;
    },
  };

  const notEncrypted: Rule = {
    id: "sops-file-not-encrypted",
    description: "File covered by a .sops.yaml creation rule but not encrypted",
    keywords: [],
    detect: (text, ctx) => {
      if (!sops.findCreationRule || configs.length === 0) return [];
      if (/(?:^|\/)\.sops\.ya?ml$/.test(ctx.path)) return [];
      for (const c of configs) {
        const prefix = c.dir === "" ? "" : `${c.dir.replace(/\/$/, "")}/`;
        if (!ctx.path.startsWith(prefix)) continue;
        const rel = ctx.path.slice(prefix.length);
        const rule = sops.findCreationRule(c.config, rel) as { path_regex?: unknown; pathRegex?: unknown } | undefined;
        if (!rule || (rule.path_regex === undefined && rule.pathRegex === undefined)) continue;
        if (/(?:^|\n)\s*"?sops"?\s*:|(?:^|\n)sops_mac=|(?:^|\n)\[sops\]/.test(text)) return [];
        if (text.trim().length === 0) return [];
        if (isSealedSecret(text)) return [];
        return [{ rule: "sops-file-not-encrypted", offset: 0, secret: text, fileLevel: true, wholeFile: true }];
      }
      return [];
    },
  };
  return [unencryptedValue, notEncrypted];
}
