import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { Counter } from "prom-client";
import { closeOnSignal, createMetricsRegistry, createOpsServer, type SignalSource } from "./index.js";

describe("createOpsServer", () => {
  it("answers /healthz, and /readyz by its checks, naming only the failing check", async () => {
    let warm = false;
    const app = createOpsServer({ logger: false, registry: createMetricsRegistry(), readiness: { cache: () => warm, always: () => true } });
    expect((await app.inject("/healthz")).json()).toEqual({ status: "ok" });
    const cold = await app.inject("/readyz");
    expect(cold.statusCode).toBe(503);
    expect(cold.json()).toEqual({ status: "not ready", failing: ["cache"] });
    warm = true;
    const ready = await app.inject("/readyz");
    expect(ready.statusCode).toBe(200);
    await app.close();
  });

  it("counts a throwing readiness check as not ready", async () => {
    const app = createOpsServer({ logger: false, registry: createMetricsRegistry(), readiness: { boom: () => { throw new Error("x"); } } });
    expect((await app.inject("/readyz")).statusCode).toBe(503);
    await app.close();
  });

  it("renders the injected registry on /metrics in Prometheus text format", async () => {
    const registry = createMetricsRegistry();
    const counter = new Counter({ name: "hush_test_things_total", help: "things", registers: [registry] });
    counter.inc(3);
    const app = createOpsServer({ logger: false, registry });
    const res = await app.inject("/metrics");
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.body).toContain("hush_test_things_total 3");
    await app.close();
  });

  it("adds Node process metrics to a default registry", async () => {
    const app = createOpsServer({ logger: false });
    expect((await app.inject("/metrics")).body).toContain("hush_process_cpu_user_seconds_total");
    await app.close();
  });

  it("answers 413 above the body limit before any handler runs", async () => {
    const app = createOpsServer({ logger: false, registry: createMetricsRegistry(), bodyLimit: 64 });
    let called = false;
    app.post("/echo", async () => { called = true; return {}; });
    const res = await app.inject({ method: "POST", url: "/echo", payload: { big: "x".repeat(100) } });
    expect(res.statusCode).toBe(413);
    expect(called).toBe(false);
    await app.close();
  });
});

describe("closeOnSignal", () => {
  it("lets an in-flight request finish, then closes, on SIGTERM", async () => {
    const app = createOpsServer({ logger: false, registry: createMetricsRegistry() });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let entered!: () => void;
    const inside = new Promise<void>((r) => { entered = r; });
    app.get("/slow", async () => { entered(); await gate; return { done: true }; });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const signals = new EventEmitter() as unknown as SignalSource & EventEmitter;
    const closed = closeOnSignal(app, signals);

    const inflight = fetch(`http://127.0.0.1:${port}/slow`);
    await inside;
    (signals as EventEmitter).emit("SIGTERM");
    release();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(await closed).toBe("SIGTERM");
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect((signals as EventEmitter).listenerCount("SIGINT")).toBe(0);
  });

  it("resolves 'closed' and detaches when the server is closed another way", async () => {
    const app = createOpsServer({ logger: false, registry: createMetricsRegistry() });
    const signals = new EventEmitter();
    await app.listen({ host: "127.0.0.1", port: 0 });
    const closed = closeOnSignal(app, signals as unknown as SignalSource);
    await app.close();
    expect(await closed).toBe("closed");
    expect(signals.listenerCount("SIGTERM")).toBe(0);
  });
});
