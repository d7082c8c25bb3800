import { constants, createCipheriv, createDecipheriv, createHash, privateDecrypt, publicEncrypt, type KeyObject } from "node:crypto";
import { HushError } from "@hush/errors";

/** A source of random bytes (injected so the core stays pure and tests are reproducible). */
export type RandomBytes = (length: number) => Uint8Array;

const sessionKeyBytes = 32;
const hashBytes = 32;
// The session key is used for exactly one message, so a fixed nonce is safe (as upstream argues).
const zeroNonce = Buffer.alloc(12);

function mgf1(seed: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  let filled = 0;
  for (let counter = 0; filled < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash("sha256").update(seed).update(c).digest();
    filled += block.copy(out, filled);
  }
  return out;
}

/**
 * RSAES-OAEP encoding (RFC 8017 §7.1.1, SHA-256, MGF1-SHA-256) with an injected seed, then a
 * raw RSA operation. Node's own OAEP draws its seed from OpenSSL, which a pure core may not.
 */
function oaepEncrypt(publicKey: KeyObject, message: Uint8Array, label: Uint8Array, random: RandomBytes): Buffer {
  const modulusBits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  const k = Math.ceil(modulusBits / 8);
  if (message.length > k - 2 * hashBytes - 2) throw new HushError("HUSH_ERR_SEALED_INVALID_CERT", "the certificate's RSA key is too small for a sealed value");
  const lHash = createHash("sha256").update(label).digest();
  const db = Buffer.alloc(k - hashBytes - 1);
  lHash.copy(db, 0);
  db[db.length - message.length - 1] = 0x01;
  Buffer.from(message).copy(db, db.length - message.length);
  const seed = Buffer.from(random(hashBytes));
  if (seed.length !== hashBytes) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", "the random source returned too few bytes");
  const dbMask = mgf1(seed, db.length);
  for (let i = 0; i < db.length; i++) db[i] = db[i]! ^ dbMask[i]!;
  const seedMask = mgf1(db, hashBytes);
  for (let i = 0; i < hashBytes; i++) seed[i] = seed[i]! ^ seedMask[i]!;
  const em = Buffer.concat([Buffer.from([0]), seed, db]);
  return publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, em);
}

/**
 * Sealed Secrets' hybrid encryption: a fresh 32-byte AES-256-GCM session key (zero nonce)
 * encrypts `plaintext`; RSA-OAEP-SHA256 with `label` encrypts the session key. Output:
 * 2-byte big-endian RSA ciphertext length || RSA ciphertext || AES-GCM ciphertext and tag.
 */
export function hybridEncrypt(publicKey: KeyObject, plaintext: Uint8Array, label: Uint8Array, random: RandomBytes): Uint8Array {
  const sessionKey = Buffer.from(random(sessionKeyBytes));
  if (sessionKey.length !== sessionKeyBytes) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", "the random source returned too few bytes");
  const rsa = oaepEncrypt(publicKey, sessionKey, label, random);
  const cipher = createCipheriv("aes-256-gcm", sessionKey, zeroNonce);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(rsa.length);
  return new Uint8Array(Buffer.concat([head, rsa, body]));
}

/**
 * Opens one {@link hybridEncrypt} output with the first of `privateKeys` that works, checking
 * the OAEP label (so a value sealed for another name, namespace or scope fails) and the GCM tag
 * (so a tampered value fails). Returns `undefined` when no key opens it.
 */
export function hybridDecrypt(privateKeys: readonly KeyObject[], ciphertext: Uint8Array, label: Uint8Array): Uint8Array | undefined {
  if (ciphertext.length < 2) return undefined;
  const buf = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength);
  const rsaLen = buf.readUInt16BE(0);
  if (buf.length < rsaLen + 2 + 16) return undefined;
  const rsa = buf.subarray(2, rsaLen + 2);
  const body = buf.subarray(rsaLen + 2, buf.length - 16);
  const tag = buf.subarray(buf.length - 16);
  for (const key of privateKeys) {
    let sessionKey: Buffer;
    try {
      sessionKey = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from(label) }, rsa);
    } catch {
      continue;
    }
    if (sessionKey.length !== sessionKeyBytes) continue;
    try {
      const decipher = createDecipheriv("aes-256-gcm", sessionKey, zeroNonce);
      decipher.setAuthTag(tag);
      return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      continue;
    }
  }
  return undefined;
}
