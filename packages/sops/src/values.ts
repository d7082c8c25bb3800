import { HushError } from "@hush/errors";
import { formatFloatF } from "./go-format.js";
import { Comment, SopsTime, type Scalar } from "./tree.js";

/** The `type:` tag of an encrypted value. */
export type ValueType = "str" | "int" | "float" | "bool" | "bytes" | "time" | "comment";

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * The bytes sops encrypts and hashes for a value, and its type tag (sops `ToBytes`).
 * `null` has none: sops never encrypts or hashes it.
 */
export function valueBytes(value: Exclude<Scalar, null> | Comment): { bytes: Uint8Array; type: ValueType } {
  if (value instanceof Comment) return { bytes: utf8.encode(value.text), type: "comment" };
  if (value instanceof Uint8Array) return { bytes: value, type: "str" };
  if (value instanceof SopsTime) return { bytes: utf8.encode(value.text), type: "time" };
  switch (typeof value) {
    case "string":
      return { bytes: utf8.encode(value), type: "str" };
    case "bigint":
      return { bytes: utf8.encode(value.toString(10)), type: "int" };
    case "number":
      return { bytes: utf8.encode(formatFloatF(value)), type: "float" };
    case "boolean":
      // A leftover of the Python sops, kept by every version since.
      return { bytes: utf8.encode(value ? "True" : "False"), type: "bool" };
  }
}

const goBools = new Map<string, boolean>([
  ...["1", "t", "T", "TRUE", "true", "True"].map((s) => [s, true] as const),
  ...["0", "f", "F", "FALSE", "false", "False"].map((s) => [s, false] as const),
]);

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** Go `strconv.ParseFloat` for the forms sops writes (decimal, exponent, Inf, NaN). */
function parseGoFloat(s: string): number | undefined {
  const lower = s.toLowerCase();
  if (/^[+]?(inf|infinity)$/.test(lower)) return Infinity;
  if (/^-(inf|infinity)$/.test(lower)) return -Infinity;
  if (lower === "nan") return NaN;
  const clean = s.replace(/_/g, "");
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) return undefined;
  return Number(clean);
}

/**
 * Turns decrypted plaintext back into a typed value (sops `decrypt` per type). Throws
 * HUSH_ERR_SOPS_DECRYPT_VALUE when the text does not parse as its declared type.
 */
export function valueFromBytes(bytes: Uint8Array, type: string, where: string): Exclude<Scalar, null> | Comment {
  const bad = (): never => {
    throw new HushError("HUSH_ERR_SOPS_DECRYPT_VALUE", `value at ${where} does not parse as its type '${type}'`);
  };
  switch (type) {
    case "str":
      // Keep invalid UTF-8 (binary files) byte-exact.
      return utf8OrUndefined(bytes) ?? bytes;
    case "bytes":
      return bytes;
  }
  const text = utf8Decoder.decode(bytes);
  switch (type) {
    case "comment":
      return new Comment(text);
    case "time":
      return isRfc3339(text) ? new SopsTime(text) : bad();
    case "int": {
      if (!/^[+-]?\d+$/.test(text)) return bad();
      const n = BigInt(text);
      return n < int64Min || n > int64Max ? bad() : n;
    }
    case "float": {
      const f = parseGoFloat(text);
      return f === undefined ? bad() : f;
    }
    case "bool": {
      const b = goBools.get(text);
      return b === undefined ? bad() : b;
    }
    default:
      throw new HushError("HUSH_ERR_SOPS_DECRYPT_VALUE", `value at ${where} has an unknown type '${type.slice(0, 16)}'`);
  }
}

function isRfc3339(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s);
}

// ignoreBOM keeps a leading byte-order mark as text, as Go keeps the bytes.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** `bytes` as text when they are well-formed UTF-8 (decoded once), else undefined. */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
