import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { s3Target, signS3Request } from "./s3-put.js";

describe("signS3Request", () => {
  it("reproduces AWS's published Signature Version 4 example for a PUT Object request", () => {
    // The "PUT Object" example of Amazon S3's "Signature Calculations for the Authorization
    // Header" documentation (its example credentials, not real ones).
    const payloadHash = createHash("sha256").update("Welcome to Amazon S3.").digest("hex");
    expect(payloadHash).toBe("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    const authorization = signS3Request(
      { region: "us-east-1", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      {
        method: "PUT",
        path: "/test%24file.text",
        headers: {
          date: "Fri, 24 May 2013 00:00:00 GMT",
          host: "examplebucket.s3.amazonaws.com",
          "x-amz-date": "20130524T000000Z",
          "x-amz-storage-class": "REDUCED_REDUNDANCY",
          "x-amz-content-sha256": payloadHash,
        },
        payloadHash,
        amzDate: "20130524T000000Z",
      },
    );
    expect(authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    );
  });

  it("reads credentials, region and endpoint from the environment only, and fails clearly without credentials", () => {
    expect(() => s3Target({})).toThrow(/no AWS credentials/);
    expect(s3Target({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b", AWS_DEFAULT_REGION: "eu-west-1", AWS_ENDPOINT_URL: "http://127.0.0.1:5000/" })).toEqual({
      endpoint: "http://127.0.0.1:5000",
      region: "eu-west-1",
      accessKeyId: "a",
      secretAccessKey: "b",
      sessionToken: undefined,
    });
  });
});
