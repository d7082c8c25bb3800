import { HushError, type ErrorCode } from "@hush/errors";
import { Comment, TreeMap, type Tree } from "../tree.js";
import { flattenMetadata, scalarToText, unflattenMetadata } from "./flatten.js";

/** A parsed dotenv file: the data and, for encrypted files, the `sops_` lines. */
export interface ParsedDotenv {
  readonly tree: Tree;
  readonly metadata: TreeMap | undefined;
}

/**
 * Parses dotenv exactly as sops does: split on LF, blank lines dropped, `#` lines are comments,
 * everything before the first `=` is the key and everything after it the value, verbatim (no
 * quotes, no `export`, no trimming); `\n` pairs become newlines.
 */
export function parseDotenv(text: string, errorCode: ErrorCode): ParsedDotenv {
  const data = new TreeMap();
  const meta: Array<[string, string]> = [];
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    if (line === "") continue;
    if (line.startsWith("#")) {
      data.items.push(new Comment(line.slice(1)));
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new HushError(errorCode, `invalid dotenv line ${lineNo}: expected KEY=VALUE`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).replace(/\\n/g, "\n");
    if (key.startsWith("sops_")) meta.push([key.slice(5), value]);
    else data.items.push({ key, value });
  }
  return { tree: { branches: [data] }, metadata: meta.length > 0 ? unflattenMetadata(meta) : undefined };
}

/** Writes dotenv: `KEY=VALUE` lines (newlines as `\n`), `#comment` lines, then `sops_` lines. */
export function emitDotenv(tree: Tree, metadata?: TreeMap): string {
  let out = "";
  const branch = tree.branches[0] ?? new TreeMap();
  for (const item of branch.items) {
    if (item instanceof Comment) out += `#${item.text}\n`;
    else out += `${item.key}=${scalarToText(item.value, item.key).replace(/\n/g, "\\n")}\n`;
  }
  if (metadata) for (const [k, v] of flattenMetadata(metadata)) out += `sops_${k}=${v.replace(/\n/g, "\\n")}\n`;
  return out;
}
