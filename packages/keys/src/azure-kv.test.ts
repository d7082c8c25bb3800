import { isHushError } from "@hush/errors";
import { describe, expect, it } from "vitest";
import { createAzureKvProvider, rejectAzureKvKeys } from "./azure-kv.js";

describe("Azure Key Vault", () => {
  const key = { type: "azure_kv", vault_url: "https://v.vault.azure.net", name: "sops", version: "abc" } as const;

  it("refuses wrap and unwrap with a clear not-supported error naming the key", async () => {
    const provider = createAzureKvProvider();
    for (const call of [provider.wrap(key, new Uint8Array(32)), provider.unwrap({ ...key, enc: "c2VjcmV0" })]) {
      const err = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isHushError(err) && err.code).toBe("HUSH_ERR_KEYS_NOT_SUPPORTED");
      expect((err as Error).message).toBe(
        "azure_kv https://v.vault.azure.net/keys/sops/abc: Azure Key Vault (azure_kv) keys are not supported by hush",
      );
    }
  });

  it("rejects --azure-kv up front and ignores an empty list", () => {
    expect(() => rejectAzureKvKeys("https://v.vault.azure.net/keys/sops/abc")).toThrow(/--azure-kv: Azure Key Vault keys are not supported/);
    expect(() => rejectAzureKvKeys(" , ")).not.toThrow();
  });
});
