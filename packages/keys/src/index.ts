/**
 * @packageDocumentation
 * sops key providers implementing `KeyProvider` from `@hush/sops`. Each provider is built from
 * explicit options; environment and file look-ups are passed in by the caller.
 */
export {
  createAgeProvider,
  defaultAgeKeysFile,
  generateAgeIdentity,
  parseAgeIdentities,
  parseAgeRecipients,
  type AgeIdentityLoader,
} from "./age.js";
