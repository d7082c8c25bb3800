import type { ProviderCall } from "@hush/providers";

/** One sample of ESO's `externalsecret_provider_api_calls_count{provider,call,status}`. */
export interface EsoApiCall {
  /** ESO's provider name, e.g. `AWS/SecretsManager`, `HashiCorp/Vault`. */
  readonly provider: string;
  /** ESO's call name, e.g. `GetSecretValue`, `ReadSecretData`. */
  readonly call: string;
  /** `success` or `error`, as ESO derives it from the call's error. */
  readonly status: "success" | "error";
}

// ESO v0.16.2 pkg/constants: the provider and call names its providers report.
const awsSecretsManager: Readonly<Record<string, string>> = {
  GetSecretValue: "GetSecretValue",
  BatchGetSecretValue: "BatchGetSecretValue",
  DescribeSecret: "DescribeSecret",
  ListSecrets: "ListSecrets",
  CreateSecret: "CreateSecret",
  PutSecretValue: "PutSecretValue",
  DeleteSecret: "DeleteSecret",
};

const awsParameterStore: Readonly<Record<string, string>> = {
  GetParameter: "GetParameter",
  // hush reads several names in one GetParameters call where ESO makes one GetParameter call
  // per name; it is reported under ESO's name so rules on GetParameter errors still fire.
  GetParameters: "GetParameter",
  GetParametersByPath: "GetParametersByPath",
  DescribeParameters: "DescribeParameter",
  PutParameter: "PutParameter",
  DeleteParameter: "DeleteParameter",
  ListTagsForResource: "ListTagsForResource",
};

const gcpSecretManager: Readonly<Record<string, string>> = {
  GetSecret: "GetSecret",
  AccessSecretVersion: "AccessSecretVersion",
  ListSecrets: "ListSecrets",
  CreateSecret: "CreateSecret",
  UpdateSecret: "UpdateSecret",
  AddSecretVersion: "AddSecretVersion",
  DeleteSecret: "DeleteSecret",
  // Workload identity: the STS exchange, and the access token of a Google service account.
  TokenExchange: "GenerateIDBindToken",
  GenerateAccessToken: "GenerateAccessToken",
};

const vault: Readonly<Record<string, string>> = {
  "kv-read": "ReadSecretData",
  "kv-metadata": "ReadSecretData",
  "kv-list": "ListSecrets",
  "kv-write": "WriteSecretData",
  "kv-write-metadata": "WriteSecretData",
  "kv-delete": "DeleteSecret",
  "token-lookup": "LookupSelf",
  "token-revoke": "RevokeSelf",
  login: "Login",
};

/** An own entry of `table` only (operation names are plain strings, never prototype keys). */
function lookup(table: Readonly<Record<string, string>>, operation: string): string | undefined {
  return Object.hasOwn(table, operation) ? table[operation] : undefined;
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * The ESO sample for one provider call hush made through a store with `spec.provider`, or
 * undefined for calls ESO v0.16.2 does not count (STS role assumption, Vault token renewal,
 * VaultDynamicSecret requests, tag updates, …; `hush_provider_calls_total` has them all). Pure.
 *
 * ESO's quirks are kept where they name a call: its Vault `cert` and `jwt` logins count as
 * `WriteSecretData`, every other login method as `Login`.
 */
export function esoApiCall(providerSpec: unknown, call: ProviderCall): EsoApiCall | undefined {
  const spec = record(providerSpec);
  const status = call.result === "ok" ? "success" : "error";
  let provider: string;
  let name: string | undefined;
  if (spec["aws"] !== undefined && spec["aws"] !== null) {
    const parameterStore = record(spec["aws"])["service"] === "ParameterStore";
    provider = parameterStore ? "AWS/ParameterStore" : "AWS/SecretsManager";
    name = lookup(parameterStore ? awsParameterStore : awsSecretsManager, call.operation);
  } else if (spec["vault"] !== undefined && spec["vault"] !== null) {
    provider = "HashiCorp/Vault";
    name = lookup(vault, call.operation);
    if (call.operation === "login") {
      const auth = record(record(spec["vault"])["auth"]);
      if (auth["cert"] != null || auth["jwt"] != null) name = "WriteSecretData";
    }
  } else if (spec["gcpsm"] !== undefined && spec["gcpsm"] !== null) {
    provider = "GCP/SecretManager";
    name = lookup(gcpSecretManager, call.operation);
  } else {
    return undefined;
  }
  if (name === undefined) return undefined;
  return { provider, call: name, status };
}
