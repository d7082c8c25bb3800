import { describe, expect, it } from "vitest";
import { esoApiCall } from "./eso-api-calls.js";

const call = (provider: string, operation: string, result: "ok" | "not-found" | "denied" = "ok") => ({ provider, operation, result, durationMs: 1 }) as const;

describe("esoApiCall: ESO v0.16.2's externalsecret_provider_api_calls_count labels", () => {
  it("AWS Secrets Manager calls keep their names under AWS/SecretsManager; status is success or error", () => {
    const sm = { aws: { service: "SecretsManager", region: "eu-west-1" } };
    for (const op of ["GetSecretValue", "BatchGetSecretValue", "DescribeSecret", "ListSecrets", "CreateSecret", "PutSecretValue", "DeleteSecret"]) {
      expect(esoApiCall(sm, call("aws", op))).toEqual({ provider: "AWS/SecretsManager", call: op, status: "success" });
    }
    expect(esoApiCall(sm, call("aws", "GetSecretValue", "not-found"))).toEqual({ provider: "AWS/SecretsManager", call: "GetSecretValue", status: "error" });
    expect(esoApiCall(sm, call("aws", "GetSecretValue", "denied"))?.status).toBe("error");
    // No service: Secrets Manager, as ESO defaults it.
    expect(esoApiCall({ aws: {} }, call("aws", "GetSecretValue"))?.provider).toBe("AWS/SecretsManager");
  });

  it("AWS Parameter Store calls use ESO's names (DescribeParameter, GetParameter for a batched read)", () => {
    const ps = { aws: { service: "ParameterStore" } };
    expect(esoApiCall(ps, call("aws", "GetParameter"))).toEqual({ provider: "AWS/ParameterStore", call: "GetParameter", status: "success" });
    expect(esoApiCall(ps, call("aws", "GetParameters"))).toEqual({ provider: "AWS/ParameterStore", call: "GetParameter", status: "success" });
    expect(esoApiCall(ps, call("aws", "DescribeParameters"))?.call).toBe("DescribeParameter");
    for (const op of ["GetParametersByPath", "PutParameter", "DeleteParameter", "ListTagsForResource"]) expect(esoApiCall(ps, call("aws", op))?.call).toBe(op);
  });

  it("Vault: reads, lists, writes, deletes and token calls under ESO's names; cert and jwt logins count as WriteSecretData as in ESO", () => {
    const v = (auth: Record<string, unknown>) => ({ vault: { server: "https://vault", auth } });
    const approle = v({ appRole: { path: "approle" } });
    expect(esoApiCall(approle, call("vault", "kv-read"))).toEqual({ provider: "HashiCorp/Vault", call: "ReadSecretData", status: "success" });
    expect(esoApiCall(approle, call("vault", "kv-metadata"))?.call).toBe("ReadSecretData");
    expect(esoApiCall(approle, call("vault", "kv-list"))?.call).toBe("ListSecrets");
    expect(esoApiCall(approle, call("vault", "kv-write"))?.call).toBe("WriteSecretData");
    expect(esoApiCall(approle, call("vault", "kv-write-metadata"))?.call).toBe("WriteSecretData");
    expect(esoApiCall(approle, call("vault", "kv-delete"))?.call).toBe("DeleteSecret");
    expect(esoApiCall(approle, call("vault", "token-lookup"))?.call).toBe("LookupSelf");
    expect(esoApiCall(approle, call("vault", "token-revoke"))?.call).toBe("RevokeSelf");
    for (const auth of [{ appRole: {} }, { kubernetes: {} }, { iam: {} }, { userPass: {} }, { ldap: {} }]) expect(esoApiCall(v(auth), call("vault", "login", "denied"))).toEqual({ provider: "HashiCorp/Vault", call: "Login", status: "error" });
    for (const auth of [{ cert: {} }, { jwt: {} }]) expect(esoApiCall(v(auth), call("vault", "login"))?.call).toBe("WriteSecretData");
  });

  it("GCP Secret Manager calls, and workload identity's token exchanges under ESO's names", () => {
    const g = { gcpsm: { projectID: "p" } };
    for (const op of ["GetSecret", "AccessSecretVersion", "ListSecrets", "CreateSecret", "UpdateSecret", "AddSecretVersion", "DeleteSecret"]) {
      expect(esoApiCall(g, call("gcpsm", op))).toEqual({ provider: "GCP/SecretManager", call: op, status: "success" });
    }
    expect(esoApiCall(g, call("gcpsm", "TokenExchange"))?.call).toBe("GenerateIDBindToken");
    expect(esoApiCall(g, call("gcpsm", "GenerateAccessToken"))?.call).toBe("GenerateAccessToken");
  });

  it("calls ESO does not count are left out (hush_provider_calls_total has them), as are unknown providers and prototype keys", () => {
    expect(esoApiCall({ aws: {} }, call("aws", "AssumeRole"))).toBeUndefined();
    expect(esoApiCall({ aws: {} }, call("aws", "TagResource"))).toBeUndefined();
    expect(esoApiCall({ aws: { service: "ParameterStore" } }, call("aws", "GetSecretValue"))).toBeUndefined();
    expect(esoApiCall({ vault: {} }, call("vault", "token-renew"))).toBeUndefined();
    expect(esoApiCall({ vault: {} }, call("vault", "dynamic-secret"))).toBeUndefined();
    expect(esoApiCall({ gcpsm: {} }, call("gcpsm", "ListSecretVersions"))).toBeUndefined();
    expect(esoApiCall({ azurekv: {} }, call("azurekv", "GetSecret"))).toBeUndefined();
    expect(esoApiCall(undefined, call("aws", "GetSecretValue"))).toBeUndefined();
    for (const op of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      expect(esoApiCall({ aws: {} }, call("aws", op))).toBeUndefined();
      expect(esoApiCall({ vault: {} }, call("vault", op))).toBeUndefined();
    }
  });
});
