import { HushError, type ErrorCode } from "@hush/errors";
import { utf8OrUndefined } from "../values.js";
import { TreeMap, type Tree, type TreeValue } from "../tree.js";
import { emitDotenv, parseDotenv } from "./dotenv.js";
import { emitIni, parseIni } from "./ini.js";
import { emitJson, emitJsonValue, parseJson } from "./json.js";
import { emitYaml, emitYamlValue, parseYaml } from "./yaml.js";

/** The file formats sops reads and writes. */
export type Format = "yaml" | "json" | "dotenv" | "ini" | "binary";

/** Every format name, as `--input-type`/`--output-type` accept them. */
export const formats: readonly Format[] = ["yaml", "json", "dotenv", "ini", "binary"];

/** Output settings of the stores (`stores:` in `.sops.yaml`, `--indent`). */
export interface StoreOptions {
  /** YAML indent (default 4); JSON/binary indent (default -1 = tab). */
  readonly indent?: number;
}

/** The format sops infers from a file name (case-sensitive suffixes; anything else is binary). */
export function formatForPath(path: string): Format {
  if (path.endsWith(".yaml") || path.endsWith(".yml")) return "yaml";
  if (path.endsWith(".json")) return "json";
  if (path.endsWith(".env")) return "dotenv";
  if (path.endsWith(".ini")) return "ini";
  return "binary";
}

const decoder = new TextDecoder();

/** A parsed file, with the raw `sops` metadata when the file carries it. */
export interface Loaded {
  readonly tree: Tree;
  readonly metadata: TreeValue | undefined;
}

function splitMetadata(tree: Tree): Loaded {
  const first = tree.branches[0];
  const metadata = first?.get("sops");
  for (const b of tree.branches) b.items = b.items.filter((i) => !("key" in i && i.key === "sops"));
  return { tree, metadata };
}

/**
 * Parses a file of `format` into a tree, separating the `sops` metadata. `encrypted` selects
 * the error code for bad syntax (exit 2 for plaintext input, 1 for an encrypted file) and,
 * for YAML, refuses non-string keys on plaintext as sops does.
 */
export function loadFile(bytes: Uint8Array, format: Format, encrypted: boolean): Loaded {
  const code: ErrorCode = encrypted ? "HUSH_ERR_SOPS_PARSE_ENCRYPTED" : "HUSH_ERR_SOPS_PARSE_PLAINTEXT";
  switch (format) {
    case "yaml": {
      const text = decoder.decode(bytes).replace(/\r\n/g, "\n");
      return splitMetadata(parseYaml(text, code, !encrypted));
    }
    case "json":
      return splitMetadata(parseJson(decoder.decode(bytes), code));
    case "dotenv": {
      const { tree, metadata } = parseDotenv(decoder.decode(bytes), code);
      return { tree, metadata };
    }
    case "ini": {
      const { tree, metadata } = parseIni(decoder.decode(bytes), code);
      return { tree, metadata };
    }
    case "binary": {
      if (encrypted) return splitMetadata(parseJson(decoder.decode(bytes), code));
      // The whole file is one value under `data`, kept as bytes when it is not UTF-8.
      const data = utf8OrUndefined(bytes) ?? bytes;
      return { tree: { branches: [new TreeMap([{ key: "data", value: data }])] }, metadata: undefined };
    }
  }
}

const encoder = new TextEncoder();

/** Serialises a tree (and metadata, for encrypted output) in `format`. */
export function emitFile(tree: Tree, format: Format, metadata: TreeMap | undefined, opts: StoreOptions = {}): Uint8Array {
  const withMeta = (): Tree =>
    metadata ? { branches: tree.branches.map((b) => new TreeMap([...b.items, { key: "sops", value: metadata }])) } : tree;
  switch (format) {
    case "yaml":
      return encoder.encode(emitYaml(withMeta(), opts.indent ?? 4));
    case "json":
      return encoder.encode(emitJson(withMeta(), opts.indent ?? -1));
    case "dotenv":
      return encoder.encode(emitDotenv(tree, metadata));
    case "ini":
      return encoder.encode(emitIni(tree, metadata));
    case "binary": {
      if (metadata) return encoder.encode(emitJson(withMeta(), opts.indent ?? -1));
      const data = tree.branches[0]?.get("data");
      if (data instanceof Uint8Array) return data;
      if (typeof data === "string") return encoder.encode(data);
      throw new HushError("HUSH_ERR_SOPS_EMIT", "binary output needs a single string value under `data`");
    }
  }
}

/** Serialises one value for `--extract`. Strings print raw, mappings as documents. */
export function emitValue(value: TreeValue, format: Format, opts: StoreOptions = {}): Uint8Array {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  if (value instanceof TreeMap) return emitFile({ branches: [value] }, format === "binary" ? "json" : format, undefined, opts);
  if (format === "json" || format === "binary") return encoder.encode(`${emitJsonValue(value, opts.indent ?? -1)}\n`);
  return encoder.encode(emitYamlValue(value, opts.indent ?? 4));
}
