import type { KeyProviders } from "@hush/sops";
import { createAgeProvider } from "@hush/keys/age";
import { ageIdentityLoader } from "./age-identities.js";
import { createCloudKeyProviders } from "./key-providers.js";

/**
 * Key providers for one command: age, plus the cloud and PGP providers, each of which imports
 * its module (and SDK) only on first use, so `hush decrypt` of an age file never loads one.
 */
export function keyProvidersFor(env: NodeJS.ProcessEnv): KeyProviders {
  return { ...createCloudKeyProviders({ env }), age: createAgeProvider(ageIdentityLoader(env)) };
}
