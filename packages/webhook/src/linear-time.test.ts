import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { isEncryptedValue } from "@hush/sops";
import { createMetricsRegistry } from "@hush/server";
import { containsEncValue, containsSopsCiphertext, containsSopsMetadata, createWebhookApp, defaultPolicy, judge, parseAdmissionReview } from "./index.js";

// Every pattern the webhook applies to values a Git author or any pod controls, fed the classic
// attack strings at 1 MiB. The backtracking versions took seconds at a few KiB (G1: 6.8 KB of
// `,iv:,tag:,type:` took 7-10 s; G2: 110 KB of newlines took 7-9 s) and minutes at this size.
const MiB = 1024 * 1024;
const fill = (head: string, unit: string, tail = "") => head + unit.repeat(Math.ceil((MiB - head.length) / unit.length)) + tail;

const attacks: readonly (readonly [string, string])[] = [
  ["G1 ENC[] separators, no closing bracket", fill("ENC[AES256_GCM,data:", ",iv:,tag:,type:")],
  ["ENC[] prefixes back to back", fill("", "ENC[AES256_GCM,data:")],
  ["one long base64 run per field, no bracket", `ENC[AES256_GCM,data:${"A".repeat(MiB / 4)},iv:${"B".repeat(MiB / 4)},tag:${"C".repeat(MiB / 4)},type:${"s".repeat(MiB / 4)}`],
  ["G2 `sops` and newlines", fill("ENC[ sops", "\n")],
  ["newlines then a flat metadata key without `=`", fill("ENC[", "\n", "sops_mac")],
  ["whitespace lines", fill("ENC[\nsops:", " \t\n")],
  ["`sops:` lines without an indented keyword", fill("ENC[\n", "sops:\n")],
  ["a quoted key followed by blanks", fill('ENC[\n"sops"', " ", "x")],
  ["flat keys without `=`", fill("ENC[\n", "sops_version sops_mac \n")],
];

describe("linear time on hostile values", () => {
  it.for(attacks)("%s: each detector answers 1 MiB well under a second", ([, value]) => {
    for (const detect of [containsSopsCiphertext, containsEncValue, containsSopsMetadata, (v: string) => isEncryptedValue(v)]) {
      const started = performance.now();
      detect(value);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it("the detectors still find what they look for", () => {
    const enc = "ENC[AES256_GCM,data:Tr7o,iv:MTIz,tag:NDU2,type:str]";
    expect(containsEncValue(`a: ${enc}\n`)).toBe(true);
    expect(containsEncValue(`a: ENC[AES256_GCM,data:x,iv:,tag:y,type:str]`)).toBe(false);
    expect(containsSopsMetadata("KEY=ENC[x]\nsops_mac=abc\n")).toBe(true);
    expect(containsSopsMetadata('{"a": "ENC[x]", "sops": {"mac": "x"}}')).toBe(false);
    expect(containsSopsMetadata('{\n  "sops": {\n')).toBe(true);
    expect(containsSopsMetadata("x: ENC[y\nsops:\n    age:\n")).toBe(true);
    expect(containsSopsMetadata("sops:\n  ages: 1\n")).toBe(false);
    expect(containsSopsCiphertext("sops:\n  age: x\n")).toBe(false);
  });

  const fixture = JSON.parse(readFileSync(new URL("../testdata/secret-create-argocd.json", import.meta.url), "utf8")) as any;
  const reviewWith = (value: string) => {
    const r = structuredClone(fixture);
    r.request.object.data = { payload: Buffer.from(value, "latin1").toString("base64") };
    return r;
  };

  it.for(attacks)("%s: judge() decides a 1 MiB value well under a second", ([, value]) => {
    const request = parseAdmissionReview(reviewWith(value)).request;
    const started = performance.now();
    const verdict = judge(request, defaultPolicy, {});
    expect(performance.now() - started).toBeLessThan(1000);
    expect(verdict.allowed).toBe(false);
  });

  const app = createWebhookApp({ policy: defaultPolicy, registry: createMetricsRegistry(), logger: false });
  afterAll(() => app.close());

  it("the webhook answers G1 and G2 at 1 MiB over HTTP well under a second, and stays responsive", async () => {
    for (const value of [attacks[0]![1], attacks[3]![1]]) {
      const started = performance.now();
      const res = await app.inject({ method: "POST", url: "/validate", payload: JSON.stringify(reviewWith(value)), headers: { "content-type": "application/json" } });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(res.statusCode).toBe(200);
      expect(res.json().response.allowed).toBe(false);
    }
  });
});
