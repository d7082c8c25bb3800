import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { base62Crc32Valid, bech32Valid } from "./checksum.js";
import { base58Check } from "./rules/families.js";
import { createScanner } from "./scanner.js";
import { formatJson } from "./report.js";
// @ts-expect-error plain JS loader shared with scripts/bench-scan.mjs
import { base58Check as encodeBase58Check } from "../testdata/load-corpus.mjs";

// Token material is built here from the published formats, so no live-looking token sits in the source.
const b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function githubStyle(prefix: string, random: string): string {
  let n = crc32(random);
  let sum = "";
  for (let i = 0; i < 6; i++) {
    sum = b62[n % 62]! + sum;
    n = Math.floor(n / 62);
  }
  return `${prefix}${random}${sum}`;
}
const random30 = "Zq7Lm2Xw9RtY5pB8nC4dHk3vQ6sJ1f";
const flip = (s: string) => s.slice(0, -1) + (s.endsWith("A") ? "B" : "A");

// BIP 173 Bech32 encoder, for age keys made in the test.
const bech = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
function bech32(hrp: string, data: number[]): string {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  const poly = (v: number[]) => {
    let c = 1;
    for (const x of v) {
      const top = c >>> 25;
      c = (((c & 0x1ffffff) << 5) ^ x) >>> 0;
      for (let i = 0; i < 5; i++) if ((top >>> i) & 1) c = (c ^ gen[i]!) >>> 0;
    }
    return c;
  };
  const exp = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const mod = poly([...exp, ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const sum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data, ...sum].map((d) => bech[d]).join("")}`;
}

describe("offline checksums", () => {
  it("GitHub and npm tokens: CRC32 of the 30 random characters, base62 in the last 6", () => {
    const good = githubStyle("ghp_", random30);
    expect(base62Crc32Valid(good)).toBe(true);
    expect(base62Crc32Valid(githubStyle("npm_", random30))).toBe(true);
    expect(base62Crc32Valid(flip(good))).toBe(false);
    expect(base62Crc32Valid(`ghp_${"a".repeat(35)}`)).toBe(false);
  });

  it("age secret keys: Bech32", () => {
    const data = Array.from({ length: 52 }, (_, i) => (i * 7 + 3) % 32);
    const key = bech32("age-secret-key-", data).toUpperCase();
    expect(bech32Valid(key)).toBe(true);
    expect(bech32Valid(key.slice(0, -1) + (key.endsWith("Q") ? "P" : "Q"))).toBe(false);
  });

  it("Base58Check rejects a changed character", () => {
    const wif = encodeBase58Check(Buffer.from(`80${"3c".repeat(16)}${"a7".repeat(16)}`, "hex"));
    expect(base58Check(wif)?.toString("hex")).toBe(`80${"3c".repeat(16)}${"a7".repeat(16)}`);
    const i = 10;
    const changed = wif.slice(0, i) + (wif[i] === "z" ? "y" : "z") + wif.slice(i + 1);
    expect(base58Check(changed)).toBeUndefined();
  });

  it("--verify marks findings valid or invalid; without it findings carry no checksum", () => {
    const good = githubStyle("ghp_", random30);
    const bad = flip(githubStyle("ghp_", "Yq7Lm2Xw9RtY5pB8nC4dHk3vQ6sJ1g"));
    const text = `A=${bad}\nB=${good}\n`;
    const verified = createScanner({ verify: true }).scan({ path: "x.env", content: text }).findings;
    expect(verified.map((f) => [f.line, f.checksum])).toEqual([
      [1, "invalid"],
      [2, "valid"],
    ]);
    expect(createScanner().scan({ path: "x.env", content: text }).findings.every((f) => f.checksum === undefined)).toBe(true);
    const json = JSON.parse(formatJson(verified, { files: 1, bytes: text.length })) as { findings: { checksum?: string }[] };
    expect(json.findings.map((f) => f.checksum)).toEqual(["invalid", "valid"]);
  });

  it("history findings carry commit, author, e-mail, date and message in JSON", () => {
    const f = { rule: "github-pat", path: "a", line: 1, column: 1, secretHash: "h", redacted: "ghp_*****", commit: "abc", author: "A", email: "a@x", date: "2026-01-01T00:00:00Z", message: "add config" };
    const doc = JSON.parse(formatJson([f], { files: 1, bytes: 1 })) as { findings: Record<string, unknown>[] };
    expect(doc.findings[0]).toMatchObject({ commit: "abc", author: "A", email: "a@x", date: "2026-01-01T00:00:00Z", message: "add config" });
  });
});
