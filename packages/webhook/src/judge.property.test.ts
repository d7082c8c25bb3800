import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultPolicy, judge, parseAdmissionReview, parsePolicy, type Mode } from "./index.js";

const numRuns = process.env["SLOW"] === "1" || process.env["CI"] === "true" ? 1000 : 200;
const gitops = [...defaultPolicy.identities.argocd, ...defaultPolicy.identities.fluxKustomize, ...defaultPolicy.identities.fluxHelm];

const dnsName = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
const key = fc.stringMatching(/^[-._a-zA-Z0-9]{1,30}$/);
// Values random enough that they cannot occur in hush's own message text by chance.
const value = fc.stringMatching(/^[A-Za-z0-9+/=]{20,60}$/);

const plaintextSecret = fc.record({
  user: fc.constantFrom(...gitops),
  namespace: dnsName,
  name: dnsName,
  operation: fc.constantFrom("CREATE", "UPDATE"),
  dryRun: fc.boolean(),
  data: fc.dictionary(key, value, { maxKeys: 4 }),
  stringData: fc.dictionary(key, value, { maxKeys: 4 }),
  type: fc.constantFrom(undefined, "Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson"),
}).filter((s) => Object.keys(s.data).length + Object.keys(s.stringData).length > 0);

type Sample = typeof plaintextSecret extends fc.Arbitrary<infer T> ? T : never;

function review(s: Sample) {
  return parseAdmissionReview({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "u", kind: { group: "", version: "v1", kind: "Secret" }, operation: s.operation, namespace: s.namespace, name: s.name,
      userInfo: { username: s.user }, dryRun: s.dryRun,
      object: {
        metadata: { name: s.name, namespace: s.namespace },
        ...(s.type ? { type: s.type } : {}),
        data: Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
        stringData: s.stringData,
      },
    },
  }).request;
}

describe("judge properties", () => {
  it.for(["enforce", "warn", "audit"] as Mode[])("any plaintext Secret from a GitOps identity is a violation in %s mode, and no value leaks", (mode) => {
    const policy = parsePolicy({ mode });
    fc.assert(
      fc.property(plaintextSecret, (s) => {
        const verdict = judge(review(s), policy, {});
        expect(verdict.reason).toBe("plaintext");
        expect(verdict.allowed).toBe(mode !== "enforce");
        const said = JSON.stringify(verdict);
        for (const v of [...Object.values(s.data), ...Object.values(s.stringData)]) {
          expect(said).not.toContain(v);
          expect(said).not.toContain(Buffer.from(v).toString("base64"));
        }
      }),
      { numRuns },
    );
  });

  it("the same Secret from anyone else always passes", () => {
    fc.assert(
      fc.property(plaintextSecret, fc.stringMatching(/^[a-z:-]{1,40}$/), (s, user) => {
        fc.pre(!gitops.includes(user));
        expect(judge(review({ ...s, user }), defaultPolicy, {})).toMatchObject({ allowed: true, reason: "not-gitops" });
      }),
      { numRuns },
    );
  });
});
