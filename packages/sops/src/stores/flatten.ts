import { HushError } from "@hush/errors";
import { formatFloatG } from "../go-format.js";
import { Comment, SopsTime, TreeList, TreeMap, type TreeValue } from "../tree.js";

// dotenv and INI cannot nest, so sops flattens its metadata: a mapping key is appended as
// `__map_<key>`, a list element as `__list_<index>`. sops ≥ 3.13 walks the (sorted) metadata
// depth first, which is the order produced here.

/** sops `ValToString` for scalars written to dotenv/INI. */
export function scalarToText(v: TreeValue, where: string): string {
  if (v instanceof TreeMap || v instanceof TreeList) {
    throw new HushError("HUSH_ERR_SOPS_EMIT", `the value at ${where} is nested; this output type only holds flat key=value pairs`);
  }
  if (v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString(10);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    // Go's %G with shortest precision, with ".0" forced onto integral results (sops ValToString).
    const s = formatFloatG(v).toUpperCase().replace("+INF", "+Inf").replace("-INF", "-Inf").replace("NAN", "NaN");
    return /^-?\d+$/.test(s) ? `${s}.0` : s;
  }
  if (v instanceof SopsTime) return v.text;
  return new TextDecoder().decode(v);
}

/** Flattens metadata into `[key, text]` pairs. */
export function flattenMetadata(meta: TreeMap): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (v: TreeValue, key: string): void => {
    if (v instanceof TreeMap) {
      for (const e of v.entries()) walk(e.value, `${key}__map_${e.key}`);
    } else if (v instanceof TreeList) {
      let i = 0;
      for (const item of v.items) if (!(item instanceof Comment)) walk(item, `${key}__list_${i++}`);
    } else out.push([key, scalarToText(v, key)]);
  };
  for (const e of meta.entries()) walk(e.value, e.key);
  return out;
}

/** Rebuilds nested metadata from flattened `[key, value]` pairs (any order). */
export function unflattenMetadata(pairs: ReadonlyArray<readonly [string, string]>): TreeMap {
  type Node = { kind: "map"; children: Map<string, Node> } | { kind: "list"; children: Map<string, Node> } | { kind: "leaf"; value: string };
  const root: Node = { kind: "map", children: new Map() };
  for (const [key, value] of pairs) {
    const parts = key.split(/(__map_|__list_)/);
    let node = root as Node;
    let name = parts[0] ?? "";
    for (let i = 1; i <= parts.length; i += 2) {
      if (node.kind === "leaf") throw new HushError("HUSH_ERR_SOPS_METADATA_INVALID", `metadata key ${key} is both a value and a parent`);
      const marker = parts[i];
      let child = node.children.get(name);
      if (marker === undefined) {
        if (child) throw new HushError("HUSH_ERR_SOPS_METADATA_INVALID", `metadata key ${key} is both a value and a parent`);
        node.children.set(name, { kind: "leaf", value });
        break;
      }
      const kind = marker === "__map_" ? "map" : "list";
      if (child === undefined) {
        const created: Node = { kind, children: new Map() };
        node.children.set(name, created);
        child = created;
      }
      if (child.kind !== kind) throw new HushError("HUSH_ERR_SOPS_METADATA_INVALID", `metadata key ${key} mixes list and map`);
      node = child;
      name = parts[i + 1] ?? "";
    }
  }
  const build = (n: Node): TreeValue => {
    if (n.kind === "leaf") return n.value;
    if (n.kind === "map") return new TreeMap([...n.children].map(([key, c]) => ({ key, value: build(c) })));
    const entries = [...n.children].map(([k, c]) => [Number(k), c] as const).sort((a, b) => a[0] - b[0]);
    entries.forEach(([k], i) => {
      if (k !== i) throw new HushError("HUSH_ERR_SOPS_METADATA_INVALID", "metadata list indices are not contiguous");
    });
    return new TreeList(entries.map(([, c]) => build(c)));
  };
  return build(root) as TreeMap;
}
