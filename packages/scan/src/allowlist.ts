/**
 * The shared false-positive gate. Every rule passes its secret through
 * {@link isPlaceholderToken}; generic rules (no distinctive prefix) also through
 * {@link isPlaceholderValue}, which is much stricter.
 */

// "canary": test values planted to prove a secret never leaks are fake by construction. The rest
// are credentials the specifications print as worked examples (RFC 6749 and RFC 5849 OAuth
// tokens, client ids and secrets; the authenticator-app TOTP seed), copied into code everywhere.
const tokenStopwords = [
  "example", "xxxxxxxx", "00000000", "11111111", "12345678", "abcdefgh", "redacted", "placeholder", "your_", "your-", "dummy", "fake", "sample", "canary",
  "jbswy3dpehpk3pxp", "2yotnfzfejr1zcsicmwpaa", "tgzv3jokf0xg5qx2tlkwia", "splxlobezqqybys6wxsbia", "s6bhdrkqt3", "gx1fbat3bv",
  "czzcagrsa3f0mzpnwdfmqmf0m2jw", "0685bd9184jfhq22", "9djdj82h48djs9d2", "kkk9d7dh3k39sjv7", "dh893hdasih9", "j49sk3j29djd", "nnch734d00sl2jdk",
];

/** True for documentation tokens: `AKIAIOSFODNN7EXAMPLE`, `ghp_xxxx…`, `sk_live_1111…`. */
export function isPlaceholderToken(secret: string): boolean {
  const lower = secret.toLowerCase();
  for (const w of tokenStopwords) if (lower.includes(w)) return true;
  // A run of 8+ identical characters is filler, not key material.
  if (/(.)\1{7}/.test(secret)) return true;
  return false;
}

const valueStopwords = [
  ...tokenStopwords,
  "changeme", "change_me", "change-me", "changeit", "secret", "password", "passwd", "token", "test", "todo", "fixme",
  "replace", "insert", "enter", "mysql", "postgres", "localhost", "foobar", "lorem", "none", "null", "undefined",
  "default", "admin", "qwerty", "letmein", "hunter2", "value", "string", "required", "optional", "notused", "not_used",
  "not-used", "invalid", "empty", "mock", "stub", "demo", "sha256", "sha512", "sha1", "md5", "bcrypt", "argon",
  // leetspeak spellings of the words above are still the words
  "s3cr3t", "secr3t", "s3cret", "p4ss", "passw0rd", "p4ssw0rd", "p@ss", "t0ken", "hunter", "swordfish",
];

// A readable slug (`from-k8s-auth`, `my-db-user`): three or more short words, digits in one at most.
function isSlug(value: string): boolean {
  const parts = value.split(/[-_.]/);
  if (parts.length < 3 || !/^[a-z0-9]+(?:[-_.][a-z0-9]+)+$/.test(value)) return false;
  return parts.every((p) => p.length <= 10) && parts.filter((p) => /\d/.test(p)).length <= 1;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const templated = /\$\{|\{\{|\$\(|%\(|<%|\}\}|^\$[A-Za-z_]|^%[A-Za-z_]+%$|^@[A-Za-z_]+@$|^<[^>]*>$|^\*+$|^\.+$/;
const dottedIdentifier = /^[A-Za-z_$][\w$]*(?:(?:\.|->|::)[A-Za-z_$][\w$]*)+(?:\(\)?)?$/;
const envName = /^[A-Z][A-Z0-9_]*$/;
const path = /^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/;
const wordsOnly = /^[a-z]+(?:[-_.][a-z]+)*$/i;
const keyword = /^(?:true|false|yes|no|on|off|nil|none|null|undefined)$/i;

const hostPath = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:\/[a-z0-9._-]+)+\/?$/i;
const base64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * True when `value` is base64 of readable text that is itself a placeholder or prose
 * (`c2VjcmV0IGlzIHNlY3VyZQ==` = "secret is secure"): documentation, not key material.
 */
function isEncodedPlaceholder(value: string): boolean {
  if (value.length < 12 || !base64.test(value)) return false;
  const decoded = Buffer.from(value, "base64").toString("latin1");
  if (!/^[\x20-\x7e\t\r\n]+$/.test(decoded)) return false;
  return /\s/.test(decoded.trim()) || isPlaceholderValue(decoded);
}

/**
 * True when a generic rule's value is not a credential: templates and variable references,
 * identifiers and dotted property paths, env-var names, file paths, UUIDs, bare hashes with a
 * hash prefix, function calls, words without digits, and the stopword list.
 */
export function isPlaceholderValue(value: string): boolean {
  if (isPlaceholderToken(value)) return true;
  if (templated.test(value)) return true;
  if (keyword.test(value)) return true;
  if (/[()[\]]/.test(value) || value.startsWith("-")) return true;
  if (hostPath.test(value) || isEncodedPlaceholder(value)) return true;
  if (dottedIdentifier.test(value) || envName.test(value) || path.test(value) || uuid.test(value)) return true;
  if (wordsOnly.test(value) || isSlug(value)) return true;
  // Generic values are printable ASCII; anything else is prose or a template marker.
  if (!/^[\x21-\x7e]+$/.test(value)) return true;
  // camelCase / snake_case identifiers without digits are variable names (`dbPassword`).
  if (/^[A-Za-z_]+$/.test(value)) return true;
  const lower = value.toLowerCase();
  for (const w of valueStopwords) if (lower.includes(w)) return true;
  return false;
}
