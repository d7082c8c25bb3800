import { describe, expect, it } from "vitest";
import { createScanner } from "./scanner.js";
import { genericRules } from "./rules/generic.js";
import { tokenRules } from "./rules/tokens.js";

// Each input must finish inside the per-test bound below (about 1 s each on an idle 2-core
// machine; the bound leaves room for a loaded CI box). A backtracking blow-up on these inputs
// runs for minutes or hours instead, so the bound still separates linear from catastrophic.
const scanner = createScanner();
const repeatTo = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length));

describe("pathological inputs finish in bounded time", { timeout: 60_000 }, () => {
  it("a 10 MB single line of token characters", () => {
    const line = repeatTo("aB3+/=_-", 10 * 1024 * 1024);
    expect(scanner.scan({ path: "min.js", content: `token=${line}` }).findings.length).toBeLessThanOrEqual(1);
  });

  it("a 10 MB minified line full of keywords and assignments", () => {
    const line = repeatTo('var secret_token="x",password=a+"b";api_key=1;', 10 * 1024 * 1024);
    expect(scanner.scan({ path: "bundle.min.js", content: line }).findings).toEqual([]);
  });

  it("repeated PEM BEGIN lines with and without a distant END", () => {
    const begins = repeatTo("-----BEGIN RSA PRIVATE KEY-----\n", 4 * 1024 * 1024);
    expect(scanner.scan({ path: "a.pem", content: begins }).findings).toEqual([]);
    expect(scanner.scan({ path: "b.pem", content: `${begins}-----END RSA PRIVATE KEY-----\n` }).findings).toEqual([]);
  });

  it("JWT-shaped and PuTTY-shaped bombs", () => {
    expect(scanner.scan({ path: "j", content: repeatTo("eyJ", 3 * 1024 * 1024) }).findings).toEqual([]);
    expect(scanner.scan({ path: "j2", content: repeatTo("eyJabcdefgh.", 3 * 1024 * 1024) }).findings).toEqual([]);
    const putty = repeatTo("PuTTY-User-Key-File-3: x\nPrivate-Lines: 9\n", 2 * 1024 * 1024);
    expect(scanner.scan({ path: "k.ppk", content: putty }).findings).toEqual([]);
  });

  it("every token and generic rule's keywords repeated back to back, and followed by long token runs", () => {
    for (const rule of [...tokenRules, ...genericRules]) {
      for (const kw of rule.keywords) {
        const bombs = [repeatTo(kw, 256 * 1024), repeatTo(`${kw}${"Ab1_-".repeat(60)}=`, 256 * 1024), repeatTo(`${kw}_x = "${"Ab1/+".repeat(50)}`, 256 * 1024)];
        for (const b of bombs) expect(Array.isArray(scanner.scan({ path: "bomb.txt", content: b }).findings)).toBe(true);
      }
    }
  });

  it("deeply nested YAML and JSON", () => {
    const deepYaml = `kind: Secret\napiVersion: v1\nstringData:\n${"  ".repeat(1)}a: ${"[".repeat(50_000)}${"]".repeat(50_000)}\n`;
    expect(scanner.scan({ path: "deep.yaml", content: deepYaml }).findings.every((f) => f.rule === "kubernetes-secret")).toBe(true);
    const deepJson = `{"kind":"Secret","sops":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`;
    expect(Array.isArray(scanner.scan({ path: "deep.json", content: deepJson }).findings)).toBe(true);
  });

  it("arbitrary bytes never crash the scanner", () => {
    let seed = 7;
    const bytes = new Uint8Array(1 << 20).map(() => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 16) & 0xff || 1;
    });
    expect(Array.isArray(scanner.scan({ path: "noise.bin.txt", content: bytes }).findings)).toBe(true);
  });
});

// Classic attack strings at 1 MiB against each rule family: long runs of a pattern's own
// alphabet, its prefix repeated back to back, and prefixes that almost complete a match.
describe("1 MiB attack strings per rule family finish well under a second each", { timeout: 120_000 }, () => {
  const MiB = 1024 * 1024;
  const families: Record<string, readonly string[]> = {
    "generic assignments": ["password=", "api_key: \"", "secret_token := '", "pass", "Token = Token = ", "password, password, ", "a.password.b = c.", "x_secret_key->"],
    "url and curl credentials": ["://", "a://b:c@", "https://u:p", "curl -u a:", "curl --user ", "//r/:_authToken=", "otpauth://totp/x?secret=", "otpauth://totp/?a=b&"],
    "vault, totp and unseal": ["s.", "s.Ab1", "hvs.", "b.AAAAAQ", "hvo_secret_", "Unseal Key 1: ", "totp_secret="],
    "key material": ["M", "MII", "MIIEvQIBADAN", "lQ", "lQOYBF", "xc", "ZXlK", "ZXlKaGJHY2lPaUpJVXpJMU5pSjku", "-----BEGIN PRIVATE KEY-----", "5H", "KL", "xprv"],
    "provider prefixes": ["ghp_", "github_pat_", "glpat-", "xoxb-1-", "sk_live_", "AKIA", "sl.", "EAA", "sc_a.", "dt0c01.", "pat.", ":AA", "prod-1.a.logic.azure.com/workflows/"],
    "kubernetes and bootstrap tokens": ["abcdef.", "token: a1b2c3.", "kind: Secret\n", "data:\n  k: "],
  };
  for (const [family, units] of Object.entries(families)) {
    it(family, () => {
      for (const unit of units) {
        for (const input of [repeatTo(unit, MiB), repeatTo(`${unit}Ab3+/9_-`, MiB), `${unit}${repeatTo("aB3", MiB)}`]) {
          const t0 = performance.now();
          const res = scanner.scan({ path: "attack.yaml", content: input });
          const ms = performance.now() - t0;
          expect(Array.isArray(res.findings)).toBe(true);
          expect(ms, `${family}: ${JSON.stringify(unit)}`).toBeLessThan(5_000);
        }
      }
    });
  }
});
