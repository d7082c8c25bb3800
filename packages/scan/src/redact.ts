import { createHash } from "node:crypto";

/** Lower-case hex SHA-256 of the secret's UTF-8 bytes: the identity baselines key on. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/**
 * Masks a secret for display: at most a quarter of it (and never more than 4 characters)
 * stays visible, followed by a fixed mask, so neither the value nor its length is shown.
 */
export function redactSecret(secret: string): string {
  const visible = Math.min(4, Math.floor(secret.length / 4));
  return `${secret.slice(0, visible)}*****`;
}
