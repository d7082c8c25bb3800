import { describe, expect, it } from "vitest";
import { crc32c } from "./crc32c.js";
import { gcpSecretName, gcpVersionName, parseGcpConfig, parseServiceAccountKey } from "./gcp-config.js";
import { grpcStatusKind, mapGcpError } from "./gcp-errors.js";
import { createGcpProvider, gcpListFilter, verifiedPayload, type GcpSecretManagerClient } from "./gcp-provider.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("crc32c", () => {
  it("matches the published CRC-32C check values", () => {
    expect(crc32c(bytes("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  });
});

describe("gcp payload verification", () => {
  const data = bytes("s3cr3t-canary");
  it("accepts a matching checksum (as gax's string, number or Long-like) and a missing one", () => {
    for (const c of [String(crc32c(data)), crc32c(data), { toString: () => String(crc32c(data)) }, undefined, null]) {
      expect(verifiedPayload({ payload: { data, dataCrc32c: c } }, "db")).toEqual(data);
    }
  });

  it("fails a corrupted payload with checksum-mismatch, without the value", () => {
    const corrupted = bytes("s3cr3t-canarY");
    try {
      verifiedPayload({ payload: { data: corrupted, dataCrc32c: String(crc32c(data)) } }, "db");
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_CHECKSUM_MISMATCH");
      expect((err as Error).message).not.toContain("canar");
    }
    expect(() => verifiedPayload({ payload: { data, dataCrc32c: "garbage" } }, "db")).toThrow(
      expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_CHECKSUM_MISMATCH" }),
    );
    expect(() => verifiedPayload({ payload: null }, "db")).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_NOT_FOUND" }));
  });

  it("surfaces a mismatch through the provider as a typed, retryable error", async () => {
    const data = bytes("value");
    const client: GcpSecretManagerClient = {
      accessSecretVersion: async () => [{ name: "projects/p/secrets/db/versions/1", payload: { data, dataCrc32c: "1" } }],
      getSecret: async () => [{}],
      listSecrets: async () => [[]],
      listSecretVersions: async () => [[]],
      close: async () => undefined,
    };
    const p = await createGcpProvider({ projectID: "p" }, { namespace: "", storeKind: "ClusterSecretStore", now: () => 0, readSecret: async () => new Uint8Array() }, { factory: () => client });
    await expect(p.getSecret({ key: "db" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_CHECKSUM_MISMATCH" });
    const [r] = await p.getSecrets([{ key: "db" }]);
    expect(r?.ok === false && r.error.code).toBe("HUSH_ERR_PROVIDERS_CHECKSUM_MISMATCH");
  });
});

describe("gcp config and names", () => {
  it("parses ESO's gcpsm block", () => {
    expect(parseGcpConfig({ projectID: "p-1", auth: { secretRef: { secretAccessKeySecretRef: { name: "sa", key: "k" } } } })).toEqual({
      projectID: "p-1",
      versionPolicy: "LatestOrFail",
      keySecretRef: { name: "sa", key: "k" },
    });
    expect(() => parseGcpConfig({ projectID: "p", auth: { workloadIdentity: {} } })).toThrow(
      expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }),
    );
    expect(() => parseGcpConfig({})).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
  });

  it("builds global and regional names, defaulting to latest", () => {
    const global = parseGcpConfig({ projectID: "p" });
    const regional = parseGcpConfig({ projectID: "p", location: "europe-west1" });
    expect(gcpVersionName(global, "db")).toBe("projects/p/secrets/db/versions/latest");
    expect(gcpVersionName(regional, "db", "3")).toBe("projects/p/locations/europe-west1/secrets/db/versions/3");
    expect(gcpSecretName(global, "projects/q/secrets/x")).toBe("projects/q/secrets/x");
    expect(() => gcpSecretName(global, "../x")).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    expect(() => gcpVersionName(global, "db", "1/../2")).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
  });

  it("checks a service-account key without echoing it", () => {
    expect(parseServiceAccountKey('{"type":"service_account","client_email":"a@b","private_key":"k"}').client_email).toBe("a@b");
    try {
      parseServiceAccountKey("not json s3cr3t");
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain("s3cr3t");
    }
  });

  it("builds list filters from labels and path", () => {
    expect(gcpListFilter({ tags: { team: "a", env: "" }, path: "db" })).toBe('labels.team=a AND labels.env="" AND name:db');
    expect(() => gcpListFilter({ tags: { "Bad Key": "x" } })).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
  });
});

describe("gcp error mapping", () => {
  it("maps gRPC codes to kinds", () => {
    expect([5, 9, 7, 16, 8, 3, 14, 4, 13].map(grpcStatusKind)).toEqual([
      "not-found", "not-found", "access-denied", "access-denied", "throttled", "invalid-config", "unavailable", "unavailable", "unavailable",
    ]);
    const sdk = Object.assign(new Error("5 NOT_FOUND: Secret [projects/p/secrets/db] not found"), { code: 5 });
    const mapped = mapGcpError(sdk, 'access "db"');
    expect(mapped.code).toBe("HUSH_ERR_PROVIDERS_NOT_FOUND");
    expect(mapped.cause).toMatchObject({ name: "Error", code: 5 });
    expect(mapGcpError(new TypeError("x"), "access").code).toBe("HUSH_ERR_PROVIDERS_INTERNAL");
  });
});
