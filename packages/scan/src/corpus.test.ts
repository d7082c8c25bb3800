import { describe, expect, it } from "vitest";
// @ts-expect-error plain JS loader shared with scripts/bench-scan.mjs
import { loadCorpus } from "../testdata/load-corpus.mjs";
import { createScanner } from "./scanner.js";
import { hushSops as testSops } from "./sops-recognisers.js";

interface Case {
  name: string;
  path: string;
  text: string;
  expect: string[];
}

const corpus = loadCorpus() as Case[];
const scanner = createScanner({ sops: testSops });

describe("labelled corpus", () => {
  it.each(corpus.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { findings } = scanner.scan({ path: c.path, content: new TextEncoder().encode(c.text) });
    expect(findings.map((f) => f.rule).sort()).toEqual(c.expect);
    // Redaction never shows a whole secret: no finding's redacted text occurs as a long run.
    for (const f of findings) expect(f.redacted.replace(/\*+$/, "").length).toBeLessThanOrEqual(4);
  });

  it("covers every pattern rule with at least one true positive", () => {
    const positives = new Set(corpus.flatMap((c) => c.expect));
    const missing = scanner.rules.map((r) => r.id).filter((id) => !positives.has(id) && id !== "sops-file-not-encrypted");
    expect(missing).toEqual([]);
  });

  it("reaches 100% precision and recall on the corpus", () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const c of corpus) {
      const got = scanner.scan({ path: c.path, content: c.text }).findings.map((f) => f.rule);
      const want = [...c.expect];
      for (const g of got) {
        const i = want.indexOf(g);
        if (i >= 0) {
          tp++;
          want.splice(i, 1);
        } else fp++;
      }
      fn += want.length;
    }
    expect({ tp, fp, fn }).toEqual({ tp: corpus.reduce((n, c) => n + c.expect.length, 0), fp: 0, fn: 0 });
  });
});
