import { isRecord } from "./manifest.js";

/**
 * True when a parsed document is a SOPS-encrypted file (a top-level `sops` map carrying a
 * `mac` or `lastmodified`), so a shell can decrypt it before sealing.
 */
export function isSopsEncrypted(doc: unknown): boolean {
  if (!isRecord(doc)) return false;
  const sops = doc["sops"];
  return isRecord(sops) && (typeof sops["mac"] === "string" || typeof sops["lastmodified"] === "string");
}
