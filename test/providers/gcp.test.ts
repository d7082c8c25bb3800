import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { createProvider, providerErrorKind, type SecretProvider } from "@hush/providers";
import { startGcpSecretManager, type GcpSecretManagerHarness } from "@hush/testkit";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exposed, testContext, text, type TestContext } from "./context.js";

const CANARY = "gcp-canary-0a1b2c3d";

describe("google secret manager provider against the in-process gRPC fake", () => {
  let gcp: GcpSecretManagerHarness;
  let sm: SecretManagerServiceClient;
  const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const saKey = JSON.stringify({ type: "service_account", project_id: "hush-test", client_email: "sync@hush-test.iam.gserviceaccount.com", private_key: privateKey });

  const store = (extra: Record<string, unknown> = {}) => ({
    gcpsm: {
      projectID: "hush-test",
      auth: { secretRef: { secretAccessKeySecretRef: { name: "gcp-sa", key: "key.json" } } },
      ...extra,
    },
  });

  function ctxFor(): TestContext {
    const [, port] = gcp.endpoint.split(":");
    const ctx = testContext({ clients: { gcpsm: { apiEndpoint: "127.0.0.1", port: Number(port), insecure: true } } });
    ctx.secrets.set("team-a/gcp-sa/key.json", saKey);
    return ctx;
  }

  async function withProvider<T>(spec: unknown, fn: (p: SecretProvider, ctx: TestContext) => Promise<T>, ctx = ctxFor()): Promise<T> {
    const p = await createProvider(spec, ctx);
    try {
      return await fn(p, ctx);
    } finally {
      await p.close();
    }
  }

  beforeAll(async () => {
    gcp = await startGcpSecretManager();
    sm = new SecretManagerServiceClient(gcp.clientOptions);
    const parent = `projects/${gcp.projectId}`;
    const create = async (id: string, values: (string | Uint8Array)[], labels: Record<string, string> = {}) => {
      await sm.createSecret({ parent, secretId: id, secret: { replication: { automatic: {} }, labels } });
      for (const v of values) {
        await sm.addSecretVersion({ parent: `${parent}/secrets/${id}`, payload: { data: typeof v === "string" ? Buffer.from(v) : v } });
      }
    };
    await create("db", [JSON.stringify({ user: "app", password: "old" }), JSON.stringify({ user: "app", password: CANARY, port: 5432 })], { team: "a", env: "prod" });
    await create("binary", [new Uint8Array([0, 255, 7])]);
    await create("api-token", ["t1"], { team: "a", env: "dev" });
    await create("other", ["o"], { team: "b" });
    await create("rotating", ["v1", "v2"]);
    await sm.disableSecretVersion({ name: `${parent}/secrets/rotating/versions/2` });
  });

  afterAll(async () => {
    await sm?.close();
    await gcp?.stop();
  });

  it("reads latest, numbered versions, JSON properties and binaries with a service-account key from a Secret", async () => {
    await withProvider(store(), async (p) => {
      expect(JSON.parse(text(await p.getSecret({ key: "db" }))).password).toBe(CANARY);
      expect(text(await p.getSecret({ key: "db", version: "1", property: "password" }))).toBe("old");
      expect(text(await p.getSecret({ key: "db", version: "latest", property: "port" }))).toBe("5432");
      expect(text(await p.getSecret({ key: "projects/hush-test/secrets/db", property: "user" }))).toBe("app");
      expect([...(await p.getSecret({ key: "binary" }))]).toEqual([0, 255, 7]);
      await expect(p.validate()).resolves.toBeUndefined();
    });
  });

  it("expands JSON into keys and fetches labels as metadata", async () => {
    await withProvider(store(), async (p) => {
      const map = await p.getSecretMap({ key: "db" });
      expect(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, text(v)]))).toEqual({ user: "app", password: CANARY, port: "5432" });
      expect(text(await p.getSecret({ key: "db", metadataPolicy: "Fetch", property: "labels.env" }))).toBe("prod");
    });
  });

  it("maps missing secrets and disabled versions to not-found, and falls back with LatestOrFetch", async () => {
    await withProvider(store(), async (p) => {
      const missing = await p.getSecret({ key: "nope" }).catch((e: unknown) => e);
      expect((missing as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_NOT_FOUND");
      const disabled = await p.getSecret({ key: "rotating" }).catch((e: unknown) => e);
      expect(providerErrorKind(disabled)).toBe("not-found");
      const noProp = await p.getSecret({ key: "db", property: "missing" }).catch((e: unknown) => e);
      expect(exposed(noProp)).not.toContain(CANARY);
    });
    await withProvider(store({ secretVersionSelectionPolicy: "LatestOrFetch" }), async (p, ctx) => {
      expect(text(await p.getSecret({ key: "rotating" }))).toBe("v1");
      expect(ctx.count("ListSecretVersions")).toBe(1);
    });
  });

  it("reads each distinct secret once in a batch", async () => {
    await withProvider(store(), async (p, ctx) => {
      const results = await p.getSecrets([
        { key: "db", property: "user" },
        { key: "db", property: "password" },
        { key: "db" },
        { key: "api-token" },
        { key: "nope" },
      ]);
      expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual(["ok", "ok", "ok", "ok", "HUSH_ERR_PROVIDERS_NOT_FOUND"]);
      const r1 = results[1]!;
      expect(r1.ok && text(r1.value)).toBe(CANARY);
      expect(ctx.count("AccessSecretVersion")).toBe(2);
      expect(ctx.count("AccessSecretVersion", "not-found")).toBe(1);
    });
  });

  it("finds secrets by labels, name regexp and path", async () => {
    await withProvider(store(), async (p) => {
      expect(Object.keys(await p.findSecrets({ tags: { team: "a" } })).sort()).toEqual(["api-token", "db"]);
      expect(Object.keys(await p.findSecrets({ tags: { team: "a", env: "dev" } }))).toEqual(["api-token"]);
      const byName = await p.findSecrets({ name: { regexp: "^(db|other)$" } });
      expect(Object.keys(byName).sort()).toEqual(["db", "other"]);
      expect(text(byName["other"]!)).toBe("o");
      // "rotating" has no enabled latest version: skipped, not an error.
      expect(Object.keys(await p.findSecrets({ path: "r" }))).toEqual([]);
    });
  });

  it("rejects a malformed service-account key without echoing it, and reports an unreachable endpoint", async () => {
    const ctx = ctxFor();
    ctx.secrets.set("team-a/gcp-sa/key.json", `{"type":"service_account","private_key":"${CANARY}"}`);
    await withProvider(store(), async (p) => {
      const err = await p.getSecret({ key: "db" }).catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
      expect(exposed(err)).not.toContain(CANARY);
    }, ctx);
    const dead = ctxFor();
    dead.clients = { gcpsm: { apiEndpoint: "127.0.0.1", port: 9, insecure: true } };
    await withProvider(store(), async (p) => {
      const err = await p.validate().catch((e: unknown) => e);
      expect(providerErrorKind(err)).toBe("unavailable");
      expect((err as Error).message).toContain("(UNAVAILABLE)");
    }, dead);
  });
});
