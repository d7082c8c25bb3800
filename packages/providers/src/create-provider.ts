import { HushError } from "@hush/errors";
import type { ProviderContext, ProviderFactory, SecretProvider } from "./provider.js";

const factories: Record<string, ProviderFactory> = {};

/** Registers the factory for one `spec.provider.<kind>` block. Used by each provider module. */
export function registerProvider(kind: string, factory: ProviderFactory): void {
  factories[kind] = factory;
}

/** The provider kinds `createProvider` knows, e.g. `["aws", "gcpsm", "vault"]`. */
export function supportedProviders(): string[] {
  return Object.keys(factories).sort();
}

/**
 * Builds a provider from a SecretStore `spec.provider` block, e.g. `{ aws: { service:
 * "SecretsManager", region: "eu-west-1", auth: {...} } }`. Exactly one kind must be set.
 * Throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` for a missing, unknown or malformed block.
 */
export async function createProvider(spec: unknown, ctx: ProviderContext): Promise<SecretProvider> {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new HushError("HUSH_ERR_PROVIDERS_INVALID_CONFIG", "spec.provider must be an object");
  }
  const kinds = Object.keys(spec).filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1) {
    throw new HushError(
      "HUSH_ERR_PROVIDERS_INVALID_CONFIG",
      `spec.provider must set exactly one provider, found ${kinds.length}`,
    );
  }
  const kind = kinds[0]!;
  const factory = factories[kind];
  if (!factory) {
    throw new HushError(
      "HUSH_ERR_PROVIDERS_INVALID_CONFIG",
      `spec.provider.${kind.replace(/[^A-Za-z0-9]/g, "?").slice(0, 40)} is not a supported provider`,
      { hint: `supported providers: ${supportedProviders().join(", ") || "none"}` },
    );
  }
  return factory((spec as Record<string, unknown>)[kind], ctx);
}
