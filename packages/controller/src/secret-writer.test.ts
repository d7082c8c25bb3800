import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import type { Secret } from "@hush/kube";
import type { KubeClient } from "@hush/kube/client";
import { SecretWriter } from "./secret-writer.js";

interface Call {
  method: string;
  path: string;
  options: { body?: unknown; contentType?: string; query?: Record<string, unknown> };
}

function fakeClient(respond: (c: Call) => unknown, existing?: Secret): { client: KubeClient; calls: Call[] } {
  const calls: Call[] = [];
  const client = {
    request: async (method: string, path: string, options: Call["options"] = {}) => {
      const c = { method, path, options };
      calls.push(c);
      return respond(c);
    },
    get: async () => existing,
  } as unknown as KubeClient;
  return { client, calls };
}

const secret = (extra: Partial<Secret> = {}): Secret => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "app" }, type: "Opaque", data: { a: "YQ==" }, ...extra });

describe("SecretWriter", () => {
  it("creates with a plain create under the ExternalSecret's field manager; updates by server-side apply", async () => {
    const { client, calls } = fakeClient((c) => ({ ...(c.options.body as Secret), metadata: { name: "db", resourceVersion: String(calls.length) } }));
    const w = new SecretWriter(client);
    expect(await w.write("app", { type: "create", secret: secret(), fieldManager: "hush/db" })).toBe("ok");
    expect(calls[0]).toMatchObject({ method: "POST", path: "/api/v1/namespaces/app/secrets", options: { query: { fieldManager: "hush/db" } } });
    expect(w.isOwnWrite({ metadata: { name: "db", namespace: "app", resourceVersion: "1" } })).toBe(true);
    await w.write("app", { type: "update", secret: secret({ metadata: { name: "db", resourceVersion: "1" } }), fieldManager: "hush/db" });
    expect(calls[1]).toMatchObject({ method: "PATCH", path: "/api/v1/namespaces/app/secrets/db", options: { contentType: "application/apply-patch+yaml", query: { fieldManager: "hush/db", force: true } } });
  });

  it("reports a Secret that appeared meanwhile as `exists`, and anything else as an error", async () => {
    const reject = (code: string) => () => {
      throw new HushError(code as "HUSH_ERR_KUBE_CONFLICT", "POST: 409 AlreadyExists");
    };
    expect(await new SecretWriter(fakeClient(reject("HUSH_ERR_KUBE_CONFLICT")).client).write("app", { type: "create", secret: secret(), fieldManager: "hush/db" })).toBe("exists");
    await expect(new SecretWriter(fakeClient(reject("HUSH_ERR_KUBE_INVALID_OBJECT")).client).write("app", { type: "create", secret: secret(), fieldManager: "hush/db" })).rejects.toMatchObject({ code: "HUSH_ERR_KUBE_INVALID_OBJECT" });
  });

  it("S1: refuses a privileged type or ServiceAccount annotation right before the request", async () => {
    const { client, calls } = fakeClient(() => ({}));
    const w = new SecretWriter(client);
    await expect(w.write("app", { type: "create", secret: secret({ type: "kubernetes.io/service-account-token" }), fieldManager: "hush/db" })).rejects.toMatchObject({ code: "HUSH_ERR_CONTROLLER_INVALID_SPEC" });
    await expect(w.write("app", { type: "update", secret: secret({ metadata: { name: "db", annotations: { "kubernetes.io/service-account.name": "x" } } }), fieldManager: "hush/db" })).rejects.toMatchObject({ code: "HUSH_ERR_CONTROLLER_INVALID_SPEC" });
    await expect(w.write("app", { type: "update", secret: secret({ type: undefined }), fieldManager: "hush/db" }, "bootstrap.kubernetes.io/token")).rejects.toMatchObject({ code: "HUSH_ERR_CONTROLLER_INVALID_SPEC" });
    expect(calls).toEqual([]);
  });

  it("removes stale keys an older field manager still holds, on the version just written", async () => {
    const { client, calls } = fakeClient((c) => (c.options.contentType === "application/apply-patch+yaml" ? { metadata: { name: "db", resourceVersion: "7" }, data: { a: "YQ==", old: "eA==" } } : { metadata: { name: "db", resourceVersion: "8" }, data: { a: "YQ==" } }));
    await new SecretWriter(client).write("app", { type: "update", secret: secret(), fieldManager: "hush/db", prune: ["old"] });
    expect(calls[1]).toMatchObject({ options: { contentType: "application/merge-patch+json", body: { metadata: { resourceVersion: "7" }, data: { old: null } } } });
  });

  it("deletes only the Secret it planned against (uid precondition)", async () => {
    const { client, calls } = fakeClient(() => ({}));
    await new SecretWriter(client).write("app", { type: "delete", name: "db", uid: "u1" });
    expect(calls[0]).toMatchObject({ method: "DELETE", options: { body: { preconditions: { uid: "u1" } } } });
  });
});
