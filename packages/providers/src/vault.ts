/**
 * `@hush/providers/vault`: the Vault KV provider with an injectable Vault client factory, and the
 * token cache it uses. Most callers use `createProvider` from `@hush/providers` instead.
 */
export { createVaultProvider, type VaultClientFactory } from "./vault-provider.js";
export { VaultTokenCache, type VaultToken, type VaultTokenCacheOptions, type VaultTokenSource } from "./vault-token.js";
export { parseVaultConfig, type VaultAuth, type VaultConfig } from "./vault-config.js";
