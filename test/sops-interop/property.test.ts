import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { requirePeer } from "@hush/testkit";
import { emitPlaintext, TreeList, TreeMap, type TreeValue } from "@hush/sops";
import { hush, makeAgeKey, run, tempDir } from "./harness.js";

// Random documents through both tools: sops encrypts → hush decrypts, hush encrypts → sops
// decrypts, and both must print exactly what sops prints for its own file.

const sops = requirePeer("sops");
const ageKeygen = requirePeer("age-keygen");
const runs = process.env["SLOW"] === "1" ? 100 : process.env["CI"] === "true" ? 25 : 8;

const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/).filter((k) => k !== "sops");
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("yes", "on", "123", "1.0", "null", "a: b", "- x", "#c", "  sp ", "多言語", "line\nbreak\n"));
const scalar: fc.Arbitrary<TreeValue> = fc.oneof(
  text,
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const { tree: value } = fc.letrec<{ tree: TreeValue; map: TreeMap; list: TreeList }>((tie) => ({
  tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("map"), tie("list")),
  map: fc.uniqueArray(fc.tuple(key, tie("tree")), { maxLength: 4, selector: ([k]) => k }).map((es) => new TreeMap(es.map(([k, v]) => ({ key: k, value: v })))),
  list: fc.array(tie("tree"), { maxLength: 3 }).map((xs) => new TreeList(xs)),
}));
const doc = fc.uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength: 5, selector: ([k]) => k }).map((es) => new TreeMap(es.map(([k, v]) => ({ key: k, value: v }))));

describe.skipIf(!(sops.ok && ageKeygen.ok))("random documents round-trip through hush and sops", () => {
  const tmp = tempDir("prop");
  let k: { file: string; recipient: string };
  let n = 0;
  beforeAll(() => {
    k = makeAgeKey(ageKeygen.ok ? ageKeygen.path : "", tmp.dir, "k");
  });
  afterAll(() => tmp.remove());

  for (const format of ["yaml", "json"] as const) {
    test.prop([doc], { numRuns: runs })(`${format}`, (map) => {
      const env = { SOPS_AGE_KEY_FILE: k.file, HOME: tmp.dir };
      const sopsBin = sops.ok ? sops.path : "";
      const plain = join(tmp.dir, `p${++n}.${format}`);
      writeFileSync(plain, emitPlaintext({ branches: [map] }, format));
      const s = run(sopsBin, ["encrypt", "--age", k.recipient, "--output", `${plain}.s.${format}`, plain], env);
      expect(s.code, s.stderr).toBe(0);
      const h = hush(["encrypt", "--age", k.recipient, "--output", `${plain}.h.${format}`, plain], env);
      expect(h.code, h.stderr).toBe(0);
      const oracle = run(sopsBin, ["decrypt", `${plain}.s.${format}`], env);
      expect(oracle.code, oracle.stderr).toBe(0);
      const a = hush(["decrypt", `${plain}.s.${format}`], env);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout.toString()).toBe(oracle.stdout.toString());
      const b = run(sopsBin, ["decrypt", `${plain}.h.${format}`], env);
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout.toString()).toBe(oracle.stdout.toString());
    }, 600_000);
  }
});
