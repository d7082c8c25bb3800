import { HushError, type ErrorCode } from "@hush/errors";
import { isEncryptedValue, parseEncryptedValue } from "../cipher.js";
import { Comment, TreeList, TreeMap, type Scalar, type TreeValue } from "../tree.js";
import { scanBlockScalar } from "./yaml-block.js";
import { resolvePlain } from "./yaml-scalars.js";

/** Where a collection's items start in the source, for placing comments the way go-yaml does. */
export interface Layout {
  readonly target: TreeMap | TreeList;
  /** Column of the collection's items (the dash for sequences); Infinity for flow collections. */
  indent: number;
  readonly items: Array<{ start: number; line: number; child?: Layout }>;
}

/** A comment in the source, with its position. */
export interface SourceComment {
  readonly offset: number;
  readonly text: string;
  readonly line: number;
  readonly col: number;
  readonly trailing: boolean;
}

/** The structure of a YAML file before comments are placed. */
export interface YamlStructure {
  readonly branches: TreeMap[];
  readonly layouts: Array<{ start: number; layout: Layout }>;
  readonly comments: SourceComment[];
}

/** Thrown internally when the input uses YAML the fast path leaves to the full parser. */
class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

const plainKey = /^[^\s#'"[\]{},&*!|>%@`?:-][^#]*?$|^-[^\s#][^#]*?$/;

/**
 * A fast reader for the block YAML that sops files and Kubernetes manifests are made of:
 * block mappings and sequences, plain and quoted single-line scalars, literal and folded blocks
 * and comments. Anything else (flow collections, anchors, tags, multi-line plain scalars,
 * directives) returns `undefined`, and the caller uses the full parser. Both produce the same
 * tree and layout, which the interop and property tests check against sops.
 */
export function fastYamlStructure(text: string, errorCode: ErrorCode, strictKeys: boolean): YamlStructure | undefined {
  try {
    return new FastReader(text, errorCode, strictKeys).read();
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

class FastReader {
  readonly lines: string[];
  readonly starts: number[] = [];
  readonly comments: SourceComment[] = [];
  i = 0;

  constructor(
    readonly text: string,
    readonly errorCode: ErrorCode,
    readonly strictKeys: boolean,
  ) {
    this.lines = text.split("\n");
    let off = 0;
    for (const l of this.lines) {
      this.starts.push(off);
      off += l.length + 1;
    }
  }

  read(): YamlStructure {
    const branches: TreeMap[] = [];
    const layouts: Array<{ start: number; layout: Layout }> = [];
    let docStart = 0;
    // A leading `---` opens the first document rather than ending an empty one.
    this.skip();
    if (this.i < this.lines.length && this.isDocMarker()) {
      docStart = this.starts[this.i] ?? 0;
      this.i++;
    }
    for (;;) {
      const root = new TreeMap();
      const layout: Layout = { target: root, indent: 0, items: [] };
      this.skip();
      if (this.i < this.lines.length && !this.isDocMarker()) {
        if (this.indentOf(this.i) !== 0) unsupported();
        if (/^- |^-$/.test(this.lines[this.i] ?? "")) {
          throw new HushError(this.errorCode, "a YAML document must be a mapping at the top level");
        }
        this.map(root, layout, 0, this.i, 0);
        this.skip();
      }
      branches.push(root);
      layouts.push({ start: docStart, layout });
      if (this.i >= this.lines.length) break;
      if (!this.isDocMarker()) unsupported();
      docStart = this.starts[this.i] ?? 0;
      this.i++;
    }
    return { branches, layouts, comments: this.comments };
  }

  isDocMarker(): boolean {
    const l = this.lines[this.i] ?? "";
    if (l === "---") return true;
    if (l.startsWith("---") || l.startsWith("...") || l.startsWith("%")) unsupported();
    return false;
  }

  indentOf(n: number): number {
    const l = this.lines[n] ?? "";
    let k = 0;
    while (l.charCodeAt(k) === 32) k++;
    if (l.charCodeAt(k) === 9) unsupported(); // tabs in indentation
    return k;
  }

  /** Skips blank and comment lines, recording the comments. */
  skip(): void {
    while (this.i < this.lines.length) {
      const l = this.lines[this.i] ?? "";
      const k = this.indentOf(this.i);
      if (k === l.length || l.trim() === "") this.i++;
      else if (l[k] === "#") {
        this.comment(this.i, k, false);
        this.i++;
      } else return;
    }
  }

  comment(line: number, col: number, trailing: boolean): void {
    const l = this.lines[line] ?? "";
    this.comments.push({ offset: (this.starts[line] ?? 0) + col, text: l.slice(col + 1), line: line + 1, col, trailing });
  }

  /** A block mapping whose first key is at (line, col); following keys at `indent` on their own lines. */
  map(out: TreeMap, layout: Layout, indent: number, line: number, col: number): void {
    layout.indent = indent;
    const seen = new Set<string>();
    let first = true;
    for (;;) {
      let keyLine = line;
      let keyCol = col;
      if (!first) {
        this.skip();
        if (this.i >= this.lines.length) return;
        const k = this.indentOf(this.i);
        if (k < indent || this.lines[this.i] === "---") return;
        if (k > indent) unsupported();
        const l = this.lines[this.i] ?? "";
        if (l[k] === "-" && (l[k + 1] === " " || l.length === k + 1)) return;
        keyLine = this.i;
        keyCol = k;
      }
      first = false;
      const l = this.lines[keyLine] ?? "";
      const { key, after } = this.key(l, keyCol);
      if (seen.has(key)) throw new HushError(this.errorCode, `invalid YAML at line ${keyLine + 1}: duplicate key`);
      seen.add(key);
      const start = (this.starts[keyLine] ?? 0) + keyCol;
      const item: { start: number; line: number; child?: Layout } = { start, line: keyLine + 1 };
      layout.items.push(item);
      this.i = keyLine + 1;
      const { value, child } = this.valueAfter(l, after, keyLine, indent, true);
      out.items.push({ key, value });
      if (child) item.child = child;
    }
  }

  key(l: string, col: number): { key: string; after: number } {
    const c = l[col];
    if (c === '"' || c === "'") {
      const { text, end } = c === '"' ? this.doubleQuoted(l, col) : this.singleQuoted(l, col);
      if (l[end] !== ":" || !(end + 1 === l.length || l[end + 1] === " ")) unsupported();
      return { key: text, after: end + 1 };
    }
    let colon = l.indexOf(":", col);
    while (colon >= 0 && !(colon + 1 === l.length || l[colon + 1] === " ")) colon = l.indexOf(":", colon + 1);
    if (colon < 0) unsupported();
    const key = l.slice(col, colon).trimEnd();
    if (!plainKey.test(key) || key.includes(" #")) unsupported();
    if (this.strictKeys && typeof resolvePlain(key) !== "string") {
      throw new HushError("HUSH_ERR_SOPS_ENCRYPT_TREE", `the tree contains a non-string key at line ${this.i + 1}`);
    }
    return { key, after: colon + 1 };
  }

  /**
   * The value after `key:` or `-` on line `line` from column `after`: an inline scalar, a
   * literal block, or a nested collection on the following lines. `owner` is the indent of the
   * mapping or sequence holding it.
   */
  valueAfter(l: string, after: number, line: number, owner: number, inMap: boolean): { value: TreeValue; child?: Layout } {
    let p = after;
    while (l[p] === " ") p++;
    if (p > after || p === l.length) {
      // fine: a space after the indicator, or end of line
    } else unsupported();
    const c = l[p];
    if (p === l.length || c === "#") {
      if (c === "#") this.comment(line, p, true);
      return this.nested(owner, inMap);
    }
    if (c === "|" || c === ">") return { value: this.block(l, p, line, owner) };
    if (c === "[" || c === "{") {
      const rest = l.slice(p).replace(/\s+#.*$/, "").trimEnd();
      if (rest === "[]" || rest === "{}") {
        this.trailingComment(l, p + 2, line);
        return rest === "[]" ? { value: new TreeList() } : { value: new TreeMap() };
      }
      unsupported();
    }
    if (c === '"' || c === "'") {
      const { text, end } = c === '"' ? this.doubleQuoted(l, p) : this.singleQuoted(l, p);
      this.trailingComment(l, end, line);
      this.noContinuation(owner);
      return { value: text };
    }
    if (c === "-" && (l[p + 1] === " " || p + 1 === l.length) && !inMap) unsupported(); // "- - x"
    if ("&*!%@`?,]}".includes(c ?? "")) unsupported();
    if (c === "-" && (l[p + 1] === " " || p + 1 === l.length)) unsupported();
    // A plain scalar, up to " #". A ": " inside means a mapping (in a sequence item) or an error.
    let end = l.indexOf(" #", p);
    if (end < 0) end = l.length;
    const raw = l.slice(p, end).trimEnd();
    if (raw.includes(": ") || raw.endsWith(":")) {
      if (inMap) unsupported();
      return this.mapInItem(line, p);
    }
    if (raw.includes("\t")) unsupported();
    this.trailingComment(l, end, line);
    this.noContinuation(owner);
    return { value: resolvePlain(raw) as Scalar };
  }

  /** A mapping that starts on a sequence item's line (`- key: value`). */
  mapInItem(line: number, col: number): { value: TreeValue; child: Layout } {
    const map = new TreeMap();
    const layout: Layout = { target: map, indent: col, items: [] };
    this.map(map, layout, col, line, col);
    return { value: map, child: layout };
  }

  trailingComment(l: string, from: number, line: number): void {
    let p = from;
    while (l[p] === " ") p++;
    if (p === l.length) return;
    if (l[p] === "#" && p > from) this.comment(line, p, true);
    else unsupported();
  }

  /** Refuses multi-line plain or quoted scalars (a more indented non-comment line follows). */
  noContinuation(owner: number): void {
    let n = this.i;
    while (n < this.lines.length) {
      const l = this.lines[n] ?? "";
      if (l.trim() === "") {
        n++;
        continue;
      }
      const k = this.indentOf(n);
      if (l[k] === "#") return;
      if (k > owner) unsupported();
      return;
    }
  }

  /** The block under `key:` / `-` on the next lines, or null. */
  nested(owner: number, inMap: boolean): { value: TreeValue; child?: Layout } {
    const save = this.i;
    const commentsBefore = this.comments.length;
    this.skip();
    if (this.i >= this.lines.length || this.lines[this.i] === "---") {
      this.i = save;
      this.comments.length = commentsBefore;
      return { value: null };
    }
    const k = this.indentOf(this.i);
    const l = this.lines[this.i] ?? "";
    const isDash = l[k] === "-" && (l[k + 1] === " " || l.length === k + 1);
    // Comments seen while looking ahead are recorded again when the block is read.
    this.comments.length = commentsBefore;
    const ahead = this.i;
    this.i = save;
    if (k > owner || (inMap && k === owner && isDash)) {
      this.i = save;
      this.skip();
      if (this.i !== ahead) unsupported();
      if (isDash) {
        const list = new TreeList();
        const layout: Layout = { target: list, indent: k, items: [] };
        this.seq(list, layout, k);
        return { value: list, child: layout };
      }
      const map = new TreeMap();
      const layout: Layout = { target: map, indent: k, items: [] };
      this.map(map, layout, k, this.i, k);
      return { value: map, child: layout };
    }
    return { value: null };
  }

  seq(out: TreeList, layout: Layout, indent: number): void {
    for (;;) {
      this.skip();
      if (this.i >= this.lines.length) return;
      const k = this.indentOf(this.i);
      const l = this.lines[this.i] ?? "";
      if (k !== indent || l[k] !== "-" || !(l[k + 1] === " " || l.length === k + 1)) {
        if (k > indent) unsupported();
        return;
      }
      const line = this.i;
      this.i++;
      let p = k + 1;
      while (l[p] === " ") p++;
      const item: { start: number; line: number; child?: Layout } = { start: (this.starts[line] ?? 0) + p, line: line + 1 };
      layout.items.push(item);
      const { value, child } = this.valueAfter(l, k + 1, line, indent, false);
      if (p === l.length && child) {
        // The item's value starts on a following line: that is where the item starts.
        const first = child.items[0];
        if (first) item.start = first.start;
      }
      // An encrypted comment inside a list is stored by sops as a list element.
      if (typeof value === "string" && isEncryptedValue(value) && parseEncryptedValue(value)?.type === "comment") out.items.push(new Comment(value));
      else out.items.push(value);
      if (child) item.child = child;
    }
  }

  /** A literal or folded block scalar whose indicator is at column `p` of line `line`. */
  block(l: string, p: number, line: number, owner: number): string {
    const header = /^[|>](?:[-+]?[1-9]?|[1-9][-+])(?:[ \t]+(#.*))?$/.exec(l.slice(p));
    if (!header) unsupported();
    const scanned = scanBlockScalar(this.text, (this.starts[line] ?? 0) + p, owner);
    if (!scanned) return unsupported();
    if (header?.[1] !== undefined) this.comment(line, l.indexOf("#", p), true);
    // Continue on the line where the scalar stopped (its trailing empty lines are consumed);
    // at the end of the text every line is consumed, the last one even without a newline.
    let n = line + 1;
    while (n + 1 < this.lines.length && (this.starts[n + 1] ?? Infinity) <= scanned.end) n++;
    this.i = scanned.end >= this.text.length ? this.lines.length : n;
    return scanned.value;
  }

  doubleQuoted(l: string, p: number): { text: string; end: number } {
    // Most quoted values have no escape: one slice instead of a string built per character.
    const close = l.indexOf('"', p + 1);
    if (close > 0) {
      const slash = l.indexOf("\\", p + 1);
      if (slash < 0 || slash > close) return { text: l.slice(p + 1, close), end: close + 1 };
    }
    let out = "";
    let k = p + 1;
    const simple: Record<string, string> = { "0": "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\u0085", _: "\u00a0", L: "\u2028", P: "\u2029" };
    while (k < l.length) {
      const c = l[k] as string;
      if (c === '"') return { text: out, end: k + 1 };
      if (c === "\\") {
        const e = l[k + 1] ?? "";
        const mapped = simple[e];
        if (mapped !== undefined) {
          out += mapped;
          k += 2;
          continue;
        }
        const len = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
        const hex = l.slice(k + 2, k + 2 + len);
        if (len === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) unsupported();
        out += String.fromCodePoint(parseInt(hex, 16));
        k += 2 + len;
        continue;
      }
      out += c;
      k++;
    }
    return unsupported();
  }

  singleQuoted(l: string, p: number): { text: string; end: number } {
    const close = l.indexOf("'", p + 1);
    if (close > 0 && l[close + 1] !== "'") return { text: l.slice(p + 1, close), end: close + 1 };
    let out = "";
    let k = p + 1;
    while (k < l.length) {
      const c = l[k] as string;
      if (c === "'") {
        if (l[k + 1] === "'") {
          out += "'";
          k += 2;
          continue;
        }
        return { text: out, end: k + 1 };
      }
      out += c;
      k++;
    }
    return unsupported();
  }
}
