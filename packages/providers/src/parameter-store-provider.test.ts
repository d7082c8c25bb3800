import { describe, expect, it } from "vitest";
import { awsErrorKind } from "./aws-errors.js";
import { prefixFolder } from "./parameter-store-provider.js";

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
});
