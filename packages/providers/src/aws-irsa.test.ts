import type { AwsBaseIdentity, AwsCredentialChain } from "@hush/cloud/aws";
import { describe, expect, it } from "vitest";
import { isRoleArn, parseAwsConfig } from "./aws-config.js";
import { AUDIENCE_ANNOTATION, planWebIdentity, ROLE_ARN_ANNOTATION, webIdentityChain } from "./aws-irsa.js";
import type { ProviderContext } from "./provider.js";

const annotated = "arn:aws:iam::123456789012:role/from-annotation";
const storeRole = "arn:aws:iam::123456789012:role/store-role";
const extra = "arn:aws:iam::123456789012:role/extra";

describe("AWS IRSA plan (ESO v0.16.2 credsFromServiceAccount)", () => {
  const sa = { name: "app" };

  it("assumes the annotated role with a token for sts.amazonaws.com; the store's role and additionalRoles follow", () => {
    expect(planWebIdentity({ additionalRoles: [] }, sa, "team-a", { [ROLE_ARN_ANNOTATION]: annotated })).toEqual({ roleArn: annotated, roles: [], audiences: ["sts.amazonaws.com"] });
    expect(planWebIdentity({ role: storeRole, additionalRoles: [extra] }, sa, "team-a", { [ROLE_ARN_ANNOTATION]: annotated })).toEqual({
      roleArn: annotated,
      roles: [storeRole, extra],
      audiences: ["sts.amazonaws.com"],
    });
  });

  it("takes the audience annotation, then appends serviceAccountRef.audiences", () => {
    const plan = planWebIdentity({ additionalRoles: [] }, { name: "app", audiences: ["extra-aud"] }, "team-a", { [ROLE_ARN_ANNOTATION]: annotated, [AUDIENCE_ANNOTATION]: "custom-aud" });
    expect(plan.audiences).toEqual(["custom-aud", "extra-aud"]);
  });

  it("without the annotation, the store's role is the web-identity role; with neither, it is refused", () => {
    expect(planWebIdentity({ role: storeRole, additionalRoles: [extra] }, sa, "team-a", {})).toEqual({ roleArn: storeRole, roles: [extra], audiences: ["sts.amazonaws.com"] });
    expect(() => planWebIdentity({ additionalRoles: [] }, sa, "team-a", {})).toThrow(
      expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG", message: expect.stringContaining("service account team-a/app (annotation eks.amazonaws.com/role-arn)") }),
    );
  });

  it("refuses an annotation that is not a role ARN (a tenant may write it)", () => {
    for (const bad of ["arn:aws:iam::1234:role/x", "arn:aws:s3:::bucket", `arn:aws:iam::123456789012:role/${"a".repeat(513)}`, "arn:aws:iam::123456789012:role/a\nb"]) {
      expect(() => planWebIdentity({ role: storeRole, additionalRoles: [] }, sa, "team-a", { [ROLE_ARN_ANNOTATION]: bad })).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    }
  });

  it("recognises role ARNs of every partition, with paths", () => {
    for (const ok of ["arn:aws:iam::123456789012:role/a", "arn:aws-us-gov:iam::123456789012:role/path/to/r+=,.@_-", "arn:aws-cn:iam::000000000000:role/x"]) expect(isRoleArn(ok)).toBe(true);
    for (const bad of ["", "arn:aws:iam::123456789012:user/a", "arn:aws:iam::12345678901x:role/a", "arn:azure:iam::123456789012:role/a"]) expect(isRoleArn(bad)).toBe(false);
  });
});

describe("AWS IRSA chain", () => {
  const fakeChain = (base: AwsBaseIdentity, roles: readonly string[], log: string[]): AwsCredentialChain => ({
    credentials: async () => {
      if (base.kind !== "web-identity") throw new Error("unexpected base");
      const token = await base.token();
      log.push(`${base.roleArn}|${roles.join(",")}|${token}`);
      return { accessKeyId: "AKIA", secretAccessKey: "s" };
    },
    clientConfig: {},
    close: () => undefined,
  });

  it("reads the ServiceAccount on first use only, again after a failure, and never outside a SecretStore's namespace", async () => {
    let annotations: Record<string, string> = {};
    const reads: string[] = [];
    const log: string[] = [];
    const ctx: ProviderContext = {
      namespace: "team-a",
      storeKind: "SecretStore",
      now: () => 0,
      readSecret: async () => new Uint8Array(),
      serviceAccountAnnotations: async (ns, name) => (reads.push(`${ns}/${name}`), annotations),
      serviceAccountToken: async (ns, name, audiences) => `token:${ns}/${name}:${audiences.join("+")}`,
    };
    const config = parseAwsConfig({ region: "us-east-1", auth: { jwt: { serviceAccountRef: { name: "app" } } } });
    const sa = { name: "app" };
    const chain = webIdentityChain(config, ctx, sa, (b, r) => fakeChain(b, r, log));
    expect(reads).toEqual([]); // built, nothing read
    await expect(chain.credentials!()).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    annotations = { [ROLE_ARN_ANNOTATION]: annotated };
    await chain.credentials!();
    await chain.credentials!();
    expect(reads).toEqual(["team-a/app", "team-a/app"]); // once after the failure, then kept
    expect(log).toEqual([`${annotated}||token:team-a/app:sts.amazonaws.com`, `${annotated}||token:team-a/app:sts.amazonaws.com`]);

    const foreign = webIdentityChain(config, ctx, { name: "admin", namespace: "kube-system" }, (b, r) => fakeChain(b, r, log));
    await expect(foreign.credentials!()).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG", message: expect.stringContaining("namespace must be empty on a namespaced SecretStore") });
    expect(reads).toHaveLength(2);
  });
});
