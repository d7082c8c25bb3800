/**
 * ESO's own template helpers (pkg/template/v2 of v0.16.2) beyond toYaml/fromYaml/filterPEM:
 * PKCS#12 in and out (`pkcs12key`, `pkcs12cert`, `pemToPkcs12`, `fullPemToPkcs12` and their
 * `Pass` forms), JWK to PEM (`jwkPublicKeyPem`, `jwkPrivateKeyPem`) and `filterCertChain`.
 * Keys and certificates go through Node's crypto; PKCS#12 files are read with node-forge (every
 * algorithm go-pkcs12 reads, the legacy RC2/3DES ones included) and written as go-pkcs12's
 * `Modern` encoder writes them (PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, SHA-256 MAC,
 * 2048 iterations), salts and IVs from the injected random source.
 */
import { X509Certificate, hash as oneShotHash, createHash, createHmac, createPrivateKey, createPublicKey, createCipheriv, pbkdf2Sync, type KeyObject } from "node:crypto";
import forge from "node-forge";
import { goBytes } from "./bytes.js";
import { TemplateError } from "./errors.js";
import type { CallContext, ParamKind, TemplateFunction } from "./exec.js";
import type { Value } from "./value.js";

type Call = (ctx: CallContext, args: Value[]) => Value;
const f = (params: ParamKind[], call: Call): TemplateFunction => ({ params, call });
const str = (v: Value | undefined): string => v as string;

/**
 * Key derivations in a PKCS#12 file run as many iterations as the file says. While hush decodes
 * one, node-forge's derivation functions report each count here first: above
 * {@link maxIterations} the file is refused, and every iteration is charged to the render's
 * budget, so a hostile file cannot spend unbounded CPU. (Decoding is synchronous, so the meter
 * belongs to exactly one decode at a time.)
 */
const maxIterations = { pbkdf2: 1_000_000, pkcs12: 200_000 };
/** Budget bytes charged per iteration: the PKCS#12 derivation is about ten times slower per iteration. */
const costPerIteration = { pbkdf2: 1, pkcs12: 8 };
let meter: ((iterations: number, kind: "pbkdf2" | "pkcs12") => void) | null = null;
{
  // node-forge derives keys in JavaScript; these run the same derivations on Node's native
  // hashes (many times faster), after the meter has seen the iteration count.
  type Md = { algorithm?: string } | string | undefined;
  const hashName = (md: Md) => (typeof md === "string" ? md : (md?.algorithm ?? "sha1"));
  const bytes = (b: unknown) => Buffer.from(typeof b === "string" ? b : (b as forge.util.ByteStringBuffer).bytes(), "binary");
  const pbkdf2 = forge.pkcs5.pbkdf2 as unknown as (...args: unknown[]) => unknown;
  (forge.pkcs5 as unknown as Record<string, unknown>)["pbkdf2"] = (p: string, salt: unknown, count: number, dkLen: number, md?: Md, callback?: unknown) => {
    meter?.(count, "pbkdf2");
    if (callback !== undefined) return pbkdf2(p, salt, count, dkLen, md, callback);
    return pbkdf2Sync(Buffer.from(p, "binary"), bytes(salt), count, dkLen, hashName(md)).toString("binary");
  };
  const pkcs12Key = (password: string | null | undefined, salt: unknown, id: number, iter: number, n: number, md?: Md) => {
    meter?.(iter, "pkcs12");
    const pw = password === null || password === undefined ? Buffer.alloc(0) : bmpPassword(password);
    return forge.util.createBuffer(pkcs12Kdf(pw, bytes(salt), id, iter, n, hashName(md)).toString("binary"));
  };
  (forge as unknown as { pbe: Record<string, unknown> }).pbe["generatePkcs12Key"] = pkcs12Key;
  (forge.pkcs12 as unknown as Record<string, unknown>)["generateKey"] = pkcs12Key;
}

/** Largest RSA modulus accepted in a key a template hands in (signing cost grows with it). */
export const maxRsaBits = 8192;

/** Refuses keys too large to use within a render's bounds. */
export function checkKeySize(c: CallContext, key: KeyObject): KeyObject {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits > maxRsaBits) c.fail(`a ${bits}-bit key is larger than ${maxRsaBits} bits`);
  return key;
}

/** Largest PKCS#12 file, certificate chain or JWK read (a Secret holds no more than 1 MiB). */
const maxInput = 1 << 20;
/** Most certificates in one chain or PKCS#12 file. */
const maxCerts = 64;

// ---------- PEM (Go's encoding/pem) ----------

export interface PemBlock {
  type: string;
  headers: Map<string, string>;
  bytes: Buffer;
}

/** Go's getLine: the line (trailing spaces, tabs and a CR removed), what follows, and how much was read. */
function getLine(data: string): [string, string, number] {
  let i = data.indexOf("\n");
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === "\r") i--;
  }
  return [data.slice(0, i).replace(/[ \t]+$/, ""), data.slice(j), j];
}

/** Go's base64.StdEncoding.Decode (CR and LF ignored, padding required), or null. */
function base64Decode(s: string): Buffer | null {
  const clean = s.replace(/[\r\n]/g, "");
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(clean)) return null;
  return Buffer.from(clean, "base64");
}

/**
 * Go's pem.Decode (the linear-time version of current Go), ported step for step over a
 * string: the first well-formed block and the text after it, or no block (and the whole
 * input as the rest). It finds each END line first, then the last BEGIN line before it.
 */
export function pemDecode(data: string): { block: PemBlock | null; rest: string } {
  const none = { block: null, rest: data };
  const pemStart = "-----BEGIN ";
  const pemEnd = "\n-----END ";
  let rest = data;
  let endTrailerIndex = 0;
  for (;;) {
    if (endTrailerIndex < 0 || endTrailerIndex > rest.length) return none;
    rest = rest.slice(endTrailerIndex);
    let endIndex = rest.indexOf(pemEnd);
    if (endIndex < 0) return none;
    endTrailerIndex = endIndex + pemEnd.length;
    const beginIndex = rest.slice(0, endIndex).lastIndexOf(pemStart);
    if (beginIndex < 0 || (beginIndex > 0 && rest[beginIndex - 1] !== "\n")) continue;
    rest = rest.slice(beginIndex + pemStart.length);
    endIndex -= beginIndex + pemStart.length;
    endTrailerIndex -= beginIndex + pemStart.length;
    const [line0, after, consumed] = getLine(rest);
    rest = after;
    endIndex -= consumed;
    endTrailerIndex -= consumed;
    if (!line0.endsWith("-----")) continue;
    const typeLine = line0.slice(0, -5);
    const headers = new Map<string, string>();
    for (;;) {
      if (rest.length === 0) return none;
      const [line, next, used] = getLine(rest);
      const colon = line.indexOf(":");
      if (colon < 0) break;
      headers.set(trimGoSpace(line.slice(0, colon)), trimGoSpace(line.slice(colon + 1)));
      rest = next;
      endIndex -= used;
      endTrailerIndex -= used;
    }
    if (headers.size > 0 && endIndex < 0) continue;
    if (endTrailerIndex < 0) continue;
    let endTrailer = rest.slice(endTrailerIndex);
    const endTrailerLen = typeLine.length + 5;
    if (endTrailer.length < endTrailerLen) continue;
    const restOfEndLine = endTrailer.slice(endTrailerLen);
    endTrailer = endTrailer.slice(0, endTrailerLen);
    if (!endTrailer.startsWith(typeLine) || !endTrailer.endsWith("-----")) continue;
    if (getLine(restOfEndLine)[0].length !== 0) continue;
    let bytes: Buffer = Buffer.alloc(0);
    if (endIndex > 0) {
      const decoded = base64Decode(rest.slice(0, endIndex).replace(/[ \t]/g, ""));
      if (decoded === null) continue;
      bytes = decoded;
    }
    return { block: { type: typeLine, headers, bytes }, rest: getLine(rest.slice(endIndex + pemEnd.length - 1))[1] };
  }
}

/** bytes.TrimSpace (ASCII white space and the Unicode spaces Go trims). */
function trimGoSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r \u0085\u00a0]+|[\t\n\v\f\r \u0085\u00a0]+$/g, "");
}

/** Go's pem.Encode: headers (Proc-Type first, then sorted) and the bytes in 64-column base64. */
export function pemEncode(der: Uint8Array, type: string, headers: ReadonlyMap<string, string> = new Map()): string {
  let out = `-----BEGIN ${type}-----\n`;
  if (headers.size > 0) {
    if (headers.has("Proc-Type")) out += `Proc-Type: ${headers.get("Proc-Type")}\n`;
    for (const k of [...headers.keys()].filter((k) => k !== "Proc-Type").sort(compareBytes)) out += `${k}: ${headers.get(k)}\n`;
    out += "\n";
  }
  const b64 = Buffer.from(der).toString("base64");
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${type}-----\n`;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

// ---------- X.509 (the fields ESO's chain logic reads) ----------

interface Cert {
  der: Buffer;
  subjectKeyId: Buffer | null;
  authorityKeyId: Buffer | null;
}

/** Parses a DER certificate (Node's X509Certificate checks it) and reads its SKI and AKI. */
export function parseCert(c: CallContext, der: Buffer): Cert {
  try {
    new X509Certificate(der);
  } catch {
    return c.fail("x509: malformed certificate");
  }
  let ski: Buffer | null = null;
  let aki: Buffer | null = null;
  const root = forge.asn1.fromDer(forge.util.createBuffer(der.toString("binary")), { decodeBitStrings: false } as never);
  const tbs = (root.value as forge.asn1.Asn1[])[0] as forge.asn1.Asn1;
  for (const part of tbs.value as forge.asn1.Asn1[]) {
    if (part.tagClass !== forge.asn1.Class.CONTEXT_SPECIFIC || part.type !== 3) continue;
    const exts = ((part.value as forge.asn1.Asn1[])[0]?.value ?? []) as forge.asn1.Asn1[];
    for (const ext of exts) {
      const items = ext.value as forge.asn1.Asn1[];
      const oid = forge.asn1.derToOid(items[0]?.value as string);
      const octets = items[items.length - 1]?.value as string;
      if (oid === "2.5.29.14") {
        const inner = forge.asn1.fromDer(octets);
        ski = Buffer.from(inner.value as string, "binary");
      } else if (oid === "2.5.29.35") {
        const inner = forge.asn1.fromDer(octets);
        for (const field of inner.value as forge.asn1.Asn1[]) {
          if (field.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && field.type === 0) aki = Buffer.from(field.value as string, "binary");
        }
      }
    }
  }
  return { der, subjectKeyId: ski, authorityKeyId: aki };
}

const sameBytes = (a: Buffer | null, b: Buffer | null) => (a === null ? b === null || b.length === 0 : b === null ? a.length === 0 : a.equals(b));

/** Every certificate of a PEM text, in order (ESO's pemToNodes: a non-certificate block fails). */
function pemCerts(c: CallContext, input: string): Cert[] {
  if (input.length > maxInput) c.charge(Number.MAX_SAFE_INTEGER);
  const out: Cert[] = [];
  let rest = input;
  for (;;) {
    const { block, rest: next } = pemDecode(rest);
    if (!block) break;
    rest = next;
    if (out.length >= maxCerts) c.fail(`more than ${maxCerts} certificates`);
    out.push(parseCert(c, block.bytes));
  }
  return out;
}

/** ESO's fetchX509CertChains: leaf first, then each issuer (by AKI = SKI), up to the root. */
function orderChain(c: CallContext, certs: Cert[]): Cert[] {
  const parent = new Map<number, number>();
  const isParent = new Set<number>();
  for (let i = 0; i < certs.length; i++) {
    for (let j = 0; j < certs.length; j++) {
      if (i === j) continue;
      if (sameBytes(certs[i]!.authorityKeyId, certs[j]!.subjectKeyId)) {
        isParent.add(j);
        parent.set(i, j);
        break;
      }
    }
  }
  let leaf: number | undefined;
  for (let i = 0; i < certs.length; i++) {
    if (!isParent.has(i)) {
      if (leaf !== undefined) c.fail("found multiple leaf or disjunct certificates");
      leaf = i;
    }
  }
  if (leaf === undefined) return c.fail("no leaf certificate found");
  const out: Cert[] = [];
  for (let at: number | undefined = leaf; at !== undefined; at = parent.get(at)) {
    if (out.length >= certs.length) c.fail("constructing chain resulted in cycle");
    out.push(certs[at]!);
  }
  return out;
}

const isRoot = (cert: Cert) => cert.authorityKeyId === null || sameBytes(cert.authorityKeyId, cert.subjectKeyId);

function filterCertChain(c: CallContext, certType: string, input: string): string {
  const ordered = orderChain(c, pemCerts(c, input));
  switch (certType) {
    case "leaf": {
      const leaf = ordered[0]!;
      if (leaf.authorityKeyId !== null && !sameBytes(leaf.authorityKeyId, leaf.subjectKeyId)) return pemEncode(leaf.der, "CERTIFICATE");
      return "";
    }
    case "intermediate": {
      let out = "";
      for (const cert of ordered.slice(1)) {
        if (isRoot(cert)) break;
        out += pemEncode(cert.der, "CERTIFICATE");
      }
      return out;
    }
    case "root": {
      const last = ordered[ordered.length - 1]!;
      return isRoot(last) ? pemEncode(last.der, "CERTIFICATE") : "";
    }
    default:
      return "";
  }
}

// ---------- keys ----------

/** ESO's parsePrivateKey: PKCS#1, then PKCS#8, then SEC 1 (EC). */
function parsePrivateKeyDer(c: CallContext, der: Buffer): KeyObject {
  for (const type of ["pkcs1", "pkcs8", "sec1"] as const) {
    try {
      return checkKeySize(c, createPrivateKey({ key: der, format: "der", type }));
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      /* next form */
    }
  }
  return c.fail("unable to parse private key type");
}

/** Go's x509.MarshalPKCS8PrivateKey, for the key types Go marshals. */
export function pkcs8Der(c: CallContext, key: KeyObject): Buffer {
  const t = key.asymmetricKeyType;
  if (t !== "rsa" && t !== "ec" && t !== "ed25519" && t !== "x25519") c.fail(`x509: unknown key type while marshaling PKCS#8: ${t ?? "unknown"}`);
  const der = key.export({ type: "pkcs8", format: "der" });
  // Go writes an EC key's inner ECPrivateKey without the curve (it is in the algorithm).
  return t === "ec" ? dropInnerEcParameters(der) : der;
}

function dropInnerEcParameters(der: Buffer): Buffer {
  const asn1 = forge.asn1;
  const opts = { decodeBitStrings: false } as never;
  const root = asn1.fromDer(forge.util.createBuffer(der.toString("binary")), opts);
  const items = root.value as forge.asn1.Asn1[];
  const inner = asn1.fromDer(items[2]!.value as string, opts);
  inner.value = (inner.value as forge.asn1.Asn1[]).filter((v) => !(v.tagClass === asn1.Class.CONTEXT_SPECIFIC && v.type === 0));
  items[2]!.value = asn1.toDer(inner).getBytes();
  return Buffer.from(asn1.toDer(root).getBytes(), "binary");
}

function jwkKey(c: CallContext, json: string, kind: "public" | "private"): KeyObject {
  if (json.length > maxInput) c.charge(Number.MAX_SAFE_INTEGER);
  let jwk: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return c.fail("failed to parse key: not a JSON object");
    jwk = parsed as Record<string, unknown>;
  } catch {
    return c.fail("failed to unmarshal JSON into key");
  }
  if (typeof jwk["kty"] !== "string") c.fail(`failed to parse key: invalid key type from JSON ()`);
  const isPrivate = jwk["d"] !== undefined;
  // jwx hands back the key it parsed: a private JWK is no public key for x509, and the reverse.
  if (kind === "public" && isPrivate) c.fail("x509: unsupported public key type");
  if (kind === "private" && !isPrivate) c.fail("x509: unknown key type while marshaling PKCS#8");
  try {
    return checkKeySize(c, kind === "public" ? createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" }) : createPrivateKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" }));
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    return c.fail(`failed to parse key: invalid ${String(jwk["kty"])} key`);
  }
}

// ---------- PKCS#12 ----------

interface Pkcs12Contents {
  key: KeyObject;
  certs: Buffer[];
}

function asn1Der(a: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(a).getBytes(), "binary");
}

/** go-pkcs12's DecodeChain: exactly one key, the first certificate is the leaf. */
function decodePkcs12(c: CallContext, data: Buffer, password: string, what: string): Pkcs12Contents {
  if (data.length > maxInput) c.charge(Number.MAX_SAFE_INTEGER);
  let p12: forge.pkcs12.Pkcs12Pfx;
  let refused: string | null = null;
  meter = (n, kind) => {
    if (!(n <= maxIterations[kind])) {
      refused = `a key derivation of ${n} iterations (more than ${maxIterations[kind]})`;
      throw new Error(refused);
    }
    // Charged before it runs: a few large files fill a render's budget (a few seconds of CPU).
    for (let left = n * costPerIteration[kind]; left > 0; left -= 256 << 10) c.charge(Math.min(left, 256 << 10));
  };
  try {
    const der = forge.asn1.fromDer(forge.util.createBuffer(data.toString("binary")), { strict: true, decodeBitStrings: false } as never);
    p12 = forge.pkcs12.pkcs12FromAsn1(der, false, forge.util.encodeUtf8(password));
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    if (refused !== null) return c.fail(`${what}: pkcs12: ${refused}`);
    return c.fail(`${what}: pkcs12: ${e instanceof Error && /MAC|password/i.test(e.message) ? "decryption password incorrect" : "error reading P12 data"}`);
  } finally {
    meter = null;
  }
  let key: KeyObject | null = null;
  const certs: Buffer[] = [];
  for (const safe of p12.safeContents) {
    for (const bag of safe.safeBags) {
      const b = bag as forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 };
      if (bag.type === forge.pki.oids["certBag"]) {
        const asn1 = b.cert ? forge.pki.certificateToAsn1(b.cert) : b.asn1;
        if (!asn1) c.fail(`${what}: pkcs12: unsupported certificate`);
        if (certs.length >= maxCerts) c.fail(`${what}: more than ${maxCerts} certificates`);
        certs.push(asn1Der(asn1 as forge.asn1.Asn1));
      } else if (bag.type === forge.pki.oids["keyBag"] || bag.type === forge.pki.oids["pkcs8ShroudedKeyBag"]) {
        if (key !== null) c.fail(`${what}: pkcs12: expected exactly one key bag`);
        const info = b.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(b.key)) : b.asn1;
        if (!info) return c.fail(`${what}: pkcs12: unsupported key`);
        try {
          key = checkKeySize(c, createPrivateKey({ key: asn1Der(info), format: "der", type: "pkcs8" }));
        } catch (e) {
          if (e instanceof TemplateError) throw e;
          return c.fail(`${what}: x509: failed to parse private key`);
        }
      }
    }
  }
  if (certs.length === 0) return c.fail(`${what}: pkcs12: certificate missing`);
  if (key === null) return c.fail(`${what}: pkcs12: private key missing`);
  return { key, certs };
}

const oid = (o: string) => forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OID, false, forge.asn1.oidToDer(o).getBytes());
const seq = (...v: forge.asn1.Asn1[]) => forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, v);
const set = (...v: forge.asn1.Asn1[]) => forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SET, true, v);
const octets = (b: Buffer) => forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, b.toString("binary"));
const integer = (n: number) => forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, forge.asn1.integerToDer(n).getBytes());
const explicit0 = (v: forge.asn1.Asn1) => forge.asn1.create(forge.asn1.Class.CONTEXT_SPECIFIC, 0, true, [v]);
const nullValue = () => forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.NULL, false, "");
const iterations = 2048;

/** PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) as go-pkcs12's Modern encoder: the algorithm and the ciphertext. */
function pbes2Encrypt(c: CallContext, password: string, plain: Buffer): { alg: forge.asn1.Asn1; data: Buffer } {
  const salt = Buffer.from(c.random(16));
  const iv = Buffer.from(c.random(16));
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  const alg = seq(oid("1.2.840.113549.1.5.13"), seq(seq(oid("1.2.840.113549.1.5.12"), seq(octets(salt), integer(iterations), seq(oid("1.2.840.113549.2.9"), nullValue()))), seq(oid("2.16.840.1.101.3.4.1.42"), octets(iv))));
  return { alg, data };
}

/** The PKCS#12 key derivation (RFC 7292 appendix B) with SHA-256, for the MAC key. */
function pkcs12Kdf(pw: Buffer, salt: Buffer, id: number, iter: number, size: number, hash = "sha256"): Buffer {
  const u = createHash(hash).digest().length;
  const v = u > 32 ? 128 : 64;
  const fill = (b: Buffer) => {
    if (b.length === 0) return Buffer.alloc(0);
    const n = v * Math.ceil(b.length / v);
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = b[i % b.length] as number;
    return out;
  };
  const D = Buffer.alloc(v, id);
  let I = Buffer.concat([fill(salt), fill(pw)]);
  const out: Buffer[] = [];
  let have = 0;
  while (have < size) {
    let A = createHash(hash).update(Buffer.concat([D, I])).digest();
    for (let i = 1; i < iter; i++) A = oneShotHash(hash, A, "buffer");
    out.push(A);
    have += u;
    const B = fill(A).subarray(0, v);
    const next = Buffer.alloc(I.length);
    for (let j = 0; j < I.length / v; j++) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (I[j * v + k] as number) + (B[k] as number) + carry;
        next[j * v + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
    I = next;
  }
  return Buffer.concat(out).subarray(0, size);
}

/** A password as PKCS#12 feeds it to its key derivation: BMPString, zero terminated. */
function bmpPassword(password: string): Buffer {
  const pw = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  return pw;
}

/** go-pkcs12 Modern.Encode: the leaf (with the key's localKeyId), the CA certificates, the shrouded key. */
function encodePkcs12(c: CallContext, key: KeyObject, leaf: Buffer, cas: Buffer[], password: string): Buffer {
  const localKeyId = createHash("sha1").update(leaf).digest();
  const keyIdAttr = seq(oid("1.2.840.113549.1.9.21"), set(octets(localKeyId)));
  const certBag = (der: Buffer, attrs: forge.asn1.Asn1[]) => {
    const bag = [oid("1.2.840.113549.1.12.10.1.3"), explicit0(seq(oid("1.2.840.113549.1.9.22.1"), explicit0(octets(der))))];
    return seq(...bag, ...(attrs.length > 0 ? [set(...attrs)] : []));
  };
  const certContents = asn1Der(seq(certBag(leaf, [keyIdAttr]), ...cas.map((ca) => certBag(ca, []))));
  const enc = pbes2Encrypt(c, password, certContents);
  const encryptedData = seq(
    oid("1.2.840.113549.1.7.6"),
    explicit0(seq(integer(0), seq(oid("1.2.840.113549.1.7.1"), enc.alg, forge.asn1.create(forge.asn1.Class.CONTEXT_SPECIFIC, 0, false, enc.data.toString("binary"))))),
  );
  const keyEnc = pbes2Encrypt(c, password, pkcs8Der(c, key));
  const shrouded = seq(oid("1.2.840.113549.1.12.10.1.2"), explicit0(seq(keyEnc.alg, octets(keyEnc.data))), set(keyIdAttr));
  const keyData = seq(oid("1.2.840.113549.1.7.1"), explicit0(octets(asn1Der(seq(shrouded)))));
  const authSafe = asn1Der(seq(encryptedData, keyData));
  const macSalt = Buffer.from(c.random(16));
  const macKey = pkcs12Kdf(bmpPassword(password), macSalt, 3, iterations, 32);
  const mac = createHmac("sha256", macKey).update(authSafe).digest();
  const pfx = seq(integer(3), seq(oid("1.2.840.113549.1.7.1"), explicit0(octets(authSafe))), seq(seq(seq(oid("2.16.840.1.101.3.4.2.1"), nullValue()), octets(mac)), octets(macSalt), integer(iterations)));
  return asn1Der(pfx);
}

function pkcs12Key(c: CallContext, pass: string, input: string): string {
  const { key } = decodePkcs12(c, goBytes(input), pass, "unable to decode pkcs12 with password");
  return pemEncode(pkcs8Der(c, key), "PRIVATE KEY");
}

function pkcs12Cert(c: CallContext, pass: string, input: string): string {
  const { certs } = decodePkcs12(c, goBytes(input), pass, "unable to decode pkcs12 certificate with password");
  const pem = certs.map((d) => pemEncode(d, "CERTIFICATE")).join("");
  // ESO orders the chain when it can and otherwise returns the certificates as stored.
  try {
    const parsed = certs.map((d) => parseCert(c, d));
    return orderChain(c, parsed)
      .map((cert) => pemEncode(cert.der, "CERTIFICATE"))
      .join("");
  } catch {
    return pem;
  }
}

/** The first PEM block's bytes; Go dereferences a nil block and panics, which templates report as an error. */
function firstBlock(c: CallContext, s: string): { block: PemBlock; rest: string } {
  const { block, rest } = pemDecode(s);
  if (!block) return c.fail("runtime error: invalid memory address or nil pointer dereference");
  return { block, rest };
}

function pemToPkcs12(c: CallContext, cert: string, key: string, pass: string, full: boolean): string {
  if (cert.length > maxInput || key.length > maxInput) c.charge(Number.MAX_SAFE_INTEGER);
  const first = firstBlock(c, cert);
  const leaf = parseCert(c, first.block.bytes).der;
  const cas: Buffer[] = [];
  if (full) {
    let rest = first.rest;
    while (rest.length > 0) {
      const next = firstBlock(c, rest);
      rest = next.rest;
      if (cas.length >= maxCerts) c.fail(`more than ${maxCerts} certificates`);
      cas.push(parseCert(c, next.block.bytes).der);
    }
  }
  const k = parsePrivateKeyDer(c, firstBlock(c, key).block.bytes);
  const der = encodePkcs12(c, k, leaf, cas, pass);
  c.charge(Math.ceil(der.length / 3) * 4);
  return der.toString("base64");
}

export const esoFunctions: Record<string, TemplateFunction> = {
  pkcs12key: f(["string"], (c, [s]) => pkcs12Key(c, "", str(s))),
  pkcs12keyPass: f(["string", "string"], (c, [p, s]) => pkcs12Key(c, str(p), str(s))),
  pkcs12cert: f(["string"], (c, [s]) => pkcs12Cert(c, "", str(s))),
  pkcs12certPass: f(["string", "string"], (c, [p, s]) => pkcs12Cert(c, str(p), str(s))),
  pemToPkcs12: f(["string", "string"], (c, [cert, key]) => pemToPkcs12(c, str(cert), str(key), "", false)),
  pemToPkcs12Pass: f(["string", "string", "string"], (c, [cert, key, p]) => pemToPkcs12(c, str(cert), str(key), str(p), false)),
  fullPemToPkcs12: f(["string", "string"], (c, [cert, key]) => pemToPkcs12(c, str(cert), str(key), "", true)),
  fullPemToPkcs12Pass: f(["string", "string", "string"], (c, [cert, key, p]) => pemToPkcs12(c, str(cert), str(key), str(p), true)),
  filterCertChain: f(["string", "string"], (c, [t, s]) => filterCertChain(c, str(t), str(s))),
  jwkPublicKeyPem: f(["string"], (c, [s]) => pemEncode(jwkKey(c, str(s), "public").export({ type: "spki", format: "der" }), "PUBLIC KEY")),
  jwkPrivateKeyPem: f(["string"], (c, [s]) => pemEncode(pkcs8Der(c, jwkKey(c, str(s), "private")), "PRIVATE KEY")),
};

