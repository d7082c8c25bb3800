import { createHash, createHmac } from "node:crypto";
import { HushError } from "@hush/errors";

/** Where and as whom `hush publish` writes to S3: the environment sops's AWS SDK would read. */
export interface S3Target {
  /** `https://s3.<region>.amazonaws.com`, or `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string | undefined;
}

/**
 * The S3 target from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`,
 * `AWS_REGION`/`AWS_DEFAULT_REGION` (default us-east-1) and the endpoint variables. Only
 * environment credentials: shared profiles and instance roles are not read.
 * @throws HushError `HUSH_ERR_CLI_PUBLISH` without credentials.
 */
export function s3Target(env: NodeJS.ProcessEnv): S3Target {
  const accessKeyId = env["AWS_ACCESS_KEY_ID"];
  const secretAccessKey = env["AWS_SECRET_ACCESS_KEY"];
  if (!accessKeyId || !secretAccessKey) {
    throw new HushError("HUSH_ERR_CLI_PUBLISH", "no AWS credentials for the S3 destination", {
      hint: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones); hush publish reads no AWS profile",
    });
  }
  const region = env["AWS_REGION"] || env["AWS_DEFAULT_REGION"] || "us-east-1";
  const endpoint = (env["AWS_ENDPOINT_URL_S3"] || env["AWS_ENDPOINT_URL"] || `https://s3.${region}.amazonaws.com`).replace(/\/+$/, "");
  return { endpoint, region, accessKeyId, secretAccessKey, sessionToken: env["AWS_SESSION_TOKEN"] || undefined };
}

const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();
// RFC 3986 unreserved characters stay; S3 keys keep their "/" (one encoding pass, as S3 wants).
const encodeKey = (key: string): string =>
  key
    .split("/")
    .map((part) => encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");

/** One request to sign: lowercase header names; `host` must be among them. */
export interface S3RequestToSign {
  readonly method: string;
  /** The URI path, already encoded. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payloadHash: string;
  readonly amzDate: string;
}

/**
 * The `Authorization` header of an AWS Signature Version 4 request to S3 (no query string),
 * signing every header given. Pure.
 */
export function signS3Request(target: Pick<S3Target, "region" | "accessKeyId" | "secretAccessKey">, req: S3RequestToSign): string {
  const day = req.amzDate.slice(0, 8);
  const names = Object.keys(req.headers).sort();
  const signedHeaders = names.join(";");
  const canonical = [req.method, req.path, "", ...names.map((n) => `${n}:${String(req.headers[n]).trim()}`), "", signedHeaders, req.payloadHash].join("\n");
  const scope = `${day}/${target.region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", req.amzDate, scope, sha256(canonical)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${target.secretAccessKey}`, day), target.region), "s3"), "aws4_request");
  const signature = createHmac("sha256", signingKey).update(toSign).digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${target.accessKeyId}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

/**
 * PUTs one object (path-style URL, AWS Signature Version 4). Failures are one line naming the
 * HTTP status; the response body (which may echo request data) is not shown.
 */
export async function putObject(target: S3Target, bucket: string, key: string, body: Uint8Array, now: Date = new Date()): Promise<void> {
  const url = new URL(`${target.endpoint}/${encodeURIComponent(bucket)}/${encodeKey(key)}`);
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const payloadHash = sha256(body);
  const headers: Record<string, string> = {
    host: url.host,
    "x-amz-content-sha256": payloadHash,
    "x-amz-date": amzDate,
    ...(target.sessionToken && { "x-amz-security-token": target.sessionToken }),
  };
  const authorization = signS3Request(target, { method: "PUT", path: url.pathname, headers, payloadHash, amzDate });
  const { host: _host, ...sent } = headers;
  let res: Response;
  try {
    res = await fetch(url, { method: "PUT", headers: { ...sent, authorization }, body, signal: AbortSignal.timeout(60_000), redirect: "error" });
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_PUBLISH", `cannot reach S3 at ${target.endpoint}`, { cause, hint: "check AWS_ENDPOINT_URL / the network" });
  }
  await res.arrayBuffer();
  if (!res.ok) {
    const hint = res.status === 403 ? "check the AWS credentials and that they may s3:PutObject into this bucket" : "check that the bucket exists in this region";
    throw new HushError("HUSH_ERR_CLI_PUBLISH", `S3 refused PUT s3://${bucket}/${key} (HTTP ${res.status})`, { hint });
  }
}
