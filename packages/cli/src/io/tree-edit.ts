import { HushError, isHushError } from "@hush/errors";
import { Comment, SopsTime, TreeList, TreeMap, loadPlaintext, parseTreePath, type TreeValue } from "@hush/sops";

/** A parsed `set`/`unset` path: keys and list indices. */
export type TreePath = ReadonlyArray<string | number>;

/**
 * Parses sops's path syntax (`["key"][0]['sub']`) for set/unset.
 * @throws HushError `HUSH_ERR_CLI_INVALID_SET` (exit 7) on bad syntax, as sops does.
 */
export function parseSetPath(path: string): TreePath {
  try {
    return parseTreePath(path);
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_INVALID_SET", "invalid path format: expected e.g. [\"key\"][0][\"sub\"]", {
      cause,
      hint: "write each step in brackets: keys in double quotes, list positions as numbers",
    });
  }
}

/**
 * Converts a `set` value (JSON text) the way sops does: a bare number becomes a float, a
 * string/bool/null stays itself, objects (and, in hush, arrays) go through the JSON store so
 * integers inside stay integers.
 * @throws HushError `HUSH_ERR_CLI_INVALID_SET` (exit 7) when it is not valid JSON.
 */
export function jsonToTreeValue(text: string): TreeValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_INVALID_SET", "the value is not valid JSON (strings need quotes: '\"text\"')", { cause });
  }
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return value;
  try {
    const wrapped = Array.isArray(value) ? `{"v":${text}}` : text;
    const branch = loadPlaintext(new TextEncoder().encode(wrapped), "json").branches[0] ?? new TreeMap();
    return Array.isArray(value) ? (branch.get("v") ?? new TreeList()) : branch;
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_INVALID_SET", "the JSON value cannot be stored in a sops file", { cause: isHushError(cause) ? cause : undefined });
  }
}

function fromPath(path: TreePath, leaf: TreeValue): TreeValue {
  if (path.length === 0) return leaf;
  const [step, ...rest] = path;
  const inner = fromPath(rest, leaf);
  return typeof step === "number" ? new TreeList([inner]) : new TreeMap([{ key: step as string, value: inner }]);
}

const values = (list: TreeList): number[] => list.items.flatMap((item, i) => (item instanceof Comment ? [] : [i]));

function mismatch(step: string | number): HushError {
  return new HushError(
    "HUSH_ERR_CLI_INVALID_SET",
    typeof step === "number" ? `path step [${step}] indexes a value that is not a list` : `path step ["${step}"] names a key in a value that is not a mapping`,
  );
}

/**
 * Sets `path` to `value` inside `node` as sops's `TreeBranch.Set` does: missing keys are
 * appended (with the intermediate mappings/lists), an index past the end appends.
 * Returns the (possibly new) node.
 */
export function setPath(node: TreeValue, path: TreePath, value: TreeValue): TreeValue {
  if (path.length === 0) return value;
  const [step, ...rest] = path as [string | number, ...Array<string | number>];
  if (node instanceof TreeMap) {
    if (typeof step !== "string") throw mismatch(step);
    for (const item of node.items) {
      if (!(item instanceof Comment) && item.key === step) {
        item.value = setPath(item.value, rest, value);
        return node;
      }
    }
    node.items.push({ key: step, value: fromPath(rest, value) });
    return node;
  }
  if (node instanceof TreeList) {
    if (typeof step !== "number") throw mismatch(step);
    const at = values(node)[step];
    if (at === undefined) node.items.push(fromPath(rest, value));
    else node.items[at] = setPath(node.items[at] as TreeValue, rest, value);
    return node;
  }
  return fromPath(path, value);
}

/**
 * Removes the key or list element at `path`. Returns false when it does not exist.
 * @throws HushError `HUSH_ERR_CLI_INVALID_SET` when a step does not fit the document.
 */
export function unsetPath(node: TreeValue, path: TreePath): boolean {
  const [step, ...rest] = path as [string | number, ...Array<string | number>];
  if (node instanceof TreeMap) {
    if (typeof step !== "string") throw mismatch(step);
    const i = node.items.findIndex((item) => !(item instanceof Comment) && item.key === step);
    if (i < 0) return false;
    if (rest.length === 0) {
      node.items.splice(i, 1);
      return true;
    }
    return unsetPath((node.items[i] as { value: TreeValue }).value, rest);
  }
  if (node instanceof TreeList) {
    if (typeof step !== "number") throw mismatch(step);
    const at = values(node)[step];
    if (at === undefined) return false;
    if (rest.length === 0) {
      node.items.splice(at, 1);
      return true;
    }
    return unsetPath(node.items[at] as TreeValue, rest);
  }
  return false;
}

/** The value at `path`, or undefined. */
export function getPath(node: TreeValue, path: TreePath): TreeValue | undefined {
  let cur: TreeValue | undefined = node;
  for (const step of path) {
    if (cur instanceof TreeMap && typeof step === "string") cur = cur.get(step);
    else if (cur instanceof TreeList && typeof step === "number") {
      const at: number | undefined = values(cur)[step];
      cur = at === undefined ? undefined : (cur.items[at] as TreeValue);
    } else return undefined;
  }
  return cur;
}

/** Deep equality of tree values, ignoring comments. */
export function treeEquals(a: TreeValue | undefined, b: TreeValue | undefined): boolean {
  if (a instanceof TreeMap && b instanceof TreeMap) {
    const ea = a.entries();
    const eb = b.entries();
    return ea.length === eb.length && ea.every((e, i) => e.key === eb[i]?.key && treeEquals(e.value, eb[i]?.value));
  }
  if (a instanceof TreeList && b instanceof TreeList) {
    const va = a.items.filter((x): x is TreeValue => !(x instanceof Comment));
    const vb = b.items.filter((x): x is TreeValue => !(x instanceof Comment));
    return va.length === vb.length && va.every((x, i) => treeEquals(x, vb[i]));
  }
  if (a instanceof SopsTime && b instanceof SopsTime) return a.text === b.text;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  return a === b;
}
