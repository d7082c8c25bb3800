import { isHushError } from "@hush/errors";
import { describe, expect, it } from "vitest";
import { formatFloatF, goMarshal, vaultDynamicRequest, vaultDynamicResult } from "./vault-dynamic.js";

const text = (m: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, new TextDecoder().decode(v)]));
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isHushError(err) ? err.code : "not a HushError";
  }
  return undefined;
};

// A Vault response as `POST auth/token/create` returns it (values made up).
const tokenCreate = {
  request_id: "r-1",
  lease_id: "",
  lease_duration: 0,
  renewable: false,
  data: null,
  warnings: null,
  auth: { client_token: "hvs.x", accessor: "acc", policies: ["default", "web"], token_policies: ["default", "web"], metadata: { b: "2", a: "<1>" }, lease_duration: 3600, renewable: true, entity_id: "", token_type: "service", orphan: false, mfa_requirement: null, num_uses: 0 },
};

describe("VaultDynamicSecret result (ESO v0.16.2 semantics)", () => {
  it("Data: the response's data members become keys, values as ESO's GetByteValue converts them", () => {
    const out = text(vaultDynamicResult({}, { lease_id: "db/creds/app/1", lease_duration: 60, data: { username: "v-app", password: "p", port: 5432, tls: true, none: null, roles: ["a", "b"], conn: { z: 1, a: "x&y" } } }));
    expect(out).toEqual({ username: "v-app", password: "p", port: "5432", tls: "true", none: "", roles: '["a","b"]', conn: '{"a":"x\\u0026y","z":1}' });
  });

  it("Auth: exactly the fields of the Vault Go client's SecretAuth, unknown ones dropped, zero values kept", () => {
    const out = text(vaultDynamicResult({ resultType: "Auth" }, tokenCreate));
    expect(Object.keys(out).sort()).toEqual(["accessor", "client_token", "entity_id", "identity_policies", "lease_duration", "metadata", "mfa_requirement", "orphan", "policies", "renewable", "token_policies"]);
    expect(out).toMatchObject({ client_token: "hvs.x", policies: '["default","web"]', identity_policies: "", metadata: '{"a":"\\u003c1\\u003e","b":"2"}', lease_duration: "3600", renewable: "true", orphan: "false", mfa_requirement: "" });
    // No auth block: no keys (ESO unmarshals null into an empty map), not an error.
    expect(vaultDynamicResult({ resultType: "Auth" }, { data: { a: "b" } })).toEqual({});
  });

  it("Raw: the Secret fields of the whole response", () => {
    const out = text(vaultDynamicResult({ resultType: "Raw" }, tokenCreate));
    expect(Object.keys(out).sort()).toEqual(["auth", "data", "lease_duration", "lease_id", "renewable", "request_id", "warnings"]);
    expect(out["data"]).toBe("");
    expect(JSON.parse(out["auth"]!)).toMatchObject({ client_token: "hvs.x", lease_duration: 3600 });
  });

  it("a body without any secret field is the data, as the Vault Go client parses it", () => {
    expect(text(vaultDynamicResult({}, { initialized: true, version: "1.21.0" }))).toEqual({ initialized: "true", version: "1.21.0" });
  });

  it("an empty response is an error unless allowEmptyResponse", () => {
    expect(codeOf(() => vaultDynamicResult({}, null))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(vaultDynamicResult({ allowEmptyResponse: true }, null)).toEqual({});
  });

  it("the request: method, path and parameters; provider and path required", () => {
    expect(vaultDynamicRequest({ provider: { server: "http://v" }, path: "pki/issue/web", method: "POST", parameters: { common_name: "a.example" } })).toEqual({
      provider: { server: "http://v" },
      request: { path: "pki/issue/web", method: "POST", parameters: { common_name: "a.example" } },
    });
    expect(codeOf(() => vaultDynamicRequest({ path: "x" }))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(codeOf(() => vaultDynamicRequest({ provider: {} }))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(codeOf(() => vaultDynamicRequest({ provider: {}, path: "x", parameters: [1] }))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
  });

  it("formats numbers as Go's FormatFloat 'f' and JSON as Go's encoding/json", () => {
    expect([0, 3600, -2.5, 1e21, 1.5e-7, 123456789012345680000].map(formatFloatF)).toEqual(["0", "3600", "-2.5", "1000000000000000000000", "0.00000015", "123456789012345680000"]);
    expect(goMarshal({ b: [{ d: 1, c: 2 }], a: "\u2028" })).toBe('{"a":"\\u2028","b":[{"c":2,"d":1}]}');
  });
});
