import { randomBytes } from "node:crypto";
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { combineShares, splitSecret } from "./shamir.js";

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const runs = process.env["SLOW"] === "1" || process.env["CI"] === "true" ? 200 : 40;

test.prop([fc.uint8Array({ minLength: 1, maxLength: 33 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 4 })], { numRuns: runs })(
  "any threshold-sized subset of shares recombines the secret",
  (secret, threshold, extra) => {
    const parts = threshold + extra;
    const shares = splitSecret(secret, parts, threshold, random);
    // x is the last byte and equals index + 1, as sops lays shares out.
    shares.forEach((s, i) => expect(s[s.length - 1]).toBe(i + 1));
    const subset = shares.slice(extra).slice(0, threshold);
    expect(combineShares(subset)).toEqual(secret);
  },
);

test("fewer shares than the threshold do not recombine the secret", () => {
  const secret = random(32);
  const shares = splitSecret(secret, 3, 3, random);
  expect(combineShares(shares.slice(0, 2))).not.toEqual(secret);
});
