import { describe, expect, it } from "vitest";
import { findDestinationRule, vaultSecretPath } from "./destinations.js";

describe("findDestinationRule", () => {
  const config = `
creation_rules:
  - pgp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4
destination_rules:
  - s3_bucket: "bucket"
    s3_prefix: "p/"
    path_regex: s3\\.json
  - vault_path: "functional-test"
    path_regex: v2\\.json
  - vault_path: "v1/"
    vault_kv_mount_name: "kv"
    vault_kv_version: 1
    vault_address: "http://vault:8200"
    omit_extensions: true
    path_regex: v1\\.json
`;

  it("applies sops's defaults and normalisation for Vault (mount secret/, KV v2, trailing slashes)", () => {
    const rule = findDestinationRule(config, "/tmp/x/v2.json");
    expect(rule).toEqual({
      destination: { kind: "vault", address: undefined, path: "functional-test/", mount: "secret/", kvVersion: 2 },
      omitExtensions: false,
      recreationRule: undefined,
    });
    if (rule.destination.kind !== "vault") throw new Error("vault expected");
    expect(vaultSecretPath(rule.destination, "v2.json")).toBe("secret/data/functional-test/v2.json");
  });

  it("builds KV v1 paths without data/ and keeps the rule's address and omit_extensions", () => {
    const rule = findDestinationRule(config, "v1.json");
    expect(rule.omitExtensions).toBe(true);
    if (rule.destination.kind !== "vault") throw new Error("vault expected");
    expect(rule.destination.address).toBe("http://vault:8200");
    expect(vaultSecretPath(rule.destination, "v1")).toBe("kv/v1/v1");
  });

  it("reads S3 rules, and refuses a file no rule matches or a rule with two destinations", () => {
    expect(findDestinationRule(config, "s3.json").destination).toEqual({ kind: "s3", bucket: "bucket", prefix: "p/" });
    const withKeys = findDestinationRule("destination_rules:\n  - s3_bucket: b\n    recreation_rule:\n      age: age1x\n", "f");
    expect(withKeys.recreationRule).toEqual({ age: "age1x" });
    expect(() => findDestinationRule(config, "other.json")).toThrow(/no matching destination found/);
    expect(() => findDestinationRule("destination_rules:\n  - s3_bucket: a\n    vault_path: b\n", "x")).toThrow(/more than one destination/);
  });

  it("matches path_regex in linear time (a ReDoS pattern on a long name returns well under a second)", () => {
    const start = process.hrtime.bigint();
    expect(() => findDestinationRule('destination_rules:\n  - vault_path: x\n    path_regex: "^(a+)+$"\n', `${"a".repeat(50_000)}!`)).toThrow(/no matching destination/);
    expect(Number(process.hrtime.bigint() - start) / 1e9).toBeLessThan(1);
  });
});
