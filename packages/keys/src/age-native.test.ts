import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { armorAge, dearmorAge, encryptAge, openAge, parseAge, x25519Identity, x25519Recipient, x25519RecipientOf } from "./age-native.js";

// The node:crypto age implementation against the age library (typage), both directions. The
// e2e suites check it against the real age and sops binaries.

const dataKey = Uint8Array.from({ length: 32 }, (_, i) => i * 7);

describe("native age (X25519)", () => {
  it("derives the same recipient as the age library", async () => {
    const identity = await generateX25519Identity();
    expect(x25519RecipientOf(identity)).toBe(await identityToRecipient(identity));
  });

  it("what it encrypts opens with the age library", async () => {
    const identity = await generateX25519Identity();
    const recipient = x25519Recipient(await identityToRecipient(identity));
    if (!recipient) throw new Error("recipient did not parse");
    const file = dearmorAge(armorAge(encryptAge(dataKey, [recipient])));
    const d = new Decrypter();
    d.addIdentity(identity);
    expect(await d.decrypt(file)).toEqual(dataKey);
  });

  it("opens what the age library encrypts, and only with the right identity", async () => {
    const identity = await generateX25519Identity();
    const other = await generateX25519Identity();
    const e = new Encrypter();
    e.addRecipient(await identityToRecipient(identity));
    const parsed = parseAge(await e.encrypt(dataKey));
    expect(x25519Identity(other)?.unwrap(parsed.stanzas)).toBeNull();
    const fileKey = x25519Identity(identity)?.unwrap(parsed.stanzas);
    if (!fileKey) throw new Error("no file key");
    expect(new Uint8Array(openAge(parsed, fileKey))).toEqual(dataKey);
  });

  it("handles payloads across chunk boundaries", async () => {
    const identity = await generateX25519Identity();
    const recipient = x25519Recipient(await identityToRecipient(identity));
    if (!recipient) throw new Error("recipient did not parse");
    for (const size of [0, 1, 65536, 65537, 200_000]) {
      const plain = Buffer.alloc(size, "hush");
      const parsed = parseAge(encryptAge(plain, [recipient]));
      const fileKey = x25519Identity(identity)?.unwrap(parsed.stanzas);
      if (!fileKey) throw new Error("no file key");
      expect(openAge(parsed, fileKey).equals(plain)).toBe(true);
    }
  });

  it("refuses a tampered header", async () => {
    const identity = await generateX25519Identity();
    const recipient = x25519Recipient(await identityToRecipient(identity));
    if (!recipient) throw new Error("recipient did not parse");
    const file = encryptAge(dataKey, [recipient]);
    const text = file.toString("latin1").replace("-> X25519 ", "-> X25519 ").replace("age-encryption.org/v1\n", "age-encryption.org/v1\n-> grease x\n\n");
    const parsed = parseAge(Buffer.from(text, "latin1"));
    const fileKey = x25519Identity(identity)?.unwrap(parsed.stanzas);
    if (!fileKey) throw new Error("no file key");
    expect(() => openAge(parsed, fileKey)).toThrow(/MAC/);
  });

  it("rejects strings that are not X25519 keys", () => {
    expect(x25519Recipient("age1notarecipient")).toBeUndefined();
    expect(x25519Identity("AGE-SECRET-KEY-1ABC")).toBeUndefined();
    expect(() => dearmorAge("-----BEGIN AGE ENCRYPTED FILE-----\nnot base64!\n-----END AGE ENCRYPTED FILE-----\n")).toThrow();
  });
});
