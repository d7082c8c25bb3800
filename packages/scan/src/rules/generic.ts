import { isPlaceholderValue } from "../allowlist.js";
import { jsPattern } from "../pattern.js";
import { assign, type Rule } from "../rule.js";
import type { RawHit } from "../types.js";

// Key suffixes that name a reference to a secret rather than the secret itself
// (`secretName`, `existingSecret`, `tokenUrl`, `password_file`, `api_key_id`, `secretKeyRef`).
const referenceKey = /(?:name|ref|file|path|url|uri|id|ids|env|var|type|hash|digest|checksum|length|len|size|count|field|header|prefix|policy|mode|format|endpoint|label|version|expiry|expires|ttl|regex|pattern)["'`]?$/i;

const vetoReference = (_secret: string, groups: readonly (string | undefined)[]): boolean =>
  referenceKey.test((groups[1] ?? "").replace(/["'`\s:=>?,]+$/, ""));

/**
 * Assignments whose key names a credential. Gated by entropy, the placeholder/stopword list
 * and a veto on keys that reference a secret (`secretName`) instead of holding one.
 */
export const genericRules: readonly Rule[] = [
  {
    id: "generic-api-key",
    description: "Generic API key, token or secret assigned to a credential-named key",
    keywords: ["secret", "token", "api_key", "apikey", "api-key", "access_key", "accesskey", "auth_key", "authkey", "client_secret", "private_key", "credential", "signing_key", "encryption_key", "master_key"],
    pattern: jsPattern(
      new RegExp(
        String.raw`((?:secret|token|api[_.-]?key|access[_.-]?key|auth[_.-]?key|credentials?|private[_.-]?key|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key)[\w.-]{0,20}?)${assign}([\w.=~+/-]{16,200})(?![\w.=~+/-])`,
        "i",
      ),
    ),
    secretGroup: 2,
    entropy: 3.5,
    generic: true,
    veto: (secret, groups) => vetoReference(secret, groups) || !/\d/.test(secret) || !/[a-z]/i.test(secret),
  },
  {
    id: "generic-password",
    description: "Password assigned in code or configuration",
    keywords: ["pass", "pwd"],
    pattern: jsPattern(
      new RegExp(String.raw`((?:password|passwd|passphrase|pwd|db_pass|_pass)[\w.-]{0,20}?)${assign}([^\s"'\x60;,]{8,128})`, "i"),
    ),
    secretGroup: 2,
    entropy: 2.8,
    generic: true,
    veto: vetoReference,
  },
  {
    id: "password-in-url",
    description: "Password embedded in a connection URL (scheme://user:password@host)",
    keywords: ["://"],
    generic: true,
    detect: detectUrlPasswords,
  },
];

const authority = /([^\s:@/"'`]{1,64}):([^\s:@/"'`]{3,128})@([\w.-]{1,253})/y;
const schemeChar = /[a-z0-9+.-]/i;

/**
 * `scheme://user:password@host`: anchored on each `://` (found with indexOf) instead of a regex
 * that would try every position of the file.
 */
function detectUrlPasswords(text: string): RawHit[] {
  const hits: RawHit[] = [];
  for (let i = text.indexOf("://"); i !== -1; i = text.indexOf("://", i + 3)) {
    let s = i;
    while (s > 0 && i - s < 21 && schemeChar.test(text[s - 1]!)) s--;
    if (s === i || !/[a-z]/i.test(text[s]!)) continue;
    authority.lastIndex = i + 3;
    const m = authority.exec(text);
    if (!m) continue;
    const password = m[2]!;
    const host = m[3]!;
    if (/(?:^|\.)example\.(?:com|org|net)$|^host$|^hostname$/i.test(host)) continue;
    if (isPlaceholderValue(password)) continue;
    hits.push({ rule: "password-in-url", offset: i + 3 + m[1]!.length + 1, secret: password });
  }
  return hits;
}
