/**
 * @packageDocumentation
 * The SOPS v3 file format, pure: stores (YAML keeping comments and order, JSON, dotenv, INI,
 * binary), the `ENC[AES256_GCM,…]` value cipher, the MAC, the `sops` metadata block, selectors,
 * Shamir key groups and `.sops.yaml` rules. No file system, network, environment or clock:
 * callers pass bytes, `now` and a random source, and fill {@link KeyProvider}s for key types.
 */
export { isEncryptedValue, type RandomBytes } from "./cipher.js";
export { findCreationRule, parseConfig, type CreationRule, type SopsConfig } from "./config.js";
export { parseKmsKeys, parseVaultTransitUri } from "./key-refs.js";
export {
  decryptFile,
  decryptOpened,
  emitEncrypted,
  emitPlaintext,
  encryptFile,
  extractPath,
  isEncryptedFile,
  loadPlaintext,
  openEncrypted,
  parseTreePath,
  sealTree,
  unwrapDataKey,
  wrapDataKey,
  type DecryptOpenedOptions,
  type DecryptOptions,
  type EncryptOptions,
  type OpenedFile,
  type SealOptions,
} from "./document.js";
export type { KeyProvider, KeyProviders } from "./key-provider.js";
export { describeKey, keyTypesReadOrder, type KeyGroup, type KeyType, type MasterKey, type MasterKeyRef } from "./master-key.js";
export { formatTimestamp, parseMetadata, sopsFormatVersion, type Metadata } from "./metadata.js";
export { readSelectors, selectorNames, shouldEncrypt, type SelectorName, type Selectors } from "./selectors.js";
export { combineShares, splitSecret } from "./shamir.js";
export { emitFile, formatForPath, formats, loadFile, type Format, type Loaded, type StoreOptions } from "./stores/index.js";
export { Comment, SopsTime, TreeList, TreeMap, type MapEntry, type Scalar, type Tree, type TreeValue } from "./tree.js";
