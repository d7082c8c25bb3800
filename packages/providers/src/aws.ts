/**
 * `@hush/providers/aws`: the AWS Secrets Manager and Systems Manager Parameter Store providers
 * with injectable SDK client factories. Most callers use `createProvider` from `@hush/providers`
 * instead; this subpath exists for custom clients and loads only the AWS SDK.
 */
export { createAwsProvider, memoizeCredentials, type AwsClientFactories } from "./aws-provider.js";
export { createParameterStoreProvider, type ParameterStoreClientFactories } from "./parameter-store-provider.js";
export { parseAwsConfig, awsVersionSelector, type AwsConfig, type AwsAuth, type AwsService } from "./aws-config.js";
export {
  ecrTokenKeys,
  parseAwsGeneratorSpec,
  runAwsGenerator,
  stsSessionKeys,
  type AwsGeneratorClientFactories,
  type AwsGeneratorKind,
  type AwsGeneratorSpec,
  type EcrAuthorizationData,
  type StsRequestParameters,
  type StsSessionCredentials,
} from "./aws-generators.js";
