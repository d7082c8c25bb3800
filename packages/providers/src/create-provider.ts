import { HushError } from "@hush/errors";
import type { ProviderContext, ProviderFactory, SecretProvider } from "./provider.js";

/**
 * One lazy loader per `spec.provider.<kind>`: a store only loads the SDK it uses
 * (the GCP client in particular is heavy).
 */
const loaders: Record<string, () => Promise<ProviderFactory>> = {
  aws: async () => {
    const { parseAwsConfig } = await import("./aws-config.js");
    return async (spec, ctx) => {
      const config = parseAwsConfig(spec, ctx.retrySettings);
      // Each service loads only its own SDK client.
      if (config.service === "ParameterStore") {
        const { createParameterStoreProvider } = await import("./parameter-store-provider.js");
        return createParameterStoreProvider(config, ctx);
      }
      const { createAwsProvider } = await import("./aws-provider.js");
      return createAwsProvider(spec, ctx, { retrySettings: ctx.retrySettings });
    };
  },
  vault: async () => {
    const { createVaultProvider } = await import("./vault-provider.js");
    return (spec, ctx) => createVaultProvider(spec, ctx);
  },
  gcpsm: async () => {
    const { createGcpProvider } = await import("./gcp-provider.js");
    return (spec, ctx) => createGcpProvider(spec, ctx);
  },
};

/** The provider kinds `createProvider` knows: `["aws", "gcpsm", "vault"]`. */
export function supportedProviders(): string[] {
  return Object.keys(loaders).sort();
}

/**
 * Builds a provider from a SecretStore `spec.provider` block, e.g. `{ aws: { service:
 * "SecretsManager", region: "eu-west-1", auth: {...} } }`. Exactly one kind must be set.
 * Building reads no credentials and makes no call; the first read (or `validate`) does.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` for a missing, unknown or malformed block.
 */
export async function createProvider(spec: unknown, ctx: ProviderContext): Promise<SecretProvider> {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new HushError("HUSH_ERR_PROVIDERS_INVALID_CONFIG", "spec.provider must be an object");
  }
  const kinds = Object.keys(spec).filter((k) => (spec as Record<string, unknown>)[k] != null);
  if (kinds.length !== 1) {
    throw new HushError(
      "HUSH_ERR_PROVIDERS_INVALID_CONFIG",
      `spec.provider must set exactly one provider, found ${kinds.length}`,
    );
  }
  const kind = kinds[0]!;
  const load = Object.hasOwn(loaders, kind) ? loaders[kind] : undefined;
  if (!load) {
    throw new HushError(
      "HUSH_ERR_PROVIDERS_INVALID_CONFIG",
      `spec.provider.${kind.replace(/[^A-Za-z0-9]/g, "?").slice(0, 40)} is not a supported provider`,
      { hint: `supported providers: ${supportedProviders().join(", ")}` },
    );
  }
  const factory = await load();
  return factory((spec as Record<string, unknown>)[kind], ctx);
}
