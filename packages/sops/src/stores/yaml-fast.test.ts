import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emitYaml, parseYaml } from "./yaml.js";
import { fastYamlStructure } from "./yaml-fast.js";

// The fast reader must build exactly the tree (comments included, in the same places) that
// the full parser builds, or sops would see different AADs and MACs.
const samples: Record<string, string> = {
  comments: "# top\na:\n    # about b\n    b: 1 # inline b\n    c: \"x\"\n    # end of a\n# before d\nd:\n    - 1\n    # in list\n    - x: 1\n      y:\n        - a\n      z: |\n        multi\n        line\n",
  multidoc: "---\n# c\na: 1\n---\nb:\n  - x\n---\n",
  scalars: "a: 'it''s'\nb: \"tab\\tand \\u00e9\"\nc: 017\nd: 2024-01-01\ne: yes\nf: ~\ng:\nh: []\ni: {}\nj: \"\"\nk: -1.5e3\n",
  literals: "a: |-\n    x\n\n    y\nb: |+\n    keep\n\nc: |\n    clip\nd: x\n",
  indentless: "a:\n- 1\n- b: 2\n  c: 3\nd: 4\n",
  quotedKeys: "\"a b\": 1\n'c:d': 2\n",
  folded: "a: >\n    one\n    two\n\n    three\n      more\nb: >-\n  x\nc: >+\n  y\n\n",
  indicators: "a: |2\n    x\n  y\nb: |-1\n  z\nc:\n  - >2+\n     w\n\n",
  blockAtEnd: "a:\n  - |\n    x\n  - b: |+\n      y",
  blockHeaderComments: "a: | # note\n  x\nb:\n  - >- # other\n    y\n",
};
const vectors = join(__dirname, "..", "..", "..", "..", "test", "sops-interop", "vectors");

describe("fast YAML reader agrees with the full parser", () => {
  const inputs = Object.entries(samples);
  for (const f of readdirSync(vectors).filter((f) => f.endsWith(".yaml"))) inputs.push([f, readFileSync(join(vectors, f), "utf8").replace(/\r\n/g, "\n")]);
  for (const [name, text] of inputs) {
    it(name, () => {
      const full = emitYaml(parseYaml(text, "HUSH_ERR_SOPS_PARSE_PLAINTEXT", false, "full"));
      const auto = emitYaml(parseYaml(text, "HUSH_ERR_SOPS_PARSE_PLAINTEXT"));
      expect(auto).toBe(full);
    });
  }

  it("takes the block subset itself and leaves flow, anchors and tags to the full parser", () => {
    expect(fastYamlStructure(samples["comments"] ?? "", "HUSH_ERR_SOPS_PARSE_PLAINTEXT", false)).toBeDefined();
    for (const other of ["a: [1, 2]\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: multi\n  line plain\n"]) {
      expect(fastYamlStructure(other, "HUSH_ERR_SOPS_PARSE_PLAINTEXT", false)).toBeUndefined();
    }
  });
});
