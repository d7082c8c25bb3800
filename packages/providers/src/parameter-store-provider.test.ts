import { describe, expect, it } from "vitest";
import { awsErrorKind } from "./aws-errors.js";
import { goJsonObject, prefixFolder } from "./parameter-store-provider.js";

describe("parameter store find", () => {
  it("starts a name search at the folder a literal prefix names, and nowhere narrower", () => {
    expect(prefixFolder("^\\/app\\/db\\-")).toBe("/app");
    expect(prefixFolder("^/app/db/")).toBe("/app/db");
    expect(prefixFolder("^/team/")).toBe("/team");
    // Not a folder yet: "/app" could be "/apple".
    expect(prefixFolder("^/app")).toBeUndefined();
    // No leading slash: GetParametersByPath paths start with "/".
    expect(prefixFolder("^app/db")).toBeUndefined();
    // Not a pure literal prefix, or not anchored.
    expect(prefixFolder("^/app/(a|b)")).toBeUndefined();
    expect(prefixFolder("/app/db")).toBeUndefined();
    expect(prefixFolder("")).toBeUndefined();
  });

  it("classifies Parameter Store errors: only a missing parameter is gone", () => {
    expect(awsErrorKind("ParameterNotFound")).toBe("not-found");
    // A version or label that does not exist is an error, so a typo never deletes a key.
    expect(awsErrorKind("ParameterVersionNotFound")).toBe("invalid-config");
    expect(awsErrorKind("InvalidResourceId")).toBe("invalid-config");
    expect(awsErrorKind("InvalidFilterKey")).toBe("invalid-config");
    expect(awsErrorKind("AccessDeniedException")).toBe("access-denied");
  });

  it("writes tags as ESO does (Go json.Marshal of a map): keys sorted by bytes, HTML characters escaped", () => {
    expect(goJsonObject({ team: "a", env: "prod", "10": "x", "9": "y" })).toBe('{"10":"x","9":"y","env":"prod","team":"a"}');
    expect(goJsonObject({ url: "<a href='x'>&</a>" })).toBe(`{"url":"\\u003ca href='x'\\u003e\\u0026\\u003c/a\\u003e"}`);
    expect(JSON.parse(goJsonObject({ q: 'say "hi"\n' }))).toEqual({ q: 'say "hi"\n' });
    expect(goJsonObject({})).toBe("{}");
  });
});
