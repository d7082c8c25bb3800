import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createMetricsRegistry } from "@hush/server";
import { createCachedFacts, createWebhookApp, defaultPolicy, parsePolicy, type ObjectReader, type WebhookPolicy } from "./index.js";

const fixture = JSON.parse(readFileSync(new URL("../testdata/secret-create-argocd.json", import.meta.url), "utf8")) as unknown;
const canary = "hush-canary-7f3a9c";

function body(edit: (r: any) => void = () => {}) {
  const copy = structuredClone(fixture) as any;
  edit(copy);
  return copy;
}

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

function build(options: { policy?: WebhookPolicy; read?: ObjectReader | null; bodyLimit?: number } = {}) {
  const lines: string[] = [];
  const registry = createMetricsRegistry();
  const app = createWebhookApp({
    policy: options.policy ?? defaultPolicy,
    registry,
    logger: { sink: { write: (l: string) => lines.push(l) } },
    ...(options.read !== null ? { facts: createCachedFacts(options.read ?? (async () => undefined)) } : {}),
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  });
  apps.push(app);
  return { app, lines };
}

async function validate(app: ReturnType<typeof build>["app"], payload: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: "POST", url: "/validate", payload: payload as string, headers: { "content-type": "application/json", ...headers } });
}

describe("POST /validate", () => {
  it("denies a plaintext Secret from Argo CD with a 403 status, echoing the uid", async () => {
    const { app, lines } = build();
    const res = await validate(app, body());
    expect(res.statusCode).toBe(200);
    const review = res.json();
    expect(review).toMatchObject({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: false, status: { code: 403, reason: "Forbidden" } },
    });
    expect(review.response.status.message).toContain("secret team-a/db-creds has plaintext values from Git");
    expect(res.body).not.toContain(canary);
    expect(lines.some((l) => l.includes('"reason":"plaintext"'))).toBe(true);
    expect(lines.join("\n")).not.toContain(canary);
    expect(lines.join("\n")).not.toContain("aHVzaC1jYW5hcnktN2YzYTlj");
  });

  it("allows with warnings in warn mode and with audit annotations in audit mode", async () => {
    const warn = await validate(build({ policy: parsePolicy({ mode: "warn" }) }).app, body());
    expect(warn.json().response).toMatchObject({ allowed: true, warnings: [expect.stringContaining("plaintext values")] });
    const audit = await validate(build({ policy: parsePolicy({ mode: "audit" }) }).app, body());
    expect(audit.json().response).toMatchObject({ allowed: true, auditAnnotations: { violation: "plaintext" } });
    expect(audit.json().response.warnings).toBeUndefined();
  });

  it("allows a Flux Secret whose Kustomization decrypts, looked up once and cached", async () => {
    const reads: string[] = [];
    const read: ObjectReader = async (ref) => {
      reads.push(`${ref.group}/${ref.plural}/${ref.namespace}/${ref.name}`);
      return { spec: { decryption: { provider: "sops", secretRef: { name: "sops-age" } } } };
    };
    const { app } = build({ read });
    const flux = body((r) => {
      r.request.userInfo.username = "system:serviceaccount:flux-system:kustomize-controller";
      r.request.object.metadata.labels = { "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };
    });
    for (let i = 0; i < 3; i++) expect((await validate(app, flux)).json().response.allowed).toBe(true);
    expect(reads).toEqual(["kustomize.toolkit.fluxcd.io/kustomizations/flux-system/apps"]);
  });

  it("denies, saying why, when the Kustomization lookup fails; the client's error text stays out", async () => {
    const { app, lines } = build({ read: async () => { throw new Error(`upstream said ${canary}`); } });
    const res = await validate(app, body((r) => {
      r.request.userInfo.username = "system:serviceaccount:flux-system:kustomize-controller";
      r.request.object.metadata.labels = { "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };
    }));
    const response = res.json().response;
    expect(response.allowed).toBe(false);
    expect(response.status.message).toContain("the lookup of kustomizations.kustomize.toolkit.fluxcd.io flux-system/apps failed");
    expect(res.body + lines.join("\n")).not.toContain(canary);
  });

  it("fails closed without an API client when a lookup is needed", async () => {
    const res = await validate(build({ read: null }).app, body((r) => {
      r.request.userInfo.username = "system:serviceaccount:flux-system:kustomize-controller";
      r.request.object.metadata.labels = { "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };
    }));
    expect(res.json().response).toMatchObject({ allowed: false });
    expect(res.json().response.status.message).toContain("no Kubernetes API access configured");
  });

  it("passes an ordinary user and a DELETE", async () => {
    const { app } = build();
    expect((await validate(app, body((r) => { r.request.userInfo.username = "alice"; delete r.request.options; r.request.object.metadata.managedFields = []; r.request.object.metadata.annotations = {}; }))).json().response.allowed).toBe(true);
    expect((await validate(app, body((r) => { r.request.operation = "DELETE"; r.request.object = null; }))).json().response.allowed).toBe(true);
  });

  it.for([
    ["not JSON", `{"apiVersion": "admission.k8s.io/v1", "x": "${canary}`],
    ["a JSON array", "[]"],
    ["a wrong apiVersion", JSON.stringify(body((r) => { r.apiVersion = "admission.k8s.io/v1beta1"; }))],
    ["no request", JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" })],
    ["a numeric username", JSON.stringify(body((r) => { r.request.userInfo.username = 7; }))],
    ["a non-string data value", JSON.stringify(body((r) => { r.request.object.data.password = { nested: canary }; }))],
    ["labels that are not strings", JSON.stringify(body((r) => { r.request.object.metadata.labels = { a: 1 }; }))],
    ["no object on CREATE", JSON.stringify(body((r) => { delete r.request.object; }))],
  ] as const)("answers 400, never an AdmissionReview, for %s", async ([, payload]) => {
    const { app, lines } = build();
    const res = await validate(app, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "HUSH_ERR_WEBHOOK_BAD_REVIEW" });
    expect(res.body).not.toContain("allowed");
    expect(res.body + lines.join("\n")).not.toContain(canary);
  });

  it("judges a data key `__proto__` like any key instead of failing the review (D17)", async () => {
    const { app } = build();
    const payload = JSON.stringify(body()).replace('"username":"YXBw"', '"__proto__":"YXBw"');
    const res = await validate(app, payload);
    expect(res.statusCode).toBe(200);
    expect(res.json().response).toMatchObject({ allowed: false, status: { message: expect.stringContaining("data.__proto__") } });
    expect(({} as Record<string, unknown>)["allowed"]).toBeUndefined();
  });

  it("answers 413 for an oversized review and 415 for a non-JSON content type", async () => {
    const { app } = build({ bodyLimit: 4096 });
    const big = await validate(app, body((r) => { r.request.object.data.big = "A".repeat(8192); }));
    expect(big.statusCode).toBe(413);
    const form = await validate(app, "a=b", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.statusCode).toBe(415);
    const metrics = (await app.inject("/metrics")).body;
    expect(metrics).toContain('hush_webhook_rejected_requests_total{status="413"} 1');
    expect(metrics).toContain('hush_webhook_rejected_requests_total{status="415"} 1');
  });

  it("counts decisions by result, reason and mode, and times them", async () => {
    const { app } = build({ policy: parsePolicy({ namespaceModes: { "team-w": "warn" } }) });
    await validate(app, body());
    await validate(app, body());
    await validate(app, body((r) => { r.request.namespace = "team-w"; }));
    await validate(app, body((r) => { r.request.userInfo.username = "alice"; delete r.request.options; r.request.object.metadata.managedFields = []; r.request.object.metadata.annotations = {}; }));
    const metrics = (await app.inject("/metrics")).body;
    expect(metrics).toContain('hush_webhook_decisions_total{result="denied",reason="plaintext",mode="enforce"} 2');
    expect(metrics).toContain('hush_webhook_decisions_total{result="warned",reason="plaintext",mode="warn"} 1');
    expect(metrics).toContain('hush_webhook_decisions_total{result="allowed",reason="not-gitops",mode="enforce"} 1');
    expect(metrics).toContain("hush_webhook_review_duration_seconds_count 4");
    expect(metrics).not.toContain(canary);
  });

  it("serves /healthz and /readyz", async () => {
    const { app } = build();
    expect((await app.inject("/healthz")).statusCode).toBe(200);
    expect((await app.inject("/readyz")).statusCode).toBe(200);
  });
});
