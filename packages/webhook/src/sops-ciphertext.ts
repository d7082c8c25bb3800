import { isEncryptedValue } from "@hush/sops";

// A value can be one ENC[] value (what sops writes for a key) or a whole encrypted file stored
// under one key (kustomize secretGenerator over a SOPS file). @hush/sops recognises the first;
// the patterns below find ENC[] values and metadata inside the second.

const encValue = /ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]/;
// Metadata as the sops dotenv/INI stores flatten it, or a YAML/JSON document's `sops:` block.
const metadataLine = /(^|\n)\s*(sops_(version|mac|lastmodified)\s*=|"?sops"?\s*:\s*(\{|\n\s+(kms|age|pgp|mac|lastmodified|version|gcp_kms|azure_kv|hc_vault)\b))/;

/** True when `text` contains a SOPS-encrypted value or SOPS metadata (it was never decrypted). */
export function containsSopsCiphertext(text: string): boolean {
  // isEncryptedValue is a type guard on unknown; a copy keeps `text` a string below.
  const whole: unknown = text;
  if (isEncryptedValue(whole)) return true;
  return text.includes("ENC[AES256_GCM,") ? encValue.test(text) : text.includes("sops") && metadataLine.test(text);
}

/** True when a Secret data key is one of the names sops uses for its metadata in flat stores. */
export function isSopsMetadataKey(key: string): boolean {
  return key === "sops" || key === "sops_mac" || key === "sops_version" || key === "sops_lastmodified";
}
