import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import { createMetricsRegistry, createOpsServer, serializeError } from "./index.js";

const canary = "hush-canary-9f8e7d6c";

function collector() {
  const lines: string[] = [];
  return { lines, sink: { write: (line: string) => lines.push(line) } };
}

describe("logger", () => {
  it("censors payload paths such as data and stringData", async () => {
    const { lines, sink } = collector();
    const app = createOpsServer({ logger: { sink }, registry: createMetricsRegistry() });
    await app.ready();
    app.log.info({ review: { data: { password: canary }, stringData: { token: canary } } }, "judged");
    await app.close();
    const line = lines.find((l) => l.includes("judged"));
    expect(line).toBeDefined();
    expect(line).toContain("[redacted]");
    expect(lines.join("\n")).not.toContain(canary);
  });

  it("never prints a library error's message (it can quote the input)", () => {
    let parseError: unknown;
    try {
      JSON.parse(`{"password": "${canary}`);
    } catch (err) {
      parseError = err;
    }
    expect(JSON.stringify(serializeError(parseError))).not.toContain(canary);
    expect(serializeError(parseError)).toEqual({ type: "SyntaxError" });
  });

  it("keeps code and message of a HushError, which hush writes without values", () => {
    const err = new HushError("HUSH_ERR_SERVER_LISTEN_ADDRESS", "the listen address must look like HOST:PORT");
    expect(serializeError(err)).toEqual({ type: "HushError", code: "HUSH_ERR_SERVER_LISTEN_ADDRESS", message: err.message });
  });

  it("does not log a request body that failed to parse", async () => {
    const { lines, sink } = collector();
    const app = createOpsServer({ logger: { sink }, registry: createMetricsRegistry() });
    app.post("/x", async () => ({}));
    const res = await app.inject({ method: "POST", url: "/x", headers: { "content-type": "application/json" }, payload: `{"a":"${canary}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ statusCode: 400, code: "FST_ERR_CTP_INVALID_JSON_BODY", message: "the request was rejected" });
    await app.close();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain(canary);
  });

  it("logs no per-request lines unless asked to", async () => {
    for (const requestLogging of [false, true]) {
      const { lines, sink } = collector();
      const app = createOpsServer({ logger: { sink }, registry: createMetricsRegistry(), requestLogging });
      app.get("/x", async () => ({}));
      await app.inject("/x");
      await app.close();
      expect(lines.some((l) => l.includes("incoming request"))).toBe(requestLogging);
    }
  });
});

describe("per-request logger", () => {
  it("censors objects logged through a request's child logger", async () => {
    const { lines, sink } = collector();
    const app = createOpsServer({ logger: { sink }, registry: createMetricsRegistry() });
    app.get("/x", async (req) => {
      req.log.info({ review: { token: canary }, x: { password: canary } }, "child");
      return {};
    });
    await app.inject("/x");
    await app.close();
    const line = lines.find((l) => l.includes("child"));
    expect(JSON.parse(line!)).toMatchObject({ reqId: expect.any(String), review: { token: "[redacted]" }, x: { password: "[redacted]" } });
    expect(lines.join("\n")).not.toContain(canary);
  });
});
