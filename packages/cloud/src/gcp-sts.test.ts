import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { gcpClientOptions } from "./gcp.js";
import { exchangeGcpWorkloadIdentity } from "./gcp-sts.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of servers.splice(0)) await stop();
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c)).on("end", () => handler(req, Buffer.concat(chunks).toString(), res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  servers.push(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const base = { subjectToken: "kube.jwt.token", identityPool: "p.svc.id.goog", identityProvider: "https://container.googleapis.com/v1/projects/p/locations/l/clusters/c" };

describe("exchangeGcpWorkloadIdentity", () => {
  it("posts RFC 8693 form fields to STS, then generateAccessToken with the federated Bearer; expiry from the answers", async () => {
    const seen: Array<{ url: string; type: string; auth: string; body: string }> = [];
    const endpoint = await serve((req, body, res) => {
      seen.push({ url: req.url ?? "", type: req.headers["content-type"] ?? "", auth: req.headers.authorization ?? "", body });
      if (req.url === "/v1/token") res.end(JSON.stringify({ access_token: "fed", expires_in: 1200, token_type: "Bearer" }));
      else res.end(JSON.stringify({ accessToken: "gsa", expireTime: "2030-01-01T00:00:00Z" }));
    });
    const now = 1_000_000;
    const fed = await exchangeGcpWorkloadIdentity({ ...base, stsEndpoint: endpoint, now: () => now });
    expect(fed).toEqual({ accessToken: "fed", expiresAt: now + 1_200_000 });
    const form = Object.fromEntries(new URLSearchParams(seen[0]!.body));
    expect(seen[0]!.type).toBe("application/x-www-form-urlencoded");
    expect(form).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      audience: `identitynamespace:${base.identityPool}:${base.identityProvider}`,
      scope: "https://www.googleapis.com/auth/cloud-platform",
      requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
      subject_token: "kube.jwt.token",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    });
    const gsa = await exchangeGcpWorkloadIdentity({ ...base, serviceAccountEmail: "r@p.iam.gserviceaccount.com", stsEndpoint: endpoint, iamCredentialsEndpoint: `${endpoint}/`, now: () => now });
    expect(gsa).toEqual({ accessToken: "gsa", expiresAt: Date.parse("2030-01-01T00:00:00Z") });
    expect(seen[2]).toMatchObject({ url: "/v1/projects/-/serviceAccounts/r%40p.iam.gserviceaccount.com:generateAccessToken", type: "application/json", auth: "Bearer fed" });
    expect(JSON.parse(seen[2]!.body)).toEqual({ scope: ["https://www.googleapis.com/auth/cloud-platform"] });
  });

  it("classifies refusals by status and never puts a token or body in the error", async () => {
    for (const [status, kind] of [[400, "invalid-request"], [401, "access-denied"], [403, "access-denied"], [429, "throttled"], [503, "server-error"]] as const) {
      const endpoint = await serve((_req, _body, res) => res.writeHead(status).end(JSON.stringify({ error: "invalid_grant", error_description: "kube.jwt.token rejected" })));
      const err = (await exchangeGcpWorkloadIdentity({ ...base, stsEndpoint: endpoint, now: () => 0 }).catch((e: unknown) => e)) as Error & { kind: string };
      expect(err.kind).toBe(kind);
      expect(`${err.message} ${String(err.cause)}`).not.toMatch(/kube\.jwt\.token|invalid_grant/);
    }
  });

  it("bounds the answer size and refuses answers without a token", async () => {
    const big = await serve((_req, _body, res) => res.end("x".repeat(200_000)));
    await expect(exchangeGcpWorkloadIdentity({ ...base, stsEndpoint: big, now: () => 0 })).rejects.toMatchObject({ kind: "server-error", label: "sts: answer too large" });
    const empty = await serve((_req, _body, res) => res.end("{}"));
    await expect(exchangeGcpWorkloadIdentity({ ...base, stsEndpoint: empty, now: () => 0 })).rejects.toMatchObject({ kind: "server-error" });
    await expect(exchangeGcpWorkloadIdentity({ ...base, stsEndpoint: "http://127.0.0.1:1", now: () => 0 })).rejects.toMatchObject({ kind: "unreachable" });
  });

  it("a token source needs TLS for gRPC", async () => {
    await expect(gcpClientOptions({ tokenSource: async () => "t", insecure: true })).rejects.toMatchObject({ kind: "no-credentials" });
    const o = await gcpClientOptions({ tokenSource: async () => "t" });
    expect(o["sslCreds"]).toBeDefined();
    expect(o["clientOptions"]).toEqual({ universeDomain: "googleapis.com" });
  });
});
