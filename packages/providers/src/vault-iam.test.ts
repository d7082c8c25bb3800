import { describe, expect, it } from "vitest";
import { iamAwsConfig, signIamLogin } from "./vault-iam.js";

const decode = (b64: string): string => Buffer.from(b64, "base64").toString("utf8");
const creds = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

describe("vault iam login body", () => {
  it("carries a SigV4-signed STS GetCallerIdentity with url, body and headers base64-encoded", async () => {
    const now = new Date(Date.UTC(2026, 11, 6, 22, 0, 0));
    const body = await signIamLogin({ credentials: creds, region: "eu-west-1", vaultRole: "app", now });
    expect(body.role).toBe("app");
    expect(body.iam_http_request_method).toBe("POST");
    expect(decode(body.iam_request_url)).toBe("https://sts.amazonaws.com/");
    expect(new URLSearchParams(decode(body.iam_request_body)).get("Action")).toBe("GetCallerIdentity");
    const headers = JSON.parse(decode(body.iam_request_headers)) as Record<string, string[]>;
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    // Vault's wire format: each header maps to a list of values.
    for (const v of Object.values(lower)) expect(Array.isArray(v) && v.length === 1).toBe(true);
    expect(lower["host"]).toEqual(["sts.amazonaws.com"]);
    expect(lower["x-amz-date"]).toEqual(["20261206T220000Z"]);
    const authz = lower["authorization"]![0]!;
    expect(authz).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261206\/eu-west-1\/sts\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/);
    expect(authz).not.toContain(creds.secretAccessKey);
    expect(JSON.stringify(body)).not.toContain(creds.secretAccessKey);
    expect(lower["x-amz-security-token"]).toBeUndefined();
    expect(lower["x-vault-aws-iam-server-id"]).toBeUndefined();
  });

  it("signs the server ID header and the session token when given, and the signature depends on them", async () => {
    const now = new Date(Date.UTC(2026, 0, 1));
    const plain = await signIamLogin({ credentials: creds, region: "us-east-1", now });
    const withId = await signIamLogin({ credentials: { ...creds, sessionToken: "FQoGZXIvYXdzEXAMPLE" }, region: "us-east-1", serverId: "vault.example.com", now });
    expect(plain.role).toBeUndefined();
    const h = Object.fromEntries(Object.entries(JSON.parse(decode(withId.iam_request_headers)) as Record<string, string[]>).map(([k, v]) => [k.toLowerCase(), v[0]!]));
    expect(h["x-vault-aws-iam-server-id"]).toBe("vault.example.com");
    expect(h["x-amz-security-token"]).toBe("FQoGZXIvYXdzEXAMPLE");
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(h["authorization"]!)![1]!.split(";");
    expect(signedHeaders).toContain("x-vault-aws-iam-server-id");
    expect(signedHeaders).toContain("host");
    const sigOf = (b: typeof plain): string => /Signature=([0-9a-f]+)/.exec(decode(b.iam_request_headers))![1]!;
    expect(sigOf(withId)).not.toBe(sigOf(plain));
    // Deterministic for the same input and clock: the signer has no hidden state.
    expect(sigOf(await signIamLogin({ credentials: creds, region: "us-east-1", now }))).toBe(sigOf(plain));
  });

  it("maps the iam block onto the AWS credential chain settings (keys, IRSA, or ambient)", () => {
    const ref = { name: "aws", key: "id" };
    expect(iamAwsConfig({ kind: "iam", path: "aws", region: "us-east-1", secretRef: { accessKeyId: ref, secretAccessKey: ref } }).auth).toEqual({
      kind: "secretRef",
      accessKeyId: ref,
      secretAccessKey: ref,
    });
    expect(iamAwsConfig({ kind: "iam", path: "aws", region: "us-east-1", serviceAccountRef: { name: "sa" }, role: "arn:aws:iam::1:role/r", externalID: "x" })).toMatchObject({
      auth: { kind: "jwt", serviceAccount: { name: "sa" } },
      role: "arn:aws:iam::1:role/r",
      externalID: "x",
      additionalRoles: [],
    });
    expect(iamAwsConfig({ kind: "iam", path: "aws", region: "us-east-1" }).auth).toEqual({ kind: "ambient" });
  });
});
