import type { Document, LineCounter, Node as YNode } from "yaml";
import { HushError, type ErrorCode } from "@hush/errors";
import { isEncryptedValue, parseEncryptedValue } from "../cipher.js";
import { formatFloatG } from "../go-format.js";
import { Comment, SopsTime, TreeList, TreeMap, type MapEntry, type Scalar, type Tree, type TreeValue } from "../tree.js";
import { lazy } from "../lazy.js";
import { scanBlockScalar } from "./yaml-block.js";

// The full YAML parser loads only for YAML the fast reader leaves aside.
const yamlLibrary = lazy<typeof import("yaml")>("yaml");
const isAlias = (n: unknown): n is import("yaml").Alias => yamlLibrary().isAlias(n);
const isMap = (n: unknown): n is import("yaml").YAMLMap => yamlLibrary().isMap(n);
const isScalar = (n: unknown): n is import("yaml").Scalar => yamlLibrary().isScalar(n);
const isSeq = (n: unknown): n is import("yaml").YAMLSeq => yamlLibrary().isSeq(n);
import { fastYamlStructure, type Layout, type SourceComment, type YamlStructure } from "./yaml-fast.js";
import { chooseStringStyle, doubleQuote, parseYamlTimestamp, resolvePlain } from "./yaml-scalars.js";

const TAG = "tag:yaml.org,2002:";

function fail(code: ErrorCode, message: string): never {
  throw new HushError(code, message);
}

function collectComments(token: unknown, out: Array<{ offset: number; source: string }>): void {
  if (Array.isArray(token)) {
    for (const t of token) collectComments(t, out);
    return;
  }
  if (typeof token !== "object" || token === null) return;
  const t = token as { type?: string; offset?: number; source?: string };
  if (t.type === "comment" && typeof t.offset === "number" && typeof t.source === "string") {
    out.push({ offset: t.offset, source: t.source });
    return;
  }
  for (const v of Object.values(token)) if (typeof v === "object") collectComments(v, out);
}

/**
 * Parses YAML (all documents) into sops's tree. Scalars resolve as go-yaml v3 resolves them;
 * comments become items placed in the mapping or list they belong to (by position and column),
 * which decides their AAD. `errorCode` distinguishes plaintext input from encrypted files.
 */
export function parseYaml(text: string, errorCode: ErrorCode, strictKeys = false, reader: "auto" | "full" = "auto"): Tree {
  // A file with nothing but blanks and comments holds no document (go-yaml); `---` alone holds one.
  if (text.split("\n").every((l) => /^\s*(#.*)?$/.test(l))) return { branches: [] };
  const fast = reader === "auto" ? fastYamlStructure(text, errorCode, strictKeys) : undefined;
  const { branches, layouts, comments } = fast ?? fullYamlStructure(text, errorCode, strictKeys);
  const closing = closingComments(text, comments, layouts[layouts.length - 1]?.start ?? 0);
  for (const c of comments) {
    let docIndex = 0;
    for (let i = 0; i < layouts.length; i++) if ((layouts[i]?.start ?? 0) <= c.offset) docIndex = i;
    const target = layouts[docIndex];
    if (!target) continue;
    const rule = closing.get(c);
    if (rule === undefined) placeComment(target.layout, c);
    else {
      const layout = rule === "top" ? target.layout : innermostMapping(target.layout);
      insertComment(layout, layout.items.length, new Comment(c.text));
    }
  }
  return { branches };
}

/**
 * go-yaml places the comments that close the last document by rules of their own:
 * - those after a blank line that follows the last content go to the top level;
 * - in a file that does not end with a newline, those right after the last content (no blank
 *   line between) go to the innermost collection holding it (see {@link innermostMapping}).
 * Others are placed by position (see {@link placeComment}).
 */
function closingComments(text: string, comments: readonly SourceComment[], lastDocStart: number): Map<SourceComment, "top" | "innermost"> {
  const out = new Map<SourceComment, "top" | "innermost">();
  const whole = comments.filter((c) => !c.trailing && c.offset >= lastDocStart);
  if (whole.length === 0) return out;
  const lines = text.split("\n");
  const commentLines = new Set(whole.map((c) => c.line));
  let last = lines.length; // 1-based number of the last content line
  while (last >= 1 && ((lines[last - 1] ?? "").trim() === "" || commentLines.has(last))) last--;
  if (last < 1 || (lines[last - 1] ?? "").startsWith("---")) return out;
  let blank = Infinity;
  for (let n = last + 1; n <= lines.length; n++) {
    if ((lines[n - 1] ?? "").trim() === "" && n < lines.length) {
      blank = n;
      break;
    }
  }
  const noFinalNewline = !text.endsWith("\n");
  for (const c of whole) {
    if (c.line <= last) continue;
    if (c.line > blank) out.set(c, "top");
    else if (noFinalNewline) out.set(c, "innermost");
  }
  return out;
}

/**
 * Where go-yaml puts a comment that closes a file without a final newline: down the last items
 * through mappings and indentless sequences (`key:` then `- x` at the same column), stopping at
 * an indented sequence.
 */
function innermostMapping(root: Layout): Layout {
  let layout = root;
  for (;;) {
    const child = layout.items[layout.items.length - 1]?.child;
    if (!child || (child.target instanceof TreeList && child.indent !== layout.indent)) return layout;
    layout = child;
  }
}

/** Reads any YAML with the `yaml` library (the fast reader covers the common block subset). */
function fullYamlStructure(text: string, errorCode: ErrorCode, strictKeys: boolean): YamlStructure {
  const { Composer, LineCounter, Parser } = yamlLibrary();
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const docs = [...new Composer({ schema: "failsafe", uniqueKeys: false, merge: false }).compose(tokens, true)] as Document[];
  const rawComments: Array<{ offset: number; source: string }> = [];
  collectComments(tokens, rawComments);
  const branches: TreeMap[] = [];
  const layouts: Array<{ start: number; layout: Layout }> = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) fail(errorCode, `invalid YAML at line ${lines.linePos(err.pos[0]).line}: ${err.code.toLowerCase().replace(/_/g, " ")}`);
    const contents = doc.contents as YNode | null;
    const root = new TreeMap();
    const layout: Layout = { target: root, indent: 0, items: [] };
    if (contents !== null && !(isScalar(contents) && contents.value === "" && contents.tag === undefined)) {
      if (!isMap(contents)) fail(errorCode, "a YAML document must be a mapping at the top level");
      fillMap(contents, root, layout, { doc, text, lines, strictKeys, errorCode, blocks: new WeakMap() });
    }
    branches.push(root);
    layouts.push({ start: doc.range?.[0] ?? 0, layout });
  }
  const comments: SourceComment[] = rawComments.map(({ offset, source }) => {
    const pos = lines.linePos(offset);
    const lineStart = offset - (pos.col - 1);
    return { offset, text: source.slice(1), line: pos.line, col: pos.col - 1, trailing: text.slice(lineStart, offset).trim() !== "" };
  });
  return { branches, layouts, comments };
}

function placeComment(root: Layout, c: SourceComment): void {
  let layout = root;
  for (;;) {
    let idx = -1;
    for (let i = 0; i < layout.items.length; i++) if ((layout.items[i]?.start ?? Infinity) <= c.offset) idx = i;
    const item = idx >= 0 ? layout.items[idx] : undefined;
    const child = item?.child;
    if (c.trailing) {
      if (child && child.items.length > 0 && (child.items[0]?.start ?? Infinity) <= c.offset) {
        layout = child;
        continue;
      }
      insertComment(layout, idx >= 0 ? idx : 0, new Comment(c.text, item !== undefined && item.line === c.line));
      return;
    }
    // A comment at the dash column of an indentless sequence (`key:` then `- x` at the same
    // column), after its last item, belongs to the next key when one follows (go-yaml's head
    // comment), not to the list.
    const headOfNext = child?.target instanceof TreeList && child.indent === layout.indent && c.col === child.indent && idx < layout.items.length - 1 && (child.items[child.items.length - 1]?.start ?? Infinity) < c.offset;
    if (item && child && child.indent <= c.col && c.offset > item.start && !headOfNext) {
      layout = child;
      continue;
    }
    insertComment(layout, idx + 1, new Comment(c.text));
    return;
  }
}

/** Inserts a comment before the item at layout index `at`, keeping the layout in step. */
function insertComment(layout: Layout, at: number, comment: Comment): void {
  const items = layout.target.items as Array<unknown>;
  // Translate a layout index (non-comment items only) into a position in the tree's items.
  let seen = 0;
  let pos = items.length;
  for (let i = 0; i < items.length; i++) {
    if (items[i] instanceof Comment) continue;
    if (seen === at) {
      pos = i;
      break;
    }
    seen++;
  }
  if (!comment.inline) {
    // After earlier comments placed at the same spot (they come first in the file).
    while (pos < items.length && items[pos] instanceof Comment && !(items[pos] as Comment).inline) pos++;
  }
  items.splice(pos, 0, comment);
}

function dashColumn(text: string, start: number, lines: LineCounter): number {
  let p = start - 1;
  while (p >= 0 && text[p] === " ") p--;
  const at = text[p] === "-" ? p : start;
  return lines.linePos(at).col - 1;
}

interface Ctx {
  readonly doc: Document;
  readonly text: string;
  readonly lines: LineCounter;
  /** Refuse keys go-yaml would not read as strings (sops does so when encrypting). */
  readonly strictKeys: boolean;
  readonly errorCode: ErrorCode;
  /** Block scalar texts already read, by node (aliases reuse them). */
  readonly blocks: WeakMap<YNode, string>;
}

function fillMap(node: YNode, out: TreeMap, layout: Layout, ctx: Ctx): void {
  const { lines } = ctx;
  if (!isMap(node)) return;
  if (node.flow) layout.indent = Infinity;
  // The yaml library's own duplicate check is quadratic in the number of keys; a set is not.
  const seen = new Set<string>();
  for (const pair of node.items) {
    const keyNode = pair.key as YNode | null;
    const key = keyText(keyNode, ctx);
    if (seen.has(key)) {
      throw new HushError(ctx.errorCode, `invalid YAML at line ${lines.linePos(keyNode?.range?.[0] ?? 0).line}: duplicate key`);
    }
    seen.add(key);
    const start = keyNode?.range?.[0] ?? (pair.value as YNode | null)?.range?.[0] ?? 0;
    if (layout.items.length === 0 && !node.flow) layout.indent = lines.linePos(start).col - 1;
    const entry: MapEntry = { key, value: null };
    const child = convert(pair.value as YNode | null, ctx, false, lines.linePos(start).col - 1);
    entry.value = child.value;
    out.items.push(entry);
    layout.items.push({ start, line: lines.linePos(start).line, ...(child.layout && { child: child.layout }) });
  }
}

function keyText(node: YNode | null, ctx: Ctx): string {
  const resolved = isAlias(node) ? (node.resolve(ctx.doc) as YNode | undefined) : node;
  if (resolved && isScalar(resolved)) {
    const raw = String(resolved.value);
    if (resolved.type === "PLAIN" && resolved.tag === undefined) {
      if (ctx.strictKeys && typeof resolvePlain(raw) !== "string") {
        throw new HushError("HUSH_ERR_SOPS_ENCRYPT_TREE", `the tree contains a non-string key at line ${ctx.lines.linePos(resolved.range?.[0] ?? 0).line}`);
      }
    }
    return raw;
  }
  throw new HushError("HUSH_ERR_SOPS_ENCRYPT_TREE", "the tree contains a complex (non-scalar) mapping key");
}

/** `owner` is the column of the block mapping or sequence holding `node`. */
function convert(node: YNode | null, ctx: Ctx, insideAlias: boolean, owner: number): { value: TreeValue; layout?: Layout } {
  const { doc, text, lines } = ctx;
  if (node === null || node === undefined) return { value: null };
  if (isAlias(node)) {
    const target = node.resolve(doc) as YNode | undefined;
    return { value: target ? convert(target, ctx, true, owner).value : null };
  }
  if (isMap(node)) {
    const map = new TreeMap();
    const layout: Layout = { target: map, indent: Infinity, items: [] };
    fillMap(node, map, layout, ctx);
    return insideAlias ? { value: map } : { value: map, layout };
  }
  if (isSeq(node)) {
    const list = new TreeList();
    const layout: Layout = { target: list, indent: node.flow ? Infinity : 0, items: [] };
    for (const item of node.items as Array<YNode | null>) {
      const start = item?.range?.[0] ?? 0;
      const dash = dashColumn(text, start, lines);
      if (layout.items.length === 0 && !node.flow) layout.indent = dash;
      const child = convert(item, ctx, insideAlias, dash);
      const v = child.value;
      // An encrypted comment inside a list is stored by sops as a list element.
      if (typeof v === "string" && isEncryptedValue(v) && parseEncryptedValue(v)?.type === "comment") list.items.push(new Comment(v));
      else list.items.push(v);
      layout.items.push({ start, line: lines.linePos(start).line, ...(child.layout && { child: child.layout }) });
    }
    return insideAlias ? { value: list } : { value: list, layout };
  }
  if (isScalar(node)) return { value: scalarValue(node, blockText(node, ctx, owner)) };
  return { value: null };
}

/**
 * A block scalar's text as go-yaml reads it. The yaml library differs at the end of a file
 * without a final newline, where it adds a line break that is not in the source. Read once
 * per node, where it stands in the file, so an alias to it gets the same text.
 */
function blockText(node: YNode, ctx: Ctx, owner: number): string | undefined {
  if (!isScalar(node) || (node.type !== "BLOCK_LITERAL" && node.type !== "BLOCK_FOLDED")) return undefined;
  const known = ctx.blocks.get(node);
  if (known !== undefined) return known;
  const at = node.range?.[0];
  if (at === undefined) return undefined;
  const scanned = scanBlockScalar(ctx.text, at, owner)?.value;
  // Where go-yaml refuses the block (a tab in its indentation, an indicator of 0), so does sops.
  if (scanned === undefined) fail(ctx.errorCode, `invalid YAML at line ${ctx.lines.linePos(at).line}: bad block scalar`);
  ctx.blocks.set(node, scanned);
  return scanned;
}

function scalarValue(node: YNode, block: string | undefined): Scalar {
  if (!isScalar(node)) return null;
  const raw = block ?? String(node.value ?? "");
  const tag = node.tag;
  if (tag === undefined || tag === "!") return node.type === "PLAIN" && tag === undefined ? resolvePlain(raw) : raw;
  switch (tag) {
    case `${TAG}str`:
      return raw;
    case `${TAG}null`:
      return null;
    case `${TAG}bool`:
    case `${TAG}int`:
    case `${TAG}float`:
      return resolvePlain(raw);
    case `${TAG}timestamp`:
      return parseYamlTimestamp(raw) ?? raw;
    case `${TAG}binary`:
      return new Uint8Array(Buffer.from(raw.replace(/\s+/g, ""), "base64"));
    default:
      // Custom tags (!Ref, !vault …) are dropped by sops; the text stays.
      return raw;
  }
}

// ---------------------------------------------------------------------------------------
// Emitting, in go-yaml v3's layout: `indent` spaces (sops default 4), sequences indented
// inside mappings, no line wrapping, comments as `#text` lines, inline comments on the line.

/** Renders one scalar as go-yaml writes it. */
export function yamlScalar(v: Scalar, simpleKey = false): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString(10);
  if (typeof v === "number") {
    const s = formatFloatG(v);
    return s === "+Inf" ? ".inf" : s === "-Inf" ? "-.inf" : s === "NaN" ? ".nan" : s;
  }
  if (v instanceof SopsTime) return v.text;
  if (v instanceof Uint8Array) return `!!binary ${Buffer.from(v).toString("base64")}`;
  const style = chooseStringStyle(v, simpleKey);
  if (style === "plain") return v;
  if (style === "single") return `'${v.replace(/'/g, "''")}'`;
  if (style === "literal") return "|"; // handled by the caller
  return doubleQuote(v);
}

function literalBlock(s: string, col: number, step: number): string {
  // The indentation indicator, when needed, is the step go-yaml uses.
  const chomp = !s.endsWith("\n") ? "-" : s.endsWith("\n\n") || s === "\n" ? "+" : "";
  const indicator = s.startsWith(" ") || s.startsWith("\n") ? String(step) : "";
  const body = s.endsWith("\n") ? s.slice(0, -1) : s;
  const sp = " ".repeat(col);
  const lines = body.split("\n").map((l) => (l === "" ? "" : sp + l));
  return `|${indicator}${chomp}\n${lines.join("\n")}\n`;
}

/**
 * go-yaml v3's indentation model: a node that is a mapping value goes to the next multiple of
 * the indent step ("everything else aligns to the chosen indentation"); a node that is a
 * sequence item goes two columns right, just past its "- ".
 */
class YamlWriter {
  // Chunks joined once at the end: repeated string concatenation builds deep ropes that are
  // slow to flatten for multi-megabyte files.
  readonly parts: string[] = [];

  get out(): string {
    return this.parts.join("");
  }

  constructor(readonly step: number) {}

  next(indent: number): number {
    return this.step * Math.floor((indent + this.step) / this.step);
  }

  /** A mapping whose keys sit at `indent`; the first line may start with `firstPrefix` ("- "). */
  map(map: TreeMap, indent: number, firstPrefix?: string): void {
    let lead = firstPrefix ?? " ".repeat(indent);
    let inline = "";
    for (const item of map.items) {
      if (item instanceof Comment) {
        // sops ≥ 3.13 writes a same-line comment back on its line (encrypted or not).
        if (item.inline) inline += ` #${item.text}`;
        else {
          this.parts.push(`${lead}#${item.text}\n`);
          lead = " ".repeat(indent);
        }
        continue;
      }
      this.parts.push(`${lead}${yamlScalar(item.key, true)}:`);
      this.value(item.value, this.next(indent), inline);
      inline = "";
      lead = " ".repeat(indent);
    }
  }

  /** Writes a value after `key:` or `-`; `indent` is where the value's own lines go. */
  value(v: TreeValue, indent: number, inline = ""): void {
    if (v instanceof TreeMap) {
      if (v.items.length === 0) this.parts.push(` {}${inline}\n`);
      else {
        this.parts.push(`${inline}\n`);
        this.map(v, indent);
      }
    } else if (v instanceof TreeList) {
      if (v.items.length === 0) this.parts.push(` []${inline}\n`);
      else {
        this.parts.push(`${inline}\n`);
        this.list(v, indent);
      }
    } else if (typeof v === "string" && chooseStringStyle(v, false) === "literal") {
      // sops turns each value into a go-yaml node by writing it out and reading it back; a
      // literal block whose text starts with a tab does not read back, and sops prints null.
      // With a same-line comment to attach to that empty node, writing fails in sops.
      if (v.startsWith("\t")) {
        if (inline !== "") throw tabBlockError();
        this.parts.push(" null\n");
      } else this.parts.push(` ${literalBlock(v, indent, this.step).replace("\n", `${inline}\n`)}`);
    } else this.parts.push(` ${yamlScalar(v)}${inline}\n`);
  }

  /** A sequence whose dashes sit at `indent`. */
  list(list: TreeList, indent: number, firstPrefix?: string): void {
    let lead = firstPrefix ?? " ".repeat(indent);
    let inline = "";
    for (const item of list.items) {
      if (item instanceof Comment) {
        // An encrypted comment inside a list is written as a list element, as sops does.
        if (isEncryptedValue(item.text)) this.parts.push(`${lead}- ${item.text}\n`);
        else if (item.inline) {
          inline += ` #${item.text}`;
          continue;
        } else this.parts.push(`${lead}#${item.text}\n`);
      } else if (item instanceof TreeMap && item.items.length > 0) {
        // go-yaml writes the head comments of an item's first key above its dash.
        let first = 0;
        while (first < item.items.length - 1 && item.items[first] instanceof Comment && !(item.items[first] as Comment).inline) first++;
        if (item.items[first] instanceof Comment) first = 0;
        for (const c of item.items.slice(0, first)) {
          this.parts.push(`${lead}#${(c as Comment).text}\n`);
          lead = " ".repeat(indent);
        }
        this.map(first === 0 ? item : new TreeMap(item.items.slice(first)), indent + 2, `${lead}- `);
      } else if (item instanceof TreeList && item.items.length > 0) {
        this.list(item, indent + 2, `${lead}- `);
      } else {
        if (typeof item === "string" && item.startsWith("\t") && chooseStringStyle(item, false) === "literal" && commentAfterValue(list)) {
          // The node go-yaml cannot read back (see value()) is empty; sops prints it as null,
          // except in a list whose comments follow a value, where writing fails.
          throw tabBlockError();
        }
        this.parts.push(`${lead}-`);
        this.value(item, indent + 2, inline);
        inline = "";
      }
      lead = " ".repeat(indent);
    }
  }
}

function tabBlockError(): HushError {
  return new HushError("HUSH_ERR_SOPS_EMIT", "a multi-line text starting with a tab sits next to a comment, which sops cannot write as YAML", {
    hint: "write the file as JSON (--output-type json), or change the value or move the comment",
  });
}

/** True when a comment of the list comes after one of its values (observed with sops 3.13.3). */
function commentAfterValue(list: TreeList): boolean {
  let seenValue = false;
  for (const item of list.items) {
    if (item instanceof Comment) {
      if (seenValue && !item.inline) return true;
    } else seenValue = true;
  }
  return false;
}

/** Serialises a tree as YAML, documents separated by `---`. */
export function emitYaml(tree: Tree, indent = 4): string {
  const step = indent >= 2 && indent <= 9 ? indent : 2;
  return tree.branches
    .map((b) => {
      const w = new YamlWriter(step);
      if (b.items.length === 0) return "{}\n";
      w.map(b, 0);
      return w.out;
    })
    .join("---\n");
}

/** Serialises one value for `--extract` (a scalar followed by a newline, or a document). */
export function emitYamlValue(v: TreeValue, indent = 4): string {
  if (v instanceof TreeMap) return emitYaml({ branches: [v] }, indent);
  if (v instanceof TreeList) {
    const w = new YamlWriter(indent >= 2 && indent <= 9 ? indent : 2);
    if (v.items.length === 0) return "[]\n";
    w.list(v, 0);
    return w.out;
  }
  const text = yamlScalar(v);
  return text === "|" && typeof v === "string" ? literalBlock(v, indent, indent) : `${text}\n`;
}
