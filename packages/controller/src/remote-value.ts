import { HushError } from "@hush/errors";
import { compileTenantRegexp, maxTenantRegexpInput, maxTenantRegexpLength, type ExternalSecretRewrite, type TenantRegexp } from "@hush/kube";
import { renderTransform } from "./template.js";

const utf8 = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/** Kubernetes Secret key rule. */
const secretKeyPattern = /^[-._a-zA-Z0-9]+$/;

/** True when `key` is a valid Kubernetes Secret data key. */
export function isValidSecretKey(key: string): boolean {
  return key.length > 0 && key.length <= 253 && secretKeyPattern.test(key) && key !== "." && key !== "..";
}

/**
 * Picks `property` out of a JSON value: an exact top-level key first, then a dotted path
 * (`a.b.0.c`). Strings come back raw, anything else as compact JSON. `where` names the spec
 * entry in errors; the value itself is never echoed.
 */
export function extractProperty(value: Uint8Array, property: string, where: string): Uint8Array {
  const parsed = parseJsonObject(value, where);
  if (Object.hasOwn(parsed, property)) return jsonMemberBytes(parsed[property]);
  let cur: unknown = parsed;
  for (const part of property.split(".")) {
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur, part)) {
      throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: property ${JSON.stringify(property.slice(0, 120))} not found in the remote secret`);
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return jsonMemberBytes(cur);
}

/** Expands a JSON object into one entry per top-level member (dataFrom.extract). */
export function expandJsonObject(value: Uint8Array, where: string): Record<string, Uint8Array> {
  const parsed = parseJsonObject(value, where);
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(parsed)) out[k] = jsonMemberBytes(v);
  return out;
}

function parseJsonObject(value: Uint8Array, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(value));
  } catch {
    throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: the remote secret is not JSON, so a property cannot be read from it`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: the remote secret is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function jsonMemberBytes(v: unknown): Uint8Array {
  return encoder.encode(typeof v === "string" ? v : JSON.stringify(v));
}

/** Applies `decodingStrategy` (None, Base64, Base64URL, Auto). */
export function decodeValue(value: Uint8Array, strategy: string | undefined, where: string): Uint8Array {
  if (!strategy || strategy === "None") return value;
  const text = utf8.decode(value).trim();
  const std = /^[A-Za-z0-9+/]*={0,2}$/;
  const url = /^[A-Za-z0-9_-]*={0,2}$/;
  if (strategy === "Base64" || strategy === "Base64URL") {
    const ok = strategy === "Base64" ? std.test(text) : url.test(text);
    if (!ok || text.replace(/=+$/, "").length % 4 === 1) {
      throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: value is not ${strategy} (decodingStrategy)`);
    }
    return new Uint8Array(Buffer.from(text, strategy === "Base64" ? "base64" : "base64url"));
  }
  if (strategy === "Auto") {
    if (text.length > 0 && text.replace(/=+$/, "").length % 4 !== 1) {
      if (std.test(text)) return new Uint8Array(Buffer.from(text, "base64"));
      if (url.test(text)) return new Uint8Array(Buffer.from(text, "base64url"));
    }
    return value;
  }
  throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${where}: unknown decodingStrategy`);
}

/** Rejects values with NUL bytes when `nullBytePolicy: Fail`. */
export function checkNullBytes(value: Uint8Array, policy: string | undefined, where: string): void {
  if (policy === "Fail" && value.includes(0)) {
    throw new HushError("HUSH_ERR_CONTROLLER_PROVIDER", `${where}: value contains a NUL byte (nullBytePolicy: Fail)`);
  }
}

/** `conversionStrategy` of `extract`/`find` keys when no rewrite is given (`Default` or `Unicode`). */
export function convertKey(key: string, strategy: string | undefined): string {
  // ESO's utils.convert: a rune that is not a letter or number (Go's unicode.IsLetter and
  // IsNumber: Unicode categories L and N), `-`, `.` or `_` becomes `_` by default, or `_UXXXX_`
  // (Go's %04x of the code point) with the Unicode strategy.
  let out = "";
  for (const ch of key) {
    if (keptInKey.test(ch)) out += ch;
    else out += strategy === "Unicode" ? `_U${ch.codePointAt(0)!.toString(16).padStart(4, "0")}_` : "_";
  }
  return out;
}

const keptInKey = /^[\p{L}\p{N}._-]$/u;

/**
 * Compiles a tenant regular expression (`rewrite[].regexp.source`, `find.name.regexp`) with
 * RE2 semantics, as ESO does, or throws `HUSH_ERR_CONTROLLER_INVALID_SPEC` naming `where`.
 */
export function tenantRegexp(source: string, where: string): TenantRegexp {
  const r = compileTenantRegexp(source);
  if (r.ok) return r.regexp;
  throw new HushError(
    "HUSH_ERR_CONTROLLER_INVALID_SPEC",
    r.reason === "too-long" ? `${where} is longer than ${maxTenantRegexpLength} characters` : `${where} is not a valid RE2 regular expression`,
  );
}

/**
 * Applies `dataFrom[].rewrite` in order to the key names of `data`. Regexps are RE2 (linear
 * time) and keys longer than {@link maxTenantRegexpInput} are refused before any matching.
 */
export function rewriteKeys(data: Record<string, Uint8Array>, rewrites: readonly ExternalSecretRewrite[], where: string): Record<string, Uint8Array> {
  let cur = data;
  rewrites.forEach((rw, i) => {
    const at = `${where}.rewrite[${i}]`;
    const next: Record<string, Uint8Array> = {};
    for (const k of Object.keys(cur)) {
      if (k.length > maxTenantRegexpInput) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `${at}: a key is longer than ${maxTenantRegexpInput} characters`);
    }
    if (rw.regexp) {
      const re = tenantRegexp(rw.regexp.source, `${at}.regexp.source`);
      if (rw.regexp.target.length > maxTenantRegexpLength) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${at}.regexp.target is longer than ${maxTenantRegexpLength} characters`);
      for (const [k, v] of Object.entries(cur)) {
        const renamed = re.replaceAll(k, rw.regexp.target);
        if (renamed.length > maxTenantRegexpInput) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `${at}: a rewritten key is longer than ${maxTenantRegexpInput} characters`);
        next[renamed] = v;
      }
    } else if (rw.transform) {
      for (const [k, v] of Object.entries(cur)) {
        // Each key gets a small budget of its own, and a result too long to be a key fails at once.
        const renamed = renderTransform(rw.transform.template, k, `${at}.transform.template`);
        if (renamed.length > maxTenantRegexpInput) throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `${at}: a rewritten key is longer than ${maxTenantRegexpInput} characters`);
        next[renamed] = v;
      }
    } else {
      throw new HushError("HUSH_ERR_CONTROLLER_INVALID_SPEC", `${at} must set regexp or transform`);
    }
    cur = next;
  });
  return cur;
}

/** Throws `HUSH_ERR_CONTROLLER_INVALID_KEY` for the first key that is not a valid Secret key. */
export function assertValidKeys(data: Readonly<Record<string, unknown>>, where: string): void {
  for (const k of Object.keys(data)) {
    if (!isValidSecretKey(k)) {
      const shown = k.replace(/[^\x20-\x7e]/g, "?").slice(0, 80);
      throw new HushError("HUSH_ERR_CONTROLLER_INVALID_KEY", `${where}: ${JSON.stringify(shown)} is not a valid Secret key`);
    }
  }
}
