/**
 * `@hush/providers/aws`: the AWS Secrets Manager provider with injectable SDK client
 * factories. Most callers use `createProvider` from `@hush/providers` instead; this subpath
 * exists for custom clients and loads only the AWS SDK.
 */
export { createAwsProvider, memoizeCredentials, type AwsClientFactories } from "./aws-provider.js";
export { parseAwsConfig, awsVersionSelector, type AwsConfig, type AwsAuth } from "./aws-config.js";
