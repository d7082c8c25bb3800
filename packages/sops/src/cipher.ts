import { createCipheriv, createDecipheriv } from "node:crypto";
import { HushError } from "@hush/errors";
import type { Comment, Scalar } from "./tree.js";
import { valueBytes, valueFromBytes, type ValueType } from "./values.js";

/** Source of randomness, injected so the core stays deterministic under test. */
export type RandomBytes = (length: number) => Uint8Array;

const encPrefix = "ENC[AES256_GCM,data:";
const encoder = new TextEncoder();

/**
 * Splits `ENC[AES256_GCM,data:<d>,iv:<i>,tag:<t>,type:<y>]…` (anchored at the start, anything may
 * follow) into its four fields, each the shortest that lets the rest match, as the lazy pattern
 * `^ENC\[AES256_GCM,data:(.*?),iv:(.*?),tag:(.*?),type:(.*?)\]` would. A scanner instead of that
 * pattern: the regex backtracks polynomially on values a Git author controls (seconds for a few
 * KiB); taking the leftmost separator each time finds the same match in one pass.
 */
function splitEncrypted(value: string): [string, string, string, string] | undefined {
  if (!value.startsWith(encPrefix)) return undefined;
  const iv = value.indexOf(",iv:", encPrefix.length);
  if (iv < 0) return undefined;
  const tag = value.indexOf(",tag:", iv + 4);
  if (tag < 0) return undefined;
  const type = value.indexOf(",type:", tag + 5);
  if (type < 0) return undefined;
  const end = value.indexOf("]", type + 6);
  if (end < 0) return undefined;
  return [value.slice(encPrefix.length, iv), value.slice(iv + 4, tag), value.slice(tag + 5, type), value.slice(type + 6, end)];
}

/** True for a string in sops's `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` form. Linear time. */
export function isEncryptedValue(value: unknown): boolean {
  return typeof value === "string" && splitEncrypted(value) !== undefined;
}

/** The parts of an `ENC[…]` value, or `undefined` if it is not one. Linear time. */
export function parseEncryptedValue(value: string): { data: Uint8Array; iv: Uint8Array; tag: Uint8Array; type: string } | undefined {
  const m = splitEncrypted(value);
  if (!m) return undefined;
  return {
    data: Buffer.from(m[0], "base64"),
    iv: Buffer.from(m[1], "base64"),
    tag: Buffer.from(m[2], "base64"),
    type: m[3],
  };
}

/** GCM's final block is empty: skip the copy a concatenation would make of a large value. */
function joined(head: Buffer, tail: Buffer): Buffer {
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}

/** Encrypts raw plaintext bytes with a given IV (used for the MAC and for IV reuse). */
export function encryptBytes(plain: Uint8Array, type: ValueType, key: Uint8Array, aad: string, iv: Uint8Array): string {
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(encoder.encode(aad));
  const data = joined(cipher.update(plain), cipher.final());
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${Buffer.from(iv).toString("base64")},tag:${tag.toString("base64")},type:${type}]`;
}

/**
 * Encrypts one value as sops does: AES-256-GCM, a fresh 32-byte IV, the key path as AAD.
 * Empty strings (and empty comments) are never encrypted and come back unchanged.
 */
export function encryptValue(value: Exclude<Scalar, null> | Comment, key: Uint8Array, aad: string, random: RandomBytes): string {
  const { bytes, type } = valueBytes(value);
  if (bytes.length === 0 && (type === "str" || type === "comment")) return "";
  return encryptBytes(bytes, type, key, aad, random(32));
}

/** Decrypts an `ENC[…]` string into raw plaintext bytes and its type. */
export function decryptBytes(value: string, key: Uint8Array, aad: string, where: string): { bytes: Uint8Array; type: string } {
  const parts = parseEncryptedValue(value);
  if (!parts) throw new HushError("HUSH_ERR_SOPS_DECRYPT_VALUE", `value at ${where} is not a valid ENC[AES256_GCM,…] string`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, parts.iv);
    decipher.setAAD(encoder.encode(aad));
    decipher.setAuthTag(parts.tag);
    const bytes = joined(decipher.update(parts.data), decipher.final());
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), type: parts.type };
  } catch (cause) {
    throw new HushError(
      "HUSH_ERR_SOPS_DECRYPT_VALUE",
      `could not decrypt the value at ${where}: authentication failed (tampered value, moved key, or wrong data key)`,
      { cause },
    );
  }
}

/** Decrypts an `ENC[…]` value into its typed form. */
export function decryptValue(value: string, key: Uint8Array, aad: string, where: string): Exclude<Scalar, null> | Comment {
  const { bytes, type } = decryptBytes(value, key, aad, where);
  return valueFromBytes(bytes, type, where);
}
