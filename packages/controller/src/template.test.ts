import type { ExternalSecret, ExternalSecretTemplate } from "@hush/kube";
import { describe, expect, it } from "vitest";
import { renderSecret, renderTemplate, renderTransform, TemplateBudget, templateSourceRefs, type TemplateSources } from "./template.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
const decodeAll = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, dec(v)]));

function es(template: ExternalSecretTemplate | undefined, meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): ExternalSecret {
  return {
    apiVersion: "hush.dev/v1",
    kind: "ExternalSecret",
    metadata: { name: "app", namespace: "team-a", ...meta },
    spec: { secretStoreRef: { name: "aws" }, data: [{ secretKey: "user", remoteRef: { key: "k" } }], target: template ? { template } : {} },
  } as ExternalSecret;
}

const fetched = { user: enc("admin"), pass: enc("s3cr3t-value"), json: enc('{"a":{"b":[1,2]}}') };
const data = { user: "admin", pass: "s3cr3t-value" };

describe("Go text/template through @hush/gotemplate", () => {
  it("if/else, range, with and variables", () => {
    expect(renderTemplate('{{ if eq .user "admin" }}root{{ else }}other{{ end }}', data, "t")).toBe("root");
    expect(renderTemplate("{{ range $k, $v := . }}{{ $k }}={{ $v | len }};{{ end }}", data, "t")).toBe("pass=12;user=5;");
    expect(renderTemplate("{{ with .user }}{{ . | upper }}{{ end }}", data, "t")).toBe("ADMIN");
    expect(renderTemplate('{{- $u := .user -}} {{ printf "%s@%s" $u "db" }}', data, "t")).toBe("admin@db");
    expect(renderTemplate('{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" .user }}', data, "t")).toBe("[admin]");
  });

  it("ESO helpers and Sprig functions", () => {
    expect(renderTemplate("{{ .user | b64enc }}", data, "t")).toBe(Buffer.from("admin").toString("base64"));
    const y = renderTemplate('{{ $m := fromYaml "a: 1\\nb: x" }}{{ $m.b }}', data, "t");
    expect(y).toBe("x");
    expect(renderTemplate('{{ dict "k" .user | toYaml }}', data, "t").trim()).toBe("k: admin");
    expect(renderTemplate("{{ .user | sha256sum }}", data, "t")).toMatch(/^[0-9a-f]{64}$/);
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
    expect(renderTemplate('{{ .p | filterPEM "PRIVATE KEY" }}', { p: pem }, "t")).toContain("BEGIN PRIVATE KEY");
    expect(renderTemplate('{{ .p | filterPEM "PRIVATE KEY" }}', { p: pem }, "t")).not.toContain("CERTIFICATE");
  });

  it("missing keys fail (missingkey=error) naming the field, never the values", () => {
    try {
      renderTemplate("{{ .nope }}{{ .pass }}", data, "spec.target.template.data.x");
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: "HUSH_ERR_CONTROLLER_TEMPLATE" });
      expect((err as Error).message).toContain("spec.target.template.data.x");
      expect((err as Error).message).not.toContain("s3cr3t");
    }
    try {
      renderTemplate("{{ .pass | fromJson | toJson }}{{ fail .pass }}", data, "spec.x");
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain("s3cr3t");
    }
  });

  it("transform sees the key as .value", () => {
    expect(renderTransform("{{ .value | lower | replace \"_\" \"-\" }}", "DB_USER", "w")).toBe("db-user");
  });
});

describe("renderSecret: ESO's template rules", () => {
  it("without a template: fetched data as is, the ExternalSecret's labels and annotations copied", () => {
    const r = renderSecret(es(undefined, { labels: { team: "a" }, annotations: { note: "n" } }), fetched);
    expect(decodeAll(r.data)).toEqual({ user: "admin", pass: "s3cr3t-value", json: '{"a":{"b":[1,2]}}' });
    expect(r.labels).toEqual({ team: "a" });
    expect(r.annotations).toEqual({ note: "n" });
  });

  it("mergePolicy Replace (default) keeps only templated keys; Merge adds them over the fetched keys", () => {
    const tpl = { data: { dsn: "{{ .user }}:{{ .pass }}", user: "{{ .user | upper }}" } };
    expect(decodeAll(renderSecret(es(tpl), fetched).data)).toEqual({ dsn: "admin:s3cr3t-value", user: "ADMIN" });
    expect(decodeAll(renderSecret(es({ ...tpl, mergePolicy: "Merge" }), fetched).data)).toEqual({ dsn: "admin:s3cr3t-value", user: "ADMIN", pass: "s3cr3t-value", json: '{"a":{"b":[1,2]}}' });
  });

  it("a template with only metadata keeps the fetched keys; labels, annotations and type are templates", () => {
    const r = renderSecret(es({ type: "kubernetes.io/basic-auth", metadata: { labels: { owner: "{{ .user }}" }, annotations: { plain: "x" } } }), fetched);
    expect(Object.keys(r.data).sort()).toEqual(["json", "pass", "user"]);
    expect(r.labels).toEqual({ owner: "admin" });
    expect(r.annotations).toEqual({ plain: "x" });
    expect(r.type).toBe("kubernetes.io/basic-auth");
    // The ExternalSecret's own metadata is not copied once there is a template.
    expect(renderSecret(es({ data: { a: "1" } }, { labels: { team: "a" } }), fetched).labels).toEqual({});
  });

  it("templateFrom a ConfigMap: Values and KeysAndValues, into Data, Labels and Annotations", () => {
    const sources: TemplateSources = {
      configMaps: new Map([["tpl", { "config.yaml": "user: {{ .user }}\n", pairs: 'a: "{{ .user }}"\nb: {{ .pass | quote }}\n', meta: "tier: gold\nteam: {{ .user }}" }]]),
      secrets: new Map(),
    };
    const r = renderSecret(
      es({
        templateFrom: [
          { configMap: { name: "tpl", items: [{ key: "config.yaml" }, { key: "pairs", templateAs: "KeysAndValues" }] } },
          { configMap: { name: "tpl", items: [{ key: "meta", templateAs: "KeysAndValues" }] }, target: "Labels" },
          { configMap: { name: "tpl", items: [{ key: "config.yaml" }] }, target: "Annotations" },
        ],
      }),
      fetched,
      sources,
    );
    expect(decodeAll(r.data)).toEqual({ "config.yaml": "user: admin\n", a: "admin", b: "s3cr3t-value" });
    expect(r.labels).toEqual({ tier: "gold", team: "admin" });
    expect(r.annotations).toEqual({ "config.yaml": "user: admin\n" });
  });

  it("templateFrom a Secret and a literal; template.data wins over templateFrom; metadata wins over templateFrom labels", () => {
    const sources: TemplateSources = { configMaps: new Map(), secrets: new Map([["tpl-secret", { body: enc("pw={{ .pass }}"), kv: enc("x: '{{ .user }}'") }]]) };
    const r = renderSecret(
      es({
        data: { body: "from data {{ .user }}" },
        metadata: { labels: { who: "{{ .user | upper }}" } },
        templateFrom: [
          { secret: { name: "tpl-secret", items: [{ key: "body" }, { key: "kv", templateAs: "KeysAndValues" }] } },
          { literal: "lit: {{ .user }}-lit" },
          { literal: "who: overridden\nother: yy", target: "Labels" },
        ],
      }),
      fetched,
      sources,
    );
    expect(decodeAll(r.data)).toEqual({ body: "from data admin", x: "admin", lit: "admin-lit" });
    expect(r.labels).toEqual({ who: "ADMIN", other: "yy" });
  });

  it("a missing source or key, and a KeysAndValues result that is not a map of strings, fail clearly", () => {
    const none: TemplateSources = { configMaps: new Map(), secrets: new Map() };
    expect(() => renderSecret(es({ templateFrom: [{ configMap: { name: "gone", items: [{ key: "a" }] } }] }), fetched, none)).toThrowError(/configmap gone not found/);
    const cm: TemplateSources = { configMaps: new Map([["c", { a: "x", n: "port: 5432", list: "- a" }]]), secrets: new Map() };
    expect(() => renderSecret(es({ templateFrom: [{ configMap: { name: "c", items: [{ key: "b" }] } }] }), fetched, cm)).toThrowError(/missing key b/);
    expect(() => renderSecret(es({ templateFrom: [{ configMap: { name: "c", items: [{ key: "n", templateAs: "KeysAndValues" }] } }] }), fetched, cm)).toThrowError(/is not a string/);
    expect(() => renderSecret(es({ templateFrom: [{ configMap: { name: "c", items: [{ key: "list", templateAs: "KeysAndValues" }] } }] }), fetched, cm)).toThrowError(/not a map/);
  });

  it("lists each templateFrom source once", () => {
    const e = es({ templateFrom: [{ configMap: { name: "a", items: [] } }, { configMap: { name: "a", items: [] } }, { secret: { name: "a", items: [] } }, { literal: "x: y" }] });
    expect(templateSourceRefs(e)).toEqual([
      { kind: "ConfigMap", name: "a" },
      { kind: "Secret", name: "a" },
    ]);
  });
});

describe("template budget (S2: a template cannot exhaust the heap)", () => {
  const grow = (steps: number) => `{{ .user${' | replace "a" "aaaaaaaaaa"'.repeat(steps)} }}`;
  it("refuses a tenfold replace chain before building the oversized string", () => {
    const d = { user: "a".repeat(1000) };
    expect(renderTemplate(grow(2), d, "t")).toHaveLength(100_000);
    const t0 = performance.now();
    expect(() => renderTemplate(grow(12), d, "spec.target.template.data.x")).toThrowError(
      expect.objectContaining({ code: "HUSH_ERR_CONTROLLER_TEMPLATE", message: expect.stringMatching(/spec\.target\.template\.data\.x.*exceeds/) }),
    );
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("shares one budget across every template of an ExternalSecret", () => {
    const budget = new TemplateBudget({ outputBytes: 2_500 });
    const d = { v: "x".repeat(1000) };
    renderTemplate("{{ .v }}", d, "a", budget);
    renderTemplate("{{ .v }}", d, "b", budget);
    expect(() => renderTemplate("{{ .v }}", d, "c", budget)).toThrowError(expect.objectContaining({ message: expect.stringContaining("exceeds") }));
    const steps = new TemplateBudget({ steps: 50 });
    expect(() => renderTemplate(`{{ range until 100 }}x{{ end }}`, d, "t", steps)).toThrowError(expect.objectContaining({ message: expect.stringContaining("exceeds") }));
  });

  it("a failed render is charged too, so retries inside one ExternalSecret cannot loop for free", () => {
    const budget = new TemplateBudget({ steps: 1000 });
    expect(() => renderTemplate("{{ range until 100000 }}x{{ end }}", {}, "a", budget)).toThrow();
    expect(budget.steps).toBeLessThanOrEqual(0);
    expect(() => renderTemplate("{{ 1 }}", {}, "b", budget)).toThrowError(/exceeds/);
  });

  it("renderSecret fails the whole render when templateFrom and data together exceed the budget", () => {
    const big = { v: enc("y".repeat(600_000)) };
    const tpl = { data: { a: "{{ .v }}", b: "{{ .v }}", c: "{{ .v }}", d: "{{ .v }}", e: "{{ .v }}", f: "{{ .v }}", g: "{{ .v }}", h: "{{ .v }}" } };
    expect(() => renderSecret(es(tpl), big)).toThrowError(/exceeds/);
  });

  it("scans PEM in linear time on hostile input (and fails as ESO does on junk)", () => {
    const hostile = "-----BEGIN A-----".repeat(50_000);
    const t0 = performance.now();
    expect(() => renderTemplate('{{ .p | filterPEM "A" }}', { p: hostile }, "t")).toThrowError(/filterPEM/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("YAML 1.1 scalars in KeysAndValues are typed as ESO's YAML parser types them (y is a boolean)", () => {
    expect(() => renderSecret(es({ templateFrom: [{ literal: "flag: y" }] }), fetched)).toThrowError(/is not a string/);
  });
});

describe("bytes, clock and randomness at the controller's edge", () => {
  it("binary provider values reach templates and the Secret byte for byte (a keystore stays a keystore)", () => {
    const binary = Uint8Array.from([0x30, 0x82, 0xff, 0x00, 0xc3, 0x28, 0xe2, 0x82, 0xac, 0x80]);
    const r = renderSecret(es({ data: { copy: "{{ .bin }}", size: "{{ len .bin }}", b64: "{{ .bin | b64enc }}", back: "{{ .bin | b64enc | b64dec }}" } }), { bin: binary });
    expect(Buffer.from(r.data["copy"] ?? "", "base64")).toEqual(Buffer.from(binary));
    expect(Buffer.from(r.data["back"] ?? "", "base64")).toEqual(Buffer.from(binary));
    expect(dec(r.data["size"] ?? "")).toBe(String(binary.length));
    expect(dec(r.data["b64"] ?? "")).toBe(Buffer.from(binary).toString("base64"));
  });

  it("date and random functions use the clock and source handed in (the system ones by default)", () => {
    const env = { clock: () => new Date("2030-01-02T03:04:05Z"), random: (n: number) => new Uint8Array(n) };
    const r = renderSecret(es({ data: { at: '{{ now | date "2006-01-02 15:04" }}', id: "{{ randNumeric 4 }}" } }), fetched, undefined, new TemplateBudget(), env);
    expect(decodeAll(r.data)).toEqual({ at: "2030-01-02 03:04", id: "0000" });
    const year = String(new Date().getUTCFullYear());
    expect(renderTemplate('{{ now | date "2006" }}', data, "t")).toBe(year);
    expect(renderTemplate("{{ randAlphaNum 12 }}", data, "t")).toMatch(/^[A-Za-z0-9]{12}$/);
  });
});
