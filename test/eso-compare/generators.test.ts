// Generators against the real External Secrets Operator (v0.16.2): one kube-apiserver, ESO
// reconciling one namespace with its own CRDs (generators.external-secrets.io) and hush's
// controller another (hush.dev, generators.hush.dev). Each case is written as an ESO manifest
// and applied unchanged for ESO and with only the groups rewritten for hush. Generated values
// are random, so the Secrets are compared by shape: the same keys, and per key the same length,
// counts of lower-case, upper-case, digit and other characters, repeats or none, UUID form;
// type, labels, annotations and owner are compared as compare.test.ts does. Fake values (also
// through a ClusterGenerator) are static and compared byte for byte.
import type { KubeClient } from "@hush/kube/client";
import { waitFor, type KubeHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatorCrdPaths } from "../controller/harness.js";
import { diffSecrets, formatDiff, type SecretView } from "./diff.js";
import { comparePeers, esoSide, getSecret, hushSide, kubectlCreate, readSecretView, startCompareKube, startSideBySide, waitReady, type Condition, type SideBySide } from "./harness.js";

const peersOk = comparePeers();

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}

const esoGen = "generators.external-secrets.io/v1alpha1";
const hushGen = "generators.hush.dev/v1alpha1";
const gen = (kind: "Password" | "UUID" | "Fake" | "ClusterGenerator", name: string, spec: Record<string, unknown> = {}): Doc => ({ apiVersion: esoGen, kind, metadata: { name }, spec });
const es = (name: string, spec: Record<string, unknown>): Doc => ({ apiVersion: "external-secrets.io/v1beta1", kind: "ExternalSecret", metadata: { name }, spec });
const ref = (kind: "Password" | "UUID" | "Fake" | "ClusterGenerator", name: string, extra: Record<string, unknown> = {}) => ({ sourceRef: { generatorRef: { apiVersion: esoGen, kind, name } }, ...extra });

/** The same manifest for hush: hush.dev for the ExternalSecret, generators.hush.dev for generators and their refs. */
function forHush(doc: Doc): Doc {
  const text = JSON.stringify(doc).replaceAll(esoGen, hushGen);
  const out = JSON.parse(text) as Doc;
  return out.kind === "ExternalSecret" ? { ...out, apiVersion: "hush.dev/v1" } : out;
}

/** What a generated value is made of, without the value. */
function shape(value: string): string {
  const chars = [...value];
  const n = (re: RegExp) => chars.filter((c) => re.test(c)).length;
  // A UUID's mix of hex letters and digits is random: its form is the shape.
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(value)) return JSON.stringify({ length: chars.length, uuid: true });
  return JSON.stringify({
    length: chars.length,
    lower: n(/[a-z]/),
    upper: n(/[A-Z]/),
    digit: n(/[0-9]/),
    other: n(/[^a-zA-Z0-9]/),
    repeats: new Set(chars).size !== chars.length,
  });
}
const shaped = (v: SecretView): SecretView => ({ ...v, data: Object.fromEntries(Object.entries(v.data).map(([k, b64]) => [k, shape(Buffer.from(b64, "base64").toString("utf8"))])) });

/**
 * The cases. Where a shape could differ by chance (upper vs lower letters drawn at random), the
 * spec pins it: noUpper, or letters all drawn from one class. Counts of digits and symbols are
 * fixed by ESO's rule, so they are compared as they come.
 */
const cases: { name: string; docs: Doc[]; target: string; expectReady: boolean; keys?: string[]; exact?: boolean }[] = [
  {
    name: "password-defaults",
    // ESO's defaults: 24 characters, 6 digits, 6 symbols, no repeats; letters mixed case, so
    // only their sum is fixed: compared on the letter total below.
    docs: [gen("Password", "pw-default"), es("pw-default", { refreshInterval: "1h", dataFrom: [ref("Password", "pw-default")] })],
    target: "pw-default",
    expectReady: true,
    keys: ["password"],
  },
  {
    name: "password-settings",
    docs: [
      gen("Password", "pw-set", { length: 40, digits: 10, symbols: 5, symbolCharacters: "-_.", noUpper: true, allowRepeat: true }),
      es("pw-set", { refreshInterval: "1h", target: { name: "pw-set-secret" }, dataFrom: [ref("Password", "pw-set")] }),
    ],
    target: "pw-set-secret",
    expectReady: true,
    keys: ["password"],
  },
  {
    name: "uuid-rewrite-template-metadata",
    docs: [
      gen("UUID", "id"),
      gen("Password", "pw-meta", { length: 16, digits: 4, symbols: 0, noUpper: true }),
      es("meta", {
        refreshInterval: "1h",
        target: { template: { type: "Opaque", metadata: { labels: { app: "shop" }, annotations: { "team.example/owner": "payments" } } } },
        dataFrom: [ref("UUID", "id", { rewrite: [{ regexp: { source: "^uuid$", target: "instance-id" } }] }), ref("Password", "pw-meta")],
      }),
    ],
    target: "meta",
    expectReady: true,
    keys: ["instance-id", "password"],
  },
  {
    name: "password-templated",
    docs: [
      gen("Password", "pw-tpl", { length: 20, digits: 5, symbols: 0, noUpper: true }),
      es("tpl", { refreshInterval: "1h", target: { template: { data: { dsn: "postgres://app:{{ .password }}@db:5432/shop" } } }, dataFrom: [ref("Password", "pw-tpl")] }),
    ],
    target: "tpl",
    expectReady: true,
    keys: ["dsn"],
  },
  {
    // Static values: compared byte for byte, not by shape. The ClusterGenerator is cluster-scoped;
    // each side's lives in its own generator group, so the two never clash.
    name: "fake-and-cluster-generator-exact",
    docs: [
      gen("Fake", "static", { data: { username: "app", "db.password": "s3cr3t with spaces & <tags>", empty: "", unicode: "pässwörd ✓" } }),
      gen("ClusterGenerator", "compare-fake", { kind: "Fake", generator: { fakeSpec: { data: { region: "eu-1" } } } }),
      es("fake", { refreshInterval: "1h", dataFrom: [ref("Fake", "static"), ref("ClusterGenerator", "compare-fake")] }),
    ],
    target: "fake",
    expectReady: true,
    keys: ["db.password", "empty", "region", "unicode", "username"],
    exact: true,
  },
  {
    name: "password-impossible",
    docs: [gen("Password", "pw-bad", { length: 8, digits: 5, symbols: 5 }), es("bad", { refreshInterval: "1h", dataFrom: [ref("Password", "pw-bad")] })],
    target: "bad",
    expectReady: false,
  },
];

describe.skipIf(!peersOk)("generators: hush produces Secrets of the shape ESO produces", () => {
  let kube: KubeHarness;
  let pair: SideBySide;
  let client: KubeClient;
  let esoNs: string;
  let hushNs: string;

  const sides = () => [
    { ...esoSide, ns: esoNs, docOf: (d: Doc) => d },
    { ...hushSide, ns: hushNs, docOf: forHush },
  ] as const;
  const create = (ns: string, doc: unknown) => kubectlCreate(kube, ns, doc);
  const secretOf = (ns: string, name: string) => getSecret(client, ns, name);

  beforeAll(async () => {
    ({ kube, client } = await startCompareKube(generatorCrdPaths("passwords", "uuids", "fakes", "clustergenerators")));
    esoNs = await kube.createNamespace("eso-gen");
    hushNs = await kube.createNamespace("hush-gen");
    pair = await startSideBySide(kube, {
      eso: { namespace: esoNs, concurrent: 2 },
      hush: { namespace: hushNs, backoff: { baseMs: 200, maxMs: 2_000 }, silent: true },
    });
  });

  afterAll(async () => {
    await pair?.stop();
    await kube?.stop();
  });

  for (const c of cases) {
    it(`${c.name}: ${c.expectReady ? "same keys, shapes, type, labels, annotations and owner" : "both refuse it (Ready=False)"}`, async () => {
      for (const side of sides()) for (const doc of c.docs) await create(side.ns, side.docOf(doc));
      const esName = c.docs.find((d) => d.kind === "ExternalSecret")!.metadata.name;
      const conditions: Record<string, Condition> = {};
      for (const side of sides()) {
        const ready = await waitReady(pair, client, side, { plural: "externalsecrets", namespace: side.ns, name: esName }, (r) => r !== undefined && (c.expectReady ? r.status === "True" : r.status === "False"), `${side.tool} ${c.name} to settle`);
        conditions[side.tool] = ready!;
      }
      if (!c.expectReady) {
        expect(conditions["hush"]?.reason).toBe(conditions["eso"]?.reason);
        for (const side of sides()) expect(await secretOf(side.ns, c.target), `${side.tool} wrote no Secret`).toBeUndefined();
        return;
      }
      const views = await Promise.all(sides().map(async (side) => (c.exact ? (v: SecretView) => v : shaped)(await readSecretView(client, side.ns, c.target))));
      let [esoView, hushView] = views as [SecretView, SecretView];
      expect(Object.keys(esoView.data).sort(), "ESO's keys").toEqual(c.keys);
      if (c.name === "password-defaults") {
        // Mixed-case letters: the split between cases is random, their total (12) is not.
        const letters = (v: SecretView) => ({ ...v, data: Object.fromEntries(Object.entries(v.data).map(([k, s]) => {
          const { lower, upper, ...rest } = JSON.parse(s) as { lower: number; upper: number };
          return [k, JSON.stringify({ ...rest, letters: lower + upper })];
        })) });
        [esoView, hushView] = [letters(esoView), letters(hushView)];
        expect(JSON.parse(esoView.data["password"]!)).toMatchObject({ length: 24, digit: 6, other: 6, letters: 12, repeats: false });
      }
      const diffs = diffSecrets(esoView, hushView);
      expect(diffs.map((d) => d.where), `${c.name}: hush's Secret differs from ESO's in shape:\n${formatDiff(diffs)}\neso: ${JSON.stringify(esoView.data)}\nhush: ${JSON.stringify(hushView.data)}`).toEqual([]);
    });
  }

  it("both generate a new value on every refresh", async () => {
    const docs = [gen("Password", "pw-rot", { length: 30, digits: 3, symbols: 3 }), es("rot", { refreshInterval: "1s", dataFrom: [ref("Password", "pw-rot")] })];
    for (const side of sides()) for (const doc of docs) await create(side.ns, side.docOf(doc));
    for (const side of sides()) {
      const seen = new Set<string>();
      await waitFor(async () => {
        pair.eso.process.assertRunning();
        const s = await secretOf(side.ns, "rot");
        const v = s?.data?.["password"];
        if (v !== undefined) seen.add(v);
        return seen.size >= 3;
      }, { timeoutMs: 60_000, what: `${side.tool} to regenerate the password twice` });
      for (const v of seen) expect(JSON.parse(shape(Buffer.from(v, "base64").toString("utf8")))).toMatchObject({ length: 30, digit: 3, other: 3 });
    }
  });
});
