import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { startGcpSecretManager, startGcpTokenService, type GcpSecretManagerHarness, type GcpTokenServiceFake } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gcpIdentityPool, isServiceAccountEmail, parseGcpConfig } from "./gcp-config.js";
import { createGcpProvider } from "./gcp-provider.js";
import type { ProviderContext } from "./provider.js";

const WI = { clusterProjectID: "hush-cluster", clusterLocation: "europe-west1", clusterName: "prod", serviceAccountRef: { name: "app" } };
const AUDIENCE =
  "identitynamespace:hush-cluster.svc.id.goog:https://container.googleapis.com/v1/projects/hush-cluster/locations/europe-west1/clusters/prod";

/** An unsigned JWT shaped like a kube-issued one (the fake decodes, it does not verify). */
function fakeJwt(ns: string, sa: string, audiences: string[]): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${enc({ alg: "RS256" })}.${enc({ sub: `system:serviceaccount:${ns}:${sa}`, aud: audiences, exp: Math.floor(Date.now() / 1000) + 600 })}.sig`;
}

describe("gcp workload identity config", () => {
  it("parses auth.workloadIdentity and derives GKE's pool and provider", () => {
    const config = parseGcpConfig({ projectID: "p", auth: { workloadIdentity: { ...WI, serviceAccountRef: { name: "app", audiences: ["extra"] } } } });
    expect(config.workloadIdentity).toEqual({ ...WI, serviceAccountRef: { name: "app", audiences: ["extra"] } });
    expect(gcpIdentityPool(config.workloadIdentity!)).toEqual({
      pool: "hush-cluster.svc.id.goog",
      provider: "https://container.googleapis.com/v1/projects/hush-cluster/locations/europe-west1/clusters/prod",
    });
  });

  it("refuses missing cluster fields, malformed names and secretRef beside workloadIdentity", () => {
    const bad = [
      { ...WI, clusterName: undefined },
      { ...WI, clusterLocation: "Europe/West" },
      { ...WI, clusterProjectID: "p/../q" },
      { ...WI, serviceAccountRef: undefined },
    ];
    for (const wi of bad) {
      expect(() => parseGcpConfig({ projectID: "p", auth: { workloadIdentity: wi } })).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
    }
    expect(() =>
      parseGcpConfig({ projectID: "p", auth: { workloadIdentity: WI, secretRef: { secretAccessKeySecretRef: { name: "s", key: "k" } } } }),
    ).toThrow(expect.objectContaining({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" }));
  });

  it("accepts Google service-account emails only, by a linear hand-written check", () => {
    for (const ok of ["reader@hush-cluster.iam.gserviceaccount.com", "my-sa1@p.iam.gserviceaccount.com"]) expect(isServiceAccountEmail(ok)).toBe(true);
    for (const bad of ["", "a@b.c", "reader", "reader@", "@x.com", "rea/der@p.iam.gserviceaccount.com", "reader@p.iam.gserviceaccount.com/../x",
      "reader@@p.com", "reader@p", "Reader@p.iam.gserviceaccount.com", "reader@p..com", "reader@-p.com", "reader:x@p.com", "reader%2F@p.com",
      `reader@${"a".repeat(260)}.com`]) {
      expect(isServiceAccountEmail(bad), bad).toBe(false);
    }
    const start = performance.now();
    isServiceAccountEmail(`${"a-".repeat(100_000)}@${"b.".repeat(100_000)}`);
    expect(performance.now() - start).toBeLessThan(50);
  });
});

describe("gcp workload identity against the STS / IAM Credentials fake and the TLS Secret Manager fake", () => {
  let sts: GcpTokenServiceFake;
  let gcp: GcpSecretManagerHarness;
  let clock = Date.now();
  const revoked = new Set<string>();

  beforeAll(async () => {
    sts = await startGcpTokenService({ audience: AUDIENCE, serviceAccounts: ["reader@hush-cluster.iam.gserviceaccount.com"] });
    gcp = await startGcpSecretManager({ tls: true, authorize: (t) => !revoked.has(t ?? "") && (sts.isServiceAccountToken(t) || sts.isFederatedToken(t)) });
    const sm = new SecretManagerServiceClient(gcp.clientOptions);
    const parent = `projects/${gcp.projectId}`;
    await sm.createSecret({ parent, secretId: "db", secret: { replication: { automatic: {} } } });
    await sm.addSecretVersion({ parent: `${parent}/secrets/db`, payload: { data: Buffer.from("wi-value") } });
    await sm.close();
  });
  afterAll(async () => {
    await gcp?.stop();
    await sts?.stop();
  });

  function context(annotations: Record<string, string>, tokens: string[][]): ProviderContext {
    return {
      namespace: "team-a",
      storeKind: "SecretStore",
      now: () => clock,
      readSecret: async () => new Uint8Array(),
      serviceAccountAnnotations: async () => annotations,
      serviceAccountToken: async (ns, sa, audiences) => (tokens.push([ns, sa, ...audiences]), fakeJwt(ns, sa, audiences)),
      clients: { gcpsm: { apiEndpoint: "127.0.0.1", port: gcp.clientOptions.port, caPem: gcp.caPem!, stsEndpoint: sts.endpoint, iamCredentialsEndpoint: sts.endpoint } },
    };
  }
  const spec = () => ({ projectID: gcp.projectId, auth: { workloadIdentity: WI } });

  it("exchanges the ServiceAccount token, impersonates the annotated GSA, and Secret Manager sees that token; cached until near expiry", async () => {
    const tokens: string[][] = [];
    const p = await createGcpProvider(spec(), context({ "iam.gke.io/gcp-service-account": "reader@hush-cluster.iam.gserviceaccount.com" }, tokens));
    const before = { ex: sts.exchanges.length, gen: sts.generated.length };
    expect(new TextDecoder().decode(await p.getSecret({ key: "db" }))).toBe("wi-value");
    expect(tokens).toEqual([["team-a", "app", "hush-cluster.svc.id.goog"]]);
    const exchange = sts.exchanges.at(-1)!;
    expect(exchange.subjectClaims["sub"]).toBe("system:serviceaccount:team-a:app");
    expect(exchange.encoding).toBe("form");
    const gen = sts.generated.at(-1)!;
    expect(gen).toMatchObject({ serviceAccount: "reader@hush-cluster.iam.gserviceaccount.com", bearer: exchange.issued });
    expect(gcp.calls.at(-1)).toEqual({ method: "AccessSecretVersion", bearer: gen.issued });

    await p.getSecret({ key: "db" });
    expect(sts.exchanges.length - before.ex).toBe(1); // cached
    clock += 3600_000 - 60_000; // within two minutes of expiry: renewed
    await p.getSecret({ key: "db" });
    expect(sts.exchanges.length - before.ex).toBe(2);
    expect(sts.generated.length - before.gen).toBe(2);
    expect(gcp.calls.at(-1)?.bearer).toBe(sts.generated.at(-1)!.issued);
    await p.close?.();
  });

  it("uses the federated token as is without the annotation (ESO does too)", async () => {
    const p = await createGcpProvider(spec(), context({}, []));
    const gen = sts.generated.length;
    await p.getSecret({ key: "db" });
    expect(sts.generated.length).toBe(gen);
    expect(gcp.calls.at(-1)?.bearer).toBe(sts.exchanges.at(-1)!.issued);
    await p.close?.();
  });

  it("refuses a malformed annotation before any exchange, and a GSA IAM denies as access-denied", async () => {
    const ex = sts.exchanges.length;
    const bad = await createGcpProvider(spec(), context({ "iam.gke.io/gcp-service-account": "x@p.com/../../v1/token" }, []));
    await expect(bad.getSecret({ key: "db" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    expect(sts.exchanges.length).toBe(ex);
    const denied = await createGcpProvider(spec(), context({ "iam.gke.io/gcp-service-account": "other1@hush-cluster.iam.gserviceaccount.com" }, []));
    const err = await denied.getSecret({ key: "db" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "HUSH_ERR_PROVIDERS_ACCESS_DENIED" });
    for (const t of [...sts.exchanges.map((e) => e.issued), ...sts.exchanges.map((e) => e.subjectToken)]) expect(String((err as Error).message)).not.toContain(t);
  });

  it("drops a token Secret Manager refuses and exchanges again on the next call", async () => {
    const p = await createGcpProvider(spec(), context({ "iam.gke.io/gcp-service-account": "reader@hush-cluster.iam.gserviceaccount.com" }, []));
    await p.getSecret({ key: "db" });
    const first = gcp.calls.at(-1)!.bearer!;
    revoked.add(first);
    const ex = sts.exchanges.length;
    await expect(p.getSecret({ key: "db" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_ACCESS_DENIED" });
    expect(sts.exchanges.length).toBe(ex);
    expect(new TextDecoder().decode(await p.getSecret({ key: "db" }))).toBe("wi-value");
    expect(sts.exchanges.length).toBe(ex + 1);
    expect(gcp.calls.at(-1)!.bearer).not.toBe(first);
    await p.close?.();
  });

  it("refuses a ServiceAccount in another namespace on a SecretStore, without requesting a token", async () => {
    const tokens: string[][] = [];
    const p = await createGcpProvider({ projectID: "p", auth: { workloadIdentity: { ...WI, serviceAccountRef: { name: "app", namespace: "kube-system" } } } }, context({}, tokens));
    await expect(p.getSecret({ key: "db" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    expect(tokens).toEqual([]);
  });
});
