import { describe, expect, it } from "vitest";
import { awsVersionSelector, chunk, isBatchable, parseAwsConfig } from "./aws-config.js";
import { awsErrorKind, mapAwsError } from "./aws-errors.js";
import { memoizeCredentials } from "./aws-provider.js";

describe("aws config", () => {
  const secretRef = {
    accessKeyIDSecretRef: { name: "creds", key: "id" },
    secretAccessKeySecretRef: { name: "creds", key: "secret" },
  };

  it("parses ESO's aws block with static keys, role chain and retry settings", () => {
    expect(
      parseAwsConfig(
        { service: "SecretsManager", region: "eu-west-1", auth: { secretRef }, role: "arn:aws:iam::123456789012:role/a", prefix: "p/" },
        { maxRetries: 2 },
      ),
    ).toEqual({
      service: "SecretsManager",
      region: "eu-west-1",
      auth: { kind: "secretRef", accessKeyId: { name: "creds", key: "id" }, secretAccessKey: { name: "creds", key: "secret" } },
      role: "arn:aws:iam::123456789012:role/a",
      additionalRoles: [],
      prefix: "p/",
      maxAttempts: 3,
    });
    expect(parseAwsConfig({ region: "us-east-1" }).auth).toEqual({ kind: "ambient" });
    expect(parseAwsConfig({ service: "ParameterStore", region: "us-east-1" }).service).toBe("ParameterStore");
  });

  it("rejects what it cannot serve, naming the field", () => {
    const bad: unknown[] = [
      { service: "KeyManagementService", region: "us-east-1" },
      { region: "US East" },
      { region: "us-east-1", role: "not-an-arn" },
      { region: "us-east-1", role: "arn:aws:iam::12345:role/short-account" },
      { region: "us-east-1", role: "arn:aws:iam::123456789012:role/" },
      { region: "us-east-1", additionalRoles: ["arn:aws:iam::123456789012:role/a b"] },
      { region: "us-east-1", auth: { secretRef: { accessKeyIDSecretRef: { name: "x" } } } },
      { region: "us-east-1", auth: { secretRef, jwt: { serviceAccountRef: { name: "sa" } } } },
    ];
    for (const spec of bad) {
      expect(() => parseAwsConfig(spec)).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    }
  });

  it("selects versions the ESO way, plus bare UUIDs", () => {
    expect(awsVersionSelector(undefined)).toEqual({ VersionStage: "AWSCURRENT" });
    expect(awsVersionSelector("AWSPREVIOUS")).toEqual({ VersionStage: "AWSPREVIOUS" });
    expect(awsVersionSelector("uuid/abc")).toEqual({ VersionId: "abc" });
    expect(awsVersionSelector("0b8f7c2e-6f3d-4b0a-9a53-1f1b1c1d1e1f")).toEqual({ VersionId: "0b8f7c2e-6f3d-4b0a-9a53-1f1b1c1d1e1f" });
    expect(isBatchable({})).toBe(true);
    expect(isBatchable({ version: "AWSCURRENT" })).toBe(true);
    expect(isBatchable({ version: "AWSPREVIOUS" })).toBe(false);
    expect(isBatchable({ metadataPolicy: "Fetch" })).toBe(false);
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe("aws error mapping", () => {
  it("normalises AWS error names", () => {
    expect(awsErrorKind("ResourceNotFoundException")).toBe("not-found");
    expect(awsErrorKind("InvalidRequestException", 400, "You can't perform this operation on the secret because it was marked for deletion.")).toBe("not-found");
    expect(awsErrorKind("InvalidRequestException", 400, "other")).toBe("invalid-config");
    expect(awsErrorKind("AccessDeniedException")).toBe("access-denied");
    expect(awsErrorKind("ThrottlingException")).toBe("throttled");
    expect(awsErrorKind("InternalServiceError", 500)).toBe("unavailable");
    expect(awsErrorKind("Whatever", 429)).toBe("throttled");
  });

  it("keeps the SDK error only as cause, never its message", () => {
    const sdk = Object.assign(new Error("Secrets Manager can't find s3cr3t-canary"), {
      name: "ResourceNotFoundException",
      $metadata: { httpStatusCode: 400, requestId: "req-1" },
      $response: { headers: { "x-amz-security-token": "session-canary" } },
    });
    const mapped = mapAwsError(sdk, 'get secret "db"');
    expect(mapped.code).toBe("HUSH_ERR_PROVIDERS_NOT_FOUND");
    expect(mapped.message).toBe('aws secretsmanager: get secret "db": not found (ResourceNotFoundException)');
    expect(mapped.message).not.toContain("s3cr3t-canary");
    // The cause keeps name, message, status and request id, and drops the raw request/response.
    expect(mapped.cause).toMatchObject({ name: "ResourceNotFoundException", httpStatusCode: 400, requestId: "req-1" });
    expect(JSON.stringify(mapped.cause, Object.getOwnPropertyNames(mapped.cause as object))).not.toContain("session-canary");
    const net = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(mapAwsError(net, "x").code).toBe("HUSH_ERR_PROVIDERS_UNAVAILABLE");
    expect(mapAwsError(Object.assign(new Error("x"), { name: "Odd", $retryable: { throttling: true }, $metadata: {} }), "x").code).toBe(
      "HUSH_ERR_PROVIDERS_THROTTLED",
    );
    expect(mapAwsError(new TypeError("bug"), "x").code).toBe("HUSH_ERR_PROVIDERS_INTERNAL");
  });
});

describe("memoizeCredentials", () => {
  it("reuses credentials until five minutes before expiry by the injected clock, and retries after a failure", async () => {
    const clock = { now: 0 };
    let calls = 0;
    let fail = true;
    const creds = memoizeCredentials(async () => {
      calls++;
      if (fail) throw new Error("sts down");
      return { accessKeyId: `k${calls}`, secretAccessKey: "s", expiration: new Date(3_600_000) };
    }, () => clock.now);
    await expect(creds()).rejects.toThrow("sts down");
    fail = false;
    expect((await creds()).accessKeyId).toBe("k2");
    clock.now = 3_600_000 - 300_001;
    expect((await creds()).accessKeyId).toBe("k2");
    clock.now = 3_600_000 - 300_000;
    expect((await creds()).accessKeyId).toBe("k3");
    expect(calls).toBe(3);
  });
});

describe("aws batch fallback", () => {
  it("falls back to single reads for good when BatchGetSecretValue is denied", async () => {
    const { createAwsProvider } = await import("./aws-provider.js");
    const sent: string[] = [];
    const fakeClient = {
      async send(cmd: { constructor: { name: string }; input: { SecretId?: string } }) {
        sent.push(cmd.constructor.name);
        if (cmd.constructor.name === "BatchGetSecretValueCommand") {
          throw Object.assign(new Error("not authorized"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } });
        }
        return { Name: cmd.input.SecretId, SecretString: JSON.stringify({ k: cmd.input.SecretId }) };
      },
      destroy() {},
    };
    const p = await createAwsProvider(
      { region: "us-east-1" },
      { namespace: "ns", storeKind: "ClusterSecretStore", now: () => 0, readSecret: async () => new Uint8Array() },
      { factories: { secretsManager: () => fakeClient as never, sts: () => fakeClient as never } },
    );
    const first = await p.getSecrets([{ key: "a", property: "k" }, { key: "b", property: "k" }, { key: "a" }]);
    expect(first.map((r) => r.ok && new TextDecoder().decode(r.value))).toEqual(["a", "b", '{"k":"a"}']);
    expect(sent).toEqual(["BatchGetSecretValueCommand", "GetSecretValueCommand", "GetSecretValueCommand"]);
    sent.length = 0;
    await p.getSecrets([{ key: "c" }]);
    expect(sent).toEqual(["GetSecretValueCommand"]);
    await p.close();
  });
});
