import { generateKeyPairSync } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { isCloudError } from "./failure.js";
import { classifyGcpError, gcpClientOptions } from "./gcp.js";

describe("the shared Google Cloud client setup", () => {
  it("maps endpoints and transports, and a static token to a bearer auth client on REST", async () => {
    expect(await gcpClientOptions({ endpoint: "http://127.0.0.1:9999", transport: "grpc", accessToken: "tok" })).toMatchObject({
      fallback: true,
      protocol: "http",
      apiEndpoint: "127.0.0.1",
      port: 9999,
    });
    expect(await gcpClientOptions({ endpoint: "secretmanager.eu.rep.googleapis.com", projectId: "p" })).toEqual({
      apiEndpoint: "secretmanager.eu.rep.googleapis.com",
      projectId: "p",
    });
  });

  it("builds an explicit JWT client from a service-account key, never the deprecated credentials option", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const key = JSON.stringify({ type: "service_account", client_email: "sa@p.iam.gserviceaccount.com", private_key: privateKey.export({ type: "pkcs8", format: "pem" }) });
    const o = await gcpClientOptions({ credentialsJson: key, serviceAccountOnly: true });
    expect(o["credentials"]).toBeUndefined();
    expect((o["authClient"] as { constructor: { name: string }; email?: string }).constructor.name).toBe("JWT");
  });

  it("refuses unusable credentials without quoting them", async () => {
    const cases = [
      ['{"private_key": "-----BEGIN canary-1', "not valid JSON"],
      ['{"type": "service_account", "private_key": "canary-2"}', "without client_email or private_key"],
      ['{"type": "authorized_user", "refresh_token": "canary-3"}', "not a service-account key"],
    ] as const;
    for (const [json, why] of cases) {
      const err = await gcpClientOptions({ credentialsJson: json, serviceAccountOnly: true }).catch((e: unknown) => e);
      expect(isCloudError(err) && err.kind).toBe("no-credentials");
      expect((err as Error).message).toContain(why);
      expect(inspect(err, { depth: 20, showHidden: true })).not.toMatch(/canary-\d/);
    }
  });

  it("classifies gRPC codes, missing credentials and network failures; the cause is a summary", () => {
    const denied = Object.assign(new Error("7 PERMISSION_DENIED: caller lacks access to projects/p/secrets/db-canary"), {
      code: 7,
      details: "caller lacks access to projects/p/secrets/db-canary",
      metadata: { "x-goog-api-client": "gax" },
    });
    const f = classifyGcpError(denied);
    expect([f.kind, f.label]).toEqual(["access-denied", "PERMISSION_DENIED"]);
    expect(f.cause).toMatchObject({ name: "Error", code: 7 });
    expect(inspect(f, { depth: 20, showHidden: true })).not.toContain("db-canary");
    expect(classifyGcpError(Object.assign(new Error("x"), { code: 9 })).kind).toBe("not-found");
    expect(classifyGcpError(Object.assign(new Error("x"), { code: 14 })).kind).toBe("unreachable");
    expect(classifyGcpError(new Error("Could not load the default credentials.")).kind).toBe("no-credentials");
    expect(classifyGcpError(new TypeError("fetch failed", { cause: Object.assign(new Error("c"), { code: "ECONNREFUSED" }) })).kind).toBe("unreachable");
  });
});
