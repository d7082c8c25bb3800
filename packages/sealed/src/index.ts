/**
 * @packageDocumentation
 * Sealed Secrets, byte-compatible with `kubeseal` and the sealed-secrets controller: seal a
 * Secret to the controller's certificate (strict, namespace-wide or cluster-wide), seal one raw
 * value, merge into an existing SealedSecret, and unseal, validate or re-encrypt with the
 * controller's private keys. Pure: bytes and key objects in, objects and bytes out; randomness
 * and the clock are injected; no file, network or environment access.
 */
export { hybridDecrypt, hybridEncrypt, type RandomBytes } from "./crypto.js";
export { parsePrivateKeys, parseSealingCert, privateKeyFingerprint, type SealingCert } from "./keys.js";
export {
  clusterWideAnnotation,
  detectFormat,
  isRecord,
  namespaceWideAnnotation,
  parseDocuments,
  renderSealedSecrets,
  renderSecrets,
  sealedSecretApiVersion,
  toSealedSecret,
  toSecret,
  type ObjectMeta,
  type OutputFormat,
  type SealedSecret,
  type SecretManifest,
  type SecretTemplate,
} from "./manifest.js";
export {
  encryptionLabel,
  mergeInto,
  scopeOf,
  sealingScopes,
  sealRaw,
  sealSecret,
  withScopeAnnotations,
  type SealingScope,
  type SealOptions,
  type SealRawOptions,
} from "./seal.js";
export { goTemplateRenderer, reencryptSealedSecret, unsealSecret, validateSealedSecret, type TemplateRenderer, type UnsealOptions } from "./unseal.js";
export { isSopsEncrypted } from "./sops-detect.js";
