// Local recogniser for values that are still SOPS ciphertext. Swap for `isEncryptedValue` from
// @hush/sops once that package exports it; this file is the only place that knows the shape.

const encValue = /ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]/;
// Metadata as the sops dotenv/INI stores flatten it, or a YAML/JSON document's `sops:` block.
const metadataLine = /(^|\n)\s*(sops_(version|mac|lastmodified)\s*=|"?sops"?\s*:\s*(\{|\n\s+(kms|age|pgp|mac|lastmodified|version|gcp_kms|azure_kv|hc_vault)\b))/;

/** True when `text` contains a SOPS-encrypted value or SOPS metadata (it was never decrypted). */
export function containsSopsCiphertext(text: string): boolean {
  return text.includes("ENC[AES256_GCM,") ? encValue.test(text) : text.includes("sops") && metadataLine.test(text);
}

/** True when a Secret data key is one of the names sops uses for its metadata in flat stores. */
export function isSopsMetadataKey(key: string): boolean {
  return key === "sops" || key === "sops_mac" || key === "sops_version" || key === "sops_lastmodified";
}
