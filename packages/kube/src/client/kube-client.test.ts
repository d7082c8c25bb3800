import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "./kube-client.js";

const CANARY = "canary-value-0b5e7";

describe("KubeClient error mapping", () => {
  let server: Server;
  let client: KubeClient;
  beforeAll(async () => {
    // A stand-in that answers like the API server does when it rejects an object: a Status whose
    // message quotes the submitted value. Only the client's error handling is under test here.
    server = createServer((req, res) => {
      const status = Number(new URL(req.url ?? "/", "http://x").searchParams.get("status") ?? "200");
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", code: status, reason: status === 422 ? "Invalid" : "Conflict", message: `Secret "x" is invalid: data[k]: Invalid value: "${CANARY}"`, details: { causes: [{ field: "data[k]", message: CANARY }] } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    client = new KubeClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers: async () => ({}) });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.for([
    [422, "HUSH_ERR_KUBE_INVALID_OBJECT"],
    [409, "HUSH_ERR_KUBE_CONFLICT"],
    [404, "HUSH_ERR_KUBE_NOT_FOUND"],
    [403, "HUSH_ERR_KUBE_FORBIDDEN"],
    [500, "HUSH_ERR_KUBE_API"],
  ] as const)("maps HTTP %d to %s and never repeats the server's message", async ([status, code]) => {
    const err = await client.request("POST", "/api/v1/namespaces/a/secrets", { query: { status }, body: { data: { k: CANARY } } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect(String((err as Error).message)).not.toContain(CANARY);
    expect((err as Error).message).toContain(`POST /api/v1/namespaces/a/secrets: ${status}`);
  });

  it("reads 404 as undefined with get()", async () => {
    expect(await client.get("/api/v1/x?status=404")).toBeUndefined();
  });

  it("reports an unreachable server as HUSH_ERR_KUBE_API", async () => {
    const dead = new KubeClient({ server: "http://127.0.0.1:1", headers: async () => ({}) });
    await expect(dead.request("GET", "/api")).rejects.toMatchObject({ code: "HUSH_ERR_KUBE_API" });
  });
});
