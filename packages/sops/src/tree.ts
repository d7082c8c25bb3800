/**
 * The store-independent tree sops works on. Every store parses into it and serialises from it.
 *
 * Scalars keep sops's (Go's) types: `string`, `bigint` (int, always 64-bit exact), `number`
 * (float), `boolean`, `null`, {@link SopsTime} and, for the binary store only, `Uint8Array`
 * (raw bytes that need not be UTF-8). Comments are items in maps and lists, as in sops.
 */

/** A YAML timestamp, kept as its canonical RFC 3339 (nanosecond) text. */
export class SopsTime {
  constructor(readonly text: string) {}
}

/** A comment line (text after `#`/`;`). `inline` marks a same-line comment of a YAML scalar. */
export class Comment {
  constructor(
    readonly text: string,
    readonly inline = false,
  ) {}
}

/** A scalar value. */
export type Scalar = string | bigint | number | boolean | null | SopsTime | Uint8Array;

/** Any value in the tree. */
export type TreeValue = Scalar | TreeMap | TreeList;

/** One key of a mapping. Keys are strings (sops refuses others on encrypt). */
export interface MapEntry {
  key: string;
  value: TreeValue;
}

/** An ordered mapping whose items may be interleaved with comments. */
export class TreeMap {
  constructor(public items: Array<MapEntry | Comment> = []) {}

  /** The value under `key` (first match), or `undefined`. */
  get(key: string): TreeValue | undefined {
    for (const item of this.items) if (!(item instanceof Comment) && item.key === key) return item.value;
    return undefined;
  }

  /** Entries without the comments. */
  entries(): MapEntry[] {
    return this.items.filter((i): i is MapEntry => !(i instanceof Comment));
  }
}

/** An ordered list whose items may be interleaved with comments. */
export class TreeList {
  constructor(public items: Array<TreeValue | Comment> = []) {}
}

/** A parsed file: one branch per YAML document, exactly one for other stores. */
export interface Tree {
  branches: TreeMap[];
}

/** True for maps and lists. */
export function isCollection(v: unknown): v is TreeMap | TreeList {
  return v instanceof TreeMap || v instanceof TreeList;
}
