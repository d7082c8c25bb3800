import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

// The age v1 file format (age-encryption.org/v1) for the small files sops stores (a 32-byte
// data key per recipient), with X25519 recipients, on node:crypto alone. The general age
// library pulls in WebCrypto, web streams and a pure-JS curve implementation, which cost
// `hush decrypt` a large share of its start-up; it stays for post-quantum keys and keygen.

/** A recipient stanza: its arguments (type first) and its body. */
export interface AgeStanza {
  readonly args: readonly string[];
  readonly body: Uint8Array;
}

/** Something that wraps a file key for one recipient. */
export interface NativeRecipient {
  wrap(fileKey: Uint8Array): AgeStanza[];
}

/** Something that may unwrap a file key from the stanzas (null: none is for it). */
export interface NativeIdentity {
  unwrap(stanzas: readonly AgeStanza[]): Uint8Array | null;
}

const b64nopad = (b: Uint8Array): string => Buffer.from(b).toString("base64").replace(/=+$/, "");
const fromB64nopad = (s: string): Buffer | undefined => (/^[A-Za-z0-9+/]*$/.test(s) && s.length % 4 !== 1 ? Buffer.from(s, "base64") : undefined);

/** HKDF-SHA256 with a 32-byte output. */
export function hkdf32(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, 32));
}

const zeroNonce = Buffer.alloc(12);

/** ChaCha20-Poly1305 with a given nonce; the tag follows the ciphertext. */
export function seal(key: Uint8Array, plain: Uint8Array, nonce: Uint8Array = zeroNonce): Buffer {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

/** Opens what {@link seal} made; undefined when authentication fails. */
export function open(key: Uint8Array, sealed: Uint8Array, nonce: Uint8Array = zeroNonce): Buffer | undefined {
  if (sealed.length < 16) return undefined;
  const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  } catch {
    return undefined;
  }
}

// X25519 through node:crypto: raw scalars and points wrapped in their fixed DER prefixes.
const x25519Pkcs8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const x25519Spki = Buffer.from("302a300506032b656e032100", "hex");

/** X25519(scalar, point); throws on a low-order point (all-zero result), as age does. */
export function x25519(scalar: Uint8Array, point: Uint8Array): Buffer {
  const privateKey = createPrivateKey({ key: Buffer.concat([x25519Pkcs8, scalar]), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey({ key: Buffer.concat([x25519Spki, point]), format: "der", type: "spki" });
  return diffieHellman({ privateKey, publicKey });
}

/** X25519(scalar, basepoint). */
export function x25519Public(scalar: Uint8Array): Buffer {
  const key = createPrivateKey({ key: Buffer.concat([x25519Pkcs8, scalar]), format: "der", type: "pkcs8" });
  return Buffer.from(createPublicKey(key).export({ format: "jwk" }).x ?? "", "base64url");
}

// Bech32 (BIP 173), as age encodes recipients and identities.
const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
function polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i] ?? 0;
  }
  return chk >>> 0;
}
const hrpExpand = (hrp: string): number[] => [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];

function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | (data[i] ?? 0);
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & max);
  } else if (bits >= from || ((acc << (to - bits)) & max) !== 0) return undefined;
  return out;
}

/** Decodes a Bech32 string of human-readable part `hrp` (either case, not mixed). */
export function bech32Decode(s: string, hrp: string): Uint8Array | undefined {
  if (s !== s.toLowerCase() && s !== s.toUpperCase()) return undefined;
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf("1");
  if (sep < 1 || lower.slice(0, sep) !== hrp || lower.length - sep - 1 < 6) return undefined;
  const data: number[] = [];
  for (const c of lower.slice(sep + 1)) {
    const v = charset.indexOf(c);
    if (v < 0) return undefined;
    data.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...data]) !== 1) return undefined;
  const bytes = convertBits(data.slice(0, -6), 5, 8, false);
  return bytes ? Uint8Array.from(bytes) : undefined;
}

/** Encodes bytes as Bech32 with human-readable part `hrp` (lower case). */
export function bech32Encode(hrp: string, bytes: Uint8Array): string {
  const data = convertBits(bytes, 8, 5, true) ?? [];
  const mod = polymod([...hrpExpand(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data, ...checksum].map((v) => charset[v]).join("")}`;
}

const x25519Label = "age-encryption.org/v1/X25519";

/** An `age1…` X25519 recipient, or undefined when the string is not one. */
export function x25519Recipient(recipient: string): NativeRecipient | undefined {
  const theirs = bech32Decode(recipient, "age");
  if (!theirs || theirs.length !== 32) return undefined;
  return {
    wrap: (fileKey) => {
      const ephemeral = randomBytes(32);
      const share = x25519Public(ephemeral);
      const wrapping = hkdf32(x25519(ephemeral, theirs), Buffer.concat([share, theirs]), x25519Label);
      return [{ args: ["X25519", b64nopad(share)], body: seal(wrapping, fileKey) }];
    },
  };
}

/** An `AGE-SECRET-KEY-1…` identity, or undefined when the string is not one. */
export function x25519Identity(identity: string): NativeIdentity | undefined {
  const scalar = bech32Decode(identity, "age-secret-key-");
  if (!scalar || scalar.length !== 32) return undefined;
  const ours = x25519Public(scalar);
  return {
    unwrap: (stanzas) => {
      for (const s of stanzas) {
        if (s.args[0] !== "X25519") continue;
        const share = s.args.length === 2 ? fromB64nopad(s.args[1] ?? "") : undefined;
        if (!share || share.length !== 32) throw new Error("invalid X25519 stanza");
        let shared: Buffer;
        try {
          shared = x25519(scalar, share);
        } catch {
          throw new Error("invalid X25519 stanza");
        }
        // A body that does not open is simply not for this identity (age's semantics).
        const fileKey = s.body.length === 32 ? open(hkdf32(shared, Buffer.concat([share, ours]), x25519Label), s.body) : undefined;
        if (fileKey) return fileKey;
      }
      return null;
    },
  };
}

/** The X25519 recipient (`age1…`) of an identity. */
export function x25519RecipientOf(identity: string): string | undefined {
  const scalar = bech32Decode(identity, "age-secret-key-");
  return scalar && scalar.length === 32 ? bech32Encode("age", x25519Public(scalar)) : undefined;
}

/** Encodes a header's stanzas (without the MAC line's value). */
function headerNoMac(stanzas: readonly AgeStanza[]): string {
  let out = "age-encryption.org/v1\n";
  for (const s of stanzas) {
    out += `-> ${s.args.join(" ")}\n`;
    const body = b64nopad(s.body);
    for (let i = 0; i < body.length; i += 64) out += `${body.slice(i, i + 64)}\n`;
    // A body whose last line is full ends with an empty line.
    if (body.length % 64 === 0) out += "\n";
  }
  return `${out}---`;
}

const chunkSize = 64 * 1024;

function streamNonce(counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeUIntBE(counter, 5, 6);
  n[11] = last ? 1 : 0;
  return n;
}

/** Encrypts `plain` into a binary age file for the stanzas `wrap` produces for a fresh file key. */
export function encryptAge(plain: Uint8Array, recipients: readonly NativeRecipient[]): Buffer {
  const fileKey = randomBytes(16);
  const stanzas = recipients.flatMap((r) => r.wrap(fileKey));
  const header = headerNoMac(stanzas);
  const mac = createHmac("sha256", hkdf32(fileKey, Buffer.alloc(0), "header")).update(header).digest();
  const nonce = randomBytes(16);
  const key = hkdf32(fileKey, nonce, "payload");
  const parts: Buffer[] = [Buffer.from(`${header} ${b64nopad(mac)}\n`, "latin1"), nonce];
  const count = Math.max(1, Math.ceil(plain.length / chunkSize));
  for (let i = 0; i < count; i++) parts.push(seal(key, plain.subarray(i * chunkSize, (i + 1) * chunkSize), streamNonce(i, i === count - 1)));
  return Buffer.concat(parts);
}

/** A parsed binary age file: its stanzas, and what is needed to check and open it. */
export interface ParsedAge {
  readonly stanzas: AgeStanza[];
  readonly headerNoMac: Buffer;
  readonly mac: Buffer;
  readonly payload: Buffer;
}

/** Parses a binary age file's header; throws on anything malformed. */
export function parseAge(file: Uint8Array): ParsedAge {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.length);
  let at = 0;
  const line = (): string => {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) throw new Error("invalid age header");
    const l = buf.toString("latin1", at, nl);
    at = nl + 1;
    return l;
  };
  if (line() !== "age-encryption.org/v1") throw new Error("not an age v1 file");
  const stanzas: AgeStanza[] = [];
  for (;;) {
    const start = at;
    const l = line();
    if (l.startsWith("--- ")) {
      const mac = fromB64nopad(l.slice(4));
      if (!mac || mac.length !== 32) throw new Error("invalid age header MAC");
      return { stanzas, headerNoMac: buf.subarray(0, start + 3), mac, payload: buf.subarray(at) };
    }
    const args = l.split(" ");
    if (args.shift() !== "->" || args.length < 1 || args.some((a) => a === "")) throw new Error("invalid age stanza");
    const body: Buffer[] = [];
    for (;;) {
      const chunk = fromB64nopad(line());
      if (!chunk || chunk.length > 48) throw new Error("invalid age stanza body");
      body.push(chunk);
      if (chunk.length < 48) break;
    }
    stanzas.push({ args, body: Buffer.concat(body) });
  }
}

/** Checks the header MAC with the file key and decrypts the payload. */
export function openAge(parsed: ParsedAge, fileKey: Uint8Array): Buffer {
  const mac = createHmac("sha256", hkdf32(fileKey, Buffer.alloc(0), "header")).update(parsed.headerNoMac).digest();
  if (!timingSafeEqual(mac, parsed.mac)) throw new Error("age header MAC mismatch");
  const { payload } = parsed;
  if (payload.length < 16 + 16) throw new Error("truncated age payload");
  const key = hkdf32(fileKey, payload.subarray(0, 16), "payload");
  const out: Buffer[] = [];
  const sealedChunk = chunkSize + 16;
  for (let at = 16, i = 0; at < payload.length; at += sealedChunk, i++) {
    const last = at + sealedChunk >= payload.length;
    const plain = open(key, payload.subarray(at, at + sealedChunk), streamNonce(i, last));
    if (!plain || (last && plain.length === 0 && i > 0)) throw new Error("age payload does not authenticate");
    out.push(plain);
  }
  return Buffer.concat(out);
}

/** ASCII armor as age writes it: padded base64 in 64-column lines. */
export function armorAge(file: Uint8Array): string {
  const b64 = Buffer.from(file).toString("base64");
  let out = "-----BEGIN AGE ENCRYPTED FILE-----\n";
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END AGE ENCRYPTED FILE-----\n`;
}

/** Reads age's ASCII armor (CRLF tolerated, surrounding whitespace ignored); throws when malformed. */
export function dearmorAge(text: string): Buffer {
  const lines = text.trim().replace(/\r\n/g, "\n").split("\n");
  if (lines.shift() !== "-----BEGIN AGE ENCRYPTED FILE-----" || lines.pop() !== "-----END AGE ENCRYPTED FILE-----") throw new Error("invalid age armor");
  const valid = lines.every((l, i) => (i === lines.length - 1 ? l.length > 0 && l.length <= 64 && l.length % 4 === 0 : l.length === 64) && /^[A-Za-z0-9+/=]+$/.test(l));
  if (!valid || lines.length === 0) throw new Error("invalid age armor");
  return Buffer.from(lines.join(""), "base64");
}
