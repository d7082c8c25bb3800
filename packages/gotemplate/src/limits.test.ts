import { randomBytes } from "node:crypto";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { TemplateError, render, secretData } from "./index.js";

const data = secretData({ key: "x".repeat(10), user: "admin" });

function failure(template: string, source = data): TemplateError {
  try {
    render("hostile", template, source);
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error("template rendered");
}

// Each hostile template must fail with a limit error before it allocates what it asks for.
describe("bounded rendering", () => {
  it("stops chained replace growth before allocating (10x per step)", () => {
    const grow = '{{ .key | replace "x" "xxxxxxxxxx" | replace "x" "xxxxxxxxxx" | replace "x" "xxxxxxxxxx" | replace "x" "xxxxxxxxxx" | replace "x" "xxxxxxxxxx" | replace "x" "xxxxxxxxxx" | replace "x" "xxxxxxxxxx" }}';
    const e = failure(grow);
    expect(e.kind).toBe("limit");
    expect(e.message).not.toContain("xxxxxxxxxx");
  });

  it("refuses a huge repeat, indent or printf width up front", () => {
    expect(failure('{{ repeat 1000000000 "abc" }}').kind).toBe("limit");
    expect(failure('{{ indent 1000000000 "a\\nb" }}').kind).toBe("limit");
    expect(failure('{{ printf "%1000000000d" 1 }}').kind).toBe("limit");
    expect(failure("{{ until 1000000000 }}").kind).toBe("limit");
  });

  it("bounds the total allocated across many modest steps", () => {
    const t = '{{ range until 10000 }}{{ $x := repeat 100000 "a" }}{{ end }}';
    expect(failure(t).kind).toBe("limit");
  });

  it("bounds loops and output", () => {
    expect(failure("{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}").kind).toBe("limit");
    expect(failure('{{ range until 100000 }}{{ repeat 100 "y" }}{{ end }}').kind).toBe("limit");
  });

  it("bounds recursion through define/template", () => {
    const t = '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}';
    expect(failure(t).kind).toBe("limit");
  });

  it("bounds nesting depth in the parser", () => {
    const t = `${"{{ if true }}".repeat(1000)}x${"{{ end }}".repeat(1000)}`;
    expect(failure(t).kind).toBe("limit");
    expect(failure(`{{ ${"(".repeat(1000)}1${")".repeat(1000)} }}`).kind).toBe("limit");
  });

  it("refuses an oversized source", () => {
    expect(failure("x".repeat(300 << 10)).kind).toBe("limit");
  });

  it("keeps legitimate templates working under the same limits", () => {
    const t = '{{ range $k, $v := . }}{{ $k }}={{ $v | b64enc }}\n{{ end }}';
    expect(render("ok", t, data)).toBe(`key=${Buffer.from("x".repeat(10)).toString("base64")}\nuser=YWRtaW4=\n`);
  });

  it("runs regular expressions in linear time on hostile input (RE2)", () => {
    const value = `${"a".repeat((1 << 20) - 16)}!`;
    const big = secretData({ v: value });
    const start = performance.now();
    expect(render("re", '{{ regexMatch "^(a+)+$" .v }}', big)).toBe("false");
    expect(render("re", '{{ regexReplaceAll "(a|aa)+$" .v "" | len }}', big)).toBe(String(value.length));
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it("lexes 1 MiB of whitespace and trim markers in linear time", () => {
    const t = `${" ".repeat(1 << 19)}{{- "x" -}}${" ".repeat(1 << 19)}y`;
    const start = performance.now();
    expect(render("ws", t, data, { limits: { maxSourceBytes: 2 << 20 } })).toBe("xy");
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it("treats __proto__ as an ordinary key", () => {
    const d = secretData({ __proto__: "p", constructor: "c" } as Record<string, string>);
    expect(render("p", '{{ index . "constructor" }}{{ index . "toString" }}', d)).toBe("c");
    expect(render("p", '{{ $d := dict "__proto__" 1 }}{{ keys $d }} {{ get $d "hasOwnProperty" }}', d)).toBe("[__proto__] ");
  });

  it("needs injected randomness and refuses without it", () => {
    expect(failure("{{ uuidv4 }}").kind).toBe("exec");
    const out = render("u", "{{ uuidv4 }}", data, { random: (n) => new Uint8Array(n).fill(7) });
    expect(out).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

// A caller sharing one budget across several renders (the controller, per ExternalSecret)
// charges what each render spent, including a render that failed part way.
describe("usage report", () => {
  it("reports steps, allocation and output on success and on failure", () => {
    const ok = { steps: 0, allocatedBytes: 0, outputBytes: 0 };
    expect(render("u", '{{ range until 3 }}{{ repeat 4 "ab" }}{{ end }}', data, { usage: ok })).toBe("abababab".repeat(3));
    expect(ok.outputBytes).toBe(24);
    expect(ok.steps).toBeGreaterThan(3);
    expect(ok.allocatedBytes).toBeGreaterThanOrEqual(24);
    const failed = { steps: 0, allocatedBytes: 0, outputBytes: 0 };
    expect(() => render("u", "{{ range until 1000 }}x{{ end }}", data, { usage: failed, limits: { maxSteps: 100 } })).toThrow(TemplateError);
    expect(failed.steps).toBeGreaterThan(100);
    expect(failed.outputBytes).toBeGreaterThan(0);
  });

  it("fails clock, random and crypto functions clearly when the caller injects no clock or source", () => {
    for (const t of ["{{ now }}", '{{ date "2006" 0 | ago }}', "{{ randAlphaNum 3 }}", "{{ uuidv4 }}", '{{ genPrivateKey "ecdsa" }}', '{{ encryptAES "k" "v" }}', '{{ bcrypt "pw" }}', '{{ genCA "x" 1 }}', '{{ pemToPkcs12 "a" "b" }}']) {
      const e = failure(t);
      expect(e.kind, t).toBe("exec");
      expect(e.message, t).toMatch(/no (clock|randomness) available|nil pointer/);
    }
    // Functions of their arguments alone need neither.
    expect(render("ok", '{{ date "2006-01-02" 86400 }} {{ derivePassword 1 "pin" "a" "b" "c" | len }}', data)).toBe("1970-01-02 4");
  });

  it("bounds random lengths, key generation and scrypt by the render's budget", () => {
    const env = { clock: () => new Date(0), random: (n: number) => new Uint8Array(n).fill(7) };
    const limited = (t: string) => {
      try {
        render("hostile", t, data, env);
      } catch (e) {
        if (e instanceof TemplateError) return e.kind;
        throw e;
      }
      return "rendered";
    };
    expect(limited("{{ randAlphaNum 100000000 }}")).toBe("limit");
    expect(limited("{{ randBytes 100000000 }}")).toBe("limit");
    expect(limited('{{ shuffle (repeat 200000 "ab") }}')).toBe("limit");
    // Sixteen RSA-4096 keys would take minutes of CPU: the budget stops the fifth.
    const started = Date.now();
    expect(limited('{{ range until 16 }}{{ genPrivateKey "rsa" | len }}{{ end }}')).toBe("limit");
    expect(limited('{{ range until 16 }}{{ derivePassword 1 "pin" "p" "u" "s" }}{{ end }}')).toBe("limit");
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(limited("{{ randAlphaNum 4096 | len }}")).toBe("rendered");
  });

  it("refuses a PKCS#12 file that asks for more key-derivation iterations than allowed, before spending them", () => {
    const env = { clock: () => new Date(), random: (n: number) => randomBytes(n) };
    const made = render("t", '{{ $k := genPrivateKey "ecdsa" }}{{ pemToPkcs12 (genSelfSignedCertWithKey "x" nil nil 1 $k).Cert $k }}', data, env);
    // Rewrite the MAC's iteration count (the last field of the file) to two million.
    const pfx = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(made, "base64").toString("binary")));
    const macData = (pfx.value as forge.asn1.Asn1[])[2] as forge.asn1.Asn1;
    (macData.value as forge.asn1.Asn1[])[2] = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, forge.asn1.integerToDer(2_000_000).getBytes());
    const hostile = Buffer.from(forge.asn1.toDer(pfx).getBytes(), "binary").toString("base64");
    const started = Date.now();
    let err: unknown;
    try {
      render("t", "{{ .p | b64dec | pkcs12key }}", secretData({ p: hostile }), env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).message).toMatch(/2000000 iterations \(more than 200000\)/);
    expect(Date.now() - started).toBeLessThan(1000);
    // The file as made reads back.
    expect(render("t", "{{ .p | b64dec | pkcs12key }}", secretData({ p: made }), env)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it("refuses keys larger than 8192 bits handed in by a template", () => {
    const n = Buffer.alloc(1200, 0xab).toString("base64url");
    const e = failure(`{{ jwkPublicKeyPem ${JSON.stringify(JSON.stringify({ kty: "RSA", n, e: "AQAB" }))} }}`);
    expect(e.message).toMatch(/9600-bit key is larger than 8192 bits/);
  });

  it("does no I/O while rendering: getHostByName (a DNS lookup in ESO) is not a function here", () => {
    const e = failure('{{ getHostByName "localhost" }}');
    expect(e.kind).toBe("parse");
    expect(e.message).toMatch(/getHostByName/);
  });
});
