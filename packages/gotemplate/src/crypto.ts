/**
 * Sprig's crypto functions (crypto.go of ESO's Sprig fork v3.3.0): genPrivateKey, derivePassword,
 * bcrypt, htpasswd, encryptAES/decryptAES, genCA/genSelfSignedCert/genSignedCert (and their
 * WithKey forms) and buildCustomCert. Keys and signatures are Node's crypto; certificates are
 * written as Go's x509.CreateCertificate writes them for Sprig's templates. Salts, IVs and
 * serial numbers come from the injected random source; key pairs come from Node's CSPRNG and
 * are only made when a random source is injected. Key generation is expensive, so each one is
 * charged to the render's allocation budget (an RSA-4096 key a quarter of the default budget).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, scryptSync, sign, type KeyObject } from "node:crypto";
import bcryptjs from "bcryptjs";
import forge from "node-forge";
import { goBytes, goString } from "./bytes.js";
import { TemplateError } from "./errors.js";
import { checkKeySize, parseCert, pemDecode, pemEncode, pkcs8Der } from "./eso.js";
import type { CallContext, ParamKind, TemplateFunction } from "./exec.js";
import { format, fromDate } from "./time.js";
import { GoStruct, GoTime, sprint, typeName, type Value } from "./value.js";

type Call = (ctx: CallContext, args: Value[]) => Value;
const f = (params: ParamKind[], call: Call): TemplateFunction => ({ params, call });
const str = (v: Value | undefined): string => v as string;

/** What one key generation costs against the allocation budget (bytes), by kind. */
const keyCost = { rsa4096: 4 << 20, rsa2048: 2 << 20, dsa: 4 << 20, ec: 64 << 10 };
/** bcrypt at cost 10 takes about 0.1 s in JavaScript. */
const bcryptCost = 1 << 20;
/** scrypt in derivePassword uses 32 MiB for a moment; charged in part so a render can do a few. */
const scryptCost = 2 << 20;

/** Charges expensive work to the allocation budget, in pieces no larger than one value may be. */
function chargeWork(c: CallContext, bytes: number): void {
  for (let left = bytes; left > 0; left -= 256 << 10) c.charge(Math.min(left, 256 << 10));
}

/** Key generation draws from Node's CSPRNG; it is allowed only where randomness is injected. */
function requireRandom(c: CallContext): void {
  c.random(1);
}

// ---------- keys ----------

function bigFromBytes(s: string): bigint {
  let n = 0n;
  for (let i = 0; i < s.length; i++) n = (n << 8n) | BigInt(s.charCodeAt(i));
  return n;
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let x = b % m;
  let k = e;
  while (k > 0n) {
    if (k & 1n) r = (r * x) % m;
    x = (x * x) % m;
    k >>= 1n;
  }
  return r;
}

function intAsn1(n: bigint): forge.asn1.Asn1 {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, forge.util.hexToBytes(hex));
}

/** Sprig's DSA PRIVATE KEY: SEQUENCE { 0, P, Q, G, Y, X } (OpenSSL's traditional form). */
function dsaTraditional(key: KeyObject): Buffer {
  const der = key.export({ type: "pkcs8", format: "der" });
  const root = raw(der);
  const items = root.value as forge.asn1.Asn1[];
  const params = ((items[1]!.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[]).map((v) => bigFromBytes(v.value as string));
  const [p, q, g] = params as [bigint, bigint, bigint];
  const x = bigFromBytes(forge.asn1.fromDer(items[2]!.value as string).value as string);
  const y = modPow(g, x, p);
  const seq = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [intAsn1(0n), intAsn1(p), intAsn1(q), intAsn1(g), intAsn1(y), intAsn1(x)]);
  return Buffer.from(forge.asn1.toDer(seq).getBytes(), "binary");
}

/** Sprig's pemBlockForKey: RSA as PKCS#1, EC as SEC 1, DSA traditional, others PKCS#8. */
function pemForKey(c: CallContext, key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return pemEncode(key.export({ type: "pkcs1", format: "der" }), "RSA PRIVATE KEY");
    case "ec":
      return pemEncode(key.export({ type: "sec1", format: "der" }), "EC PRIVATE KEY");
    case "dsa":
      return pemEncode(dsaTraditional(key), "DSA PRIVATE KEY");
    default:
      return pemEncode(pkcs8Der(c, key), "PRIVATE KEY");
  }
}

function generate(c: CallContext, typ: string): KeyObject | string {
  requireRandom(c);
  switch (typ) {
    case "":
    case "rsa":
      chargeWork(c, keyCost.rsa4096);
      return generateKeyPairSync("rsa", { modulusLength: 4096 }).privateKey;
    case "dsa":
      chargeWork(c, keyCost.dsa);
      return generateKeyPairSync("dsa", { modulusLength: 2048, divisorLength: 256 }).privateKey;
    case "ecdsa":
      chargeWork(c, keyCost.ec);
      return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    case "ed25519":
      chargeWork(c, keyCost.ec);
      return generateKeyPairSync("ed25519").privateKey;
    default:
      return `Unknown type ${typ}`;
  }
}

/** Sprig's parsePrivateKeyPEM: the first PEM block, by its type. */
function parsePrivateKeyPem(c: CallContext, text: string, use: "sign" | "check" = "sign"): KeyObject {
  const { block } = pemDecode(text);
  if (!block) return c.fail("no PEM data in input");
  const load = (type: "pkcs8" | "pkcs1" | "sec1", what: string) => {
    try {
      return checkKeySize(c, createPrivateKey({ key: block.bytes, format: "der", type }));
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      return c.fail(what);
    }
  };
  if (block.type === "PRIVATE KEY") return load("pkcs8", "decoding PEM as PKCS#8");
  if (!block.type.endsWith(" PRIVATE KEY")) return c.fail(`no private key data in PEM block of type ${block.type}`);
  switch (block.type.slice(0, -12)) {
    case "RSA":
      return load("pkcs1", "parsing RSA private key from PEM");
    case "EC":
      return load("sec1", "parsing EC private key from PEM");
    case "DSA": {
      // Sprig reads a DSA key (SEQUENCE of six INTEGERs); Go's x509 cannot sign with one.
      let ok = false;
      try {
        const seq = raw(block.bytes).value as forge.asn1.Asn1[];
        ok = seq.length === 6 && seq.every((v) => v.type === A.Type.INTEGER);
      } catch {
        ok = false;
      }
      if (!ok) return c.fail("parsing DSA private key from PEM: asn1: structure error");
      return use === "check" ? (null as unknown as KeyObject) : c.fail("error creating certificate: x509: only RSA, ECDSA and Ed25519 keys supported");
    }
    default:
      return c.fail(`invalid private key type ${block.type}`);
  }
}

// ---------- certificates (Go's x509.CreateCertificate for Sprig's templates) ----------

const A = forge.asn1;
const oid = (o: string) => A.create(A.Class.UNIVERSAL, A.Type.OID, false, A.oidToDer(o).getBytes());
const seq = (...v: forge.asn1.Asn1[]) => A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, v);
const set = (...v: forge.asn1.Asn1[]) => A.create(A.Class.UNIVERSAL, A.Type.SET, true, v);
const octets = (b: Buffer) => A.create(A.Class.UNIVERSAL, A.Type.OCTETSTRING, false, b.toString("binary"));
const bool = (v: boolean) => A.create(A.Class.UNIVERSAL, A.Type.BOOLEAN, false, v ? "\xff" : "\x00");
const bits = (b: Buffer, unused = 0) => A.create(A.Class.UNIVERSAL, A.Type.BITSTRING, false, String.fromCharCode(unused) + b.toString("binary"));
// BIT STRINGs stay opaque, so what is re-encoded is byte for byte what was read.
const raw = (der: Buffer) => A.fromDer(forge.util.createBuffer(der.toString("binary")), { decodeBitStrings: false } as never);
const toDer = (a: forge.asn1.Asn1) => Buffer.from(A.toDer(a).getBytes(), "binary");

function utf8String(s: string): forge.asn1.Asn1 {
  // Go writes a CommonName as PrintableString when it can, else UTF8String.
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s);
  return A.create(A.Class.UNIVERSAL, printable ? A.Type.PRINTABLESTRING : A.Type.UTF8, false, printable ? s : forge.util.encodeUtf8(s));
}

function name(cn: string): forge.asn1.Asn1 {
  return cn === "" ? seq() : seq(set(seq(oid("2.5.4.3"), utf8String(cn))));
}

function timeAsn1(t: GoTime): forge.asn1.Asn1 {
  const year = Number(format(t, "2006"));
  if (year >= 1950 && year < 2050) return A.create(A.Class.UNIVERSAL, A.Type.UTCTIME, false, format(t, "060102150405Z"));
  return A.create(A.Class.UNIVERSAL, A.Type.GENERALIZEDTIME, false, format(t, "20060102150405Z"));
}

function signatureAlgorithm(c: CallContext, key: KeyObject): { alg: forge.asn1.Asn1; hash: string | null } {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return { alg: seq(oid("1.2.840.113549.1.1.11"), A.create(A.Class.UNIVERSAL, A.Type.NULL, false, "")), hash: "sha256" };
    case "ec": {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === "secp384r1") return { alg: seq(oid("1.2.840.10045.4.3.3")), hash: "sha384" };
      if (curve === "secp521r1") return { alg: seq(oid("1.2.840.10045.4.3.4")), hash: "sha512" };
      return { alg: seq(oid("1.2.840.10045.4.3.2")), hash: "sha256" };
    }
    case "ed25519":
      return { alg: seq(oid("1.3.101.112")), hash: null };
    default:
      return c.fail("error creating certificate: x509: only RSA, ECDSA and Ed25519 keys supported");
  }
}

function ipBytes(c: CallContext, s: string): Buffer {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.every((p) => p <= 255) && v4.slice(1).every((p) => p === "0" || !p.startsWith("0"))) return Buffer.from(parts);
  }
  // IPv6 through the URL parser (it normalises or throws).
  if (s.includes(":") && !s.includes("%")) {
    try {
      const host = new URL(`http://[${s}]/`).hostname.slice(1, -1);
      const halves = host.split("::");
      const parse = (h: string) => (h === "" ? [] : h.split(":"));
      const head = parse(halves[0] ?? "");
      const tail = parse(halves[1] ?? "");
      const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill("0"), ...tail] : head;
      if (groups.length === 8) return Buffer.from(groups.flatMap((g: string) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]));
    } catch {
      /* not an address */
    }
  }
  return c.fail(`error parsing ip: ${s}`);
}

function stringList(c: CallContext, v: Value, what: (x: Value) => string): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) return c.fail(`wrong type for value; expected []interface {}; got ${typeof v === "string" ? "string" : "value"}`);
  return v.map((x) => (typeof x === "string" ? x : c.fail(what(x))));
}

interface Template {
  cn: string;
  ips: Buffer[];
  dns: string[];
  days: number;
  ca: boolean;
}

function createCertificate(c: CallContext, t: Template, subjectKey: KeyObject, parent: { der: Buffer; key: KeyObject } | null): string {
  const signer = parent?.key ?? subjectKey;
  const { alg, hash } = signatureAlgorithm(c, signer);
  // A 128-bit serial, as Sprig draws it (a positive INTEGER).
  const serial = intAsn1(bigFromBytes(Buffer.from(c.random(16)).toString("binary")));
  const now = c.clock();
  const notBefore = fromDate(new Date(Math.floor(now.getTime() / 1000) * 1000));
  const notAfter = new GoTime(notBefore.ns + BigInt(t.days) * 86_400_000_000_000n, 0, "UTC");
  const spkiDer = createPublicKey(subjectKey).export({ type: "spki", format: "der" });
  const spki = raw(spkiDer);
  const subject = name(t.cn);
  let issuer = subject;
  let parentSki: Buffer | null = null;
  if (parent) {
    const tbs = (raw(parent.der).value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
    // tbs: [0]version, serial, sigAlg, issuer, validity, subject, ...
    const offset = tbs[0]!.tagClass === A.Class.CONTEXT_SPECIFIC ? 1 : 0;
    issuer = tbs[offset + 4]!;
    parentSki = parseCert(c, parent.der).subjectKeyId;
  }
  const exts: forge.asn1.Asn1[] = [];
  // keyUsage: digitalSignature (bit 0), keyEncipherment (bit 2), and keyCertSign (bit 5) for a CA.
  const ku = t.ca ? Buffer.from([0xa4]) : Buffer.from([0xa0]);
  exts.push(seq(oid("2.5.29.15"), bool(true), octets(toDer(bits(ku, t.ca ? 2 : 5)))));
  exts.push(seq(oid("2.5.29.37"), octets(toDer(seq(oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2"))))));
  exts.push(seq(oid("2.5.29.19"), bool(true), octets(toDer(t.ca ? seq(bool(true)) : seq()))));
  // Go gives a CA a subject key ID: SHA-1 of the public key bits.
  const pubBits = Buffer.from(((spki.value as forge.asn1.Asn1[])[1]!.value as string).slice(1), "binary");
  if (t.ca) exts.push(seq(oid("2.5.29.14"), octets(toDer(octets(createHash("sha1").update(pubBits).digest())))));
  if (parent && parentSki && parentSki.length > 0) exts.push(seq(oid("2.5.29.35"), octets(toDer(seq(A.create(A.Class.CONTEXT_SPECIFIC, 0, false, parentSki.toString("binary")))))));
  if (t.dns.length > 0 || t.ips.length > 0) {
    const names = [...t.dns.map((d) => A.create(A.Class.CONTEXT_SPECIFIC, 2, false, d)), ...t.ips.map((ip) => A.create(A.Class.CONTEXT_SPECIFIC, 7, false, ip.toString("binary")))];
    exts.push(seq(oid("2.5.29.17"), octets(toDer(seq(...names)))));
  }
  const tbs = seq(
    A.create(A.Class.CONTEXT_SPECIFIC, 0, true, [intAsn1(2n)]),
    serial,
    alg,
    issuer,
    seq(timeAsn1(notBefore), timeAsn1(notAfter)),
    subject,
    spki,
    A.create(A.Class.CONTEXT_SPECIFIC, 3, true, [seq(...exts)]),
  );
  const tbsDer = toDer(tbs);
  const signature = sign(hash, tbsDer, signer);
  const cert = toDer(seq(tbs, alg, bits(signature)));
  return pemEncode(cert, "CERTIFICATE");
}

/** Sprig's `certificate` struct: `.Cert` and `.Key`, PEM. */
function certificate(certPem: string, keyPem: string): GoStruct {
  return new GoStruct("sprig.certificate", { Cert: certPem, Key: keyPem });
}

function baseTemplate(c: CallContext, cn: string, ips: Value, dns: Value, days: number, ca: boolean): Template {
  const ipList = stringList(c, ips, (x) => `error parsing ip: ${sprint(x)} is not a string`).map((s) => ipBytes(c, s));
  const dnsList = stringList(c, dns, (x) => `error processing alternate dns name: ${sprint(x)} is not a string`);
  return { cn, ips: ipList, dns: dnsList, days, ca };
}

function newRsa2048(c: CallContext): KeyObject {
  requireRandom(c);
  chargeWork(c, keyCost.rsa2048);
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
}

function selfSigned(c: CallContext, t: Template, key: KeyObject): GoStruct {
  return certificate(createCertificate(c, t, key, null), pemForKey(c, key));
}

function signed(c: CallContext, t: Template, key: KeyObject, ca: Value): GoStruct {
  if (!(ca instanceof GoStruct) || ca.type !== "sprig.certificate") return c.fail(`wrong type for value; expected sprig.certificate; got ${typeName(ca)}`);
  const caCert = ca.fields["Cert"];
  const caKey = ca.fields["Key"];
  const { block } = pemDecode(typeof caCert === "string" ? caCert : "");
  if (!block) return c.fail("unable to decode certificate");
  parseCert(c, block.bytes);
  const signerKey = parsePrivateKeyPem(c, typeof caKey === "string" ? caKey : "");
  return certificate(createCertificate(c, t, key, { der: block.bytes, key: signerKey }), pemForKey(c, key));
}

// ---------- passwords and AES ----------

const passwordTemplates: Record<string, string[]> = {
  maximum: ["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
  long: ["CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv", "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc", "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno", "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc", "CvccCvcvCvccno"],
  medium: ["CvcnoCvc", "CvcCvcno"],
  short: ["Cvcn"],
  basic: ["aaanaaan", "aannaaan", "aaannaaa"],
  pin: ["nnnn"],
};

const passwordChars: Record<string, string> = {
  V: "AEIOU",
  C: "BCDFGHJKLMNPQRSTVWXYZ",
  v: "aeiou",
  c: "bcdfghjklmnpqrstvwxyz",
  A: "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
  a: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
  n: "0123456789",
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
};

/** Master Password's algorithm, as Sprig's derivePassword (scrypt N=32768 r=8 p=2, HMAC-SHA256). */
function derivePassword(c: CallContext, counter: number, type: string, password: string, user: string, site: string): string {
  const templates = passwordTemplates[type];
  if (!templates) return `cannot find password template ${type}`;
  chargeWork(c, scryptCost);
  const seed = Buffer.from("com.lyndir.masterpassword");
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b;
  };
  const userBytes = goBytes(user);
  const siteBytes = goBytes(site);
  const key = scryptSync(goBytes(password), Buffer.concat([seed, u32(userBytes.length), userBytes]), 64, { N: 32768, r: 8, p: 2, maxmem: 64 << 20 });
  const mac = createHmac("sha256", key).update(Buffer.concat([seed, u32(siteBytes.length), siteBytes, u32(counter)])).digest();
  const template = templates[(mac[0] as number) % templates.length] as string;
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const chars = passwordChars[template[i] as string] as string;
    out += chars[(mac[i + 1] as number) % chars.length];
  }
  return out;
}

function bcrypt(c: CallContext, input: string): string {
  const bytes = goBytes(input);
  if (bytes.length > 72) return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes";
  chargeWork(c, bcryptCost);
  const salt = `$2a$10$${bcryptjs.encodeBase64(Array.from(c.random(16)), 16)}`;
  return bcryptjs.hashSync(input, salt);
}

function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  goBytes(password).copy(key, 0, 0, 32);
  return key;
}

function encryptAES(c: CallContext, password: string, plaintext: string): string {
  if (plaintext === "") return "";
  const content = goBytes(plaintext);
  c.charge(Math.ceil((content.length + 32) / 3) * 4);
  const iv = Buffer.from(c.random(16));
  const cipher = createCipheriv("aes-256-cbc", aesKey(password), iv);
  return Buffer.concat([iv, cipher.update(content), cipher.final()]).toString("base64");
}

function decryptAES(c: CallContext, password: string, crypt64: string): string {
  if (crypt64 === "") return "";
  if (crypt64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(crypt64)) return c.fail("illegal base64 data at input byte 0");
  const crypt = Buffer.from(crypt64, "base64");
  // Go panics on a short or ragged ciphertext and on a bad padding length.
  if (crypt.length < 16) return c.fail("runtime error: slice bounds out of range");
  const body = crypt.subarray(16);
  if (body.length % 16 !== 0) return c.fail("crypto/cipher: input not full blocks");
  if (body.length === 0) return c.fail("runtime error: index out of range [-1]");
  const decipher = createDecipheriv("aes-256-cbc", aesKey(password), crypt.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(body), decipher.final()]);
  const pad = plain[plain.length - 1] as number;
  if (pad > plain.length) return c.fail("runtime error: slice bounds out of range");
  return goString(plain.subarray(0, plain.length - pad));
}

function buildCustomCert(c: CallContext, b64cert: string, b64key: string): GoStruct {
  const dec = (s: string, what: string) => (s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s) ? goString(Buffer.from(s, "base64")) : c.fail(what));
  const cert = dec(b64cert, "unable to decode base64 certificate");
  const key = dec(b64key, "unable to decode base64 private key");
  const { block } = pemDecode(cert);
  if (!block) return c.fail("unable to decode certificate");
  parseCert(c, block.bytes);
  parsePrivateKeyPem(c, key, "check");
  return certificate(cert, key);
}

export const cryptoFunctions: Record<string, TemplateFunction> = {
  genPrivateKey: f(["string"], (c, [t]) => {
    const key = generate(c, str(t));
    return typeof key === "string" ? key : pemForKey(c, key);
  }),
  derivePassword: f(["int", "string", "string", "string", "string"], (c, [n, t, p, u, s]) => {
    const counter = n as number;
    if (counter < 0 || counter > 0xffffffff) c.fail(`${counter} overflows uint32`);
    return derivePassword(c, counter, str(t), str(p), str(u), str(s));
  }),
  bcrypt: f(["string"], (c, [s]) => bcrypt(c, str(s))),
  htpasswd: f(["string", "string"], (c, [u, p]) => (str(u).includes(":") ? `invalid username: ${str(u)}` : `${str(u)}:${bcrypt(c, str(p))}`)),
  encryptAES: f(["string", "string"], (c, [p, s]) => encryptAES(c, str(p), str(s))),
  decryptAES: f(["string", "string"], (c, [p, s]) => decryptAES(c, str(p), str(s))),
  buildCustomCert: f(["string", "string"], (c, [cert, key]) => buildCustomCert(c, str(cert), str(key))),
  genCA: f(["string", "int"], (c, [cn, days]) => selfSigned(c, baseTemplate(c, str(cn), null, null, days as number, true), newRsa2048(c))),
  genCAWithKey: f(["string", "int", "string"], (c, [cn, days, key]) => selfSigned(c, baseTemplate(c, str(cn), null, null, days as number, true), parsePrivateKeyPem(c, str(key)))),
  genSelfSignedCert: f(["string", "any", "any", "int"], (c, [cn, ips, dns, days]) => selfSigned(c, baseTemplate(c, str(cn), ips as Value, dns as Value, days as number, false), newRsa2048(c))),
  genSelfSignedCertWithKey: f(["string", "any", "any", "int", "string"], (c, [cn, ips, dns, days, key]) =>
    selfSigned(c, baseTemplate(c, str(cn), ips as Value, dns as Value, days as number, false), parsePrivateKeyPem(c, str(key))),
  ),
  genSignedCert: f(["string", "any", "any", "int", "any"], (c, [cn, ips, dns, days, ca]) => {
    const t = baseTemplate(c, str(cn), ips as Value, dns as Value, days as number, false);
    return signed(c, t, newRsa2048(c), ca as Value);
  }),
  genSignedCertWithKey: f(["string", "any", "any", "int", "any", "string"], (c, [cn, ips, dns, days, ca, key]) => {
    const t = baseTemplate(c, str(cn), ips as Value, dns as Value, days as number, false);
    return signed(c, t, parsePrivateKeyPem(c, str(key)), ca as Value);
  }),
};
