import { describe, expect, it } from "vitest";
import { renderTemplate } from "./template.js";

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
