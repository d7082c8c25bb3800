import { describe, expect, it } from "vitest";
import { HushError } from "@hush/errors";
import type { ExternalSecret } from "@hush/kube";
import { fetchExternalSecretData, type SourceReader } from "./fetch-data.js";
import { planSecret } from "./plan-secret.js";

const enc = (s: string) => new TextEncoder().encode(s);

/** A store holding `secrets` (key → JSON text); anything else is "gone" at the provider. */
function reader(secrets: Record<string, string>): SourceReader {
  const get = async (_s: unknown, r: { key: string }) => {
    const v = secrets[r.key];
    if (v === undefined) throw new HushError("HUSH_ERR_PROVIDERS_NOT_FOUND", `secret ${r.key} not found`);
    return enc(v);
  };
  return {
    get,
    getMap: async (s, r) => Object.fromEntries(Object.entries(JSON.parse(new TextDecoder().decode(await get(s, r))) as Record<string, string>).map(([k, v]) => [k, enc(v)])),
    find: async () => ({}),
  };
}

function es(property: string): ExternalSecret {
  return {
    metadata: { name: "app", namespace: "team", uid: "u", generation: 1 },
    spec: { secretStoreRef: { name: "s" }, target: { deletionPolicy: "Delete" }, dataFrom: [{ extract: { key: "app/config", property } }] },
  };
}

describe("S5: a missing dataFrom extract property is an error, never a deletion", () => {
  const store = reader({ "app/config": JSON.stringify({ db: { user: "u", pass: "p" } }) });
  const live = { metadata: { name: "app", namespace: "team", uid: "s", ownerReferences: [{ apiVersion: "hush.dev/v1", kind: "ExternalSecret", name: "app", uid: "u", controller: true }] }, data: {} };

  it("a typo in the property fails the sync and keeps the Secret", async () => {
    const fetched = await fetchExternalSecretData(es("dbb"), store);
    expect(fetched.ok).toBe(false);
    const plan = planSecret(es("dbb"), fetched, live);
    expect(plan.action.type).toBe("none");
    expect(plan.ready.status).toBe("False");
    expect(plan.ready.message).toContain("not found in the remote secret");
  });

  it("the right property expands as before", async () => {
    const fetched = await fetchExternalSecretData(es("db"), store);
    expect(fetched.ok && Object.keys(fetched.data).sort()).toEqual(["pass", "user"]);
  });

  it("a remote secret that is really gone still counts as missing under deletionPolicy Delete", async () => {
    const gone = { ...es("db"), spec: { ...es("db").spec, dataFrom: [{ extract: { key: "app/removed", property: "db" } }] } };
    const fetched = await fetchExternalSecretData(gone, store);
    expect(fetched.ok && fetched.missing).toHaveLength(1);
    expect(planSecret(gone, fetched, live).action.type).toBe("delete");
  });
});

describe("found and extracted names become keys as ESO converts them", () => {
  const finder = (names: Record<string, string>): SourceReader => ({
    get: async () => enc(""),
    getMap: async () => ({}),
    find: async () => Object.fromEntries(Object.entries(names).map(([k, v]) => [k, enc(v)])),
  });
  const find = (conversionStrategy?: "Default" | "Unicode"): ExternalSecret => ({
    metadata: { name: "f", namespace: "t" },
    spec: { secretStoreRef: { name: "s" }, dataFrom: [{ find: { name: { regexp: "^team/" }, ...(conversionStrategy ? { conversionStrategy } : {}) } }] },
  });

  it("without a rewrite, `/` and other characters become `_` (Default) or `_Uxxxx_` (Unicode)", async () => {
    const r = finder({ "team/alpha-token": "a", "team/b.c": "b" });
    const byDefault = await fetchExternalSecretData(find(), r);
    expect(byDefault.ok && Object.keys(byDefault.data).sort()).toEqual(["team_alpha-token", "team_b.c"]);
    const unicode = await fetchExternalSecretData(find("Unicode"), r);
    expect(unicode.ok && Object.keys(unicode.data).sort()).toEqual(["team_U002f_alpha-token", "team_U002f_b.c"]);
  });

  it("two names that convert to one key fail the sync instead of overwriting each other", async () => {
    const fetched = await fetchExternalSecretData(find(), finder({ "team/a b": "1", "team/a:b": "2" }));
    expect(fetched.ok).toBe(false);
    expect(JSON.stringify(fetched)).not.toMatch(/"1"|"2"/);
  });
});

describe("S3: find.name.regexp is matched with RE2 in the controller", () => {
  it("providers only see a literal prefix (or match-all), never the tenant's pattern", async () => {
    const seen: string[] = [];
    const names = { "app/db": "1", "app/DB-main": "2", [`${"a".repeat(50)}!`]: "3" };
    const r: SourceReader = {
      get: async () => enc(""),
      getMap: async () => ({}),
      find: async (_s, f) => {
        seen.push(f.name?.regexp ?? "<none>");
        const pre = new RegExp(f.name?.regexp ?? "");
        return Object.fromEntries(Object.entries(names).filter(([k]) => pre.test(k)).map(([k, v]) => [k, enc(v)]));
      },
    };
    const find = (regexp: string): ExternalSecret => ({
      metadata: { name: "f", namespace: "t" },
      spec: { secretStoreRef: { name: "s" }, dataFrom: [{ find: { name: { regexp } }, rewrite: [{ regexp: { source: "[^-._a-zA-Z0-9]", target: "_" } }] }] },
    });
    const t0 = performance.now();
    const evil = await fetchExternalSecretData(find("^(a+)+$"), r);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(evil.ok && Object.keys(evil.data)).toEqual([]);
    const ci = await fetchExternalSecretData(find("(?i)^app/db"), r);
    expect(ci.ok && Object.keys(ci.data).sort()).toEqual(["app_DB-main", "app_db"]);
    await fetchExternalSecretData(find("^app/d.*"), r);
    expect(seen).toEqual(["", "", "^app\\/d"]);
  });

  it("builds prefilters that never exclude a match", async () => {
    const { literalPrefilter } = await import("./fetch-data.js");
    expect(literalPrefilter("^app/db-.*")).toBe("^app\\/db\\-");
    expect(literalPrefilter("^ab*c")).toBe("^a");
    expect(literalPrefilter("^a\\.b")).toBe("^a\\.b");
    expect(literalPrefilter("^a|^b")).toBe("");
    expect(literalPrefilter("(?i)^app")).toBe("");
    expect(literalPrefilter("app")).toBe("");
  });
});

describe("templateFrom sources", () => {
  const tplEs: ExternalSecret = {
    metadata: { name: "app", namespace: "team", uid: "u", generation: 1 },
    spec: {
      secretStoreRef: { name: "s" },
      dataFrom: [{ extract: { key: "app/config" } }],
      target: {
        template: {
          templateFrom: [
            { configMap: { name: "tpl", items: [{ key: "dsn" }] } },
            { configMap: { name: "tpl", items: [{ key: "pairs", templateAs: "KeysAndValues" }] }, target: "Annotations" },
            { secret: { name: "tpl-s", items: [{ key: "token" }] } },
          ],
        },
      },
    },
  };

  it("reads each named ConfigMap and Secret once, by name only, and renders them into the plan", async () => {
    const reads: string[] = [];
    const store: SourceReader = {
      ...reader({ "app/config": JSON.stringify({ user: "u", pass: "p" }) }),
      readConfigMap: async (name) => (reads.push(`cm/${name}`), { dsn: "{{ .user }}:{{ .pass }}", pairs: "who: {{ .user }}" }),
      readSecret: async (name) => (reads.push(`secret/${name}`), { token: enc("t-{{ .user | upper }}") }),
    };
    const fetched = await fetchExternalSecretData(tplEs, store);
    expect(fetched.ok).toBe(true);
    expect(reads.sort()).toEqual(["cm/tpl", "secret/tpl-s"]);
    const plan = planSecret(tplEs, fetched, undefined);
    expect(plan.action.type).toBe("create");
    if (plan.action.type !== "create") return;
    const data = Object.fromEntries(Object.entries(plan.action.secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    expect(data).toEqual({ dsn: "u:p", token: "t-U" });
    expect(plan.action.secret.metadata.annotations?.["who"]).toBe("u");
  });

  it("a ConfigMap that does not exist fails the plan with a clear error, retried until it appears", async () => {
    const store: SourceReader = { ...reader({ "app/config": "{}" }), readConfigMap: async () => undefined, readSecret: async () => ({ token: enc("x") }) };
    const plan = planSecret(tplEs, await fetchExternalSecretData(tplEs, store), undefined);
    expect(plan.action.type).toBe("none");
    expect(plan.ready.status).toBe("False");
    expect(plan.ready.message).toMatch(/configmap tpl not found/);
    expect(plan.outcome).toBe("retry");
  });
});

describe("dataFrom nullBytePolicy and rewrite merge, in ESO's order (rewrite, keys, decoding, NUL check)", () => {
  const bytes = (names: Record<string, Uint8Array>): SourceReader => ({
    get: async () => enc(""),
    getMap: async () => names,
    find: async () => names,
  });
  const text = (r: Awaited<ReturnType<typeof fetchExternalSecretData>>) => (r.ok ? Object.fromEntries(Object.entries(r.data).map(([k, v]) => [k, Buffer.from(v).toString()])) : r);
  const withNul = { "team/a": enc("fine"), "team/b": new Uint8Array([0x61, 0x00, 0x62]) };
  const one = (df: NonNullable<ExternalSecret["spec"]["dataFrom"]>[number]): ExternalSecret => ({ metadata: { name: "n", namespace: "t" }, spec: { secretStoreRef: { name: "s" }, dataFrom: [df] } });

  it("find and extract with nullBytePolicy Fail refuse a value with a NUL byte, naming the key, not the value; Ignore (the default) keeps it", async () => {
    for (const df of [{ find: { path: "team", nullBytePolicy: "Fail" as const } }, { extract: { key: "k", nullBytePolicy: "Fail" as const } }]) {
      const failed = await fetchExternalSecretData(one(df), bytes(withNul));
      expect(failed.ok).toBe(false);
      expect(!failed.ok && (failed.error as HushError).message).toBe('spec.dataFrom[0] (key "team_b"): value contains a NUL byte (nullBytePolicy: Fail)');
      expect(!failed.ok && (failed.error as HushError).message).not.toContain("fine");
    }
    const kept = await fetchExternalSecretData(one({ find: { path: "team" } }), bytes(withNul));
    expect(kept.ok && Array.from(kept.data["team_b"]!)).toEqual([0x61, 0x00, 0x62]);
  });

  it("the NUL check runs on decoded values: a Base64 value that decodes to a NUL fails", async () => {
    const failed = await fetchExternalSecretData(one({ find: { path: "team", decodingStrategy: "Base64", nullBytePolicy: "Fail" } }), bytes({ "team/a": enc(Buffer.from([0x00]).toString("base64")) }));
    expect(!failed.ok && (failed.error as HushError).code).toBe("HUSH_ERR_CONTROLLER_PROVIDER");
  });

  it("rewrite merge reads the values as fetched, then the merged members are decoded", async () => {
    const store = bytes({ "db/a": enc(JSON.stringify({ user: Buffer.from("admin").toString("base64") })), "db/b": enc(JSON.stringify({ pass: Buffer.from("pw").toString("base64") })) });
    const merged = await fetchExternalSecretData(one({ find: { path: "db", decodingStrategy: "Base64" }, rewrite: [{ merge: {} }] }), store);
    expect(text(merged)).toEqual({ user: "admin", pass: "pw" });
    const failed = await fetchExternalSecretData(one({ extract: { key: "k" }, rewrite: [{ merge: { priority: ["gone"] } }] }), store);
    expect(!failed.ok && (failed.error as HushError).code).toBe("HUSH_ERR_CONTROLLER_REWRITE_MERGE");
  });
});
