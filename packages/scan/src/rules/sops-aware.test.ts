import { describe, expect, it } from "vitest";
import { hushSops as testSops } from "../sops-recognisers.js";
import { createScanner } from "../scanner.js";

const ct = (n: number) => `ENC[AES256_GCM,data:${"Q".repeat(n)},iv:${"A".repeat(43)}=,tag:${"B".repeat(22)}==,type:str]`;
const meta = (selector: string) => `sops:
    age:
        - recipient: age1qqqq
    lastmodified: "2026-01-01T00:00:00Z"
    mac: ${ct(43)}
    ${selector}
    version: 3.13.3
`;

describe("SOPS-aware detector", () => {
  const scanner = createScanner({ sops: testSops });
  const rules = (path: string, text: string) => scanner.scan({ path, content: text }).findings.map((f) => [f.rule, f.line]);

  it("flags a value its own encrypted_regex says must be encrypted but is in clear", () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    user: ${ct(8)}\n    password: Hx7dK2mQ9vLs\n${meta("encrypted_regex: ^(data|stringData)$")}`;
    expect(rules("secret.enc.yaml", text)).toEqual([
      ["kubernetes-secret", 7],
      ["sops-unencrypted-value", 7],
    ]);
  });

  it("stays quiet when everything the selectors cover is ciphertext", () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    password: ${ct(12)}\n${meta("encrypted_regex: ^(data|stringData)$")}`;
    expect(rules("secret.enc.yaml", text)).toEqual([]);
  });

  it("uses the default unencrypted_suffix: *_unencrypted keys may stay clear", () => {
    const text = `host_unencrypted: db.internal\npassword: clear-text-again\nnested:\n    token: ${ct(10)}\n${meta("unencrypted_suffix: _unencrypted")}`;
    expect(rules("app.yaml", text)).toEqual([["sops-unencrypted-value", 2]]);
  });

  it("reads JSON sops files too", () => {
    const text = JSON.stringify({ api: { key: "in-the-clear-value" }, sops: { mac: ct(43), lastmodified: "2026-01-01T00:00:00Z", unencrypted_suffix: "_unencrypted" } });
    expect(rules("app.json", text)).toEqual([["sops-unencrypted-value", 1]]);
  });

  it("ignores files without sops metadata and damaged metadata", () => {
    expect(rules("plain.yaml", "sops_docs: see https://getsops.io\n")).toEqual([]);
    const conflicting = `a: clear\n${meta("encrypted_regex: x\n    unencrypted_regex: y")}`;
    expect(rules("bad.yaml", conflicting)).toEqual([]);
  });

  it("flags a file a .sops.yaml creation rule covers that is not encrypted", () => {
    const withRules = createScanner({
      sops: testSops,
      sopsConfigs: [{ config: testSops.parseConfig!("creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: age1qqqq\n"), dir: "" }],
    });
    const run = (path: string, text: string) => withRules.scan({ path, content: text }).findings.map((f) => f.rule);
    expect(run("secrets/db.yaml", "password: hunter2\n")).toEqual(["sops-file-not-encrypted"]);
    expect(run("secrets/db.yaml", `password: ${ct(8)}\n${meta("unencrypted_suffix: _unencrypted")}`)).toEqual([]);
    expect(run("config/app.yaml", "password: hunter2\n")).toEqual([]);
    expect(run(".sops.yaml", "creation_rules: []\n")).toEqual([]);
  });

  it("never shows a character of a whole-file finding, and takes a SealedSecret for encrypted", () => {
    const withRules = createScanner({
      sops: testSops,
      sopsConfigs: [{ config: testSops.parseConfig!("creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: age1qqqq\n"), dir: "" }],
    });
    const [finding] = withRules.scan({ path: "secrets/db.yaml", content: "Zq9password: hunter2\n" }).findings;
    expect(finding?.redacted).toBe("*****");
    const sealed = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq\n";
    expect(withRules.scan({ path: "secrets/db.yaml", content: sealed }).findings).toEqual([]);
    const sealedJson = JSON.stringify({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", spec: { encryptedData: { password: "AgBy3i4OJSWK" } } });
    expect(withRules.scan({ path: "secrets/db.yaml", content: sealedJson }).findings).toEqual([]);
    // Only the real apiVersion counts: a look-alike kind from another group is not encrypted.
    const lookalike = sealed.replace("bitnami.com/v1alpha1", "example.org/v1");
    expect(withRules.scan({ path: "secrets/db.yaml", content: lookalike }).findings.map((f) => f.rule)).toContain("sops-file-not-encrypted");
  });
});

describe("SOPS-aware detector on flat stores", () => {
  const scanner = createScanner();
  const rules = (path: string, text: string) => scanner.scan({ path, content: text }).findings.map((f) => [f.rule, f.line]);

  it("reads dotenv sops files (sops_* metadata keys)", () => {
    const text = `DB_PASSWORD=${ct(12)}\nAPI_TOKEN=pasted-in-clear\nHOST_unencrypted=db.internal\nsops_lastmodified=2026-01-01T00:00:00Z\nsops_mac=${ct(43)}\nsops_unencrypted_suffix=_unencrypted\nsops_version=3.13.3\n`;
    expect(rules("app.env", text)).toEqual([["sops-unencrypted-value", 2]]);
  });

  it("reads INI sops files ([sops] section)", () => {
    const text = `[db]\npassword = ${ct(12)}\nuser = in-clear-user\n\n[sops]\nmac = ${ct(43)}\nlastmodified = 2026-01-01T00:00:00Z\nencrypted_regex = ^password$\nversion = 3.13.3\n`;
    expect(rules("app.ini", text)).toEqual([]);
    const edited = text.replace(`password = ${ct(12)}`, "password = hand-edited");
    expect(rules("app.ini", edited)).toEqual([["sops-unencrypted-value", 2]]);
  });
});
