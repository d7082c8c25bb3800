/**
 * `@hush/providers/gcp`: the Google Secret Manager provider with an injectable client factory.
 * Most callers use `createProvider` from `@hush/providers` instead.
 */
export { createGcpProvider, verifiedPayload, type GcpClientFactory, type GcpSecretManagerClient } from "./gcp-provider.js";
export { parseGcpConfig, type GcpConfig } from "./gcp-config.js";
export { crc32c } from "./crc32c.js";
