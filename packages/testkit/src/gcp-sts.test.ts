import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGcpTokenService, type GcpTokenServiceFake } from "./gcp-sts.js";

const AUD = "identitynamespace:p.svc.id.goog:https://container.googleapis.com/v1/projects/p/locations/l/clusters/c";
const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
const subject = jwt({ sub: "system:serviceaccount:ns:app", aud: ["p.svc.id.goog"], exp: Math.floor(Date.now() / 1000) + 600 });
const form = (over: Record<string, string> = {}) =>
  new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    audience: AUD,
    scope: "https://www.googleapis.com/auth/cloud-platform",
    requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
    subject_token: subject,
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    ...over,
  }).toString();

describe("Google STS / IAM Credentials fake", () => {
  let fake: GcpTokenServiceFake;
  beforeAll(async () => {
    fake = await startGcpTokenService({ audience: AUD, serviceAccounts: ["reader@p.iam.gserviceaccount.com"] });
  });
  afterAll(() => fake?.stop());

  const sts = (body: string, type = "application/x-www-form-urlencoded") =>
    fetch(`${fake.endpoint}/v1/token`, { method: "POST", headers: { "content-type": type }, body });
  const generate = (email: string, bearer: string | undefined, body: unknown = { scope: ["https://www.googleapis.com/auth/cloud-platform"] }) =>
    fetch(`${fake.endpoint}/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:generateAccessToken`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });

  it("exchanges a form or JSON request and impersonates an allowed service account with the federated token", async () => {
    const res = await sts(form());
    expect(res.status).toBe(200);
    const fed = (await res.json()) as { access_token: string; token_type: string; expires_in: number; issued_token_type: string };
    expect(fed).toMatchObject({ token_type: "Bearer", issued_token_type: "urn:ietf:params:oauth:token-type:access_token" });
    expect(fake.isFederatedToken(fed.access_token)).toBe(true);
    expect(fake.exchanges.at(-1)).toMatchObject({ encoding: "form", audience: AUD, subjectClaims: { sub: "system:serviceaccount:ns:app" } });
    const json = await sts(
      JSON.stringify({
        grantType: "urn:ietf:params:oauth:grant-type:token-exchange",
        audience: AUD,
        scope: "https://www.googleapis.com/auth/cloud-platform",
        requestedTokenType: "urn:ietf:params:oauth:token-type:access_token",
        subjectToken: subject,
        subjectTokenType: "urn:ietf:params:oauth:token-type:jwt",
      }),
      "application/json",
    );
    expect(json.status).toBe(200);
    expect(fake.exchanges.at(-1)?.encoding).toBe("json");

    const gen = await generate("reader@p.iam.gserviceaccount.com", fed.access_token);
    expect(gen.status).toBe(200);
    const body = (await gen.json()) as { accessToken: string; expireTime: string };
    expect(fake.isServiceAccountToken(body.accessToken)).toBe(true);
    expect(Date.parse(body.expireTime)).toBeGreaterThan(Date.now());
    expect(fake.generated.at(-1)).toMatchObject({ serviceAccount: "reader@p.iam.gserviceaccount.com", bearer: fed.access_token });
  });

  it("refuses malformed exchanges with OAuth errors", async () => {
    const cases: Array<[string, string?]> = [
      [form({ grant_type: "client_credentials" })],
      [form({ requested_token_type: "urn:ietf:params:oauth:token-type:id_token" })],
      [form({ subject_token_type: "urn:ietf:params:oauth:token-type:saml2" })],
      [form({ audience: "identitynamespace:q.svc.id.goog:https://container.googleapis.com/v1/projects/q/locations/l/clusters/c" })],
      [form({ audience: "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/x/providers/y" })],
      [form({ scope: "openid" })],
      [form({ subject_token: "not-a-jwt" })],
      [form({ subject_token: jwt({ sub: "x", exp: 1 }) })],
      [form(), "text/plain"],
    ];
    for (const [body, type] of cases) {
      const res = await sts(body, type);
      expect(res.status, body).toBeGreaterThanOrEqual(400);
      expect(((await res.json()) as { error?: unknown }).error).toEqual(expect.any(String));
    }
  });

  it("refuses generateAccessToken without an STS token, with a bad body, or for another service account", async () => {
    const fed = ((await (await sts(form())).json()) as { access_token: string }).access_token;
    expect((await generate("reader@p.iam.gserviceaccount.com", undefined)).status).toBe(401);
    expect((await generate("reader@p.iam.gserviceaccount.com", "made-up")).status).toBe(401);
    expect((await generate("reader@p.iam.gserviceaccount.com", fed, { scope: [] })).status).toBe(400);
    const denied = await generate("admin1@p.iam.gserviceaccount.com", fed);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: 403, status: "PERMISSION_DENIED" } });
  });
});
