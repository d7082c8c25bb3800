/**
 * Log-line censoring by path, built once and applied to every line.
 *
 * pino's own `redact` option re-parses every path and clones the value under every top-level
 * key of every line when a path starts with `*`; under load that was more than half of all the
 * memory the webhook allocated per request, and the young-generation collections it caused were
 * most of its tail latency. This censor reads the paths once into a trie, copies only the
 * objects on the way to a censored value, and allocates nothing for a line that holds none.
 */

/** A node of the path trie: a segment's children, the `*` child, and whether a path ends here. */
interface TrieNode {
  readonly children: Map<string, TrieNode>;
  wildcard: TrieNode | undefined;
  terminal: boolean;
}

const newNode = (): TrieNode => ({ children: new Map(), wildcard: undefined, terminal: false });
/** A shallow copy that keeps what the serialisers look at: an Error stays an Error with its message. */
const copyOf = (source: object): Record<string, unknown> | unknown[] => {
  if (Array.isArray(source)) return [...(source as unknown[])];
  const proto = Object.getPrototypeOf(source) as object | null;
  if (proto === Object.prototype || proto === null) return { ...(source as Record<string, unknown>) };
  return Object.create(proto, Object.getOwnPropertyDescriptors(source)) as Record<string, unknown>;
};
const hasChildren = (node: TrieNode): boolean => node.children.size > 0 || node.wildcard !== undefined;

/**
 * Builds a function that returns `value` with every property at one of `paths` replaced by
 * `censor`. A path is dot-separated keys; `*` stands for any one key (or array index). The input
 * is never modified: objects on the way to a censored value are copied (an Error or other class
 * instance keeps its prototype and non-enumerable properties), the rest is shared.
 */
export function createCensor(paths: readonly string[], censor: string): <T>(value: T) => T {
  const root = newNode();
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length === 0 || segments.some((s) => s === "")) throw new Error(`censor path "${path}" has an empty segment`);
    let node = root;
    for (const segment of segments) {
      if (segment === "*") node = node.wildcard ??= newNode();
      else {
        let next = node.children.get(segment);
        if (!next) node.children.set(segment, (next = newNode()));
        node = next;
      }
    }
    node.terminal = true;
  }

  // The nodes that apply at one depth are at most the literal child and the wildcard child of
  // each node of the depth above; kept in small arrays only when a value is an object to visit.
  const visit = (value: unknown, nodes: readonly TrieNode[]): unknown => {
    // Bytes hold no named properties to censor; walking a large Buffer index by index would cost more than the line.
    if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
    const source = value as Record<string, unknown>;
    let copy: Record<string, unknown> | unknown[] | undefined;
    // for-in rather than Object.keys: no array allocated per visited object.
    for (const key in source) {
      if (!Object.hasOwn(source, key)) continue;
      const before = source[key];
      // Deeper nodes are gathered only for an object value: a string costs two lookups, no array.
      const walk = before !== null && typeof before === "object";
      let terminal = false;
      let next: TrieNode[] | undefined;
      for (const node of nodes) {
        const literal = node.children.get(key);
        if (literal) {
          terminal ||= literal.terminal;
          if (walk && hasChildren(literal)) (next ??= []).push(literal);
        }
        const wildcard = node.wildcard;
        if (wildcard) {
          terminal ||= wildcard.terminal;
          if (walk && hasChildren(wildcard)) (next ??= []).push(wildcard);
        }
      }
      const after = terminal ? (before === undefined ? before : censor) : next ? visit(before, next) : before;
      if (after !== before) {
        copy ??= copyOf(source);
        (copy as Record<string, unknown>)[key] = after;
      }
    }
    return copy ?? value;
  };
  const roots = [root];
  return <T>(value: T): T => visit(value, roots) as T;
}
