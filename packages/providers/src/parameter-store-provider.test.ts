import { describe, expect, it } from "vitest";
import { parseAwsConfig } from "./aws-config.js";
import { awsErrorKind } from "./aws-errors.js";
import { createParameterStoreProvider, goJsonObject, prefixFolder } from "./parameter-store-provider.js";
import type { ProviderCall } from "./provider.js";

type Command = { constructor: { name: string }; input: Record<string, unknown> };
const denied = () => Object.assign(new Error("not authorized"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } });
const notFound = (n: string) => Object.assign(new Error(`Parameter ${n} not found.`), { name: "ParameterNotFound", $metadata: { httpStatusCode: 400 } });
const text = (r: { ok: boolean; value?: Uint8Array; error?: { code: string } }) => (r.ok ? new TextDecoder().decode(r.value) : r.error!.code);

/** An in-memory SSM: `params` name → value; records every command; `deny` names operations refused. */
function fakeSsm(params: Record<string, string>, deny: string[] = []) {
  const sent: Command[] = [];
  const client = {
    async send(cmd: Command) {
      sent.push(cmd);
      const op = cmd.constructor.name.replace(/Command$/, "");
      if (deny.includes(op)) throw denied();
      const i = cmd.input;
      switch (op) {
        case "GetParameter": {
          const name = String(i["Name"]);
          if (!(name in params)) throw notFound(name);
          return { Parameter: { Name: name, Value: params[name] } };
        }
        case "GetParameters": {
          const names = i["Names"] as string[];
          if (names.length > 10) throw Object.assign(new Error("too many"), { name: "ValidationException", $metadata: { httpStatusCode: 400 } });
          return { Parameters: names.filter((n) => n in params).map((n) => ({ Name: n, Value: params[n] })), InvalidParameters: names.filter((n) => !(n in params)) };
        }
        case "GetParametersByPath": {
          const path = String(i["Path"]).replace(/\/$/, "") + "/";
          const all = Object.keys(params).filter((n) => path === "/" || n.startsWith(path)).sort();
          const start = Number(i["NextToken"] ?? 0);
          const page = all.slice(start, start + Number(i["MaxResults"]));
          return { Parameters: page.map((n) => ({ Name: n, Value: params[n] })), ...(start + page.length < all.length ? { NextToken: String(start + page.length) } : {}) };
        }
        case "DescribeParameters": {
          const all = Object.keys(params).sort();
          const start = Number(i["NextToken"] ?? 0);
          const page = all.slice(start, start + Number(i["MaxResults"]));
          return { Parameters: page.map((n) => ({ Name: n })), ...(start + page.length < all.length ? { NextToken: String(start + page.length) } : {}) };
        }
        case "ListTagsForResource":
          return { TagList: [{ Key: "team", Value: "a" }, { Key: "env", Value: "prod" }] };
      }
      throw new Error(`unexpected ${op}`);
    },
    destroy() {},
  };
  return { client, sent, ops: () => sent.map((c) => c.constructor.name.replace(/Command$/, "")) };
}

function provider(ssm: ReturnType<typeof fakeSsm>, spec: Record<string, unknown> = {}, calls: ProviderCall[] = []) {
  return createParameterStoreProvider(
    parseAwsConfig({ service: "ParameterStore", region: "us-east-1", ...spec }),
    { namespace: "ns", storeKind: "ClusterSecretStore", now: () => 0, readSecret: async () => new Uint8Array(), observe: (c) => calls.push(c) },
    { ssm: () => ssm.client as never, sts: () => ssm.client as never },
  );
}

describe("parameter store reads (fake SSM client)", () => {
  it("batches plain names 10 per GetParameters call, reads each name once, and reports missing ones as not found", async () => {
    const params = Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`/p/${i}`, JSON.stringify({ n: i })]));
    const ssm = fakeSsm(params);
    const p = provider(ssm);
    const refs = [...Object.keys(params).map((key) => ({ key })), { key: "/p/3", property: "n" }, { key: "/p/3" }, { key: "/missing" }];
    const results = await p.getSecrets(refs);
    expect(results.slice(0, 23).map(text)).toEqual(Object.values(params));
    expect(results.slice(23).map(text)).toEqual(["3", JSON.stringify({ n: 3 }), "HUSH_ERR_PROVIDERS_NOT_FOUND"]);
    expect(ssm.ops()).toEqual(["GetParameters", "GetParameters", "GetParameters"]);
    expect(ssm.sent.map((c) => (c.input["Names"] as string[]).length)).toEqual([10, 10, 4]);
    expect(ssm.sent.every((c) => c.input["WithDecryption"] === true)).toBe(true);
  });

  it("versions and tags are single calls (name:version, ListTagsForResource); the prefix is prepended", async () => {
    const ssm = fakeSsm({ "/prod/a:2": "old", "/prod/a": "new" });
    const p = provider(ssm, { prefix: "/prod/" });
    const results = await p.getSecrets([{ key: "a", version: "2" }, { key: "a", metadataPolicy: "Fetch" }, { key: "a", metadataPolicy: "Fetch", property: "team" }]);
    expect(results.map(text)).toEqual(["old", '{"env":"prod","team":"a"}', "a"]);
    expect(ssm.ops()).toEqual(["GetParameter", "ListTagsForResource"]);
    expect(ssm.sent[0]!.input["Name"]).toBe("/prod/a:2");
    expect(await p.getSecretMap({ key: "a", metadataPolicy: "Fetch" })).toEqual({ env: new TextEncoder().encode("prod"), team: new TextEncoder().encode("a") });
  });

  it("falls back to single GetParameter reads for good when GetParameters is denied", async () => {
    const ssm = fakeSsm({ "/a": "1", "/b": "2" }, ["GetParameters"]);
    const p = provider(ssm);
    expect((await p.getSecrets([{ key: "/a" }, { key: "/b" }])).map(text)).toEqual(["1", "2"]);
    expect(ssm.ops()).toEqual(["GetParameters", "GetParameter", "GetParameter"]);
    ssm.sent.length = 0;
    expect((await p.getSecrets([{ key: "/a" }, { key: "/b" }])).map(text)).toEqual(["1", "2"]);
    expect(ssm.ops()).toEqual(["GetParameter", "GetParameter"]);
  });

  it("find by name walks GetParametersByPath from the prefix folder, matches with RE2, and falls back to DescribeParameters when denied", async () => {
    const params = { "/svc/a/token": "A", "/svc/b/token": "B", "/svc/b/readme": "R", "/other/token": "O", legacy: "L" };
    const calls: ProviderCall[] = [];
    const ssm = fakeSsm(params);
    const found = await provider(ssm, {}, calls).findSecrets({ name: { regexp: "^\\/svc\\/" } });
    expect(Object.keys(found).sort()).toEqual(["/svc/a/token", "/svc/b/readme", "/svc/b/token"]);
    expect(ssm.sent.map((c) => c.input["Path"])).toEqual(["/svc"]);
    expect(calls.map((c) => `${c.operation}:${c.result}`)).toEqual(["GetParametersByPath:ok"]);

    const all = fakeSsm(params);
    expect(Object.keys(await provider(all).findSecrets({ name: { regexp: "token$" } })).sort()).toEqual(["/other/token", "/svc/a/token", "/svc/b/token"]);
    expect(all.sent.map((c) => c.input["Path"])).toEqual(["/"]);

    const limited = fakeSsm(params, ["GetParametersByPath"]);
    const viaDescribe = await provider(limited).findSecrets({ name: { regexp: "^(legacy|/other/.*)$" } });
    expect(Object.fromEntries(Object.entries(viaDescribe).map(([k, v]) => [k, new TextDecoder().decode(v)]))).toEqual({ "/other/token": "O", legacy: "L" });
    expect(limited.ops()).toEqual(["GetParametersByPath", "DescribeParameters", "GetParameters"]);
  });

  it("find by tags sends tag and path filters; a path alone is refused as in ESO; a too broad find is refused", async () => {
    const ssm = fakeSsm({ "/x/1": "1", "/x/2": "2" });
    const p = provider(ssm);
    expect(Object.keys(await p.findSecrets({ tags: { owner: "svc" }, path: "/x" })).sort()).toEqual(["/x/1", "/x/2"]);
    expect(ssm.sent[0]!.input["ParameterFilters"]).toEqual([
      { Key: "tag:owner", Option: "Equals", Values: ["svc"] },
      { Key: "Path", Option: "Recursive", Values: ["/x"] },
    ]);
    await expect(p.findSecrets({ path: "/x" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    await expect(p.findSecrets({ name: { regexp: "(" } })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });

    const many = fakeSsm(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`/m/${String(i).padStart(4, "0")}`, "v"])));
    await expect(provider(many).findSecrets({ name: { regexp: "" } })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG", message: expect.stringContaining("find is too broad") });
  });

  it("errors name the parameter and the AWS error, never the value", async () => {
    const ssm = fakeSsm({});
    const p = provider(ssm);
    await expect(p.getSecret({ key: "/nope" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_NOT_FOUND", message: 'aws ssm: get parameter "/nope": not found (ParameterNotFound)' });
    const secret = fakeSsm({ "/s": "s3cr3t-canary" });
    await expect(provider(secret).getSecret({ key: "/s", property: "x" })).rejects.not.toMatchObject({ message: expect.stringContaining("s3cr3t-canary") });
  });
});

describe("parameter store find", () => {
  it("starts a name search at the folder a literal prefix names, and nowhere narrower", () => {
    expect(prefixFolder("^\\/app\\/db\\-")).toBe("/app");
    expect(prefixFolder("^/app/db/")).toBe("/app/db");
    expect(prefixFolder("^/team/")).toBe("/team");
    // Not a folder yet: "/app" could be "/apple".
    expect(prefixFolder("^/app")).toBeUndefined();
    // No leading slash: GetParametersByPath paths start with "/".
    expect(prefixFolder("^app/db")).toBeUndefined();
    // Not a pure literal prefix, or not anchored.
    expect(prefixFolder("^/app/(a|b)")).toBeUndefined();
    expect(prefixFolder("/app/db")).toBeUndefined();
    expect(prefixFolder("")).toBeUndefined();
  });

  it("classifies Parameter Store errors: only a missing parameter is gone", () => {
    expect(awsErrorKind("ParameterNotFound")).toBe("not-found");
    // A version or label that does not exist is an error, so a typo never deletes a key.
    expect(awsErrorKind("ParameterVersionNotFound")).toBe("invalid-config");
    expect(awsErrorKind("InvalidResourceId")).toBe("invalid-config");
    expect(awsErrorKind("InvalidFilterKey")).toBe("invalid-config");
    expect(awsErrorKind("AccessDeniedException")).toBe("access-denied");
  });

  it("writes tags as ESO does (Go json.Marshal of a map): keys sorted by bytes, HTML characters escaped", () => {
    expect(goJsonObject({ team: "a", env: "prod", "10": "x", "9": "y" })).toBe('{"10":"x","9":"y","env":"prod","team":"a"}');
    expect(goJsonObject({ url: "<a href='x'>&</a>" })).toBe(`{"url":"\\u003ca href='x'\\u003e\\u0026\\u003c/a\\u003e"}`);
    expect(JSON.parse(goJsonObject({ q: 'say "hi"\n' }))).toEqual({ q: 'say "hi"\n' });
    expect(goJsonObject({})).toBe("{}");
  });
});
