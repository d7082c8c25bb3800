/**
 * @packageDocumentation
 * Secret providers for the hush sync controller: AWS Secrets Manager, HashiCorp Vault and
 * Google Secret Manager behind one {@link SecretProvider} interface, configured from a
 * SecretStore `spec.provider` block with External Secrets Operator field names.
 */
export type {
  BatchResult,
  ClientOverrides,
  FindSpec,
  ProviderCall,
  ProviderContext,
  ProviderErrorKind,
  ProviderFactory,
  RemoteRef,
  SecretProvider,
  VaultRequest,
} from "./provider.js";
export { isRetryable, providerErrorKind, refKey } from "./provider.js";
export { createProvider, supportedProviders } from "./create-provider.js";
export {
  goJson,
  managedByKey,
  managedByValue,
  maxPushBytes,
  ownershipOf,
  secretAsJson,
  type DeleteOutcome,
  type Ownership,
  type PushOutcome,
  type PushOwner,
  type PushRef,
  type PushRequest,
} from "./push.js";
