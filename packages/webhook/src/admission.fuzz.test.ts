import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createMetricsRegistry } from "@hush/server";
import { createCachedFacts, createWebhookApp, defaultPolicy } from "./index.js";

// Hostile AdmissionReviews: the webhook must never crash (5xx) and never answer "allowed"
// to a review that carries a plaintext Secret from a GitOps identity, however it is dressed.
const numRuns = process.env["SLOW"] === "1" || process.env["CI"] === "true" ? 1000 : 150;
const fixture = JSON.parse(readFileSync(new URL("../testdata/secret-create-argocd.json", import.meta.url), "utf8")) as any;
const app = createWebhookApp({ policy: defaultPolicy, registry: createMetricsRegistry(), logger: false, facts: createCachedFacts(async () => undefined) });
afterAll(() => app.close());

const post = (payload: string) => app.inject({ method: "POST", url: "/validate", payload, headers: { "content-type": "application/json" } });

// Deep nesting is spliced in as text: JSON.stringify itself would overflow the stack.
const deepMarker = "__hush_deep_nesting__";
const deep = (depth: number) => `${'{"n":['.repeat(depth)}"x"${"]}".repeat(depth)}`;
const serialise = (review: unknown, depth: number) => JSON.stringify(review).replace(`"${deepMarker}"`, deep(depth));

// Noise added to a plaintext review: extra fields anywhere, deep nesting, huge strings, odd keys.
const noise = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constant(deepMarker),
  fc.integer({ min: 1, max: 500_000 }).map((n) => "A".repeat(n)),
  fc.constantFrom({ ["__proto__"]: { allowed: true } }, { constructor: { prototype: { allowed: true } } }),
);
const objectPaths = [[], ["request"], ["request", "object"], ["request", "object", "metadata"], ["request", "userInfo"], ["request", "kind"]] as const;
const extraKey = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("__proto__", "allowed", "response", "sops_", "type"));

// Replacements of fields the policy reads with values of the wrong type.
// Maps have at least one non-string entry: an empty map would be a valid (empty) value.
const wrongType = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.integer(), { minKeys: 1, maxKeys: 3 }));
const readFields = [
  ["request", "uid"], ["request", "operation"], ["request", "userInfo"], ["request", "userInfo", "username"], ["request", "kind", "kind"],
  ["request", "object"], ["request", "object", "data"], ["request", "object", "data", "password"], ["request", "object", "metadata", "labels"],
  ["request", "object", "stringData"], ["request", "dryRun"], ["request", "namespace"], ["request", "object", "type"],
] as const;

function at(root: any, path: readonly string[]): any {
  return path.reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), root);
}

describe("hostile AdmissionReviews", () => {
  it("a plaintext GitOps Secret with arbitrary extra noise is never allowed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...objectPaths), extraKey, noise, fc.integer({ min: 100, max: 50_000 }), async (path, key, value, depth) => {
        const review = structuredClone(fixture);
        const target = at(review, path);
        Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
        const res = await post(serialise(review, depth));
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode === 200) expect(res.json().response.allowed).toBe(false);
      }),
      { numRuns },
    );
  });

  it("wrong types in the fields the policy reads give 400 or a denial, never an allowance", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...readFields), wrongType, async (path, value) => {
        // A map in place of the whole object is a Secret without data, which is fine to allow.
        // data: null is Kubernetes for "no data", which leaves nothing to deny.
        fc.pre(!(value === null && path[path.length - 1] === "data"));
        fc.pre(!(path.length === 2 && path[1] === "object" && typeof value === "object" && value !== null && !Array.isArray(value)));
        const review = structuredClone(fixture);
        const parent = at(review, path.slice(0, -1));
        parent[path[path.length - 1] as string] = value;
        const res = await post(JSON.stringify(review));
        expect([200, 400]).toContain(res.statusCode);
        if (res.statusCode === 200) {
          // Only a type change that still makes a valid review may be judged, and it must not pass a plaintext Secret.
          const r = res.json().response;
          if (r.allowed) {
            // e.g. namespace null (absent) or type null: still a plaintext Secret, so this would be a false allow.
            expect.unreachable(`allowed after setting ${path.join(".")} to ${JSON.stringify(value)}`);
          }
        }
      }),
      { numRuns },
    );
  });

  it("arbitrary JSON bodies get 4xx, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const res = await post(JSON.stringify(value));
        expect(res.statusCode).toBe(400);
      }),
      { numRuns },
    );
  });

  it("arbitrary bytes get 4xx, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const res = await app.inject({ method: "POST", url: "/validate", payload: Buffer.from(bytes), headers: { "content-type": "application/json" } });
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns },
    );
  });
});
