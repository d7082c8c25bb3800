import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import { decryptFile, emitPlaintext, encryptFile, loadPlaintext, type KeyProvider, type MasterKey, type MasterKeyRef } from "./index.js";
import { TreeList, TreeMap, type Tree, type TreeValue } from "./tree.js";

// A key provider that wraps with AES-GCM under a fixed key: stands in for real providers in
// pure round-trip tests (interop with real sops and age lives in test/sops-interop).
const kek = randomBytes(32);
const testProvider: KeyProvider = {
  type: "age",
  async wrap(_key: MasterKeyRef, dataKey: Uint8Array) {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", kek, iv);
    const data = Buffer.concat([c.update(dataKey), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), data]).toString("base64");
  },
  async unwrap(key: MasterKey) {
    const raw = Buffer.from(key.enc, "base64");
    const d = createDecipheriv("aes-256-gcm", kek, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return new Uint8Array(Buffer.concat([d.update(raw.subarray(28)), d.final()]));
  },
};
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const base = { keyGroups: [[{ type: "age" as const, recipient: "age1test" }]], providers: { age: testProvider }, now: new Date(0), random };
const runs = process.env["SLOW"] === "1" || process.env["CI"] === "true" ? 300 : 60;

const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "sops" && !k.startsWith("sops_"));
const scalar: fc.Arbitrary<TreeValue> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const { tree: value } = fc.letrec<{ tree: TreeValue; map: TreeMap; list: TreeList }>((tie) => ({
  tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("map"), tie("list")),
  map: fc.uniqueArray(fc.tuple(key, tie("tree")), { maxLength: 5, selector: ([k]) => k }).map((es) => new TreeMap(es.map(([k, v]) => ({ key: k, value: v })))),
  list: fc.array(tie("tree"), { maxLength: 4 }).map((xs) => new TreeList(xs)),
}));
const doc = fc.uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength: 6, selector: ([k]) => k }).map((es) => new TreeMap(es.map(([k, v]) => ({ key: k, value: v }))));

describe("encrypt → decrypt round trips", () => {
  test.prop([doc], { numRuns: runs })("YAML documents of every value type", async (map) => {
    const plain = emitPlaintext({ branches: [map] } satisfies Tree, "yaml");
    const canonical = emitPlaintext(loadPlaintext(plain, "yaml"), "yaml");
    const enc = await encryptFile(plain, { ...base, format: "yaml" });
    const dec = await decryptFile(enc, { format: "yaml", providers: base.providers });
    expect(Buffer.from(dec).toString()).toBe(Buffer.from(canonical).toString());
  });

  test.prop([doc], { numRuns: runs })("JSON documents of every value type", async (map) => {
    const plain = emitPlaintext({ branches: [map] }, "json");
    // Canonical form as sops reads it: `-0` is an integer (0) to sops, as `json.Number` parses it.
    const canonical = emitPlaintext(loadPlaintext(plain, "json"), "json");
    const enc = await encryptFile(plain, { ...base, format: "json" });
    const dec = await decryptFile(enc, { format: "json", providers: base.providers });
    expect(Buffer.from(dec).toString()).toBe(Buffer.from(canonical).toString());
  });

  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: runs })("binary files, byte for byte", async (bytes) => {
    const enc = await encryptFile(bytes, { ...base, format: "binary" });
    const dec = await decryptFile(enc, { format: "binary", providers: base.providers });
    expect(Buffer.from(dec).equals(Buffer.from(bytes))).toBe(true);
  });

  it("refuses a tampered file with the MAC error code", async () => {
    const enc = Buffer.from(await encryptFile(new TextEncoder().encode("a: 1\nb: two\n"), { ...base, format: "yaml" })).toString();
    const tampered = enc.replace(/\nb: ENC\[[^\]]*\]/, "\nb: two");
    await expect(decryptFile(new TextEncoder().encode(tampered), { format: "yaml", providers: base.providers })).rejects.toMatchObject({
      code: "HUSH_ERR_SOPS_DECRYPT_VALUE",
    } satisfies Partial<HushError>);
  });
});
