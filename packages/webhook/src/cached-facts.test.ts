import { describe, expect, it } from "vitest";
import { applicationFact, helmReleaseFact, createCachedFacts, kustomizationFact, type ObjectReader } from "./index.js";

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

describe("createCachedFacts", () => {
  it("shares one in-flight lookup, keeps the answer for the TTL, then asks again", async () => {
    const c = clock();
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const read: ObjectReader = async () => { calls += 1; await gate; return { spec: { decryption: { provider: "sops" } } }; };
    const facts = createCachedFacts(read, { ttlMs: 1000, now: c.now });
    const ref = { namespace: "flux-system", name: "apps" };
    const both = Promise.all([facts.kustomization(ref), facts.kustomization(ref)]);
    release();
    expect(await both).toEqual([{ status: "found", value: { decrypts: true } }, { status: "found", value: { decrypts: true } }]);
    expect(calls).toBe(1);
    c.advance(999);
    await facts.kustomization(ref);
    expect(calls).toBe(1);
    c.advance(2);
    await facts.kustomization(ref);
    expect(calls).toBe(2);
  });

  it("reports a 404 as missing and a failure as an error kept only briefly", async () => {
    const c = clock();
    let fail = true;
    let calls = 0;
    const read: ObjectReader = async (ref) => {
      calls += 1;
      if (ref.name === "gone") return undefined;
      if (fail) throw new Error("boom");
      return { spec: {} };
    };
    const outcomes: string[] = [];
    const facts = createCachedFacts(read, { ttlMs: 30_000, errorTtlMs: 100, now: c.now, onLookup: (kind, outcome) => outcomes.push(`${kind}:${outcome}`) });
    expect(await facts.application({ namespace: "argocd", name: "gone" })).toEqual({ status: "missing" });
    const err = await facts.kustomization({ namespace: "f", name: "k" });
    expect(err.status).toBe("error");
    fail = false;
    expect((await facts.kustomization({ namespace: "f", name: "k" })).status).toBe("error");
    c.advance(101);
    expect(await facts.kustomization({ namespace: "f", name: "k" })).toEqual({ status: "found", value: { decrypts: false } });
    expect(calls).toBe(3);
    expect(outcomes).toEqual(["application:missing", "kustomization:error", "kustomization:cached", "kustomization:found"]);
  });

  it("evicts the oldest entry beyond maxEntries", async () => {
    let calls = 0;
    const facts = createCachedFacts(async () => { calls += 1; return {}; }, { maxEntries: 2 });
    for (const name of ["a", "b", "c", "a"]) await facts.kustomization({ namespace: "n", name });
    expect(calls).toBe(4);
  });
});

describe("facts from objects", () => {
  it("reads spec.decryption.provider of a Kustomization", () => {
    expect(kustomizationFact({ spec: { decryption: { provider: "sops" } } })).toEqual({ decrypts: true });
    expect(kustomizationFact({ spec: { decryption: {} } })).toEqual({ decrypts: false });
    expect(kustomizationFact({ spec: { path: "./apps" } })).toEqual({ decrypts: false });
    expect(kustomizationFact("junk")).toEqual({ decrypts: false });
  });

  it("reads each source of an Application: plugin (named or not), Helm value files, ref-only", () => {
    expect(applicationFact({ spec: { source: { plugin: { name: "ksops" } } } })).toEqual({ sources: [{ plugin: "ksops", valueFiles: [], refOnly: false }] });
    expect(applicationFact({ spec: { sources: [{ repoURL: "x", ref: "values" }, { chart: "db", helm: { valueFiles: ["secrets://s.yaml", 7] } }] } })).toEqual({
      sources: [{ valueFiles: [], refOnly: true }, { valueFiles: ["secrets://s.yaml"], refOnly: false }],
    });
    expect(applicationFact({ spec: { source: { plugin: {} } } })).toEqual({ sources: [{ plugin: "", valueFiles: [], refOnly: false }] });
  });

  it("reads a Kustomization's impersonated account and a HelmRelease's values", () => {
    expect(kustomizationFact({ spec: { decryption: { provider: "sops" }, serviceAccountName: "tenant" } })).toEqual({ decrypts: true, serviceAccountName: "tenant" });
    expect(kustomizationFact({ spec: { decryption: {} } })).toEqual({ decrypts: false });
    expect(helmReleaseFact({ spec: { values: {}, valuesFrom: [{ kind: "Secret", name: "db" }] } })).toEqual({ inlineValues: false, valuesFromKinds: ["Secret"] });
    expect(helmReleaseFact({ spec: { values: { password: "x" } } })).toEqual({ inlineValues: true, valuesFromKinds: [] });
  });
});
