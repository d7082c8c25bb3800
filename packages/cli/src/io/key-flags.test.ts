import { isHushError } from "@hush/errors";
import { describe, expect, it } from "vitest";
import { masterKeysFromFlags } from "./key-flags.js";

describe("key flags", () => {
  it("builds keys from flags in sops's order, with context and profile for KMS", () => {
    const keys = masterKeysFromFlags(
      {
        pgp: "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4",
        kms: "arn:aws:kms:us-east-1:1:key/a+arn:aws:iam::1:role/r",
        encryptionContext: "app:web",
        awsProfile: "dev",
        gcpKms: "projects/p/locations/l/keyRings/r/cryptoKeys/k",
        hcVaultTransit: "https://v:8200/v1/transit/keys/k",
      },
      {},
    );
    expect(keys.map((k) => k.type)).toEqual(["kms", "gcp_kms", "pgp", "hc_vault"]);
    expect(keys[0]).toEqual({
      type: "kms",
      arn: "arn:aws:kms:us-east-1:1:key/a",
      role: "arn:aws:iam::1:role/r",
      context: { app: "web" },
      aws_profile: "dev",
    });
  });

  it("falls back to sops's environment variables and flags win over them", () => {
    const env = { SOPS_PGP_FP: "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4", SOPS_VAULT_URIS: "https://v:8200/v1/t/keys/k" };
    expect(masterKeysFromFlags({}, env).map((k) => k.type)).toEqual(["pgp", "hc_vault"]);
    expect(masterKeysFromFlags({ pgp: "" }, env).map((k) => k.type)).toEqual(["hc_vault"]);
    expect(masterKeysFromFlags({}, {})).toEqual([]);
  });

  it.each([
    [{ encryptionContext: "bad" }, "HUSH_ERR_KEYS_INVALID_ENCRYPTION_CONTEXT", 6],
    [{ azureKv: "https://v.vault.azure.net/keys/k/1" }, "HUSH_ERR_KEYS_NOT_SUPPORTED", 1],
    [{ hckms: "tr-west-1:abc" }, "HUSH_ERR_KEYS_NOT_SUPPORTED", 1],
    [{ hcVaultTransit: "vault/v1/t/keys/k" }, "HUSH_ERR_SOPS_INVALID_KEY", 1],
  ])("rejects %j", (flags, code, exitCode) => {
    try {
      masterKeysFromFlags(flags, {});
      expect.unreachable();
    } catch (err) {
      expect(isHushError(err) && [err.code, err.exitCode]).toEqual([code, exitCode]);
    }
  });
});
