import { describe, expect, it } from "vitest";
import { parseSopsArgv } from "./sops-argv.js";

// Expected values are what Go's flag package under urfave/cli v1 (sops 3.13.3) does with the
// same words; the e2e suite test/cli/legacy-forms.test.ts checks the real sops agrees.
describe("parseSopsArgv", () => {
  const ok = (argv: string[]) => {
    const r = parseSopsArgv(argv);
    if (!r.ok) throw new Error(r.error);
    return { flags: Object.fromEntries(r.flags), positional: r.positional };
  };
  const err = (argv: string[]): string => {
    const r = parseSopsArgv(argv);
    if (r.ok) throw new Error("expected an error");
    return r.error;
  };

  it("reads short and long forms, one or two dashes, = or a separate value, up to the first word", () => {
    expect(ok(["-e", "--in-place", "-age=age1x", "--encrypted-regex", "^(data|stringData)$", "s.yaml", "-d"])).toEqual({
      flags: { encrypt: true, "in-place": true, age: "age1x", "encrypted-regex": "^(data|stringData)$" },
      positional: ["s.yaml", "-d"],
    });
  });

  it("takes the next word as a string flag's value even when it starts with a dash", () => {
    expect(ok(["--set", "-x", "f"])).toEqual({ flags: { set: "-x" }, positional: ["f"] });
  });

  it("stops at --, and reads a lone - as a word", () => {
    expect(ok(["-d", "--", "-file.yaml"])).toEqual({ flags: { decrypt: true }, positional: ["-file.yaml"] });
    expect(ok(["-d", "-"])).toEqual({ flags: { decrypt: true }, positional: ["-"] });
  });

  it("parses bool values as strconv.ParseBool and ints as Go integers", () => {
    expect(ok(["-i=false", "--indent=0x4", "f"]).flags).toEqual({ "in-place": false, indent: "4" });
    expect(err(["-i=yes", "f"])).toBe('invalid boolean value "yes" for -i: parse error');
    expect(err(["--indent", "four", "f"])).toBe('invalid value "four" for flag -indent: parse error');
  });

  it("does not bundle short flags, and knows no --unset (sops 3.13 has none)", () => {
    expect(err(["-ei", "f"])).toBe("flag provided but not defined: -ei");
    expect(err(["--unset", "x", "f"])).toBe("flag provided but not defined: -unset");
  });

  it("rejects a flag given under both names, a missing value and bad syntax, with Go's words", () => {
    expect(err(["-d", "--decrypt", "f"])).toBe("Cannot use two forms of the same flag: d decrypt");
    expect(err(["--extract"])).toBe("flag needs an argument: -extract");
    expect(err(["---d", "f"])).toBe("bad flag syntax: ---d");
    expect(err(["-=x", "f"])).toBe("bad flag syntax: -=x");
  });

  it("collects --keyservice and keeps the last of a repeated string flag", () => {
    expect(ok(["--keyservice", "a", "--keyservice=b", "--age", "x", "--age", "y"]).flags).toEqual({ keyservice: ["a", "b"], age: "y" });
  });

  it("leaves a subcommand and its own flags untouched", () => {
    expect(ok(["--config", "c.yaml", "decrypt", "--extract", '["a"]', "f"])).toEqual({
      flags: { config: "c.yaml" },
      positional: ["decrypt", "--extract", '["a"]', "f"],
    });
  });
});
