import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A self-signed RSA certificate and its key, made with openssl as the controller makes its own. */
export interface TestKeyPair {
  readonly certPem: Uint8Array;
  readonly keyPem: Uint8Array;
}

/** A fresh 2048-bit key pair with a certificate valid for `days` from now. */
export function testKeyPair(days = 30): TestKeyPair {
  const dir = mkdtempSync(join(tmpdir(), "hush-sealed-test-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-days", String(days), "-subj", "/CN=sealed-secret/O=sealed-secret"], { stdio: "ignore" });
    return { certPem: new Uint8Array(readFileSync(join(dir, "c.pem"))), keyPem: new Uint8Array(readFileSync(join(dir, "k.pem"))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A deterministic byte source (SHA-256 in counter mode over a seed), for reproducible tests. */
export function seededRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    let filled = 0;
    while (filled < n) filled += createHash("sha256").update(`${seed}:${counter++}`).digest().copy(out, filled);
    return new Uint8Array(out);
  };
}

/** Node's CSPRNG as a RandomBytes. */
export const osRandom = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
