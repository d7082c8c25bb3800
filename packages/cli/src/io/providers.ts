import type { KeyProviders, KeyType } from "@hush/sops";
import { createAgeProvider } from "@hush/keys/age";
import { ageIdentityLoader } from "./age-identities.js";

/**
 * Key providers for one command. age is always available; other key types are registered by
 * their modules and loaded only when a file or flag uses them, so `hush decrypt` of an age file
 * never loads a cloud SDK.
 */
export async function keyProvidersFor(types: ReadonlySet<KeyType>, env: NodeJS.ProcessEnv): Promise<KeyProviders> {
  const providers: KeyProviders = { age: createAgeProvider(ageIdentityLoader(env)) };
  for (const type of types) {
    const load = extraProviders[type];
    if (load && !providers[type]) providers[type] = await load(env);
  }
  return providers;
}

type ProviderLoader = (env: NodeJS.ProcessEnv) => Promise<NonNullable<KeyProviders[KeyType]>>;

/** Loaders for key types beyond age (AWS KMS, GCP KMS, Vault transit, PGP), by type. */
const extraProviders: Partial<Record<KeyType, ProviderLoader>> = {};
