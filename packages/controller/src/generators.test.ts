import { fc, test } from "@fast-check/vitest";
import { isHushError } from "@hush/errors";
import { describe, expect, it } from "vitest";
import { esoFlavour, hushFlavour, type ExternalSecret, type ExternalSecretDataFrom } from "@hush/kube";
import { fetchExternalSecretData, type SourceReader } from "./fetch-data.js";
import { clusterGeneratorTarget, defaultSymbolCharacters, fakeData, generatePassword, generatorResource, isAwsGeneratorKind, maxPasswordLength, resolvePasswordSpec, runGenerator, type Randomness } from "./generators.js";
import { validateExternalSecret } from "./plan-secret.js";
import { cryptoRandomness } from "./random.js";

/** A deterministic source from a seed (xorshift32), drawing by rejection so it stays uniform. */
function seeded(seed: number): Randomness {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return {
    int: (n) => {
      const limit = Math.floor(0x1_0000_0000 / n) * n;
      for (;;) {
        const v = next();
        if (v < limit) return v % n;
      }
    },
    uuid: () => "00000000-0000-4000-8000-000000000000",
  };
}

const lower = /[a-z]/;
const upper = /[A-Z]/;
const digit = /[0-9]/;
const count = (s: string, re: RegExp) => [...s].filter((c) => re.test(c)).length;
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isHushError(err) ? err.code : "not a HushError";
  }
  return undefined;
};

describe("Password generator (ESO semantics)", () => {
  it("defaults as ESO: length 24, a quarter digits and a quarter symbols from ESO's symbol set", () => {
    const p = generatePassword({}, cryptoRandomness);
    expect(p).toHaveLength(24);
    expect(count(p, digit)).toBe(6);
    expect([...p].filter((c) => defaultSymbolCharacters.includes(c))).toHaveLength(6);
    expect(count(p, lower) + count(p, upper)).toBe(12);
    // length 0 (the CRD default never sends it, a hand-written object may) also means 24
    expect(resolvePasswordSpec({ length: 0 })).toMatchObject({ length: 24, digits: 6, symbols: 6 });
    expect(resolvePasswordSpec({ length: 10 })).toMatchObject({ digits: 2, symbols: 2 });
  });

  test.prop(
    [
      fc.record({
        length: fc.integer({ min: 1, max: 200 }),
        digitShare: fc.double({ min: 0, max: 1, noNaN: true }),
        symbolShare: fc.double({ min: 0, max: 1, noNaN: true }),
        noUpper: fc.boolean(),
        allowRepeat: fc.boolean(),
        symbolCharacters: fc.constantFrom(undefined, "", "!#", "-_.", defaultSymbolCharacters),
      }),
      fc.integer(),
    ],
    { numRuns: 300 },
  )("has exactly the requested counts, only allowed characters, and no repeat unless allowed", (input, seed) => {
    const symbols = input.symbolCharacters ? input.symbolCharacters : defaultSymbolCharacters;
    const letters = input.noUpper ? 26 : 52;
    let digits = Math.floor(input.length * input.digitShare);
    let syms = Math.floor((input.length - digits) * input.symbolShare);
    if (!input.allowRepeat) {
      digits = Math.min(digits, 10);
      syms = Math.min(syms, symbols.length);
    }
    const spec = { length: input.length, digits, symbols: syms, noUpper: input.noUpper, allowRepeat: input.allowRepeat, ...(input.symbolCharacters !== undefined ? { symbolCharacters: input.symbolCharacters } : {}) };
    const letterCount = input.length - digits - syms;
    if (!input.allowRepeat && letterCount > letters) {
      expect(codeOf(() => generatePassword(spec, seeded(seed)))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
      return;
    }
    const p = generatePassword(spec, seeded(seed));
    expect(p).toHaveLength(input.length);
    expect(count(p, digit)).toBe(digits);
    expect([...p].filter((c) => symbols.includes(c))).toHaveLength(syms);
    expect(count(p, lower) + count(p, upper)).toBe(letterCount);
    if (input.noUpper) expect(count(p, upper)).toBe(0);
    for (const c of p) expect(/[a-zA-Z0-9]/.test(c) || symbols.includes(c), `character ${JSON.stringify(c)}`).toBe(true);
    if (!input.allowRepeat) expect(new Set(p).size).toBe(p.length);
  });

  it("uses upper-case letters unless noUpper, and repeats characters when allowRepeat needs it", () => {
    const many = Array.from({ length: 20 }, () => generatePassword({ length: 40, digits: 0, symbols: 0, allowRepeat: true }, cryptoRandomness)).join("");
    expect(count(many, upper)).toBeGreaterThan(0);
    // 100 digits from 10 possible ones must repeat.
    const d = generatePassword({ length: 100, digits: 100, symbols: 0, allowRepeat: true }, cryptoRandomness);
    expect(count(d, digit)).toBe(100);
  });

  it("selects each character with equal probability (chi-squared over 26 letters)", () => {
    const rounds = 26_000;
    const seen = new Map<string, number>();
    const random = seeded(42);
    for (let i = 0; i < rounds; i++) {
      const c = generatePassword({ length: 1, digits: 0, symbols: 0, noUpper: true }, random);
      seen.set(c, (seen.get(c) ?? 0) + 1);
    }
    expect(seen.size).toBe(26);
    const expected = rounds / 26;
    const chi2 = [...seen.values()].reduce((s, n) => s + (n - expected) ** 2 / expected, 0);
    // 25 degrees of freedom: p = 0.001 at 52.6.
    expect(chi2).toBeLessThan(52.6);
  });

  it("draws only through the injected source, so the same draws give the same password", () => {
    expect(generatePassword({ length: 32 }, seeded(7))).toBe(generatePassword({ length: 32 }, seeded(7)));
    const draws: number[] = [];
    const spy: Randomness = { int: (n) => (draws.push(n), 0), uuid: () => "" };
    generatePassword({ length: 3, digits: 1, symbols: 1, symbolCharacters: "!" }, spy);
    // letter from 52, digit from 10 then insert among 2 positions, symbol from 1 then among 3
    expect(draws).toEqual([52, 10, 2, 1, 3]);
  });

  it("refuses what ESO refuses, and what would exceed the bounds, with a typed error", () => {
    const code = (spec: Parameters<typeof generatePassword>[0]) => codeOf(() => generatePassword(spec, cryptoRandomness));
    expect(code({ length: 8, digits: 5, symbols: 5 })).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(code({ length: 60, digits: 0, symbols: 0 })).toBe("HUSH_ERR_CONTROLLER_GENERATOR"); // 60 letters > 52 without repeats
    expect(code({ length: 20, digits: 11, symbols: 0, allowRepeat: false })).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(code({ length: 20, digits: 0, symbols: 3, symbolCharacters: "!@" })).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(code({ length: maxPasswordLength + 1, allowRepeat: true })).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(code({ length: 10, digits: -1 })).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(code({ length: 10, symbolCharacters: "é" })).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(code({ length: 1.5 })).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    // symbols overlapping letters: ESO would loop forever once the shared letters are used up
    expect(code({ length: 3, digits: 0, symbols: 2, symbolCharacters: "aa", noUpper: true })).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(generatePassword({ length: maxPasswordLength, allowRepeat: true }, cryptoRandomness)).toHaveLength(maxPasswordLength);
  });
});

describe("runGenerator", () => {
  it("yields ESO's keys: password for Password, uuid for UUID", () => {
    const p = runGenerator("Password", { length: 12 }, cryptoRandomness);
    expect(Object.keys(p)).toEqual(["password"]);
    expect(new TextDecoder().decode(p["password"])).toHaveLength(12);
    const u = runGenerator("UUID", {}, cryptoRandomness);
    expect(Object.keys(u)).toEqual(["uuid"]);
    expect(new TextDecoder().decode(u["uuid"])).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(runGenerator("UUID", undefined, cryptoRandomness)["uuid"]).not.toEqual(u["uuid"]);
  });

  it("refuses a kind hush does not implement as an invalid spec", () => {
    expect(codeOf(() => runGenerator("Webhook", {}, cryptoRandomness))).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
    expect(codeOf(() => runGenerator("Password", "x", cryptoRandomness))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
  });
});

describe("Fake generator", () => {
  const text = (g: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, new TextDecoder().decode(v)]));

  test.prop([fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }))])("returns spec.data unchanged, key for key (ESO's pkg/generator/fake)", (data) => {
    const out = runGenerator("Fake", { data }, cryptoRandomness);
    expect(text(out)).toEqual({ ...data });
    expect(Object.keys(out).sort()).toEqual(Object.keys(data).sort());
  });

  it("keeps a key named __proto__ as a key; no data is no keys; non-strings and non-objects are refused", () => {
    const data = JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string>;
    const out = fakeData({ data });
    expect(Object.keys(out).sort()).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(fakeData({})).toEqual({});
    expect(codeOf(() => fakeData({ data: { a: 1 } }))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(codeOf(() => fakeData({ data: ["a"] }))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(codeOf(() => fakeData(undefined))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
  });
});

describe("ClusterGenerator", () => {
  it("stands for the kind it names with the settings of spec.generator.<kind>Spec (ESO's virtual generator)", () => {
    expect(clusterGeneratorTarget({ kind: "Password", generator: { passwordSpec: { length: 8 } } }, "x")).toEqual({ kind: "Password", spec: { length: 8 } });
    expect(clusterGeneratorTarget({ kind: "UUID", generator: { uuidSpec: {} } }, "x")).toEqual({ kind: "UUID", spec: {} });
    expect(clusterGeneratorTarget({ kind: "Fake", generator: { fakeSpec: { data: { a: "b" } } } }, "x")).toEqual({ kind: "Fake", spec: { data: { a: "b" } } });
    // ESO's cluster-wide ECR pull secret; STSSessionToken is not run inside one by hush yet.
    expect(clusterGeneratorTarget({ kind: "ECRAuthorizationToken", generator: { ecrAuthorizationTokenSpec: { region: "eu-west-1" } } }, "x")).toEqual({ kind: "ECRAuthorizationToken", spec: { region: "eu-west-1" } });
    expect(codeOf(() => clusterGeneratorTarget({ kind: "STSSessionToken", generator: { stsSessionTokenSpec: { region: "eu-west-1" } } }, "x"))).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
  });

  it("refuses VaultDynamicSecret (tenant credentials), unknown kinds, and a kind without its settings", () => {
    const vds = () => clusterGeneratorTarget({ kind: "VaultDynamicSecret", generator: { vaultDynamicSecretSpec: { path: "p", provider: {} } } }, "x");
    expect(codeOf(vds)).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
    expect(codeOf(() => clusterGeneratorTarget({ kind: "ClusterGenerator", generator: {} }, "x"))).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
    expect(codeOf(() => clusterGeneratorTarget({ kind: "Password", generator: { fakeSpec: {} } }, "x"))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
    expect(codeOf(() => clusterGeneratorTarget(undefined, "x"))).toBe("HUSH_ERR_CONTROLLER_GENERATOR");
  });

  it("is resolved cluster-wide under the flavour's generator group; Fake as fakes", () => {
    expect(generatorResource({ kind: "ClusterGenerator", name: "shared" }, hushFlavour, "x")).toEqual({ kind: "ClusterGenerator", plural: "clustergenerators", name: "shared" });
    expect(generatorResource({ kind: "Fake", name: "f" }, esoFlavour, "x").plural).toBe("fakes");
    // runGenerator never runs the wrapper itself: the controller resolves it first.
    expect(codeOf(() => runGenerator("ClusterGenerator", {}, cryptoRandomness))).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
  });
});

describe("dataFrom generatorRef through fetchExternalSecretData", () => {
  const es = (dataFrom: ExternalSecretDataFrom[], secretStoreRef?: { name: string }): ExternalSecret => ({
    metadata: { name: "app", namespace: "team", uid: "u", generation: 1 },
    spec: { ...(secretStoreRef ? { secretStoreRef } : {}), dataFrom },
  });
  const calls: string[] = [];
  const reader: SourceReader = {
    get: async () => fail("no store reads expected"),
    getMap: async () => fail("no store reads expected"),
    find: async () => fail("no store reads expected"),
    generate: async (ref, where) => {
      calls.push(`${where}:${ref.kind}/${ref.name}`);
      return runGenerator(ref.kind, { length: 16 }, cryptoRandomness);
    },
  };
  const fail = (m: string): never => {
    throw new Error(m);
  };

  it("needs no store, yields ESO's keys, applies rewrite, and generates anew on every fetch", async () => {
    const spec = es([
      { sourceRef: { generatorRef: { kind: "Password", name: "pw" } } },
      { sourceRef: { generatorRef: { kind: "UUID", name: "id" } }, rewrite: [{ regexp: { source: "^uuid$", target: "instance-id" } }] },
    ]);
    expect(() => validateExternalSecret(spec)).not.toThrow();
    const a = await fetchExternalSecretData(spec, reader);
    const b = await fetchExternalSecretData(spec, reader);
    if (!a.ok || !b.ok) throw new Error("fetch failed");
    expect(Object.keys(a.data).sort()).toEqual(["instance-id", "password"]);
    expect(a.data["password"]).toHaveLength(16);
    expect(a.data["password"]).not.toEqual(b.data["password"]);
    expect(calls).toContain("spec.dataFrom[0].sourceRef.generatorRef:Password/pw");
  });

  it("resolves only the flavour's generator group and the kinds hush implements", () => {
    expect(generatorResource({ kind: "Password", name: "pw" }, hushFlavour, "x")).toEqual({ kind: "Password", plural: "passwords", name: "pw" });
    expect(generatorResource({ apiVersion: "generators.external-secrets.io/v1alpha1", kind: "UUID", name: "u" }, esoFlavour, "x").plural).toBe("uuids");
    expect(codeOf(() => generatorResource({ apiVersion: "generators.external-secrets.io/v1alpha1", kind: "UUID", name: "u" }, hushFlavour, "x"))).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
    expect(codeOf(() => generatorResource({ kind: "GCRAccessToken", name: "v" }, esoFlavour, "x"))).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
    expect(generatorResource({ kind: "ECRAuthorizationToken", name: "ecr" }, esoFlavour, "x")).toEqual({ kind: "ECRAuthorizationToken", plural: "ecrauthorizationtokens", name: "ecr" });
    expect(generatorResource({ kind: "STSSessionToken", name: "sts" }, hushFlavour, "x")).toEqual({ kind: "STSSessionToken", plural: "stssessiontokens", name: "sts" });
    expect(isAwsGeneratorKind("ECRAuthorizationToken") && isAwsGeneratorKind("STSSessionToken") && !isAwsGeneratorKind("Password")).toBe(true);
    // The AWS kinds are run by the controller's AWS edge, never by the local generators.
    expect(codeOf(() => runGenerator("STSSessionToken", { region: "us-east-1" }, { int: () => 0, uuid: () => "" }))).toBe("HUSH_ERR_CONTROLLER_INVALID_SPEC");
    expect(generatorResource({ kind: "VaultDynamicSecret", name: "v" }, esoFlavour, "x").plural).toBe("vaultdynamicsecrets");
  });
});
