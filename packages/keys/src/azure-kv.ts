import { HushError } from "@hush/errors";
import type { KeyProvider, MasterKeyRef } from "@hush/sops";
import { keyLabel } from "./key-error.js";

/**
 * Builds the `azure_kv` key provider, which refuses every call: hush does not support Azure
 * Key Vault keys. Files that list an Azure key next to others still decrypt through the
 * other keys; this provider only explains why the Azure key was skipped.
 */
export function createAzureKvProvider(): KeyProvider {
  const refuse = (key: MasterKeyRef): never => {
    throw new HushError(
      "HUSH_ERR_KEYS_NOT_SUPPORTED",
      `${keyLabel(key)}: Azure Key Vault (azure_kv) keys are not supported by hush`,
    );
  };
  return {
    type: "azure_kv",
    wrap: async (key) => refuse(key),
    unwrap: async (key) => refuse(key),
  };
}

/**
 * Refuses `--azure-kv` / `SOPS_AZURE_KEYVAULT_URLS` / `azure_keyvault` in `.sops.yaml` up front,
 * before any encryption starts.
 * @throws HushError `HUSH_ERR_KEYS_NOT_SUPPORTED` when `list` names any key.
 */
export function rejectAzureKvKeys(list: string, source = "--azure-kv"): void {
  if (list.split(",").some((s) => s.trim() !== "")) {
    throw new HushError("HUSH_ERR_KEYS_NOT_SUPPORTED", `${source}: Azure Key Vault keys are not supported by hush`);
  }
}
