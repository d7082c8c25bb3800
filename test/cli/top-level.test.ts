import { afterAll, describe, expect, it } from "vitest";
import { requirePeer } from "@hush/testkit";
import { hush, run, tempDir } from "../sops-interop/harness.js";

// Every top-level form a newcomer or a sops script types first: help, version, help for one
// command, and words that are not commands. None may crash; each exits as documented.

const sops = requirePeer("sops");
const tmp = tempDir("top-level");

/** The version number the usual `sops --version` parsers pull out of the first line. */
function parsedVersions(out: string): { second: string | undefined; last: string | undefined; firstSemver: string | undefined } {
  const line = out.split("\n")[0] ?? "";
  const words = line.trim().split(/\s+/);
  return { second: words[1], last: words[words.length - 1], firstSemver: /\d+\.\d+\.\d+/.exec(out)?.[0] };
}

const expectNoTrace = (stderr: string): void => {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toContain("Error:");
};

describe("top-level forms", () => {
  afterAll(() => tmp.remove());

  for (const args of [[], ["--help"], ["-h"], ["help"]]) {
    it(`hush ${args.join(" ") || "(no arguments)"} prints the command list and exits 0`, () => {
      const r = hush(args, {}, tmp.dir);
      expect(r.code, r.stderr).toBe(0);
      expectNoTrace(r.stderr);
      const out = r.stdout.toString();
      expect(out).toMatch(/^Usage: hush/);
      for (const name of ["encrypt", "decrypt", "edit", "rotate", "updatekeys", "set", "unset", "exec-env", "publish", "scan", "hook", "webhook", "controller"]) {
        expect(out).toMatch(new RegExp(`\\n  ${name}\\b`));
      }
      // The older sops forms are part of the first screen a sops user reads.
      expect(out).toContain("hush -d FILE");
    });
  }

  for (const args of [["--version"], ["-v"], ["--version", "--disable-version-check"], ["--disable-version-check", "--version"], ["--check-for-updates", "-v"]]) {
    it(`hush ${args.join(" ")} prints the sops version first, then the hush version`, () => {
      const r = hush(args, {}, tmp.dir);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe("");
      const out = r.stdout.toString();
      const [first, second] = out.split("\n");
      expect(first).toBe("sops 3.13.3");
      expect(second).toMatch(/^hush \d+\.\d+\.\d+ \(compatible with sops 3\.13\.3\)$/);
      const parsed = parsedVersions(out);
      expect(parsed).toEqual({ second: "3.13.3", last: "3.13.3", firstSemver: "3.13.3" });
    });
  }

  it.skipIf(!sops.ok)("the first line of --version parses the way the real sops's does", () => {
    const real = run(sops.ok ? sops.path : "", ["--version", "--disable-version-check"], {}, tmp.dir);
    const ours = hush(["--version"], {}, tmp.dir);
    expect(real.code).toBe(0);
    expect(ours.stdout.toString().split("\n")[0]).toBe(real.stdout.toString().split("\n")[0]);
    expect(parsedVersions(ours.stdout.toString())).toEqual(parsedVersions(real.stdout.toString()));
  });

  for (const name of ["decrypt", "encrypt", "scan", "hook", "controller"]) {
    it(`hush help ${name} and hush ${name} --help print that command's usage`, () => {
      for (const args of [["help", name], [name, "--help"]]) {
        const r = hush(args, {}, tmp.dir);
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
        expectNoTrace(r.stderr);
        expect(r.stdout.toString()).toMatch(new RegExp(`^Usage: hush ${name} `));
      }
    });
  }

  it("hush help with a word that is not a command: one line, exit 1", () => {
    const r = hush(["help", "nosuch"], {}, tmp.dir);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^hush: no help for 'nosuch'/);
  });

  it("an unknown command: one clear line naming it, exit 1", () => {
    const r = hush(["nosuch"], {}, tmp.dir);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^hush: unknown command 'nosuch'/);
  });

  it("an unknown command never echoes control characters back to the terminal", () => {
    const r = hush(["no\u001b[31msuch"], {}, tmp.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("\u001b");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
