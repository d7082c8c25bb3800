import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { createProvider, providerErrorKind, type SecretProvider } from "@hush/providers";
import { requirePeer, startMoto, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exposed, testContext, text, type TestContext } from "./context.js";

const peer = requirePeer("moto_server", "run `bash scripts/peers moto`");
const CANARY = "canary-9f8e7d6c5b4a";

describe.skipIf(!peer.ok)("aws secrets manager provider against moto", () => {
  let moto: MotoHarness;
  let sm: SecretsManagerClient;
  const versions: Record<string, string> = {};

  const store = (extra: Record<string, unknown> = {}) => ({
    aws: {
      service: "SecretsManager",
      region: "us-east-1",
      auth: {
        secretRef: {
          accessKeyIDSecretRef: { name: "aws-creds", key: "id" },
          secretAccessKeySecretRef: { name: "aws-creds", key: "secret" },
        },
      },
      ...extra,
    },
  });

  function ctxFor(): TestContext {
    const ctx = testContext({ clients: { aws: { endpoint: moto.endpoint } } });
    ctx.secrets.set("team-a/aws-creds/id", moto.credentials.accessKeyId);
    ctx.secrets.set("team-a/aws-creds/secret", moto.credentials.secretAccessKey);
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
    moto = await startMoto();
    sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    const create = async (Name: string, value: string | Uint8Array, tags: Record<string, string> = {}) => {
      const out = await sm.send(
        new CreateSecretCommand({
          Name,
          ...(typeof value === "string" ? { SecretString: value } : { SecretBinary: value }),
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      versions[Name] = out.VersionId!;
    };
    await create("app/db", JSON.stringify({ user: "app", password: CANARY, nested: { port: 5432, "a.b": "dotted" } }), {
      team: "a",
      env: "prod",
    });
    await create("app/plain", "plain-value");
    await create("app/binary", new Uint8Array([0, 1, 2, 255]));
    await create("app/api", JSON.stringify({ token: "t1" }), { team: "a", env: "dev" });
    await create("other/thing", "x", { team: "b" });
    for (let i = 0; i < 22; i++) await create(`bulk/s${i}`, JSON.stringify({ n: i }));
    // A second version: AWSCURRENT moves, the first becomes AWSPREVIOUS.
    versions["app/plain@1"] = versions["app/plain"]!;
    const put = await sm.send(new PutSecretValueCommand({ SecretId: "app/plain", SecretString: "plain-value-2" }));
    versions["app/plain"] = put.VersionId!;
  });

  afterAll(async () => {
    sm?.destroy();
    await moto?.stop();
  });

  it("reads values, JSON properties, binaries and versions with static keys from a Secret", async () => {
    await withProvider(store(), async (p) => {
      expect(text(await p.getSecret({ key: "app/plain" }))).toBe("plain-value-2");
      expect(text(await p.getSecret({ key: "app/plain", version: "AWSPREVIOUS" }))).toBe("plain-value");
      expect(text(await p.getSecret({ key: "app/plain", version: `uuid/${versions["app/plain@1"]}` }))).toBe("plain-value");
      expect(text(await p.getSecret({ key: "app/plain", version: versions["app/plain@1"] }))).toBe("plain-value");
      expect(text(await p.getSecret({ key: "app/db", property: "user" }))).toBe("app");
      expect(text(await p.getSecret({ key: "app/db", property: "nested.port" }))).toBe("5432");
      expect(text(await p.getSecret({ key: "app/db", property: "nested" }))).toBe('{"port":5432,"a.b":"dotted"}');
      expect(text(await p.getSecret({ key: "app/db", property: "nested.a\\.b" }))).toBe("dotted");
      expect([...(await p.getSecret({ key: "app/binary" }))]).toEqual([0, 1, 2, 255]);
      await expect(p.validate()).resolves.toBeUndefined();
    });
  });

  it("reads static keys from the Secret once, and again after ten minutes by the injected clock", async () => {
    const ctx = ctxFor();
    const reads: string[] = [];
    const readSecret = ctx.readSecret;
    ctx.readSecret = (ns, name, key) => {
      reads.push(`${ns}/${name}/${key}`);
      return readSecret(ns, name, key);
    };
    await withProvider(store(), async (p) => {
      await p.getSecret({ key: "app/plain" });
      await p.getSecret({ key: "app/db" });
      await p.validate();
      expect(reads.sort()).toEqual(["team-a/aws-creds/id", "team-a/aws-creds/secret"]);
      ctx.clock.now += 9 * 60_000;
      await p.getSecret({ key: "app/plain" });
      expect(reads).toHaveLength(2);
      ctx.clock.now += 60_000;
      await p.getSecret({ key: "app/plain" });
      expect(reads).toHaveLength(4);
    }, ctx);
  });

  it("prepends the store prefix to every key", async () => {
    await withProvider(store({ prefix: "app/" }), async (p) => {
      expect(text(await p.getSecret({ key: "db", property: "user" }))).toBe("app");
    });
  });

  it("expands a JSON secret into keys and fetches tags as metadata", async () => {
    await withProvider(store(), async (p) => {
      const map = await p.getSecretMap({ key: "app/db" });
      expect(Object.keys(map).sort()).toEqual(["nested", "password", "user"]);
      expect(text(map["password"]!)).toBe(CANARY);
      expect(text(map["nested"]!)).toBe('{"port":5432,"a.b":"dotted"}');
      expect(JSON.parse(text(await p.getSecret({ key: "app/db", metadataPolicy: "Fetch" })))).toEqual({ team: "a", env: "prod" });
      expect(text(await p.getSecret({ key: "app/db", metadataPolicy: "Fetch", property: "env" }))).toBe("prod");
      const tags = await p.getSecretMap({ key: "app/api", metadataPolicy: "Fetch" });
      expect(Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, text(v)]))).toEqual({ team: "a", env: "dev" });
    });
  });

  it("maps a missing secret or property to not-found without echoing the value", async () => {
    await withProvider(store(), async (p) => {
      const missing = await p.getSecret({ key: "app/nope" }).catch((e: unknown) => e);
      expect(providerErrorKind(missing)).toBe("not-found");
      // Not even the cause carries the signed request (the SDK error's $response does).
      const cause = (missing as { cause?: object }).cause!;
      expect(JSON.stringify(cause, Object.getOwnPropertyNames(cause))).not.toMatch(/authorization|x-amz-|\$response/i);
      expect((missing as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_NOT_FOUND");
      const noProp = await p.getSecret({ key: "app/db", property: "nope" }).catch((e: unknown) => e);
      expect((noProp as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_NOT_FOUND");
      expect(exposed(noProp)).not.toContain(CANARY);
      const notJson = await p.getSecret({ key: "app/plain", property: "x" }).catch((e: unknown) => e);
      expect((notJson as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
      expect(exposed(notJson)).not.toContain("plain-value");
    });
  });

  it("batches reads with BatchGetSecretValue: 20 ids per call, one read per distinct key", async () => {
    await withProvider(store(), async (p, ctx) => {
      const refs = [
        ...Array.from({ length: 22 }, (_, i) => ({ key: `bulk/s${i}`, property: "n" })),
        { key: "bulk/s0" }, // same key, no property: served by the same read
        { key: "app/db", property: "user" },
        { key: "app/missing" },
        { key: "app/plain", version: "AWSPREVIOUS" }, // not batchable: a single GetSecretValue
      ];
      const results = await p.getSecrets(refs);
      expect(results).toHaveLength(refs.length);
      for (let i = 0; i < 22; i++) {
        const r = results[i]!;
        expect(r.ok && text(r.value)).toBe(String(i));
      }
      const r22 = results[22]!;
      expect(r22.ok && JSON.parse(text(r22.value))).toEqual({ n: 0 });
      const r23 = results[23]!;
      expect(r23.ok && text(r23.value)).toBe("app");
      const r24 = results[24]!;
      expect(!r24.ok && r24.error.code).toBe("HUSH_ERR_PROVIDERS_NOT_FOUND");
      const r25 = results[25]!;
      expect(r25.ok && text(r25.value)).toBe("plain-value");
      // 24 distinct batchable ids → 2 batch calls; only the versioned ref is read alone.
      expect(ctx.count("BatchGetSecretValue")).toBe(2);
      expect(ctx.count("GetSecretValue")).toBe(1);
    });
  });

  it("finds secrets by name regexp, tags and path", async () => {
    await withProvider(store(), async (p, ctx) => {
      const byTag = await p.findSecrets({ tags: { team: "a" } });
      expect(Object.keys(byTag).sort()).toEqual(["app/api", "app/db"]);
      expect(JSON.parse(text(byTag["app/api"]!))).toEqual({ token: "t1" });
      const byTags = await p.findSecrets({ tags: { team: "a", env: "dev" } });
      expect(Object.keys(byTags)).toEqual(["app/api"]);
      const byName = await p.findSecrets({ name: { regexp: "^bulk/s1[0-9]$" } });
      expect(Object.keys(byName).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `bulk/s1${i}`).sort());
      const byPath = await p.findSecrets({ path: "app/", name: { regexp: "(api|plain|thing)$" } });
      expect(Object.keys(byPath).sort()).toEqual(["app/api", "app/plain"]);
      expect(ctx.count("GetSecretValue")).toBe(0);
      const bad = await p.findSecrets({ name: { regexp: "(" } }).catch((e: unknown) => e);
      expect((bad as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
    });
  });

  it("assumes a role through STS once and reuses the session", async () => {
    const spec = store({ role: "arn:aws:iam::123456789012:role/reader", externalID: "ext-1" });
    await withProvider(spec, async (p, ctx) => {
      expect(text(await p.getSecret({ key: "app/plain" }))).toBe("plain-value-2");
      expect(text(await p.getSecret({ key: "app/db", property: "user" }))).toBe("app");
      await p.validate();
      expect(ctx.count("AssumeRole")).toBe(1);
    });
    const chained = store({ role: "arn:aws:iam::123456789012:role/first", additionalRoles: ["arn:aws:iam::123456789012:role/second"] });
    await withProvider(chained, async (p, ctx) => {
      expect(text(await p.getSecret({ key: "app/plain" }))).toBe("plain-value-2");
      expect(text(await p.getSecret({ key: "app/plain" }))).toBe("plain-value-2");
      expect(ctx.count("AssumeRole")).toBe(2); // one per role in the chain, once
    });
  });

  it("assumes a role with a web identity token from the ServiceAccount", async () => {
    const asked: string[] = [];
    const ctx = ctxFor();
    ctx.serviceAccountToken = async (ns, sa, audiences) => {
      asked.push(`${ns}/${sa}:${audiences.join(",")}`);
      return "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dGVhbS1hOmFwcCJ9.c2ln";
    };
    const spec = {
      aws: {
        region: "us-east-1",
        role: "arn:aws:iam::123456789012:role/web",
        auth: { jwt: { serviceAccountRef: { name: "app" } } },
      },
    };
    await withProvider(spec, async (p) => {
      expect(text(await p.getSecret({ key: "app/plain" }))).toBe("plain-value-2");
      expect(text(await p.getSecret({ key: "app/api", property: "token" }))).toBe("t1");
      expect(ctx.count("AssumeRoleWithWebIdentity")).toBe(1);
      expect(asked).toEqual(["team-a/app:sts.amazonaws.com"]);
    }, ctx);
  });

  it("reports unreadable credentials and unreachable endpoints as typed errors", async () => {
    const ctx = ctxFor();
    ctx.secrets.delete("team-a/aws-creds/secret");
    await withProvider(store(), async (p) => {
      const err = await p.validate().catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
    }, ctx);
    const dead = ctxFor();
    dead.clients = { aws: { endpoint: "http://127.0.0.1:9" } };
    dead.retrySettings = { maxRetries: 0 };
    await withProvider(store(), async (p) => {
      const err = await p.getSecret({ key: "app/plain" }).catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_UNAVAILABLE");
    }, dead);
  });

  it("stops on the caller's abort signal with a typed error", async () => {
    await withProvider(store(), async (p) => {
      const err = await p.getSecret({ key: "app/plain" }, AbortSignal.abort()).catch((e: unknown) => e);
      expect((err as { code: string; message: string }).code).toBe("HUSH_ERR_PROVIDERS_UNAVAILABLE");
      expect((err as Error).message).toContain("aborted");
    });
  });

  it("rejects a namespaced store reaching into another namespace", async () => {
    const spec = store();
    (spec.aws.auth.secretRef.accessKeyIDSecretRef as { namespace?: string }).namespace = "kube-system";
    await withProvider(spec, async (p) => {
      const err = await p.validate().catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe("HUSH_ERR_PROVIDERS_INVALID_CONFIG");
    });
  });
});
