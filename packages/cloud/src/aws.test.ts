import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCredentialChain, awsErrorNameKind, classifyAwsError, memoizeCredentials } from "./aws.js";
import { isCloudError } from "./failure.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const TOKEN = "web-identity-canary-5d2c";
const SESSION = "session-token-canary-91ab";
const KEY_ID = "AKIDCANARY0000000001";

/** Everything an object exposes, however deep: what a logger or a crash dump could print. */
const everything = (value: unknown): string => inspect(value, { depth: 20, showHidden: true, getters: true, maxStringLength: Infinity });

describe("AWS errors are summarised once, at the edge", () => {
  let server: Server;
  let endpoint = "";
  const bodies: string[] = [];

  beforeAll(async () => {
    // An STS endpoint that refuses, echoing the web identity token in its message as a real
    // service may echo request parameters.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        bodies.push(body);
        res.writeHead(403, { "content-type": "text/xml", "x-amzn-requestid": "req-1234" });
        res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>token ${TOKEN} refused</Message></Error><RequestId>req-1234</RequestId></ErrorResponse>`,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const sts = () =>
    new STSClient({ region: "us-east-1", endpoint, maxAttempts: 1, credentials: { accessKeyId: KEY_ID, secretAccessKey: "secret-canary", sessionToken: SESSION } });

  it("an SDK error with $response keeps no request, response, header or message text", async () => {
    const raw = await sts()
      .send(new AssumeRoleWithWebIdentityCommand({ RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "s", WebIdentityToken: TOKEN }))
      .then(
        () => expect.unreachable(),
        (e: unknown) => e,
      );
    // The raw error does carry the request data: this is what must not travel further.
    expect(raw).toHaveProperty("$response");
    expect(everything(raw)).toContain(TOKEN);
    expect(bodies.at(-1)).toContain(TOKEN);

    const failure = classifyAwsError(raw);
    expect(failure.kind).toBe("access-denied");
    expect(failure.label).toBe("AccessDenied");
    expect(failure.cause).toMatchObject({ name: "AccessDenied", httpStatusCode: 403, requestId: "req-1234" });
    const kept = everything(failure);
    for (const secret of [TOKEN, SESSION, KEY_ID, "secret-canary", "$response", "Authorization", "x-amz-security-token"]) {
      expect(kept).not.toContain(secret);
    }
  });

  it("the credential chain throws only summarised CloudErrors from STS", async () => {
    const chain = awsCredentialChain({
      base: { kind: "web-identity", roleArn: "arn:aws:iam::123456789012:role/r", token: async () => TOKEN },
      sessionName: "hush-team/a",
      region: "us-east-1",
      createSts: () => sts(),
    });
    const err = await chain.credentials!().then(
      () => expect.unreachable(),
      (e: unknown) => e,
    );
    expect(isCloudError(err) && err.kind).toBe("access-denied");
    expect(everything(err)).not.toContain(TOKEN);
    expect(everything(err)).not.toContain(SESSION);
    expect(bodies.at(-1)).toContain("RoleSessionName=hush-team-a"); // session names are sanitised
    chain.close();
  });

  it("passes the caller's own failures (no token) through untouched", async () => {
    const mine = new Error("no service account token");
    const chain = awsCredentialChain({
      base: { kind: "web-identity", roleArn: "arn:aws:iam::123456789012:role/r", token: async () => Promise.reject(mine) },
      roles: [{ arn: "arn:aws:iam::123456789012:role/next" }],
      sessionName: "s",
      region: "us-east-1",
      createSts: () => sts(),
    });
    await expect(chain.credentials!()).rejects.toBe(mine);
  });

  it("leaves the ambient identity to the SDK when there is no role to assume", () => {
    const chain = awsCredentialChain({ base: { kind: "ambient", profile: "dev" }, sessionName: "s", region: "eu-west-1" });
    expect(chain.credentials).toBeUndefined();
    expect(chain.clientConfig).toEqual({ profile: "dev" });
  });
});

describe("awsErrorNameKind", () => {
  it("covers both KMS and Secrets Manager exception names", () => {
    expect(awsErrorNameKind("NotFoundException")).toBe("not-found");
    expect(awsErrorNameKind("DisabledException")).toBe("not-found");
    expect(awsErrorNameKind("ResourceNotFoundException")).toBe("not-found");
    expect(awsErrorNameKind("InvalidRequestException", 400, "You can't perform this operation on the secret because it was marked for deletion.")).toBe("not-found");
    expect(awsErrorNameKind("InvalidRequestException", 400, "other")).toBe("invalid-request");
    expect(awsErrorNameKind("CredentialsProviderError")).toBe("no-credentials");
    expect(awsErrorNameKind("ThrottlingException")).toBe("throttled");
    expect(awsErrorNameKind("KMSInternalException")).toBe("server-error");
    expect(awsErrorNameKind("Whatever", 403)).toBe("access-denied");
    expect(awsErrorNameKind("Whatever")).toBe("unknown");
  });

  it("classifies network failures and programming errors apart from service answers", () => {
    expect(classifyAwsError(Object.assign(new Error("connect"), { code: "ECONNREFUSED" })).kind).toBe("unreachable");
    expect(classifyAwsError(new TypeError("x is not a function")).kind).toBe("internal");
    expect(classifyAwsError(Object.assign(new Error("slow"), { name: "Odd", $retryable: { throttling: true } })).kind).toBe("throttled");
  });
});

describe("memoizeCredentials", () => {
  it("shares one resolution, refreshes five minutes before expiry and forgets failures", async () => {
    const clock = { now: 0 };
    let calls = 0;
    let fail = true;
    const creds = memoizeCredentials(async () => {
      calls++;
      if (fail) throw new Error("boom");
      return { accessKeyId: `k${calls}`, secretAccessKey: "s", expiration: new Date(3_600_000) };
    }, () => clock.now);
    await expect(creds()).rejects.toThrow("boom");
    fail = false;
    const [a, b] = await Promise.all([creds(), creds()]);
    expect(a.accessKeyId).toBe("k2");
    expect(b).toBe(a);
    clock.now = 3_600_000 - 300_000;
    expect((await creds()).accessKeyId).toBe("k3");
    expect(calls).toBe(3);
  });
});
