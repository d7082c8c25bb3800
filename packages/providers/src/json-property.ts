import { describeKey, providerError } from "./provider-error.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Parses a payload as JSON, or returns `undefined` when it is not valid UTF-8 JSON. */
export function parseJson(value: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(value));
  } catch {
    return undefined;
  }
}

/** Strings are kept raw; everything else (numbers, booleans, objects, arrays, null) as JSON. */
export function jsonValueBytes(value: unknown): Uint8Array {
  return utf8(typeof value === "string" ? value : JSON.stringify(value));
}

/**
 * Splits a gjson-style path on unescaped dots: `a.b` → `["a", "b"]`, `a\.b` → `["a.b"]`.
 */
export function splitPropertyPath(path: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch === "\\" && i + 1 < path.length) {
      current += path[++i];
    } else if (ch === ".") {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * Looks a property up in a parsed JSON document the way ESO does: an exact top-level key wins
 * (so `"a.b"` finds a literal dotted key), otherwise a dotted path (`db.password`,
 * `hosts.0`). Returns `undefined` when absent.
 */
export function lookupProperty(doc: unknown, property: string): unknown {
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc) && Object.hasOwn(doc, property)) {
    return (doc as Record<string, unknown>)[property];
  }
  let node: unknown = doc;
  for (const part of splitPropertyPath(property)) {
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(part)) {
      node = node[Number(part)];
    } else if (node !== null && typeof node === "object" && !Array.isArray(node) && Object.hasOwn(node, part)) {
      node = (node as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
  }
  return node;
}

/**
 * The bytes of `property` inside the JSON payload of `key`.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` when the payload is not JSON (a property was asked
 *   of a plain value); `HUSH_ERR_PROVIDERS_NOT_FOUND` when the property is absent.
 */
export function extractProperty(value: Uint8Array, property: string, key: string): Uint8Array {
  const doc = parseJson(value);
  if (doc === undefined || doc === null || typeof doc !== "object") {
    throw providerError(
      "invalid-config",
      `secret ${describeKey(key)} is not a JSON object, so property ${describeKey(property)} cannot be read`,
    );
  }
  const found = lookupProperty(doc, property);
  if (found === undefined) {
    throw providerError("not-found", `secret ${describeKey(key)} has no property ${describeKey(property)}`);
  }
  return jsonValueBytes(found);
}

/**
 * Expands a JSON object payload into one entry per top-level member (dataFrom.extract):
 * strings raw, other values as JSON. With `property`, the object at that path is expanded.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` when the payload (or property) is not a JSON object.
 */
export function expandJsonObject(value: Uint8Array, key: string, property?: string): Record<string, Uint8Array> {
  let doc = parseJson(value);
  if (property !== undefined && property !== "") {
    if (doc === undefined || doc === null || typeof doc !== "object") doc = undefined;
    else {
      doc = lookupProperty(doc, property);
      if (doc === undefined) {
        throw providerError("not-found", `secret ${describeKey(key)} has no property ${describeKey(property)}`);
      }
    }
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw providerError("invalid-config", `secret ${describeKey(key)} is not a JSON object, so it cannot be extracted into keys`);
  }
  return objectToBytesMap(doc as Record<string, unknown>);
}

/** Converts each member of a plain object to bytes (strings raw, others as JSON). */
export function objectToBytesMap(obj: Record<string, unknown>): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(obj)) setEntry(out, k, jsonValueBytes(v));
  return out;
}

/** Sets `out[key]` as an own data property, so a key like `__proto__` stays an ordinary key. */
export function setEntry<T>(out: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}
