import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isHushError } from "@hush/errors";
import { parseAdmissionReview } from "./index.js";

const fixture = JSON.parse(readFileSync(new URL("../testdata/secret-create-argocd.json", import.meta.url), "utf8")) as any;
const copy = (edit: (r: any) => void) => {
  const r = structuredClone(fixture);
  edit(r);
  return r;
};

describe("parseAdmissionReview", () => {
  it("reads what the policy needs from a real review and drops the rest", () => {
    const { request } = parseAdmissionReview(fixture);
    expect(request).toMatchObject({
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Secret" },
      namespace: "team-a",
      name: "db-creds",
      operation: "CREATE",
      userInfo: { username: "system:serviceaccount:argocd:argocd-application-controller" },
      dryRun: false,
    });
    expect(request.object?.data["password"]).toBe("aHVzaC1jYW5hcnktN2YzYTlj");
    expect(request.object?.metadata.annotations["argocd.argoproj.io/tracking-id"]).toBe("payments:/Secret:team-a/db-creds");
    // managedFields reduced to who owns which value keys; the request's own field manager kept.
    expect(request.object?.metadata.managedFields).toEqual([{ manager: "argocd-controller", operation: "Apply", valueKeys: [] }]);
    expect(request.fieldManager).toBe("argocd-controller");
    expect(JSON.stringify(request)).not.toContain("fieldsV1");
  });

  it("does not inspect objects of kinds it does not judge, nor DELETEs or subresources", () => {
    expect(parseAdmissionReview(copy((r) => { r.request.kind = { group: "apps", version: "v1", kind: "Deployment" }; r.request.object = { data: 5 }; })).request.object).toBeUndefined();
    expect(parseAdmissionReview(copy((r) => { r.request.operation = "DELETE"; r.request.object = null; })).request.object).toBeUndefined();
    expect(parseAdmissionReview(copy((r) => { r.request.subResource = "status"; r.request.object = "x"; })).request.object).toBeUndefined();
  });

  it("keeps __proto__ keys as plain data", () => {
    const review = JSON.parse(JSON.stringify(fixture).replace('"username":"YXBw"', '"__proto__":"YXBw"'));
    const data = parseAdmissionReview(review).request.object?.data ?? {};
    expect(Object.keys(data)).toEqual(["password", "__proto__"]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it.for([
    ["request.uid", (r: any) => { r.request.uid = "x".repeat(129); }],
    ["request.dryRun", (r: any) => { r.request.dryRun = "yes"; }],
    ["request.userInfo.groups", (r: any) => { r.request.userInfo.groups = [1]; }],
    ["request.object.metadata", (r: any) => { r.request.object.metadata = []; }],
    ["request.object.type", (r: any) => { r.request.object.type = 3; }],
    ["request.object.stringData", (r: any) => { r.request.object.stringData = "plain"; }],
  ] as const)("rejects a bad %s with a code and the field name only", ([field, edit]) => {
    try {
      parseAdmissionReview(copy(edit));
      expect.unreachable();
    } catch (err) {
      expect(isHushError(err) && err.code).toBe("HUSH_ERR_WEBHOOK_BAD_REVIEW");
      expect((err as Error).message).toContain(field);
    }
  });
});
