import { describe, expect, it } from "vitest";
import { createScanner } from "../scanner.js";
import { kustomizeSecretSources } from "./kubernetes.js";

const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
secretGenerator:
  - name: db
    envs: [db.env]
  - name: tls
    files:
      - tls.key=../certs/site.key
      - ./token.txt
  - name: legacy
    env: legacy.env
`;

describe("kustomize secretGenerator sources", () => {
  it("resolves envs, files (key=path too) and env relative to the kustomization", () => {
    expect(kustomizeSecretSources("overlays/prod/kustomization.yaml", kustomization)).toEqual([
      "overlays/prod/db.env",
      "overlays/certs/site.key",
      "overlays/prod/token.txt",
      "overlays/prod/legacy.env",
    ]);
    expect(kustomizeSecretSources("kustomization.yaml", "secretGenerator:\n  - envs: [../outside.env]\n")).toEqual([]);
    expect(kustomizeSecretSources("other.yaml", kustomization)).toEqual([]);
  });

  it("reports plaintext values of the referenced env files, not ciphertext or other .env files", () => {
    const files = new Set(kustomizeSecretSources("overlays/prod/kustomization.yaml", kustomization));
    const s = createScanner({ kustomizeSecretFiles: files });
    const env = "# db\nDB_USER=app\nDB_PASSWORD=\nDB_HOST=ENC[AES256_GCM,data:Zm9v,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:BBBBBBBBBBBBBBBBBBBBBB==,type:str]\n";
    expect(s.scan({ path: "overlays/prod/db.env", content: env }).findings.map((f) => [f.rule, f.line])).toEqual([["kustomize-secret-env-file", 2]]);
    expect(s.scan({ path: "overlays/prod/token.txt", content: "opaque-token-value\n" }).findings.map((f) => f.rule)).toEqual(["kustomize-secret-env-file"]);
    expect(s.scan({ path: "other/db.env", content: env }).findings).toEqual([]);
    const ct = "ENC[AES256_GCM,data:Zm9v,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:BBBBBBBBBBBBBBBBBBBBBB==,type:str]";
    const sopsEnv = `DB_PASSWORD=${ct}\nsops_mac=${ct}\nsops_lastmodified=2026-01-01T00:00:00Z\nsops_unencrypted_suffix=_unencrypted\nsops_version=3.13.3\n`;
    expect(s.scan({ path: "overlays/prod/db.env", content: sopsEnv }).findings).toEqual([]);
  });
});

describe("Kubernetes Secrets in large and JSON files", () => {
  const s = createScanner();
  const at = (path: string, text: string) => s.scan({ path, content: text }).findings.map((f) => [f.rule, f.line, f.column]);

  it("locates values in JSON manifests without a YAML AST, including Lists", () => {
    const json = JSON.stringify(
      { kind: "List", items: [{ kind: "ConfigMap", data: { a: "not-secret" } }, { kind: "Secret", stringData: { app: "Vq7pZr2Lw9Ks" }, data: { b: "SHE0bVQ4eFdjMlJu" } }] },
      null,
      2,
    );
    const lines = json.split("\n");
    const line = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(at("list.json", json)).toEqual([
      ["kubernetes-secret", line('"Vq7pZr2Lw9Ks"'), lines[line('"Vq7pZr2Lw9Ks"') - 1]!.indexOf('"Vq7pZr2Lw9Ks"') + 2],
      ["kubernetes-secret", line('"SHE0bVQ4eFdjMlJu"'), lines[line('"SHE0bVQ4eFdjMlJu"') - 1]!.indexOf('"SHE0bVQ4eFdjMlJu"') + 2],
    ]);
  });

  it("ignores an API document that only mentions kind: Secret in a schema", () => {
    const spec = JSON.stringify({ definitions: { x: { example: { kind: "Secret" } } }, padding: "x".repeat(3_000_000) });
    expect(at("swagger.json", spec)).toEqual([]);
  });

  it("reads YAML over 1 MB line by line", () => {
    const big = `# ${"pad ".repeat(300_000)}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  password: Rz8kW3qLp5Nv\n`;
    expect(at("big.yaml", big)).toEqual([["kubernetes-secret", 7, 13]]);
  });
});

describe("SealedSecret manifests", () => {
  const s = createScanner();
  const rules = (path: string, text: string) => s.scan({ path, content: text }).findings.map((f) => [f.rule, f.line]);
  const head = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq\n";

  it("takes encryptedData for ciphertext", () => {
    expect(rules("sealed.yaml", head)).toEqual([]);
  });

  it("flags plaintext data carried in spec.template, but not template expressions", () => {
    const text = `${head}  template:\n    metadata:\n      name: db\n    data:\n      url: '{{ index . "password" }}'\n      api_token: Kq8vZ3mW7pLx2Rt9\n`;
    expect(rules("sealed.yaml", text)).toEqual([["kubernetes-secret", 13]]);
    const plain = ["Kq8v", "Z3mW7pLx2Rt9"].join(""); // assembled so no credential-shaped literal sits in the source
    const json = JSON.stringify({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", spec: { encryptedData: { a: "AgBy" }, template: { data: { api_token: plain } } } });
    expect(rules("sealed.json", json).map(([r]) => r)).toEqual(["kubernetes-secret"]);
  });
});
