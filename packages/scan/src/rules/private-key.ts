import { shannonEntropy } from "../entropy.js";
import type { Rule } from "../rule.js";
import type { RawHit } from "../types.js";

const maxBlock = 64 * 1024;
const header = /^-----BEGIN ([A-Z0-9 _-]{0,60}PRIVATE KEY(?: BLOCK)?)-----/;

/**
 * PEM / OpenSSH / PGP private key blocks. Procedural rather than one regex: each BEGIN is
 * paired with the next END found by a forward-only cursor, so the work stays linear even on
 * a file of repeated BEGIN lines (the pattern that made gitleaks' multi-line rules blow up in
 * backtracking engines). Handles literal `\n` escapes (keys embedded in JSON strings).
 */
function detectPrivateKeys(text: string): RawHit[] {
  const hits: RawHit[] = [];
  let pos = 0;
  let nextEnd = -2;
  for (;;) {
    const begin = text.indexOf("-----BEGIN ", pos);
    if (begin === -1) break;
    pos = begin + 11;
    const m = header.exec(text.slice(begin, begin + 90));
    if (!m) continue;
    const bodyStart = begin + m[0].length;
    if (nextEnd !== -1 && nextEnd < bodyStart) nextEnd = text.indexOf("-----END ", bodyStart);
    if (nextEnd === -1) {
      // A BEGIN line whose END was cut off: the base64 lines that follow are the key.
      const tail = text.slice(bodyStart, bodyStart + maxBlock).replace(/\\n|\\r/g, "\n");
      const lines = /^(?:[ \t]*[A-Za-z0-9+/=]{16,100}[ \t]*(?:\r?\n|$)){2,1000}/.exec(tail.replace(/^\s*\r?\n/, ""));
      const material = (lines?.[0] ?? "").replace(/\s/g, "");
      if (material.length >= 64 && shannonEntropy(material) >= 4.5) hits.push({ rule: "private-key", offset: begin, secret: material });
      break;
    }
    // Only the last BEGIN before this END can own it; jump there (keeps repeated BEGINs linear).
    const last = text.lastIndexOf("-----BEGIN ", nextEnd);
    if (last > begin) {
      pos = last;
      continue;
    }
    if (nextEnd - bodyStart > maxBlock) continue;
    const body = text.slice(bodyStart, nextEnd);
    // Strip armor headers (Proc-Type, Comment …), escapes and whitespace to get the key material.
    const material = keyMaterial(body);
    // Short bodies (an Ed25519 PKCS#8 key is 64 characters; truncated pastes are shorter) still
    // count when they look random.
    if (material.length < 32 || !/^[A-Za-z0-9+/=]+$/.test(material) || shannonEntropy(material) < (material.length < 64 ? 3.5 : 4)) continue;
    hits.push({ rule: "private-key", offset: begin, secret: material });
    pos = nextEnd + 9;
  }
  return hits;
}

/**
 * The base64 between BEGIN and END: armour headers (Proc-Type, Comment …), `\n` escapes, string
 * quotes and concatenations (`'…' + '…'`) removed; a `+` inside the base64 stays.
 */
function keyMaterial(body: string): string {
  return body
    .replace(/\\n|\\r/g, "\n")
    .split(/\r?\n/)
    .filter((l) => !l.includes(":"))
    .join("\n")
    .replace(/["'`]\s*\+\s*["'`]|\+\s*["'`]|["'`]\s*\+/g, "")
    .replace(/[\s"'`,]/g, "");
}

/** Private key blocks (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted PKCS#8, PGP). */
export const privateKeyRule: Rule = {
  id: "private-key",
  description: "Private key block (PEM, OpenSSH, PKCS#8, PGP)",
  keywords: ["-----begin"],
  detect: (text) => detectPrivateKeys(text),
};

/** PuTTY .ppk private keys: the `Private-Lines` block of a `PuTTY-User-Key-File` header. */
export const puttyKeyRule: Rule = {
  id: "putty-private-key",
  description: "PuTTY private key file",
  keywords: ["putty-user-key-file"],
  detect: (text) => {
    const hits: RawHit[] = [];
    let pos = 0;
    for (;;) {
      const at = text.indexOf("Private-Lines: ", pos);
      if (at === -1) break;
      pos = at + 15;
      const head = text.lastIndexOf("PuTTY-User-Key-File-", at);
      if (head === -1 || at - head > 8192) continue;
      const m = /^\d{1,3}\r?\n((?:[A-Za-z0-9+/=]{1,64}\r?\n?){1,60})/.exec(text.slice(pos, pos + 5000));
      const secret = (m?.[1] ?? "").replace(/\s/g, "");
      if (secret.length >= 32) hits.push({ rule: "putty-private-key", offset: head, secret });
    }
    return hits;
  },
};
