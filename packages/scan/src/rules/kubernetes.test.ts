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
  });
});
