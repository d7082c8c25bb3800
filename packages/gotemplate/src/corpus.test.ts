import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { TemplateError, render, secretData } from "./index.js";

// The shared corpus: every case rendered by Go's text/template + Sprig (ESO's configuration)
// is in expected.json; test/gotemplate re-renders it with Go to keep that file honest.
const dir = new URL("../testdata/", import.meta.url);
const corpus = parseYaml(readFileSync(new URL("corpus.yaml", dir), "utf8")) as {
  /** The instant the date functions see, in Go and here. */
  clock: string;
  defaults: Record<string, string>;
  cases: { name: string; template: string; data?: Record<string, string> }[];
};
const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")) as {
  name: string;
  ok: boolean;
  output?: string;
  stage?: "parse" | "exec";
}[];

function hush(c: (typeof corpus.cases)[number]): { ok: true; output: string } | { ok: false; stage: string } {
  try {
    const clock = new Date(corpus.clock);
    return { ok: true, output: render(c.name, c.template, secretData(c.data ?? corpus.defaults), { clock: () => clock, random: (n) => randomBytes(n) }) };
  } catch (e) {
    if (e instanceof TemplateError) return { ok: false, stage: e.kind };
    throw e;
  }
}

describe("Go text/template corpus", () => {
  it("has an expected result for every case", () => {
    expect(expected.map((e) => e.name)).toEqual(corpus.cases.map((c) => c.name));
  });

  for (const c of corpus.cases) {
    const want = expected.find((e) => e.name === c.name);
    it(`${c.name}`, () => {
      const got = hush(c);
      if (want?.ok) expect(got).toEqual({ ok: true, output: want.output ?? "" });
      else expect(got).toEqual({ ok: false, stage: want?.stage });
    });
  }
});
