import { describe, expect, it } from "vitest";
import { emitYaml, parseYaml } from "./yaml.js";

// Where comments land (their AAD depends on it), recorded from sops 3.13.3: each source was
// encrypted and decrypted by sops, which prints every comment in the mapping or list that holds
// it. The cases are the ones go-yaml places by rules of its own: comments closing the document
// (after a blank line, or in a file without a final newline) and comments after an indentless
// sequence.
const golden: Array<[string, string]> = [
  ["k0:\n- x\n\n# a\n# b\nk1: 1\n", "k0:\n    - x\n# a\n# b\nk1: 1\n"],
  ["k0:\n- x\n# c\nk1: 1\n", "k0:\n    - x\n# c\nk1: 1\n"],
  ["k0:\n- x\n- y\n# c\n- z\nk1: 1\n", "k0:\n    - x\n    - \"y\"\n    # c\n    - z\nk1: 1\n"],
  ["k0:\n  b: 1\n\n  # c\n", "k0:\n    b: 1\n# c\n"],
  ["a:\n  b:\n    c: 1\n\n    # x\n", "a:\n    b:\n        c: 1\n# x\n"],
  ["a:\n  b:\n    c: 1\n\n    # x\nz: 1\n", "a:\n    b:\n        c: 1\n        # x\nz: 1\n"],
  ["a:\n  b:\n    c: x\n# end", "a:\n    b:\n        c: x\n        # end\n"],
  ["a:\n  b:\n    c: x\n  # end", "a:\n    b:\n        c: x\n        # end\n"],
  ["a:\n  - x\n# end", "a:\n    - x\n# end\n"],
  ["a:\n  b: x\n# one\n\n# end", "a:\n    b: x\n    # one\n# end\n"],
  ["k0:\n  inner: |\n# closing comment", "k0:\n    inner: \"\"\n    # closing comment\n"],
  ["a:\n  - b: 1\n    # mid\n    c: 2\n", "a:\n    - b: 1\n      # mid\n      c: 2\n"],
];

describe("YAML comments are placed as go-yaml places them", () => {
  for (const [source, expected] of golden) {
    it(JSON.stringify(source), () => {
      for (const reader of ["auto", "full"] as const) {
        expect(emitYaml(parseYaml(source, "HUSH_ERR_SOPS_PARSE_PLAINTEXT", true, reader))).toBe(expected);
      }
    });
  }
});
