import { createHash } from "node:crypto";
import { isPlaceholderValue } from "../allowlist.js";
import { shannonEntropy } from "../entropy.js";
import { keyed, token, type Rule } from "../rule.js";
import type { RawHit } from "../types.js";

/**
 * Credential families written from the providers' documented formats: Vault's legacy and HCP
 * tokens, TOTP seeds, key material without PEM armour (PGP bodies, base64 DER), Bitcoin keys
 * (Base58Check-verified), curl credentials, base64-wrapped JWTs and assorted SaaS keys.
 */

const dash = String.raw`\w-`;
const uuid = String.raw`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`;
const b64 = /^[A-Za-z0-9+/]+={0,2}$/;

function lineOf(text: string, at: number, max = 2000): string {
  const s = text.lastIndexOf("\n", at) + 1;
  const e = text.indexOf("\n", at);
  return text.slice(Math.max(s, at - max), e === -1 ? Math.min(text.length, at + max) : Math.min(e, at + max));
}

// ---- key material without PEM armour ----

/**
 * Base64 DER private keys on one line (env vars, JSON): PKCS#1 RSA and PKCS#8 (`SEQUENCE {
 * INTEGER 0, … }`) or SEC1 EC (`SEQUENCE { INTEGER 1, OCTET STRING … }`). Public keys and
 * certificates have no leading version INTEGER, so they never match.
 */
function detectDerKeys(text: string): RawHit[] {
  const hits: RawHit[] = [];
  const re = /(?<![A-Za-z0-9+/])M[A-Za-z0-9+/]{59,16000}={0,2}(?![A-Za-z0-9+/=])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const head = Buffer.from(m[0].slice(0, 32), "base64");
    if (head[0] !== 0x30) continue;
    let i = 1;
    const len = head[i]!;
    i += len & 0x80 ? 1 + (len & 0x7f) : 1;
    const pkcs = head[i] === 0x02 && head[i + 1] === 0x01 && head[i + 2] === 0x00 && (head[i + 3] === 0x02 || head[i + 3] === 0x30);
    const sec1 = head[i] === 0x02 && head[i + 1] === 0x01 && head[i + 2] === 0x01 && head[i + 3] === 0x04;
    if (!pkcs && !sec1) continue;
    // The body of a PEM block is the private-key rule's finding, not a second one.
    if (/-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----\s*$/.test(text.slice(Math.max(0, m.index - 80), m.index))) continue;
    if (shannonEntropy(m[0]) < 4.5) continue;
    hits.push({ rule: "private-key-der-base64", offset: m.index, secret: m[0] });
  }
  return hits;
}

/**
 * An armoured OpenPGP secret key whose `-----BEGIN PGP PRIVATE KEY BLOCK-----` line is missing
 * (pasted bodies, env vars): base64 that decodes to a Secret-Key packet (tag 5) of version 4-6.
 */
function detectPgpBodies(text: string): RawHit[] {
  const hits: RawHit[] = [];
  const re = /(?<![A-Za-z0-9+/])(?:lQ|lF|xY|xc)[A-Za-z0-9+/]{58,100000}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const b = Buffer.from(m[0].slice(0, 8), "base64");
    let version: number | undefined;
    if (b[0] === 0x94) version = b[2];
    else if (b[0] === 0x95) version = b[3];
    else if (b[0] === 0x96) version = b[5];
    else if (b[0] === 0xc5) version = b[1]! < 192 ? b[2] : b[1]! < 224 ? b[3] : b[6];
    if (version === undefined || version < 4 || version > 6) continue;
    if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(text.slice(Math.max(0, m.index - 300), m.index))) continue;
    if (shannonEntropy(m[0]) < 4.5) continue;
    hits.push({ rule: "pgp-private-key-body", offset: m.index, secret: m[0] });
    re.lastIndex = m.index + m[0].length;
  }
  return hits;
}

// ---- Bitcoin / secp256k1 keys, verified by their Base58Check checksum ----

const b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Decodes Base58Check; undefined when a character or the double-SHA-256 checksum is wrong. */
export function base58Check(s: string): Buffer | undefined {
  let n = 0n;
  for (const ch of s) {
    const d = b58.indexOf(ch);
    if (d < 0) return undefined;
    n = n * 58n + BigInt(d);
  }
  const hex = n.toString(16);
  let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
  let zeros = 0;
  while (s[zeros] === "1") zeros++;
  bytes = Buffer.concat([Buffer.alloc(zeros), bytes]);
  if (bytes.length < 5) return undefined;
  const body = bytes.subarray(0, -4);
  const sum = createHash("sha256").update(createHash("sha256").update(body).digest()).digest();
  return sum.subarray(0, 4).equals(bytes.subarray(-4)) ? body : undefined;
}

function detectBitcoinKeys(text: string): RawHit[] {
  const hits: RawHit[] = [];
  const re = /(?<![1-9A-HJ-NP-Za-km-z])(?:[59c][1-9A-HJ-NP-Za-km-z]{50}|[KLc][1-9A-HJ-NP-Za-km-z]{51}|[xt]prv[1-9A-HJ-NP-Za-km-z]{107,108})(?![1-9A-HJ-NP-Za-km-z])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = base58Check(m[0]);
    if (!body) continue;
    const wif = (body[0] === 0x80 || body[0] === 0xef) && (body.length === 33 || (body.length === 34 && body[33] === 0x01));
    const xprv = body.length === 78 && body[45] === 0x00;
    if (wif || xprv) hits.push({ rule: "bitcoin-private-key", offset: m.index, secret: m[0] });
  }
  return hits;
}

// ---- credentials inside larger strings ----

/** `curl -u user:password` / `curl --user user:password` (not `-u user` alone, not `$VARS`). */
function detectCurlUser(text: string): RawHit[] {
  const hits: RawHit[] = [];
  for (let i = text.indexOf("curl"); i !== -1; i = text.indexOf("curl", i + 4)) {
    const line = lineOf(text, i, 2000);
    const lineStart = text.lastIndexOf("\n", i) + 1;
    const base = Math.max(lineStart, i - 2000);
    const re = /(?:^|\s)(?:-u|--user)(?:\s+|=)(["']?)([^\s"':$]{1,64}):([^\s"'$]{3,128})\1(?=\s|$)/g;
    for (let m = re.exec(line); m; m = re.exec(line)) {
      const password = m[3]!;
      if (isPlaceholderValue(password) || /[<>{}%*]/.test(password) || shannonEntropy(password) <= 2.5) continue;
      const at = base + m.index + m[0].lastIndexOf(password);
      if (at < i) continue;
      hits.push({ rule: "curl-basic-auth", offset: at, secret: password });
    }
    const next = text.indexOf("\n", i);
    if (next === -1) break;
    i = next - 3;
  }
  return hits;
}

/** Base64 of a JWT (`ZXlK…` is base64 of `eyJ`), as found in Kubernetes data and env files. */
function detectBase64Jwts(text: string): RawHit[] {
  const hits: RawHit[] = [];
  const re = /(?<![A-Za-z0-9+/])ZXlK[A-Za-z0-9+/]{60,8000}={0,2}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const decoded = Buffer.from(m[0], "base64").toString("latin1").trim();
    if (!/^eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}$/.test(decoded)) continue;
    hits.push({ rule: "jwt-base64", offset: m.index, secret: m[0] });
  }
  return hits;
}

/** Vault legacy tokens: `s.` + 24 base62 characters (before Vault 1.10), with mixed classes. */
function vaultLegacyVeto(secret: string): boolean {
  const body = secret.slice(2);
  return !(/\d/.test(body) && /[a-z]/.test(body) && /[A-Z]/.test(body)) || shannonEntropy(body) < 3.8;
}

const rules: Rule[] = [
  // ---- HashiCorp ----
  { ...token("vault-legacy-token", "HashiCorp Vault legacy service token (s.…)", ["s."], String.raw`s\.[A-Za-z0-9]{24}`, { alphabet: String.raw`\w.` }), veto: vaultLegacyVeto },
  token("vault-legacy-batch-token", "HashiCorp Vault legacy batch token (b.…)", ["b.aaaaaq"], String.raw`b\.AAAAAQ[\w-]{100,400}`, { alphabet: String.raw`\w.-` }),
  token("hcp-client-secret", "HashiCorp Cloud Platform service principal client secret", ["hvo_secret_"], String.raw`hvo_secret_[A-Za-z0-9]{40,128}`),
  keyed("vault-unseal-key", "HashiCorp Vault unseal or recovery key", ["unseal", "recovery"], String.raw`(?:unseal|recovery)[ _-]?keys?(?:[ _-]?\d{1,2})?`, String.raw`[a-f0-9]{64}|[A-Za-z0-9+/]{43}=|[A-Za-z0-9+/]{44}`, { entropy: 3.5 }),

  // ---- one-time-password seeds ----
  { ...token("otpauth-uri", "TOTP/HOTP seed in an otpauth:// URI", ["otpauth://"], String.raw`otpauth://[ht]otp/[^\s?"'<>]{0,200}\?[^\s"'<>]{0,500}?secret=([A-Za-z2-7]{16,128})`, { alphabet: String.raw`\w` }), secretGroup: 2 },
  keyed("totp-secret", "TOTP/MFA seed assigned to a key", ["totp", "otp_", "otp-", "mfa", "2fa"], String.raw`(?:totp|otp|mfa|2fa|two[_-]?factor)[\w.-]{0,10}?(?:secret|seed|key)`, String.raw`[A-Z2-7]{16,128}={0,6}`),

  // ---- key material ----
  { id: "private-key-der-base64", description: "Base64 DER private key (PKCS#1, PKCS#8 or SEC1) without PEM armour", keywords: ["mii", "mig", "mhc", "mc4c"], detect: detectDerKeys },
  { id: "pgp-private-key-body", description: "OpenPGP secret key body without its BEGIN line", keywords: ["lq", "lf", "xy", "xc"], detect: detectPgpBodies },
  { id: "bitcoin-private-key", description: "Bitcoin / secp256k1 private key (WIF or xprv), Base58Check-verified", keywords: [], detect: detectBitcoinKeys },

  // ---- credentials inside commands and encodings ----
  { id: "curl-basic-auth", description: "Password in a curl -u/--user argument", keywords: ["curl"], detect: detectCurlUser },
  { id: "jwt-base64", description: "Base64-encoded JSON Web Token", keywords: ["zxlk"], detect: detectBase64Jwts },
  { ...token("npm-legacy-auth-token", "npm registry auth token in an .npmrc line", [":_authtoken="], String.raw`//[\w.:/-]{1,200}?/:_authToken=([A-Za-z0-9_-]{20,200})`, { alphabet: String.raw`\w/` }), secretGroup: 2 },

  // ---- SaaS and platforms ----
  token("authress-service-key", "Authress service client access key", ["sc_", "ext_", "scauth_", "authress_"], String.raw`(?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\.[a-z0-9]{4,6}\.(?:acc|sc|ext|scauth|authress)[_-][a-z0-9-]{10,32}\.[a-z0-9+/_=-]{30,120}`, { alphabet: String.raw`\w.`, flags: "i" }),
  keyed("confluent-api-key", "Confluent Cloud API key", ["confluent"], String.raw`confluent[\w.-]{0,20}?key`, String.raw`[A-Z0-9]{16}`),
  keyed("coinbase-api-secret", "Coinbase API secret", ["coinbase"], "coinbase", String.raw`[\w+/=-]{32,88}`, { entropy: 4 }),
  keyed("discord-client-secret", "Discord OAuth client secret", ["discord"], String.raw`discord[\w.-]{0,20}?secret`, String.raw`[\w=-]{32}`, { entropy: 3.5 }),
  token("dropbox-short-lived-token", "Dropbox short-lived access token", ["sl."], String.raw`sl\.(?:u\.)?[\w-]{130,1400}`, { alphabet: String.raw`\w.-`, entropy: 4 }),
  keyed("facebook-app-secret", "Facebook / Meta app secret", ["facebook", "fb_"], String.raw`facebook|fb_`, String.raw`[a-f0-9]{32}`),
  keyed("kucoin-api-key", "KuCoin API key", ["kucoin"], "kucoin", String.raw`[a-f0-9]{24}`),
  keyed("linkedin-client-secret", "LinkedIn OAuth client secret", ["linkedin", "linked_in", "linked-in"], String.raw`linked[_-]?in`, String.raw`[a-zA-Z0-9]{16}`, { entropy: 3.5 }),
  keyed("messagebird-token", "MessageBird API key", ["message_bird", "message-bird", "messagebird"], String.raw`message[_-]?bird`, String.raw`[a-zA-Z0-9]{25}`, { entropy: 3.5 }),
  token("teams-legacy-webhook-url", "Microsoft Teams (legacy Office 365 connector) webhook URL", ["outlook.office"], String.raw`outlook\.office(?:365)?\.com/webhook/[a-f0-9-]{36}@[a-f0-9-]{36}/IncomingWebhook/[a-f0-9]{32}/[a-f0-9-]{36}`, { alphabet: String.raw`\w.-` }),
  token("azure-logic-app-url", "Azure Logic Apps / Power Automate trigger URL with its signature", ["logic.azure.com"], String.raw`prod-\d{1,3}\.[a-z0-9]{2,30}\.logic\.azure\.com(?::443)?/workflows/[a-f0-9]{32}/triggers/[\w-]{1,64}/paths/invoke\?[\w.&=%-]{0,200}?sig=[\w-]{43}`, { alphabet: String.raw`\w.-` }),
  keyed("sidekiq-secret", "Sidekiq Pro / Enterprise gem credentials", ["contribsys__com"], String.raw`BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM`, String.raw`[a-f0-9]{8}:[a-f0-9]{8}`),
  { ...token("sidekiq-url", "Sidekiq Pro / Enterprise gem source URL with credentials", ["contribsys.com"], String.raw`[a-f0-9]{8}:([a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com`, { alphabet: String.raw`\w.`, anchor: { literal: ".contribsys.com", before: 30, after: 0 }, entropy: 2 }), secretGroup: 2 },
  keyed("sumologic-access-id", "Sumo Logic access ID", ["sumo"], "sumo", String.raw`su[a-zA-Z0-9]{12}`),
  keyed("sumologic-access-key", "Sumo Logic access key", ["sumo"], "sumo", String.raw`[a-zA-Z0-9]{64}`, { entropy: 4 }),
  keyed("squarespace-token", "Squarespace API key", ["squarespace"], "squarespace", uuid),
  keyed("sonarqube-legacy-token", "SonarQube legacy token", ["sonar"], "sonar", String.raw`[a-f0-9]{40}`),
  keyed("artifactory-password", "JFrog Artifactory API key or password", ["artifactory", "jfrog"], String.raw`artifactory|jfrog`, String.raw`[a-zA-Z0-9]{64,73}`, { entropy: 4 }),
  keyed("cloudant-credential", "IBM Cloudant API key or password", ["cloudant"], "cloudant", String.raw`[a-f0-9]{64}|[a-z]{24}`),
  keyed("ibm-cos-hmac-secret", "IBM Cloud Object Storage HMAC secret", ["cos_hmac", "hmac_keys", "cos-hmac"], String.raw`cos[_-]?hmac|hmac_keys`, String.raw`[a-f0-9]{48}`),
  keyed("softlayer-api-key", "IBM SoftLayer API key", ["softlayer"], "softlayer", String.raw`[a-z0-9]{64}`, { entropy: 3.5 }),
  keyed("azure-shared-access-key", "Azure Service Bus / Event Hubs / IoT shared access key", ["sharedaccesskey"], String.raw`SharedAccessKey(?!Name)`, String.raw`[A-Za-z0-9+/]{43}=`, { entropy: 4 }),
  keyed("azure-api-key", "Azure service key (Cognitive Services, Search, Maps)", ["azure"], String.raw`azure[\w.-]{0,20}?(?:key|secret)`, String.raw`[a-f0-9]{32}|[A-Za-z0-9]{84}`),
  token("databricks-oauth-secret", "Databricks OAuth client secret", ["dose"], String.raw`dose[a-f0-9]{32}`),
  token("linear-oauth-token", "Linear OAuth access token", ["lin_oauth_"], String.raw`lin_oauth_[a-f0-9]{64}`),
  token("notion-legacy-secret", "Notion internal integration secret (legacy prefix)", ["secret_"], String.raw`secret_[A-Za-z0-9]{43}`, { entropy: 4 }),
  keyed("figma-legacy-token", "Figma legacy personal access token", ["figma"], "figma", String.raw`\d{6}-${uuid}`),
  token("gitlab-feature-flag-token", "GitLab feature flags client token", ["glffct-"], String.raw`glffct-[\w-]{20}`, { alphabet: dash }),
  keyed("vercel-legacy-token", "Vercel access token (long form)", ["vercel"], "vercel", String.raw`[A-Za-z0-9]{32,64}`, { entropy: 3.5 }),
];

/** The family rules; each yields to a provider rule that reported the same secret. */
export const familyRules: readonly Rule[] = rules.map((r) => ({ ...r, yields: true }));
