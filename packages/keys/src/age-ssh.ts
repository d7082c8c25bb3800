import { constants, createHash, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from "node:crypto";
import { HushError } from "@hush/errors";
import { hkdf32 as hkdf, open, seal, x25519, x25519Public, type NativeIdentity, type NativeRecipient } from "./age-native.js";

// age's SSH recipient types (`ssh-ed25519`, `ssh-rsa`), as filippo.io/age/agessh defines them
// and sops uses them: an Ed25519 key is used as X25519 after conversion (with a tweak bound to
// the SSH key), an RSA key wraps the file key with RSA-OAEP-SHA256. Built on node:crypto.

const ed25519Label = "age-encryption.org/v1/ssh-ed25519";
const rsaLabel = "age-encryption.org/v1/ssh-rsa";

const keyError = (message: string): HushError => new HushError("HUSH_ERR_KEYS_AGE_SSH_KEY", message);
const recipientError = (message: string): HushError => new HushError("HUSH_ERR_KEYS_AGE_RECIPIENT", message);

/** A reader of SSH wire-format fields (RFC 4251 strings and integers). */
class Wire {
  private at = 0;
  constructor(private readonly buf: Uint8Array) {}

  u32(): number {
    if (this.at + 4 > this.buf.length) throw keyError("truncated SSH key");
    const v = ((this.buf[this.at] ?? 0) << 24) | ((this.buf[this.at + 1] ?? 0) << 16) | ((this.buf[this.at + 2] ?? 0) << 8) | (this.buf[this.at + 3] ?? 0);
    this.at += 4;
    return v >>> 0;
  }

  bytes(): Uint8Array {
    const n = this.u32();
    if (this.at + n > this.buf.length) throw keyError("truncated SSH key");
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  text(): string {
    return Buffer.from(this.bytes()).toString("latin1");
  }

  /** An mpint, as unsigned big-endian bytes without leading zeros. */
  mpint(): Uint8Array {
    const b = this.bytes();
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    return b.subarray(i);
  }
}

const u32be = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const sshString = (b: Uint8Array | string): Buffer => {
  const bytes = typeof b === "string" ? Buffer.from(b, "latin1") : Buffer.from(b);
  return Buffer.concat([u32be(bytes.length), bytes]);
};
const sshMpint = (unsigned: Uint8Array): Buffer => {
  let i = 0;
  while (i < unsigned.length && unsigned[i] === 0) i++;
  const trimmed = Buffer.from(unsigned.subarray(i));
  return sshString((trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed);
};

const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64").replace(/=+$/, "");
const b64url = (b: Uint8Array): string => Buffer.from(b).toString("base64url");
const fromB64url = (s: string | undefined): Buffer => Buffer.from(s ?? "", "base64url");

/** agessh's tag for a key: the first 4 bytes of SHA-256 over its wire form, base64 without padding. */
function sshTag(wire: Uint8Array): string {
  return b64(createHash("sha256").update(wire).digest().subarray(0, 4));
}

const p25519 = 2n ** 255n - 19n;
function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let x = b % m;
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) r = (r * x) % m;
    x = (x * x) % m;
  }
  return r;
}

/** The Montgomery u-coordinate of an Ed25519 public key: u = (1 + y) / (1 - y) mod p. */
function ed25519ToX25519Public(pub: Uint8Array): Buffer {
  if (pub.length !== 32) throw recipientError("invalid ssh-ed25519 public key");
  const le = Buffer.from(pub);
  le[31] = (le[31] ?? 0) & 0x7f;
  const y = BigInt(`0x${Buffer.from(le).reverse().toString("hex")}`);
  if (y >= p25519) throw recipientError("invalid ssh-ed25519 public key");
  const den = (1n - y + p25519) % p25519;
  if (den === 0n) throw recipientError("invalid ssh-ed25519 public key");
  const u = (((1n + y) % p25519) * modPow(den, p25519 - 2n, p25519)) % p25519;
  return Buffer.from(u.toString(16).padStart(64, "0"), "hex").reverse();
}

/** The X25519 scalar of an Ed25519 seed: the first half of SHA-512(seed) (X25519 clamps it). */
function ed25519ToX25519Secret(seed: Uint8Array): Buffer {
  return createHash("sha512").update(seed).digest().subarray(0, 32);
}

// The tweak binds the shared secret to the SSH key: HKDF with an empty secret, salted with the
// key's wire form (agessh).

/** An SSH public key in wire form and what age needs of it. */
type SshPublic = { kind: "ed25519"; wire: Buffer; pub: Uint8Array } | { kind: "rsa"; wire: Buffer; key: KeyObject };

function rsaPublic(n: Uint8Array, e: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "RSA", n: b64url(n), e: b64url(e) }, format: "jwk" });
}

/** True for a recipient sops hands to age's SSH support (`ssh-ed25519 …`, `ssh-rsa …`). */
export function isSshRecipient(recipient: string): boolean {
  return recipient.startsWith("ssh-");
}

/** Parses an authorized_keys-style line `ssh-ed25519 AAAA… [comment]`; errors never echo it. */
function parseSshPublic(line: string): SshPublic {
  const [type, data] = line.trim().split(/\s+/);
  if (type !== "ssh-ed25519" && type !== "ssh-rsa") {
    throw recipientError(`'${(type ?? "").slice(0, 16)}' recipients are not supported: age supports ssh-ed25519 and ssh-rsa`);
  }
  const wire = Buffer.from(data ?? "", "base64");
  try {
    const r = new Wire(wire);
    if (r.text() !== type) throw recipientError("the SSH public key's type does not match its data");
    if (type === "ssh-ed25519") {
      const pub = r.bytes();
      if (pub.length !== 32) throw recipientError("invalid ssh-ed25519 public key");
      return { kind: "ed25519", wire, pub };
    }
    const e = r.mpint();
    const n = r.mpint();
    const key = rsaPublic(n, e);
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw recipientError("ssh-rsa keys shorter than 2048 bits are not supported by age");
    return { kind: "rsa", wire, key };
  } catch (err) {
    if (err instanceof HushError) throw err.code === "HUSH_ERR_KEYS_AGE_RECIPIENT" ? err : recipientError("invalid SSH public key");
    throw recipientError("invalid SSH public key");
  }
}

/** Checks an SSH recipient (throws HUSH_ERR_KEYS_AGE_RECIPIENT when it is not a usable one). */
export function checkSshRecipient(recipient: string): void {
  parseSshPublic(recipient);
}

/** An age recipient for an SSH public key line. */
export function sshRecipient(line: string): NativeRecipient {
  const key = parseSshPublic(line);
  const tag = sshTag(key.wire);
  if (key.kind === "rsa") {
    return {
      wrap: (fileKey) => [
        { args: ["ssh-rsa", tag], body: publicEncrypt({ key: key.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from(rsaLabel) }, fileKey) },
      ],
    };
  }
  const theirs = ed25519ToX25519Public(key.pub);
  return {
    wrap: (fileKey) => {
      const ephemeral = randomBytes(32);
      const share = x25519Public(ephemeral);
      const tweak = hkdf(new Uint8Array(0), key.wire, ed25519Label);
      const shared = x25519(tweak, x25519(ephemeral, theirs));
      const wrapping = hkdf(shared, Buffer.concat([share, theirs]), ed25519Label);
      return [{ args: ["ssh-ed25519", tag, b64(share)], body: seal(wrapping, fileKey) }];
    },
  };
}

/** True when `text` looks like an SSH private key (OpenSSH or PEM), rather than age identities. */
export function isSshPrivateKey(text: string): boolean {
  return /^\s*-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
}

type SshSecret = { kind: "ed25519"; wire: Buffer; seed: Uint8Array; pub: Uint8Array } | { kind: "rsa"; wire: Buffer; key: KeyObject };

function rsaWire(n: Uint8Array, e: Uint8Array): Buffer {
  return Buffer.concat([sshString("ssh-rsa"), sshMpint(e), sshMpint(n)]);
}
function ed25519Wire(pub: Uint8Array): Buffer {
  return Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
}

/** Reads an unencrypted `openssh-key-v1` private key. */
function parseOpenSsh(pem: string, source: string): SshSecret {
  const body = pem.replace(/-----(BEGIN|END) OPENSSH PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  const raw = Buffer.from(body, "base64");
  const magic = Buffer.from("openssh-key-v1\0", "latin1");
  if (!raw.subarray(0, magic.length).equals(magic)) throw keyError(`${source} is not a valid OpenSSH private key`);
  const r = new Wire(raw.subarray(magic.length));
  const cipher = r.text();
  r.text(); // kdf name
  r.bytes(); // kdf options
  if (cipher !== "none") throw keyError(`${source} is protected by a passphrase, which hush does not support; use an unencrypted key or an age identity`);
  if (r.u32() !== 1) throw keyError(`${source} must hold exactly one key`);
  r.bytes(); // public key
  const p = new Wire(r.bytes());
  if (p.u32() !== p.u32()) throw keyError(`${source} is not a valid OpenSSH private key`);
  const type = p.text();
  if (type === "ssh-ed25519") {
    const pub = p.bytes();
    const priv = p.bytes();
    if (pub.length !== 32 || priv.length !== 64) throw keyError(`${source} is not a valid ssh-ed25519 key`);
    return { kind: "ed25519", wire: ed25519Wire(pub), seed: priv.subarray(0, 32), pub };
  }
  if (type === "ssh-rsa") {
    const [n, e, d, qi, pp, q] = [p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint()];
    const big = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString("hex") || "0"}`);
    const toBytes = (v: bigint): Buffer => {
      const h = v.toString(16);
      return Buffer.from(h.length % 2 ? `0${h}` : h, "hex");
    };
    const dv = big(d);
    const key = createPrivateKey({
      key: {
        kty: "RSA",
        n: b64url(n),
        e: b64url(e),
        d: b64url(d),
        p: b64url(pp),
        q: b64url(q),
        dp: b64url(toBytes(dv % (big(pp) - 1n))),
        dq: b64url(toBytes(dv % (big(q) - 1n))),
        qi: b64url(qi),
      },
      format: "jwk",
    });
    return { kind: "rsa", wire: rsaWire(n, e), key };
  }
  throw keyError(`${source} holds a '${type.slice(0, 24)}' key; age supports ssh-ed25519 and ssh-rsa keys`);
}

/** Reads a PEM private key (PKCS#1 RSA, or PKCS#8 RSA/Ed25519) with node:crypto. */
function parsePem(pem: string, source: string): SshSecret {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (cause) {
    const locked = /ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(pem) || (cause as { code?: string }).code === "ERR_MISSING_PASSPHRASE";
    throw keyError(locked ? `${source} is protected by a passphrase, which hush does not support; use an unencrypted key or an age identity` : `${source} is not a valid SSH private key`);
  }
  const jwk = key.export({ format: "jwk" });
  if (key.asymmetricKeyType === "ed25519") {
    const pub = fromB64url(jwk.x);
    return { kind: "ed25519", wire: ed25519Wire(pub), seed: fromB64url(jwk.d), pub };
  }
  if (key.asymmetricKeyType === "rsa") return { kind: "rsa", wire: rsaWire(fromB64url(jwk.n), fromB64url(jwk.e)), key };
  throw keyError(`${source} holds a ${key.asymmetricKeyType ?? "unknown"} key; age supports ssh-ed25519 and ssh-rsa keys`);
}

/**
 * An age identity for an SSH private key (OpenSSH or PEM; passphrase-protected keys are
 * refused). `source` names the key's origin in errors; the key text is never echoed.
 */
export function sshIdentity(text: string, source: string): NativeIdentity {
  const secret = /-----BEGIN OPENSSH PRIVATE KEY-----/.test(text) ? parseOpenSsh(text, source) : parsePem(text, source);
  const tag = sshTag(secret.wire);
  if (secret.kind === "rsa") {
    return {
      unwrap: (stanzas) => {
        for (const s of stanzas) {
          if (s.args[0] !== "ssh-rsa" || s.args.length !== 2 || s.args[1] !== tag) continue;
          try {
            return new Uint8Array(privateDecrypt({ key: secret.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from(rsaLabel) }, s.body));
          } catch {
            throw keyError(`the ssh-rsa stanza for ${source} does not decrypt`);
          }
        }
        return null;
      },
    };
  }
  const scalar = ed25519ToX25519Secret(secret.seed);
  const ours = x25519Public(scalar);
  const tweak = hkdf(new Uint8Array(0), secret.wire, ed25519Label);
  return {
    unwrap: (stanzas) => {
      for (const s of stanzas) {
        if (s.args[0] !== "ssh-ed25519" || s.args.length !== 3 || s.args[1] !== tag) continue;
        const share = Buffer.from(s.args[2] ?? "", "base64");
        if (share.length !== 32) throw keyError("invalid ssh-ed25519 stanza");
        const shared = x25519(tweak, x25519(scalar, share));
        const fileKey = s.body.length === 32 ? open(hkdf(shared, Buffer.concat([share, ours]), ed25519Label), s.body) : undefined;
        if (!fileKey) throw keyError(`the ssh-ed25519 stanza for ${source} does not decrypt`);
        return new Uint8Array(fileKey);
      }
      return null;
    },
  };
}
