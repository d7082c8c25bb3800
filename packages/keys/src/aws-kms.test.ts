import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { CreateKeyCommand, KMSClient, type KMSClientConfig } from "@aws-sdk/client-kms";
import { STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { isHushError } from "@hush/errors";
import type { MasterKey } from "@hush/sops";
// Subpaths keep this suite off testkit's kube harness (and its Node 22-only HTTP client).
import { freePort } from "@hush/testkit/free-port";
import { startMoto, type MotoHarness } from "@hush/testkit/moto";
import { requirePeer } from "@hush/testkit/require-peer";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createAwsKmsProvider,
  kmsRegionFromArn,
  parseEncryptionContext,
  parseKmsKeys,
  stsSessionName,
  type KmsKeyRef,
} from "./aws-kms.js";
import { rejectionOf } from "@hush/testkit/rejection";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isHushError(err)) return err.code;
    throw err;
  }
  throw new Error("expected a rejection");
}


describe("parseEncryptionContext", () => {
  it("parses key:value pairs", () => {
    expect(parseEncryptionContext("app:web,env:prod")).toEqual({ app: "web", env: "prod" });
    expect(parseEncryptionContext("")).toBeUndefined();
  });

  it.each(["app", "app:web:x", "app:web,", ",", "a:b,c"])("rejects %j with exit 6", (bad) => {
    try {
      parseEncryptionContext(bad);
      expect.unreachable();
    } catch (err) {
      expect(isHushError(err) && err.code).toBe("HUSH_ERR_KEYS_INVALID_ENCRYPTION_CONTEXT");
      expect(isHushError(err) && err.exitCode).toBe(6);
    }
  });
});

describe("parseKmsKeys", () => {
  it("splits ARN+ROLE entries, removes spaces and drops empty entries", () => {
    const keys = parseKmsKeys(
      "arn:aws:kms:eu-west-1:111122223333:key/abc+arn:aws:iam::111122223333:role/sops , arn:aws:kms:us-east-1:111122223333:alias/x,",
      { context: { a: "b" }, awsProfile: "dev" },
    );
    expect(keys).toEqual([
      {
        type: "kms",
        arn: "arn:aws:kms:eu-west-1:111122223333:key/abc",
        role: "arn:aws:iam::111122223333:role/sops",
        context: { a: "b" },
        aws_profile: "dev",
      },
      { type: "kms", arn: "arn:aws:kms:us-east-1:111122223333:alias/x", context: { a: "b" }, aws_profile: "dev" },
    ]);
    expect(parseKmsKeys("")).toEqual([]);
    expect(parseKmsKeys("arn:aws:kms:us-east-1:1:key/k")[0]).toEqual({
      type: "kms",
      arn: "arn:aws:kms:us-east-1:1:key/k",
      aws_profile: "",
    });
  });

  it("takes the region from the ARN, including other partitions", () => {
    expect(kmsRegionFromArn("arn:aws:kms:eu-west-1:111122223333:key/abc")).toBe("eu-west-1");
    expect(kmsRegionFromArn("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/a")).toBe("us-gov-west-1");
    expect(() => kmsRegionFromArn("arn:aws:s3:::bucket")).toThrow(/not a KMS key ARN/);
  });

  it("builds sops's session name from the host name", () => {
    expect(stsSessionName("build host#1.example")).toBe("sops@buildhost1.example");
    expect(stsSessionName("h".repeat(100))).toHaveLength(64);
  });
});

describe("AWS KMS provider against moto", () => {
  let moto: MotoHarness | undefined;
  let arn = "";
  const dataKey = new Uint8Array(32).map((_, i) => (i * 7 + 3) & 0xff);
  const canary = Buffer.from(dataKey).toString("base64");
  const peer = requirePeer("moto_server", "run `bash scripts/peers moto`");

  beforeAll(async () => {
    if (!peer.ok) return;
    moto = await startMoto();
    const admin = new KMSClient({ region: "eu-west-1", endpoint: moto.endpoint, credentials: moto.credentials });
    arn = (await admin.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? "";
  });
  afterAll(async () => {
    await moto?.stop();
  });

  const base = (): Partial<KMSClientConfig> => ({ endpoint: moto?.endpoint, credentials: moto?.credentials, maxAttempts: 1 });
  const ref = (extra: Partial<KmsKeyRef> = {}): KmsKeyRef => ({ type: "kms", arn, aws_profile: "", ...extra });

  it.skipIf(!peer.ok)("wraps and unwraps with an encryption context, in the ARN's region", async () => {
    const seen: KMSClientConfig[] = [];
    const provider = createAwsKmsProvider({
      clientConfig: base(),
      createKmsClient: (config) => {
        seen.push(config);
        return new KMSClient(config);
      },
    });
    const key = ref({ context: { app: "web", env: "prod" } });
    const enc = await provider.wrap(key, dataKey);
    expect(enc).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(await provider.unwrap({ ...key, enc, created_at: "2026-01-01T00:00:00Z" })).toEqual(dataKey);
    expect(seen[0]?.region).toBe("eu-west-1");
    // The context is bound to the ciphertext: a different one fails.
    const wrong: MasterKey = { ...key, context: { app: "web" }, enc };
    expect(await codeOf(provider.unwrap(wrong))).toBe("HUSH_ERR_KEYS_UNWRAP_FAILED");
  });

  it.skipIf(!peer.ok)("reports a missing key as not found (unwrap) and as a wrap failure (encrypt)", async () => {
    const provider = createAwsKmsProvider({ clientConfig: base() });
    const missing = ref({ arn: "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000" });
    const wrapErr = await rejectionOf(provider.wrap(missing, dataKey));
    expect(isHushError(wrapErr) && wrapErr.code).toBe("HUSH_ERR_KEYS_WRAP_FAILED");
    expect(isHushError(wrapErr) && wrapErr.exitCode).toBe(1);
    expect(wrapErr.message).toContain(missing.arn);
    expect(wrapErr.message).not.toContain(canary);
    const enc = await createAwsKmsProvider({ clientConfig: base() }).wrap(ref(), dataKey);
    const unwrapErr = await rejectionOf(provider.unwrap({ ...missing, enc }));
    expect(isHushError(unwrapErr) && unwrapErr.code).toBe("HUSH_ERR_KEYS_KEY_NOT_FOUND");
    expect(isHushError(unwrapErr) && unwrapErr.exitCode).toBe(128);
  });

  it.skipIf(!peer.ok)("assumes `role` through STS with session name sops@<host> and uses those credentials", async () => {
    const assumed: unknown[] = [];
    const kmsConfigs: KMSClientConfig[] = [];
    const provider = createAwsKmsProvider({
      clientConfig: base(),
      hostname: "ci runner",
      createStsClient: (config: STSClientConfig) => {
        const sts = new STSClient(config);
        sts.middlewareStack.add(
          (next) => async (args) => {
            assumed.push(args.input);
            return next(args);
          },
          { step: "initialize" },
        );
        return sts;
      },
      createKmsClient: (config) => {
        kmsConfigs.push(config);
        return new KMSClient(config);
      },
    });
    const key = ref({ role: "arn:aws:iam::123456789012:role/sops-decrypt" });
    const enc = await provider.wrap(key, dataKey);
    expect(await provider.unwrap({ ...key, enc })).toEqual(dataKey);
    expect(assumed).toEqual([{ RoleArn: "arn:aws:iam::123456789012:role/sops-decrypt", RoleSessionName: "sops@cirunner" }]);
    const provide = kmsConfigs[0]?.credentials as () => Promise<{ accessKeyId: string; sessionToken?: string }>;
    const creds = await provide();
    expect(creds.accessKeyId).not.toBe(moto?.credentials.accessKeyId);
    expect(creds.sessionToken).toBeTruthy();
  });

  it.skipIf(!peer.ok)("loads credentials from the key's aws_profile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hush-aws-profile-"));
    try {
      const credsFile = join(dir, "credentials");
      writeFileSync(credsFile, "[hush-test]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = secretprofile\n");
      vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", credsFile);
      vi.stubEnv("AWS_CONFIG_FILE", join(dir, "config"));
      vi.stubEnv("AWS_ACCESS_KEY_ID", "");
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "");
      const provider = createAwsKmsProvider({ clientConfig: { endpoint: moto?.endpoint, maxAttempts: 1 } });
      const enc = await provider.wrap(ref({ aws_profile: "hush-test" }), dataKey);
      expect(await provider.unwrap({ ...ref({ aws_profile: "hush-test" }), enc })).toEqual(dataKey);
      expect(await codeOf(provider.unwrap({ ...ref({ aws_profile: "no-such-profile" }), enc }))).toBe(
        "HUSH_ERR_KEYS_NO_CREDENTIALS",
      );
    } finally {
      vi.unstubAllEnvs();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("error paths through a fault-injecting proxy in front of moto", () => {
    // moto answers IAM denials in XML, which no KMS client can parse, and never throttles, so
    // these two AWS errors are injected the way KMS sends them (JSON `__type`, HTTP 400).
    let proxy: Server | undefined;
    let proxyUrl = "";
    let fault: string | undefined;
    let requests = 0;

    beforeAll(async () => {
      if (!peer.ok) return;
      proxy = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          requests++;
          if (fault) {
            res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
            res.end(JSON.stringify({ __type: fault, message: "injected" }));
            return;
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host") headers[k] = v;
          void fetch(`${moto?.endpoint}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) }).then(
            async (r) => {
              res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
              res.end(Buffer.from(await r.arrayBuffer()));
            },
          );
        });
      });
      const port = await freePort();
      await new Promise<void>((resolve) => proxy?.listen(port, "127.0.0.1", resolve));
      proxyUrl = `http://127.0.0.1:${port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    });

    it.skipIf(!peer.ok)("maps AccessDeniedException to an access-denied error without secrets", async () => {
      const enc = await createAwsKmsProvider({ clientConfig: { ...base(), endpoint: proxyUrl } }).wrap(ref(), dataKey);
      fault = "AccessDeniedException";
      try {
        const provider = createAwsKmsProvider({ clientConfig: { ...base(), endpoint: proxyUrl } });
        const err = await rejectionOf(provider.unwrap({ ...ref(), enc }));
        expect(isHushError(err) && err.code).toBe("HUSH_ERR_KEYS_ACCESS_DENIED");
        expect(err.message).toBe(`kms ${arn}: could not decrypt the data key: access denied`);
        expect(err.message).not.toContain(enc);
        expect(await codeOf(provider.wrap(ref(), dataKey))).toBe("HUSH_ERR_KEYS_WRAP_FAILED");
      } finally {
        fault = undefined;
      }
    });

    it.skipIf(!peer.ok)("retries throttling as configured, then reports it", async () => {
      const enc = await createAwsKmsProvider({ clientConfig: { ...base(), endpoint: proxyUrl } }).wrap(ref(), dataKey);
      fault = "ThrottlingException";
      requests = 0;
      try {
        const provider = createAwsKmsProvider({ clientConfig: { ...base(), endpoint: proxyUrl, maxAttempts: 2 } });
        expect(await codeOf(provider.unwrap({ ...ref(), enc }))).toBe("HUSH_ERR_KEYS_THROTTLED");
        expect(requests).toBe(2);
      } finally {
        fault = undefined;
      }
    });

    it.skipIf(!peer.ok)("reports an unreachable endpoint", async () => {
      const closed = await freePort();
      const provider = createAwsKmsProvider({ clientConfig: { ...base(), endpoint: `http://127.0.0.1:${closed}` } });
      expect(await codeOf(provider.unwrap({ ...ref(), enc: canary }))).toBe("HUSH_ERR_KEYS_UNREACHABLE");
    });
  });
});

describe("AWS KMS errors keep no request or response", () => {
  // A KMS endpoint that refuses every call, quoting the request body (which holds the data key)
  // in its message, as a service may quote request parameters.
  let server: Server;
  let endpoint = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "req-77" });
        res.end(JSON.stringify({ __type: "AccessDeniedException", message: `refused ${Buffer.concat(chunks).toString()}` }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("an SDK error with $response becomes a summary: no data key, signature, token or service text", async () => {
    const dataKey = new Uint8Array(32).map((_, i) => (i * 13 + 5) & 0xff);
    const b64 = Buffer.from(dataKey).toString("base64");
    const provider = createAwsKmsProvider({
      clientConfig: {
        endpoint,
        maxAttempts: 1,
        credentials: { accessKeyId: "AKIDKMSCANARY", secretAccessKey: "secret-kms-canary", sessionToken: "session-kms-canary" },
      },
    });
    const ref: KmsKeyRef = { type: "kms", arn: "arn:aws:kms:eu-west-1:111122223333:key/k", aws_profile: "" };
    const err = await rejectionOf(provider.wrap(ref, dataKey));
    expect(isHushError(err) && err.code).toBe("HUSH_ERR_KEYS_WRAP_FAILED");
    expect(err.message).toBe("kms arn:aws:kms:eu-west-1:111122223333:key/k: could not encrypt the data key: access denied");
    expect(err.cause).toMatchObject({ name: "AccessDeniedException", httpStatusCode: 400, requestId: "req-77" });
    const dump = inspect(err, { depth: 20, showHidden: true, getters: true });
    for (const secret of [b64, "AKIDKMSCANARY", "secret-kms-canary", "session-kms-canary", "refused", "$response", "Signature="]) {
      expect(dump).not.toContain(secret);
    }
  });
});
