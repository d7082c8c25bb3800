import { isHushError } from "@hush/errors";
import { freePort } from "@hush/testkit/free-port";
import { startCloudKmsFake } from "@hush/testkit/key-service-fakes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGcpKmsProvider, gcpClientOptions, parseGcpKmsResourceId, parseGcpKmsResourceIds, type GcpKmsKeyRef } from "./gcp-kms.js";
import { rejectionOf } from "@hush/testkit/rejection";


describe("GCP KMS resource IDs", () => {
  it("accepts crypto key resource IDs and lists of them", () => {
    const id = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
    expect(parseGcpKmsResourceId(` ${id}`)).toEqual({ type: "gcp_kms", resource_id: id });
    expect(parseGcpKmsResourceIds(`${id},,${id}2`)).toHaveLength(2);
  });

  it.each(["projects/p/locations/global/keyRings/r", "projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1", "k"])(
    "rejects %s",
    (bad) => {
      expect(() => parseGcpKmsResourceId(bad)).toThrow(/invalid resource ID/);
    },
  );

  it("maps SOPS_GCP_KMS_ENDPOINT URLs and tokens to client options", async () => {
    const o = await gcpClientOptions({ endpoint: "http://127.0.0.1:9999", accessToken: "tok" });
    expect(o).toMatchObject({ fallback: true, protocol: "http", apiEndpoint: "127.0.0.1", port: 9999 });
    expect(await gcpClientOptions({ endpoint: "kms.example.com:443", transport: "grpc" })).toEqual({
      fallback: false,
      apiEndpoint: "kms.example.com:443",
    });
  });

  it("turns GOOGLE_CREDENTIALS into an explicit auth client, and refuses a bad one without quoting it", async () => {
    const bad = await rejectionOf(gcpClientOptions({ credentialsJson: '{"private_key": "-----BEGIN canary-7f3a' }));
    expect(isHushError(bad) && bad.code).toBe("HUSH_ERR_KEYS_NO_CREDENTIALS");
    expect(bad.message).toMatch(/not valid JSON/);
    expect(bad.message).not.toContain("canary-7f3a");
    const user = JSON.stringify({ type: "authorized_user", client_id: "id", client_secret: "s", refresh_token: "r" });
    const o = await gcpClientOptions({ credentialsJson: user });
    expect(o["credentials"]).toBeUndefined(); // the deprecated option warns on stderr
    expect((o["authClient"] as { constructor: { name: string } }).constructor.name).toBe("UserRefreshClient");
  });
});

/**
 * A Cloud KMS fake speaking the REST API that @google-cloud/kms's HTTP/1.1 transport uses:
 * `POST /v1/{name}:encrypt|decrypt`, base64 bytes, Google's `{"error": {code, status}}` bodies.
 */

describe("GCP KMS provider through @google-cloud/kms against a Cloud KMS REST fake", () => {
  let fake: Awaited<ReturnType<typeof startCloudKmsFake>>;
  const dataKey = new Uint8Array(32).map((_, i) => (i * 17 + 9) & 0xff);
  const canary = Buffer.from(dataKey).toString("base64");
  const ref = (k = "sops"): GcpKmsKeyRef => ({ type: "gcp_kms", resource_id: `projects/p/locations/global/keyRings/r/cryptoKeys/${k}` });

  beforeAll(async () => {
    fake = await startCloudKmsFake("ya29.test-token");
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it("wraps and unwraps with the real client library", async () => {
    const provider = createGcpKmsProvider({ endpoint: fake.endpoint, accessToken: "ya29.test-token" });
    const enc = await provider.wrap(ref(), dataKey);
    expect(enc).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(await provider.unwrap({ ...ref(), enc, created_at: "2026-01-01T00:00:00Z" })).toEqual(dataKey);
    expect(fake.calls.some((c) => c.startsWith(`POST /v1/${ref().resource_id}:encrypt`))).toBe(true);
  });

  it("maps denied, missing, throttled and unreachable to their codes without secrets", async () => {
    const good = createGcpKmsProvider({ endpoint: fake.endpoint, accessToken: "ya29.test-token" });
    const enc = await good.wrap(ref(), dataKey);
    const denied = await rejectionOf(createGcpKmsProvider({ endpoint: fake.endpoint, accessToken: "wrong" }).unwrap({ ...ref(), enc }));
    expect(isHushError(denied) && denied.code).toBe("HUSH_ERR_KEYS_ACCESS_DENIED");
    expect(denied.message).not.toContain(canary);
    expect(denied.message).not.toContain(enc);
    const missing = await rejectionOf(good.unwrap({ ...ref("missing"), enc }));
    expect(isHushError(missing) && missing.code).toBe("HUSH_ERR_KEYS_KEY_NOT_FOUND");
    fake.fail = { code: 429, status: "RESOURCE_EXHAUSTED" };
    try {
      const throttled = await rejectionOf(good.unwrap({ ...ref(), enc }));
      expect(isHushError(throttled) && throttled.code).toBe("HUSH_ERR_KEYS_THROTTLED");
    } finally {
      fake.fail = undefined;
    }
    const port = await freePort();
    const down = createGcpKmsProvider({ endpoint: `http://127.0.0.1:${port}`, accessToken: "t" });
    const unreachable = await rejectionOf(down.unwrap({ ...ref(), enc }));
    expect(isHushError(unreachable) && unreachable.code).toBe("HUSH_ERR_KEYS_UNREACHABLE");
    const wrapErr = await rejectionOf(down.wrap(ref(), dataKey));
    expect(isHushError(wrapErr) && wrapErr.code).toBe("HUSH_ERR_KEYS_WRAP_FAILED");
    expect(isHushError(wrapErr) && wrapErr.exitCode).toBe(1);
  });
});
