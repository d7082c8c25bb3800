import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { HushError } from "@hush/errors";
import { parseDocuments, isRecord } from "./manifest.js";

/** The controller's sealing certificate, parsed. */
export interface SealingCert {
  /** The RSA public key values are sealed to. */
  readonly publicKey: KeyObject;
  readonly notAfter: Date;
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex (stable across re-issued certificates of one key). */
  readonly fingerprint: string;
}

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n\t ]*?)-----END \1-----/g;

/** Every PEM block of the given types, as whole PEM text. Linear: the body class excludes '-'. */
function pemBlocks(text: string, types: readonly string[]): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(pemBlock)) if (types.includes(m[1]!)) out.push(m[0]);
  return out;
}

function fingerprintOf(key: KeyObject): string {
  return createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("hex");
}

/**
 * Parses the controller's certificate (the first PEM CERTIFICATE block, as kubeseal does) and
 * refuses a non-RSA key or a certificate that expired before `now`.
 * @throws `HUSH_ERR_SEALED_INVALID_CERT`, `HUSH_ERR_SEALED_EXPIRED_CERT`
 */
export function parseSealingCert(pem: Uint8Array, now: Date): SealingCert {
  const text = Buffer.from(pem).toString("utf8");
  const first = pemBlocks(text, ["CERTIFICATE"])[0];
  if (!first) throw new HushError("HUSH_ERR_SEALED_INVALID_CERT", "no PEM CERTIFICATE block found in the certificate input");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(first);
  } catch (cause) {
    throw new HushError("HUSH_ERR_SEALED_INVALID_CERT", "the certificate cannot be parsed", { cause });
  }
  if (cert.publicKey.asymmetricKeyType !== "rsa") {
    throw new HushError("HUSH_ERR_SEALED_INVALID_CERT", `the certificate holds a ${cert.publicKey.asymmetricKeyType ?? "non-RSA"} key; Sealed Secrets needs RSA`);
  }
  const notAfter = new Date(cert.validTo);
  if (now.getTime() > notAfter.getTime()) {
    throw new HushError("HUSH_ERR_SEALED_EXPIRED_CERT", `the certificate expired on ${notAfter.toISOString().slice(0, 10)}`);
  }
  return { publicKey: cert.publicKey, notAfter, fingerprint: fingerprintOf(cert.publicKey) };
}

function rsaKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new HushError("HUSH_ERR_SEALED_INVALID_KEY", "a private key cannot be parsed", { cause });
  }
  if (key.asymmetricKeyType !== "rsa") throw new HushError("HUSH_ERR_SEALED_INVALID_KEY", `a private key is ${key.asymmetricKeyType ?? "not RSA"}; Sealed Secrets keys are RSA`);
  return key;
}

/**
 * Reads private keys as `kubeseal --recovery-private-key` does: PEM RSA private keys
 * (PKCS#1 or PKCS#8), or a JSON/YAML backup of the controller's key Secret(s) (a Secret,
 * several documents, or a `v1.List`), each with `data["tls.key"]`.
 * @throws `HUSH_ERR_SEALED_INVALID_KEY` when the input holds no usable RSA private key.
 */
export function parsePrivateKeys(input: Uint8Array): KeyObject[] {
  const text = Buffer.from(input).toString("utf8");
  const pems = pemBlocks(text, ["RSA PRIVATE KEY", "PRIVATE KEY"]);
  if (pems.length > 0) return pems.map(rsaKey);
  let docs: unknown[];
  try {
    docs = parseDocuments(input);
  } catch {
    throw new HushError("HUSH_ERR_SEALED_INVALID_KEY", "the private key input is neither PEM nor a YAML/JSON key Secret");
  }
  const secrets = docs.flatMap((d) => (isRecord(d) && d["kind"] === "List" && Array.isArray(d["items"]) ? d["items"] : [d]));
  const keys: KeyObject[] = [];
  for (const s of secrets) {
    const data = isRecord(s) && isRecord(s["data"]) ? s["data"] : undefined;
    const tlsKey = data?.["tls.key"];
    if (typeof tlsKey !== "string") throw new HushError("HUSH_ERR_SEALED_INVALID_KEY", "a key Secret has no data[\"tls.key\"]");
    const pem = Buffer.from(tlsKey, "base64").toString("utf8");
    const found = pemBlocks(pem, ["RSA PRIVATE KEY", "PRIVATE KEY"]);
    if (found.length === 0) throw new HushError("HUSH_ERR_SEALED_INVALID_KEY", "a key Secret's tls.key is not a PEM private key");
    keys.push(...found.map(rsaKey));
  }
  if (keys.length === 0) throw new HushError("HUSH_ERR_SEALED_INVALID_KEY", "no private key found in the input");
  return keys;
}

/** SHA-256 fingerprint (hex) of a private key's public half, to compare with {@link SealingCert.fingerprint}. */
export function privateKeyFingerprint(key: KeyObject): string {
  return fingerprintOf(createPublicKey(key));
}
