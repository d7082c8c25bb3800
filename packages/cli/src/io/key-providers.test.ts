import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCloudKeyProviders } from "./key-providers.js";

describe("createCloudKeyProviders", () => {
  const dir = mkdtempSync(join(tmpdir(), "hush-key-providers-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("offers every non-age key type", () => {
    expect(Object.keys(createCloudKeyProviders({ env: {} })).sort()).toEqual(["azure_kv", "gcp_kms", "hc_vault", "hckms", "kms", "pgp"]);
  });

  it("refuses Azure Key Vault and HuaweiCloud KMS keys by name", async () => {
    const p = createCloudKeyProviders({ env: {} });
    await expect(p.azure_kv?.unwrap({ type: "azure_kv", vault_url: "https://v.vault.azure.net", name: "k", version: "1", enc: "x" })).rejects.toMatchObject({
      code: "HUSH_ERR_KEYS_NOT_SUPPORTED",
    });
    await expect(p.hckms?.unwrap({ type: "hckms", key_id: "tr-west-1:abc", enc: "x" })).rejects.toMatchObject({
      code: "HUSH_ERR_KEYS_NOT_SUPPORTED",
      message: expect.stringContaining("tr-west-1:abc"),
    });
  });

  it("reports a missing Vault token and an unreadable GOOGLE_CREDENTIALS file without contacting anything", async () => {
    const p = createCloudKeyProviders({ env: {}, homeDir: dir });
    await expect(
      p.hc_vault?.unwrap({ type: "hc_vault", vault_address: "http://127.0.0.1:9", engine_path: "transit", key_name: "k", enc: "vault:v1:x" }),
    ).rejects.toMatchObject({ code: "HUSH_ERR_KEYS_NO_CREDENTIALS" });
    const gcp = createCloudKeyProviders({ env: { GOOGLE_CREDENTIALS: join(dir, "missing.json") } });
    await expect(gcp.gcp_kms?.unwrap({ type: "gcp_kms", resource_id: "projects/p/locations/l/keyRings/r/cryptoKeys/k", enc: "eA==" })).rejects.toMatchObject({
      code: "HUSH_ERR_KEYS_NO_CREDENTIALS",
    });
  });

  it("honours SOPS_HC_VAULT_ALLOWLIST and reads ~/.vault-token", async () => {
    writeFileSync(join(dir, ".vault-token"), "t0ken\n");
    const p = createCloudKeyProviders({ env: { SOPS_HC_VAULT_ALLOWLIST: "none" }, homeDir: dir });
    await expect(
      p.hc_vault?.unwrap({ type: "hc_vault", vault_address: "http://127.0.0.1:9", engine_path: "transit", key_name: "k", enc: "vault:v1:x" }),
    ).rejects.toMatchObject({ code: "HUSH_ERR_KEYS_NOT_ALLOWED" });
  });

  it("rejects an unreadable HUSH_PGP_KEY_FILE entry", async () => {
    const p = createCloudKeyProviders({ env: { HUSH_PGP_KEY_FILE: join(dir, "nope.asc") } });
    await expect(p.pgp?.unwrap({ type: "pgp", fp: "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4", enc: "x" })).rejects.toMatchObject({
      code: "HUSH_ERR_KEYS_INVALID_KEY",
    });
  });
});
