import { describe, expect, it } from "vitest";
import { renderTemplate, TemplateBudget } from "./template.js";

const data = { user: "admin", pass: "s3cr3t", json: '{"host":"db","port":5432,"tags":["a","b"]}', "with-dash": "x" };
const r = (src: string) => renderTemplate(src, data, "t");

describe("renderTemplate", () => {
  it.for([
    ["plain text", "plain text"],
    ["{{ .user }}:{{ .pass }}", "admin:s3cr3t"],
    ["{{ .user | b64enc }}", "YWRtaW4="],
    ["{{ .user | b64enc | b64dec }}", "admin"],
    ['{{ (.json | fromJson).host }}', "__unsupported__"],
    ['{{ index (.json | fromJson) "port" }}', "5432"],
    ['{{ .json | fromJson | toJson }}', '{"host":"db","port":5432,"tags":["a","b"]}'],
    ['{{ join "," (index (fromJson .json) "tags") }}', "a,b"],
    ['{{ index . "with-dash" }}', "x"],
    ["{{ .user | upper | quote }}", '"ADMIN"'],
    ['{{ printf "%s@%s" .user "host" }}', "admin@host"],
    ['{{ default "dflt" "" }}', "dflt"],
    ["a  {{- .user -}}  b", "aadminb"],
    ['{{ "literal }} brace" }}', "literal }} brace"],
    ["{{/* a comment */}}ok", "ok"],
    ['{{ replace "a" "4" .user }}', "4dmin"],
  ] as const)("%s", ([src, want]) => {
    if (want === "__unsupported__") expect(() => r(src)).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_TEMPLATE" }));
    else expect(r(src)).toBe(want);
  });

  it("builds a dockerconfigjson", () => {
    const out = renderTemplate('{"auths":{"r.io":{"auth":{{ printf "%s:%s" .user .pass | b64enc | quote }}}}}', data, "t");
    expect(JSON.parse(out)).toEqual({ auths: { "r.io": { auth: Buffer.from("admin:s3cr3t").toString("base64") } } });
  });

  it("filters PEM blocks by type", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nCCC\n-----END CERTIFICATE-----\n";
    const d = { bundle: pem };
    expect(renderTemplate('{{ .bundle | filterPEM "CERTIFICATE" }}', d, "t")).toBe("-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nCCC\n-----END CERTIFICATE-----\n");
    expect(renderTemplate("{{ .bundle | pemPrivateKey }}", d, "t")).toBe("-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n");
  });

  it.for([
    ["{{ .missing }}", "no such key"],
    ["{{ .user", "unclosed"],
    ["{{ env \"HOME\" }}", "unknown function"],
    ["{{ range .x }}{{ end }}", "not supported"],
    ["{{ .user | .pass }}", "cannot pipe"],
    ["{{ .json | b64dec }}", "not base64"],
  ] as const)("rejects %s with HUSH_ERR_CONTROLLER_TEMPLATE", ([src, msg]) => {
    expect(() => r(src)).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_TEMPLATE", message: expect.stringContaining(msg) }));
  });

  it("never echoes data values in errors", () => {
    try {
      renderTemplate("{{ .pass | fromJson }}", data, "spec.x");
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain("s3cr3t");
      expect((err as Error).message).toContain("spec.x");
    }
  });
});

describe("template budget (S2: a template cannot exhaust the heap)", () => {
  const grow = (steps: number) => `{{ .user${' | replace "a" "aaaaaaaaaa"'.repeat(steps)} }}`;
  it("refuses a tenfold replace chain before building the oversized string", () => {
    const d = { user: "a".repeat(1000) };
    // Step 3 would be 1 000 000 characters; step 4, 10 million.
    expect(renderTemplate(grow(2), d, "t")).toHaveLength(100_000);
    const t0 = performance.now();
    expect(() => renderTemplate(grow(12), d, "spec.target.template.data.x")).toThrowError(
      expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_TEMPLATE", message: expect.stringContaining("spec.target.template.data.x") }),
    );
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("shares one size budget across every template of an ExternalSecret", () => {
    const budget = new TemplateBudget({ chars: 3_000 });
    const d = { v: "x".repeat(1000) };
    renderTemplate("{{ .v }}", d, "a", budget);
    renderTemplate("{{ .v }}", d, "b", budget);
    expect(() => renderTemplate("{{ .v | upper }}", d, "c", budget)).toThrowError(expect.objectContaining({ message: expect.stringContaining("total size budget") }));
  });

  it("bounds evaluation steps", () => {
    const budget = new TemplateBudget({ steps: 50 });
    expect(() => renderTemplate(`{{ .user${" | trim".repeat(100)} }}`, data, "t", budget)).toThrowError(expect.objectContaining({ message: expect.stringContaining("step budget") }));
  });

  it.for([
    ['{{ printf "%s%s%s%s%s%s%s%s" .v .v .v .v .v .v .v .v }}'],
    ["{{ .v | indent 64 }}"],
    ['{{ .v | quote | quote | quote }}'],
    ['{{ join .v (split "" .v) }}'],
    ["{{ .v | b64enc | b64enc | b64enc | b64enc | b64enc | b64enc }}"],
  ] as const)("bounds %s before allocating", ([src]) => {
    const d = { v: "\n".repeat(300_000) };
    expect(() => renderTemplate(src, d, "t")).toThrowError(expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_TEMPLATE" }));
  });

  it("refuses deeply nested JSON for pretty printing and over-long sources", () => {
    const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
    expect(() => renderTemplate("{{ .j | fromJson | toPrettyJson }}", { j: deep }, "t")).toThrowError(expect.objectContaining({ message: expect.stringContaining("nested deeper") }));
    expect(() => renderTemplate("x".repeat(70_000), {}, "t")).toThrowError(expect.objectContaining({ message: expect.stringContaining("longer than") }));
  });

  it("scans PEM in linear time on hostile input", () => {
    const hostile = "-----BEGIN A-----".repeat(50_000);
    const t0 = performance.now();
    expect(renderTemplate('{{ .p | filterPEM "A" }}', { p: hostile }, "t")).toBe("");
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("keeps legitimate printf verbs", () => {
    expect(renderTemplate('{{ printf "%d%% %x %q" "5" "y" }}', {}, "t")).toBe('5% %x "y"');
  });
});
