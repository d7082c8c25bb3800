import { findAssignments, keyWords } from "../assignment.js";
import { isPlaceholderValue } from "../allowlist.js";
import { shannonEntropy } from "../entropy.js";
import type { Rule } from "../rule.js";
import type { RawHit } from "../types.js";
import { isSealedSecret } from "./sops-aware.js";

// kubeseal ciphertext (`AgB…`, base64) under a SealedSecret's encryptedData is not a leak.
const sealedValue = /^Ag[A-Za-z0-9+/]{8,}={0,2}$/;
const ciphertextIn = (text: string) => (isSealedSecret(text) ? (v: string) => sealedValue.test(v) : () => false);

// Words that make a credential-named key describe or point at a secret instead of holding one
// (`secretName`, `password_expires_at`, `TokenTTL`, `RequestTokenOpts`, `api_key_header`).
const descriptorWords = new Set(
  (
    "name names ref refs file files path paths url urls uri uris endpoint endpoints id ids env var vars type types kind " +
    "hash hashed digest checksum length len size count field fields header headers prefix suffix policy policies mode " +
    "format label labels version expiry expires expiration expired exp ttl regex regexp pattern at date time timestamp " +
    "timeout created updated changed rotated rotation reset hint prompt placeholder message msg error err text title " +
    "description desc help column param params arg args attr attribute option options opts flag flags enabled enable " +
    "required require min max minimum maximum strength rule rules validator validation validate store provider " +
    "providers manager source sources template spec schema dir directory location class struct interface method func fn " +
    "handler callback event request response req resp res ref key_id keyid selector annotation annotations mount " +
    "volume volumes namespace secretref secretname secretkeyref lookup fetcher getter setter reader writer cache " +
    "exchange generator generate encode encoded decode decoder encoder parser parse len_ auth_type grant scope scopes " +
    "audience issuer subject claim claims status state result results test tests mock fake example sample dummy"
  ).split(" "),
);
// Leading words for flags and questions about a secret, not the secret (`isPassword`, `use_token`).
const flagWords = new Set("is has use uses enable enabled disable disabled require requires allow show no skip with without should can must need needs".split(" "));

function describesSecret(words: readonly string[]): boolean {
  if (flagWords.has(words[0]!)) return true;
  return words.some((w) => descriptorWords.has(w));
}

const passwordWord = /^(?:password|passwd|passphrase|passwords|pass|pwd|pswd|passwrd)$|password|passwd|passphrase/;

/** `db_password`, `adminPass`, `PGPASSWORD`, `smtp.pwd`; not `bypass`, `passport`, `Passcode`. */
export function isPasswordKey(key: string): boolean {
  const words = keyWords(key);
  return words.some((w) => passwordWord.test(w)) && !describesSecret(words);
}

const keyQualifiers = new Set(
  "api access auth private signing sign encryption encrypt enc master certificate cert client shared hmac session app application account service root unseal recovery aes crypt crypto license webhook bot consumer".split(" "),
);
const gluedKeys = /^(?:apikey|apikeys|accesskey|secretkey|privatekey|authkey|signingkey|encryptionkey|masterkey|certificatekey|certkey|sharedkey|hmackey|sessionkey|appkey|clientkey|servicekey|unsealkey|consumerkey|webhookkey|licensekey)$/;

/** `api_key`, `clientSecret`, `AUTH_TOKEN`, `certificateKey`, `credentials`; not `tokenUrl`, `secretName`. */
export function isCredentialKey(key: string): boolean {
  const words = keyWords(key);
  let hit = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (/^(?:secret|secrets|token|tokens|credential|credentials|creds)$/.test(w) || /(?:secret|token)$/.test(w) || gluedKeys.test(w)) hit = true;
    else if ((w === "key" || w === "keys") && i > 0 && keyQualifiers.has(words[i - 1]!)) hit = true;
  }
  return hit && !describesSecret(words);
}

// Values that are themselves references or placeholders, whatever they look like otherwise.
const referenceRe = /[<>{}]|%[sdvqx]|\$[A-Za-z_({]|xxx|\*\*\*|changeme|change_me|^(?:null|nil|none|undefined|true|false)$/i;
const envName = /^[A-Z][A-Z0-9_]*$/;
const reference = { test: (v: string) => referenceRe.test(v) || envName.test(v) };
// An AWS SigV4 credential scope (`AKID/20240101/us-east-1/s3/aws4_request`) names a key, holds none.
const sigv4Scope = /\/\d{8}\/[\w-]*\/[\w-]*\/aws4_request/;
const date = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$/;

const apiKeyValue = /^[\w.=~+/-]+$/;
// One lower-case word with a little decoration (`squirrel!`, `hunter22`): a test dummy.
const dummyWord = /^[a-z]{3,12}[0-9!?.#]{0,3}$/;

function apiKeyHits(text: string, path: string): RawHit[] {
  const hits: RawHit[] = [];
  const sealed = ciphertextIn(text);
  for (const a of findAssignments(text, path, { candidates: /secret|token|key|credential|creds/i, acceptKey: isCredentialKey, maxValue: 1024 })) {
    const v = a.value;
    if (v.length < 12 || !apiKeyValue.test(v) || !/\d/.test(v) || !/[a-z]/i.test(v)) continue;
    if (reference.test(v) || sigv4Scope.test(v) || sealed(v) || shannonEntropy(v) <= 3.5 || isPlaceholderValue(v)) continue;
    hits.push({ rule: "generic-api-key", offset: a.offset, secret: v });
  }
  return hits;
}

function passwordHits(text: string, path: string): RawHit[] {
  const hits: RawHit[] = [];
  const sealed = ciphertextIn(text);
  for (const a of findAssignments(text, path, { candidates: /pass|pwd|pswd/i, acceptKey: isPasswordKey, maxValue: 128 })) {
    const v = a.value;
    if (v.length < 8 || /\s/.test(v) || reference.test(v) || date.test(v) || dummyWord.test(v)) continue;
    if (sealed(v) || shannonEntropy(v) <= 2.8 || isPlaceholderValue(v)) continue;
    hits.push({ rule: "generic-password", offset: a.offset, secret: v });
  }
  return hits;
}

/**
 * Assignments whose key names a credential. Each reads `key op value` on one line with the
 * shared assignment reader (string literals in code; literals or config values elsewhere), then
 * gates the value by entropy, placeholders and variable references.
 */
export const genericRules: readonly Rule[] = [
  {
    id: "generic-api-key",
    description: "Generic API key, token or secret assigned to a credential-named key",
    keywords: ["secret", "token", "key", "credential", "creds"],
    generic: true,
    detect: (text, ctx) => apiKeyHits(text, ctx.path),
  },
  {
    id: "generic-password",
    description: "Password assigned in code or configuration",
    keywords: ["pass", "pwd", "pswd"],
    generic: true,
    detect: (text, ctx) => passwordHits(text, ctx.path),
  },
  {
    id: "password-in-url",
    description: "Password embedded in a connection URL (scheme://user:password@host)",
    keywords: ["://"],
    generic: true,
    detect: detectUrlPasswords,
  },
];

const authority = /([^\s:@/"'`<>{}()$%*]{1,64}):([^\s:@/"'`<>{}()$\\]{3,128})@([\w.-]{1,253})(?=[\s:/?#"'`)\],;]|$)/y;
const schemeChar = /[a-z0-9+.-]/i;
const exampleHost = /(?:^|\.)(?:example|test|invalid|localhost)(?:\.[a-z]+)?$|^(?:host|hostname|server|domain|db|database|myhost|yourhost)$/i;

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
    const user = m[1]!;
    const password = m[2]!;
    const host = m[3]!;
    if (exampleHost.test(host) || !/[a-z]/i.test(host)) continue;
    if (password === user || /^[a-z]+$/i.test(password) || reference.test(password)) continue;
    if (isPlaceholderValue(password) || shannonEntropy(password) <= 2.5) continue;
    hits.push({ rule: "password-in-url", offset: i + 3 + user.length + 1, secret: password });
  }
  return hits;
}
