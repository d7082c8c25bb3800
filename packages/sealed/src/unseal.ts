import { randomBytes, type KeyObject } from "node:crypto";
import { HushError } from "@hush/errors";
import { render, secretData, TemplateError } from "@hush/gotemplate";
import { hybridDecrypt, type RandomBytes } from "./crypto.js";
import { isBase64, toSecret, type ObjectMeta, type SealedSecret, type SecretManifest } from "./manifest.js";
import { encryptionLabel, scopeOf, sealSecret } from "./seal.js";

/**
 * Renders one `spec.template.data` entry against the decrypted values (as strings). `where`
 * names the entry for errors; errors must not carry values.
 */
export type TemplateRenderer = (source: string, data: Readonly<Record<string, string>>, where: string) => string;

/**
 * The default renderer: Go text/template with Sprig (`@hush/gotemplate`, bounded), as the
 * sealed-secrets controller executes `spec.template.data`, named by the key. One difference:
 * a missing key fails here, where Go prints `<no value>`. Errors are `HUSH_ERR_SEALED_INVALID_INPUT`
 * and never carry a decrypted value.
 */
export const goTemplateRenderer: TemplateRenderer = (source, data, where) => {
  try {
    // Go names the template after its key, as the controller does (visible in error messages).
    const prefix = "spec.template.data.";
    // The CLI's edge: the system clock and the CSPRNG for Sprig's date/random/crypto functions.
    return render((where.startsWith(prefix) ? where.slice(prefix.length) : where) || "template", source, secretData(data), { clock: () => new Date(), random: (n) => randomBytes(n) });
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    let message = e.message;
    for (const v of Object.values(data)) if (v.length >= 3 && message.includes(v)) message = message.split(v).join("[redacted]");
    throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where}: ${message}`);
  }
};

/** Options of {@link unsealSecret}. */
export interface UnsealOptions {
  /** Renders `spec.template.data` entries holding `{{`; defaults to {@link goTemplateRenderer}. */
  readonly renderTemplate?: TemplateRenderer;
}

/**
 * Opens a SealedSecret with the controller's private key(s), as the controller does: the
 * label comes from the SealedSecret's own name, namespace and scope annotations, so a value
 * sealed for another place, or altered, fails. The Secret gets the template's metadata and
 * type with the SealedSecret's name and namespace. Values never appear in errors.
 * Template `data` without `{{` is copied literally; with `{{` it is rendered as Go text/template.
 * @throws `HUSH_ERR_SEALED_DECRYPT` naming the keys that failed; `HUSH_ERR_SEALED_INVALID_INPUT` for a template that fails.
 */
export function unsealSecret(sealed: SealedSecret, privateKeys: readonly KeyObject[], options: UnsealOptions = {}): SecretManifest {
  const name = sealed.metadata.name ?? "";
  const namespace = sealed.metadata.namespace ?? "";
  const label = encryptionLabel(namespace, name, scopeOf(sealed.metadata));
  if (sealed.spec.data !== undefined) return unsealV1(sealed, privateKeys, label);
  const data: Record<string, string> = {};
  const failed: string[] = [];
  for (const [key, value] of Object.entries(sealed.spec.encryptedData)) {
    const plain = isBase64(value) ? hybridDecrypt(privateKeys, Buffer.from(value, "base64"), label) : undefined;
    if (plain === undefined) failed.push(key);
    else data[key] = Buffer.from(plain).toString("base64");
  }
  if (failed.length > 0) {
    throw new HushError("HUSH_ERR_SEALED_DECRYPT", `no key could decrypt ${failed.sort().map((k) => JSON.stringify(k)).join(", ")} of SealedSecret ${namespace ? `${namespace}/` : ""}${name}`);
  }
  const templates = Object.entries(sealed.spec.template.data ?? {});
  // Templates see the decrypted values as text, keyed like encryptedData (upstream's `data`).
  const plainText = templates.length > 0 ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")])) : {};
  for (const [key, tpl] of templates) {
    if (!tpl.includes("{{")) {
      data[key] = Buffer.from(tpl, "utf8").toString("base64");
      continue;
    }
    const renderer = options.renderTemplate ?? goTemplateRenderer;
    data[key] = Buffer.from(renderer(tpl, plainText, `spec.template.data.${key}`), "utf8").toString("base64");
  }
  const metadata: ObjectMeta = { ...sealed.spec.template.metadata, name };
  if (namespace) metadata.namespace = namespace;
  else delete metadata.namespace;
  delete metadata["creationTimestamp"];
  const secret: SecretManifest = { apiVersion: "v1", kind: "Secret", metadata, data };
  if (sealed.spec.template.immutable !== undefined) secret.immutable = sealed.spec.template.immutable;
  secret.type = sealed.spec.template.type ?? "Opaque";
  return secret;
}

/**
 * The deprecated v1 format (still accepted by the controller by default): `spec.data` is one
 * hybrid ciphertext of the whole Secret as JSON, under the same scope label.
 */
function unsealV1(sealed: SealedSecret, privateKeys: readonly KeyObject[], label: Uint8Array): SecretManifest {
  const where = `SealedSecret ${sealed.metadata.namespace ? `${sealed.metadata.namespace}/` : ""}${sealed.metadata.name ?? ""}`;
  if (Object.keys(sealed.spec.encryptedData).length > 0) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `${where} uses both encryptedData and the deprecated spec.data`);
  const blob = sealed.spec.data ?? "";
  const plain = isBase64(blob) ? hybridDecrypt(privateKeys, Buffer.from(blob, "base64"), label) : undefined;
  if (plain === undefined) throw new HushError("HUSH_ERR_SEALED_DECRYPT", `no key could decrypt the deprecated spec.data of ${where}`);
  let inner: SecretManifest;
  try {
    inner = toSecret(JSON.parse(Buffer.from(plain).toString("utf8")) as unknown);
  } catch {
    // Never echo the decrypted text.
    throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", `the deprecated spec.data of ${where} does not hold a Secret`);
  } finally {
    plain.fill(0);
  }
  const data: Record<string, string> = { ...inner.data };
  for (const [k, v] of Object.entries(inner.stringData ?? {})) data[k] = Buffer.from(v, "utf8").toString("base64");
  const metadata: ObjectMeta = { ...inner.metadata, name: sealed.metadata.name ?? "" };
  if (sealed.metadata.namespace) metadata.namespace = sealed.metadata.namespace;
  else delete metadata.namespace;
  const secret: SecretManifest = { apiVersion: "v1", kind: "Secret", metadata, data, type: inner.type ?? "Opaque" };
  if (inner.immutable !== undefined) secret.immutable = inner.immutable;
  return secret;
}

/**
 * True when every value opens with one of `privateKeys` (kubeseal's `--validate`, done
 * locally instead of by the controller).
 */
export function validateSealedSecret(sealed: SealedSecret, privateKeys: readonly KeyObject[]): boolean {
  try {
    unsealSecret(sealed, privateKeys);
    return true;
  } catch (err) {
    if (err instanceof HushError && err.code === "HUSH_ERR_SEALED_DECRYPT") return false;
    throw err;
  }
}

/**
 * Re-seals a SealedSecret to a new certificate (kubeseal's `--re-encrypt`, done locally as the
 * controller's rotate endpoint does: unseal with the old keys, seal the Secret again).
 */
export function reencryptSealedSecret(sealed: SealedSecret, privateKeys: readonly KeyObject[], publicKey: KeyObject, random: RandomBytes): SealedSecret {
  if (sealed.spec.template.data && Object.keys(sealed.spec.template.data).length > 0) {
    throw new HushError("HUSH_ERR_SEALED_UNSUPPORTED", "re-encrypting a SealedSecret with spec.template.data is left to the controller", { hint: "run `hush seal --re-encrypt` without --recovery-private-key to let the controller do it" });
  }
  const secret = unsealSecret(sealed, privateKeys);
  return sealSecret(secret, { publicKey, random, allowEmptyData: true, scope: scopeOf(sealed.metadata) });
}
