import { HushError, type ErrorCode } from "@hush/errors";
import { Comment, TreeMap, type MapEntry, type Tree } from "../tree.js";
import { flattenMetadata, scalarToText, unflattenMetadata } from "./flatten.js";

/** A parsed INI file: sections as top-level items, and the `[sops]` section for encrypted files. */
export interface ParsedIni {
  readonly tree: Tree;
  readonly metadata: TreeMap | undefined;
}

function unquote(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")) || (v.startsWith("`") && v.endsWith("`")))) {
    return v.slice(1, -1);
  }
  // An unquoted '#' or ';' starts an inline comment (gopkg.in/ini.v1).
  const cut = v.search(/[#;]/);
  return (cut >= 0 ? v.slice(0, cut) : v).trimEnd();
}

/**
 * Parses INI the way sops (gopkg.in/ini.v1) does: one item per section (the implicit DEFAULT
 * section first), `key = value` or `key: value`, comments attached after the key they precede,
 * quotes and `"""…"""` blocks unwrapped, inline `#`/`;` comments cut.
 */
export function parseIni(text: string, errorCode: ErrorCode): ParsedIni {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const sections: Array<{ name: string; map: TreeMap }> = [{ name: "DEFAULT", map: new TreeMap() }];
  let current = sections[0] as { name: string; map: TreeMap };
  let pending: Comment[] = [];
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? "").trim();
    if (line === "") continue;
    if (line.startsWith(";") || line.startsWith("#")) {
      pending.push(new Comment(line.replace(/^[;#]\s*/, "")));
      continue;
    }
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      if (end < 0) throw new HushError(errorCode, `invalid INI line ${n + 1}: unclosed section header`);
      current = { name: line.slice(1, end).trim(), map: new TreeMap(pending) };
      pending = [];
      sections.push(current);
      continue;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!m) throw new HushError(errorCode, `invalid INI line ${n + 1}: expected key = value`);
    const key = m[1] ?? "";
    let raw = m[2] ?? "";
    let value: string;
    if (raw.startsWith('"""')) {
      raw = raw.slice(3);
      const parts: string[] = [];
      while (!raw.includes('"""')) {
        parts.push(raw);
        n++;
        if (n >= lines.length) throw new HushError(errorCode, `invalid INI: unterminated """ value for key at line ${n}`);
        raw = lines[n] ?? "";
      }
      parts.push(raw.slice(0, raw.indexOf('"""')));
      value = parts.join("\n");
    } else {
      while (raw.endsWith("\\") && n + 1 < lines.length) {
        raw = raw.slice(0, -1) + (lines[++n] ?? "").trim();
      }
      value = unquote(raw);
    }
    current.map.items.push({ key, value }, ...pending);
    pending = [];
  }
  current.map.items.push(...pending);
  let metadata: TreeMap | undefined;
  const data = new TreeMap();
  for (const s of sections) {
    if (s.name === "sops") {
      const pairs = s.map.entries().map((e) => [e.key, String(e.value).replace(/\\n/g, "\n")] as [string, string]);
      metadata = unflattenMetadata(pairs);
    } else if (!(s.name === "DEFAULT" && s.map.items.length === 0)) {
      data.items.push({ key: s.name, value: s.map });
    }
  }
  return { tree: { branches: [data] }, metadata };
}

function formatValue(v: string): string {
  if (v.includes("\n") || v.includes("`")) return `"""${v}"""`;
  if (v.includes("#") || v.includes(";")) return `\`${v}\``;
  if (v !== v.trim()) return `"${v}"`;
  return v;
}

function writeSection(name: string, items: ReadonlyArray<MapEntry | Comment>, where: string): string {
  const entries = items.filter((i): i is MapEntry => !(i instanceof Comment));
  const width = Math.max(0, ...entries.map((e) => e.key.length));
  let head = "";
  let body = "";
  let pending: string[] = [];
  let seenKey = false;
  // Comments sops keeps after a key were written above it in the source.
  const flush = (entry: MapEntry): void => {
    body += `${entry.key.padEnd(width)} = ${formatValue(scalarToText(entry.value, `${where}.${entry.key}`))}\n`;
  };
  let last: MapEntry | undefined;
  for (const item of items) {
    if (item instanceof Comment) {
      if (!seenKey) head += `; ${item.text}\n`;
      else pending.push(`; ${item.text}\n`);
      continue;
    }
    if (last) {
      body += pending.join("");
      flush(last);
    }
    pending = [];
    last = item;
    seenKey = true;
  }
  // Comments after the last key belong above it.
  if (last) {
    body += pending.join("");
    flush(last);
  }
  return `${head}[${name}]\n${body}`;
}

/** Writes INI in gopkg.in/ini.v1's pretty format, with the `[sops]` section last. */
export function emitIni(tree: Tree, metadata?: TreeMap): string {
  const sections: string[] = [];
  const branch = tree.branches[0] ?? new TreeMap();
  for (const item of branch.items) {
    if (item instanceof Comment) continue;
    if (!(item.value instanceof TreeMap)) {
      throw new HushError("HUSH_ERR_SOPS_EMIT", `INI needs sections: the top-level value ${item.key} is not a mapping`);
    }
    sections.push(writeSection(item.key, item.value.items, item.key));
  }
  if (metadata) {
    const pairs = flattenMetadata(metadata).map(([key, value]) => ({ key, value: value.replace(/\n/g, "\\n") }));
    sections.push(writeSection("sops", pairs, "sops"));
  }
  // A blank line between sections, none after the last (as gopkg.in/ini.v1 writes them).
  return sections.join("\n");
}
