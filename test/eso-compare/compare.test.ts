// hush against the real External Secrets Operator: one kube-apiserver, one moto, ESO (v0.16,
// `bash scripts/peers eso`) reconciling one namespace and hush's controller another. Each corpus
// manifest is applied unchanged for ESO and with only its apiVersion rewritten to hush.dev/v1 for
// hush; the two resulting Secrets must agree on type, data, labels, annotations and owner.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient, type ParameterType } from "@aws-sdk/client-ssm";
import { esoFlavour } from "@hush/kube";
import { type KubeClient, resourcePath } from "@hush/kube/client";
import { startEso, startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSecrets, formatDiff, type SecretView } from "./diff.js";
import { comparePeers, createAwsStores, esoSide, hushSide, kubectlCreate, readSecretView, readyCondition, runHush, startCompareKube, startSideBySide, waitReady, type Condition, type HushRun, type SideBySide, type WithConditions } from "./harness.js";

const here = new URL(".", import.meta.url).pathname;
const peersOk = comparePeers("moto_server");

/** The remote secrets every corpus entry reads (moto, AWS Secrets Manager). Test data only. */
const remote: Record<string, string> = {
  "app/db": JSON.stringify({ username: "admin", password: "pa$$w0rd", host: "db.internal", port: 5432 }),
  "app/api-key": "k-0123456789",
  "app/config": JSON.stringify({ name: "shop", features: { a: true, b: false } }),
  "team/alpha-token": "alpha-value",
  "team/beta-token": "beta-value",
  "team/readme": "not a token",
  "other/gamma-token": "gamma-value",
};

/**
 * The parameters (moto, AWS Systems Manager Parameter Store) the `ssm` store serves: name →
 * versions written in order, type, tags. Test data only.
 */
const parameters: Record<string, { values: string[]; type: ParameterType; tags?: Record<string, string> }> = {
  "/app/db": { values: [JSON.stringify({ username: "admin", password: "pa$$w0rd", port: 5432, opts: { tls: true } })], type: "SecureString", tags: { team: "payments", env: "prod", "cost-center": "42" } },
  "/app/plain": { values: ["plain-v1", "plain-v2"], type: "String" },
  "/app/hosts": { values: ["a.example,b.example"], type: "StringList" },
  "/svc/alpha/token": { values: ["alpha-ssm"], type: "SecureString", tags: { owner: "svc" } },
  "/svc/beta/token": { values: ["beta-ssm"], type: "String", tags: { owner: "svc" } },
  "/svc/beta/readme": { values: ["not a token"], type: "String", tags: { owner: "docs" } },
  "/other/gamma/token": { values: ["gamma-ssm"], type: "String", tags: { owner: "svc" } },
  "legacy-token": { values: ["legacy-ssm"], type: "String" },
};

interface Expectation {
  readonly expect: "mismatch";
  readonly reason: string;
  readonly differs: readonly string[];
}
const expectations = (parse(readFileSync(join(here, "expectations.yaml"), "utf8")) ?? {}) as Record<string, Expectation>;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: { target?: { name?: string } };
}
const corpus = readdirSync(join(here, "corpus"))
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => ({ name: f.replace(/\.yaml$/, ""), docs: parseAllDocuments(readFileSync(join(here, "corpus", f), "utf8")).map((d) => d.toJS() as Manifest) }));

/**
 * Corpus entries ESO syncs first and hush then takes over in the migration test; none with a
 * known mismatch (expectations.yaml), since hush would not reproduce ESO's Secret for those.
 */
const migrationEntries = ["00-seed-example", "01-data-property", "02-datafrom-extract", "04-rewrite-regexp", "08-creation-owner"];

describe.skipIf(!peersOk)("hush produces the Secrets ESO produces", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let pair: SideBySide;
  let client: KubeClient;
  let esoNs: string;
  let hushNs: string;
  let migrating: HushRun | undefined;

  const sides = () => [
    { ...esoSide, ns: esoNs },
    { ...hushSide, ns: hushNs },
  ] as const;

  const create = (ns: string, doc: unknown) => kubectlCreate(kube, ns, doc);

  beforeAll(async () => {
    ({ kube, client } = await startCompareKube());
    moto = await startMoto();
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    for (const [Name, SecretString] of Object.entries(remote)) await sm.send(new CreateSecretCommand({ Name, SecretString }));
    sm.destroy();
    const ssm = new SSMClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    for (const [Name, p] of Object.entries(parameters)) {
      for (const [i, Value] of p.values.entries()) {
        const tags = i === 0 && p.tags ? { Tags: Object.entries(p.tags).map(([Key, Value]) => ({ Key, Value })) } : {};
        await ssm.send(new PutParameterCommand({ Name, Value, Type: p.type, ...(i > 0 ? { Overwrite: true } : tags) }));
      }
    }
    ssm.destroy();

    esoNs = await kube.createNamespace("eso");
    hushNs = await kube.createNamespace("hush");
    for (const side of sides()) await createAwsStores(kube, side.ns, side, { region: moto.region, keys: moto.credentials }, { aws: "SecretsManager", ssm: "ParameterStore" });

    pair = await startSideBySide(kube, {
      eso: { namespace: esoNs, awsEndpoint: moto.endpoint, concurrent: 2 },
      hush: { namespace: hushNs, clientOverrides: { aws: { endpoint: moto.endpoint } } },
    });
    // Every store validated first, so a Ready=False below is about the ExternalSecret itself.
    for (const side of sides()) {
      for (const store of ["aws", "ssm"]) {
        await waitReady(pair, client, side, { plural: "secretstores", namespace: side.ns, name: store }, (c) => c?.status === "True", `${side.tool} SecretStore ${store} Ready`);
      }
    }
  });

  afterAll(async () => {
    await migrating?.stop();
    await pair?.stop();
    await moto?.stop();
    await kube?.stop();
  });

  it("excludes only tool-specific keys (the list is in diff.ts) and compares every corpus file", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(9);
    for (const name of migrationEntries) expect(Object.keys(expectations), `migration entry ${name}`).not.toContain(name);
    for (const name of Object.keys(expectations)) expect(corpus.map((c) => c.name), `expectations.yaml names ${name}`).toContain(name);
  });

  for (const entry of corpus) {
    const expectation = expectations[entry.name];
    it(`${entry.name}${expectation ? ` (known mismatch: ${expectation.reason})` : ""}`, async () => {
      const es = entry.docs.find((d) => d.kind === "ExternalSecret");
      if (!es) throw new Error(`${entry.name}: no ExternalSecret document`);
      expect(es.apiVersion).toBe("external-secrets.io/v1beta1");
      for (const side of sides()) {
        for (const doc of entry.docs) {
          // The ExternalSecret, and a store the entry brings along, in each tool's own group.
          const own = doc === es || doc.kind === "SecretStore";
          await create(side.ns, own ? { ...doc, apiVersion: `${side.group}/${side.version}` } : doc);
        }
      }
      const target = es.spec?.target?.name ?? es.metadata.name;
      // Settled: Ready=True, or (hush only) Ready=False.
      const settled = async (side: ReturnType<typeof sides>[number]) =>
        (await waitReady(pair, client, side, { plural: "externalsecrets", namespace: side.ns, name: es.metadata.name }, (c) => c?.status === "True" || (side.tool === "hush" && c?.status === "False"), `${side.tool} ExternalSecret ${entry.name} to settle`, { errorLines: 5 })) as Condition;
      const esoCondition = await settled(sides()[0]);
      expect(esoCondition.status).toBe("True");
      const hushCondition = await settled(sides()[1]);

      let differs: string[];
      let report: string;
      if (hushCondition.status !== "True") {
        differs = ["sync"];
        // hush's condition messages name keys and paths, never values.
        report = `  hush did not sync: Ready=False reason=${hushCondition.reason ?? "?"} message=${hushCondition.message ?? ""}`;
      } else {
        const diffs = diffSecrets(await readSecretView(client, esoNs, target), await readSecretView(client, hushNs, target));
        differs = diffs.map((d) => d.where);
        report = formatDiff(diffs);
      }
      if (expectation) {
        expect(differs, `${entry.name} was expected to differ in ${expectation.differs.join(", ")}; now:\n${report}`).toEqual([...expectation.differs].sort());
      } else {
        expect(differs, `${entry.name}: hush's Secret differs from ESO's:\n${report}`).toEqual([]);
      }
    });
  }
  // Migration: ESO syncs external-secrets.io objects, ESO goes away, hush serving the same group
  // (esoFlavour, as `--api-group=external-secrets.io` runs it) takes the very same objects over,
  // and every Secret stays as ESO left it (all fields compared, bookkeeping keys aside).
  it("migration: hush takes over ESO's own objects and the Secrets stay equal", async () => {
    const entries = corpus.filter((c) => migrationEntries.includes(c.name));
    expect(entries.map((c) => c.name)).toEqual(migrationEntries);
    const ns = await kube.createNamespace("migrate");
    await createAwsStores(kube, ns, esoSide, { region: moto.region, keys: moto.credentials });
    for (const entry of entries) for (const doc of entry.docs) await create(ns, doc);

    const esPath = (name?: string) => resourcePath({ group: "external-secrets.io", version: "v1beta1", plural: "externalsecrets", namespace: ns, ...(name ? { name } : {}) });
    const targets = entries.map((e) => {
      const es = e.docs.find((d) => d.kind === "ExternalSecret") as Manifest;
      return { es: es.metadata.name, secret: es.spec?.target?.name ?? es.metadata.name };
    });
    const views = async () => {
      const out: Record<string, SecretView> = {};
      for (const t of targets) out[t.secret] = await readSecretView(client, ns, t.secret);
      return out;
    };
    const allReady = async () => {
      for (const t of targets) if (readyCondition(await client.get<WithConditions>(esPath(t.es)))?.status !== "True") return false;
      return true;
    };

    const first = await startEso({ kubeconfigPath: kube.kubeconfigPath, namespace: ns, awsEndpoint: moto.endpoint });
    let before: Record<string, SecretView>;
    try {
      await waitFor(async () => {
        first.process.assertRunning();
        return allReady();
      }, { timeoutMs: 60_000, what: "ESO to sync the migration set" });
      before = await views();
    } finally {
      await first.stop();
    }

    migrating = runHush(kube.kubeconfigPath, { namespace: ns, flavour: esoFlavour, clientOverrides: { aws: { endpoint: moto.endpoint } } });
    const hush = migrating;
    // hush has synced each object itself once its own sync counter covers them all.
    await waitFor(async () => {
      if (!hush.address()) return false;
      const text = await (await fetch(`${hush.address()}/metrics`)).text();
      const synced = [...text.matchAll(/^externalsecret_sync_calls_total\{[^}]*\} ([0-9.]+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
      return synced >= targets.length;
    }, { timeoutMs: 60_000, what: "hush to reconcile the migration set" });
    await waitFor(allReady, { timeoutMs: 30_000, what: "every ExternalSecret Ready under hush" });
    const after = await views();
    const report = Object.keys(before)
      .map((name) => ({ name, diffs: diffSecrets(before[name]!, after[name]!) }))
      .filter((r) => r.diffs.length > 0)
      .map((r) => `${r.name}:\n${formatDiff(r.diffs)}`);
    expect(report, `Secrets changed when hush took over from ESO:\n${report.join("\n")}`).toEqual([]);
  });
});
