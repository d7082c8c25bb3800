import { HushError, isHushError } from "@hush/errors";
import type { KeyProvider, MasterKey, MasterKeyRef } from "@hush/sops";
import { armorAge, dearmorAge, encryptAge, openAge, parseAge, x25519Identity, x25519Recipient, type NativeIdentity, type NativeRecipient } from "./age-native.js";
import { checkSshRecipient, isSshRecipient, sshIdentity, sshRecipient } from "./age-ssh.js";

// X25519 and SSH keys (nearly every sops file) go through the node:crypto implementation in
// age-native.ts. The age library (WebCrypto, web streams, pure-JS curves: a large share of
// `hush decrypt`'s start-up) loads only for post-quantum keys and key generation.
type AgeLibrary = typeof import("age-encryption");
const ageLibrary = (): Promise<AgeLibrary> => import("age-encryption");

// age-encryption collects whole-buffer results through `new Response(stream)`, which makes
// Node load its HTTP stack (undici, http2, tls). Passing streams in and reading them out
// ourselves avoids that.
function toStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** An SSH private key to use as an age identity, and where it came from (for messages). */
export interface AgeSshKey {
  readonly sshKey: string;
  readonly source: string;
}

/** Where identities come from; injected by the CLI (env, files, commands). */
export interface AgeIdentityLoader {
  /**
   * Identities to try for a key wrapped to `recipient` (age identity strings, or SSH private
   * keys), and the places that were checked.
   */
  (recipient: string): Promise<{ identities: ReadonlyArray<string | AgeSshKey>; checked: readonly string[] }>;
}

const identityLine = /^(AGE-SECRET-KEY-1[0-9A-Z]+|AGE-SECRET-KEY-PQ-1[0-9A-Z]+|AGE-PLUGIN-[0-9A-Z-]+1[0-9A-Z]+)$/;

/**
 * Parses an age keys file (or `SOPS_AGE_KEY`): identities separated by whitespace or lines,
 * `#` lines and blank lines ignored, CRLF tolerated. Anything else is an error that names the
 * source but never echoes the line (it could be a key).
 */
export function parseAgeIdentities(text: string, source: string): string[] {
  const out: string[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    for (const word of line.split(/\s+/)) {
      if (!identityLine.test(word)) {
        throw new HushError("HUSH_ERR_KEYS_AGE_IDENTITY", `${source} contains something that is not an age identity`);
      }
      if (word.startsWith("AGE-PLUGIN-")) {
        throw new HushError("HUSH_ERR_KEYS_AGE_IDENTITY", `${source} holds an age plugin identity; age plugins are not supported by hush`);
      }
      out.push(word);
    }
  }
  return out;
}

/** The default keys file sops reads: `<user config dir>/sops/age/keys.txt`. */
export function defaultAgeKeysFile(env: Readonly<Record<string, string | undefined>>, home: string, platform: string): string {
  if (platform === "darwin") {
    return `${env["XDG_CONFIG_HOME"] || `${home}/Library/Application Support`}/sops/age/keys.txt`;
  }
  if (platform === "win32") return `${env["AppData"] ?? env["APPDATA"] ?? home}\\sops\\age\\keys.txt`;
  return `${env["XDG_CONFIG_HOME"] || `${home}/.config`}/sops/age/keys.txt`;
}

/**
 * Parses and checks comma-separated recipients: `age1…` X25519, `age1pq1…` hybrid, or an SSH
 * public key (`ssh-ed25519 AAAA… [comment]`, `ssh-rsa AAAA…`), kept as given like sops does.
 */
export function parseAgeRecipients(list: string): string[] {
  const out = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const r of out) {
    if (isSshRecipient(r)) checkSshRecipient(r);
    else if (!/^age1[0-9a-z]+$/.test(r)) {
      throw new HushError("HUSH_ERR_KEYS_AGE_RECIPIENT", `'${r.slice(0, 12)}…' is not an age recipient (age1…, ssh-ed25519 or ssh-rsa); age plugin recipients are not supported`);
    }
  }
  return out;
}

/** Generates a new identity (X25519 by default, hybrid post-quantum on request). */
export async function generateAgeIdentity(postQuantum = false): Promise<{ identity: string; recipient: string }> {
  const age = await ageLibrary();
  const identity = postQuantum ? await age.generateHybridIdentity() : await age.generateX25519Identity();
  return { identity, recipient: await age.identityToRecipient(identity) };
}

/** Wraps with the age library: post-quantum (`age1pq1…`) recipients. */
async function wrapWithLibrary(recipient: string, dataKey: Uint8Array): Promise<string> {
  const age = await ageLibrary();
  const e = new age.Encrypter();
  try {
    e.addRecipient(recipient);
  } catch (cause) {
    throw new HushError("HUSH_ERR_KEYS_AGE_RECIPIENT", `invalid age recipient ${recipient}`, { cause });
  }
  return age.armor.encode(await readStream(await e.encrypt(toStream(dataKey))));
}

/** Unwraps with the age library, for files the native identities cannot open (post-quantum). */
async function unwrapWithLibrary(ciphertext: Uint8Array, identities: readonly string[]): Promise<Uint8Array> {
  const age = await ageLibrary();
  const d = new age.Decrypter();
  for (const id of identities) d.addIdentity(id);
  return readStream(await d.decrypt(toStream(ciphertext)));
}

/**
 * The age key provider: wraps a data key as one ASCII-armored age file per recipient (as sops
 * stores it) and unwraps with the identities the loader finds.
 */
export function createAgeProvider(loadIdentities: AgeIdentityLoader): KeyProvider {
  return {
    type: "age",
    async wrap(key: MasterKeyRef, dataKey: Uint8Array): Promise<string> {
      if (key.type !== "age") throw new HushError("HUSH_ERR_KEYS_AGE_RECIPIENT", "not an age key");
      const [recipient = ""] = parseAgeRecipients(key.recipient);
      let native: NativeRecipient | undefined;
      if (isSshRecipient(recipient)) native = sshRecipient(recipient);
      else if (!recipient.startsWith("age1pq1")) {
        native = x25519Recipient(recipient);
        if (!native) throw new HushError("HUSH_ERR_KEYS_AGE_RECIPIENT", `invalid age recipient ${key.recipient}`);
      }
      return native ? armorAge(encryptAge(dataKey, [native])) : wrapWithLibrary(recipient, dataKey);
    },
    async unwrap(key: MasterKey): Promise<Uint8Array> {
      if (key.type !== "age") throw new HushError("HUSH_ERR_KEYS_AGE_DECRYPT", "not an age key");
      const { identities, checked } = await loadIdentities(key.recipient);
      if (identities.length === 0) {
        throw new HushError("HUSH_ERR_KEYS_AGE_NO_IDENTITY", `no age identity found (checked ${checked.join(", ")})`);
      }
      let ciphertext: Uint8Array;
      try {
        ciphertext = dearmorAge(key.enc);
      } catch (cause) {
        throw new HushError("HUSH_ERR_KEYS_AGE_DECRYPT", "the age stanza is not valid armor", { cause });
      }
      // An SSH key that cannot be used (passphrase, unknown type) is reported only when no
      // other identity opens the key, as sops does with a default ~/.ssh key.
      const unusable: string[] = [];
      const native: NativeIdentity[] = [];
      const library: string[] = [];
      for (const id of identities) {
        if (typeof id !== "string") {
          try {
            native.push(sshIdentity(id.sshKey, id.source));
          } catch (err) {
            unusable.push(isHushError(err) ? err.message : `${id.source} is not a usable SSH key`);
          }
        } else {
          const x = x25519Identity(id);
          if (x) native.push(x);
          else library.push(id);
        }
      }
      const usable = identities.length - unusable.length;
      const also = unusable.length > 0 ? `; ${unusable.join("; ")}` : "";
      if (usable === 0) throw new HushError("HUSH_ERR_KEYS_AGE_NO_IDENTITY", `no usable age identity found${also}`);
      const failed = (cause: unknown): HushError =>
        new HushError("HUSH_ERR_KEYS_AGE_DECRYPT", `none of the ${usable} age identities found can decrypt this key${also}`, { cause });
      try {
        const parsed = parseAge(ciphertext);
        for (const id of native) {
          const fileKey = id.unwrap(parsed.stanzas);
          if (fileKey) return new Uint8Array(openAge(parsed, fileKey));
        }
      } catch (cause) {
        throw failed(cause);
      }
      if (library.length === 0) throw failed(undefined);
      try {
        return await unwrapWithLibrary(ciphertext, library);
      } catch (cause) {
        throw failed(cause);
      }
    },
  };
}
