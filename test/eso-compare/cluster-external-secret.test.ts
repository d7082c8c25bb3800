// ClusterExternalSecret: hush against the real External Secrets Operator v0.16.2 on one
// kube-apiserver and one moto. ESO (with its ClusterExternalSecret reconciler on, cluster-wide:
// its --namespace flag would confine its cache and make every write outside that namespace
// fail) serves external-secrets.io; hush serves hush.dev, so neither sees the other's objects.
// Each gets the same ClusterExternalSecret (only apiVersion, name and the label value of its
// selector differ) selecting its own namespaces; the ExternalSecrets they stamp, the Secrets
// those sync, and the ClusterExternalSecret status must agree. ESO's namespace watch requeues
// only ClusterExternalSecrets that match a namespace's new labels, so a namespace leaving the
// selection is noticed at refreshTime: it is short here for both.
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type KubeClient, resourcePath } from "@hush/kube/client";
import { startMoto, waitFor, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSecrets, formatDiff, secretView } from "./diff.js";
import { awsAuth, awsCredsSecret, awsStore, comparePeers, esoSide, getSecret, hushSide, kubectlCreate, startCompareKube, startSideBySide, waitReady, waitSettled, type KubeSecret, type SideBySide } from "./harness.js";

const peersOk = comparePeers("moto_server");

/** Test data only. */
const remote: Record<string, string> = {
  "ces/db": JSON.stringify({ username: "admin", password: "pa$$w0rd", port: 5432 }),
  "ces/api-key": "k-0123456789",
};

/**
 * The one known difference, from the ExternalSecret CRDs rather than the ClusterExternalSecret:
 * hush's declares `remoteRef.nullBytePolicy` (a later ESO field) with its default `Ignore`,
 * which is all ESO v0.16.2 does; ESO v0.16.2's CRD has no such field. Removed before comparing.
 */
function withoutNullBytePolicy(spec: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!spec) return spec;
  const strip = (ref: Record<string, unknown> | undefined) => {
    if (!ref || ref["nullBytePolicy"] !== "Ignore") return ref;
    const { nullBytePolicy: _n, ...rest } = ref;
    return rest;
  };
  const data = (spec["data"] as { remoteRef?: Record<string, unknown> }[] | undefined)?.map((d) => ({ ...d, remoteRef: strip(d.remoteRef) }));
  const dataFrom = (spec["dataFrom"] as { extract?: Record<string, unknown> }[] | undefined)?.map((d) => (d.extract ? { ...d, extract: strip(d.extract) } : d));
  return { ...spec, ...(data ? { data } : {}), ...(dataFrom ? { dataFrom } : {}) };
}

interface Ces {
  metadata: { name: string; uid?: string };
  status?: { externalSecretName?: string; provisionedNamespaces?: string[]; failedNamespaces?: { namespace: string; reason?: string }[]; conditions?: { type: string; status: string; message?: string }[] };
}
interface Es {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { apiVersion: string; kind: string; name: string; controller?: boolean; blockOwnerDeletion?: boolean }[] };
  spec: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string }[] };
}

describe.skipIf(!peersOk)("ClusterExternalSecret: hush does what ESO does", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let pair: SideBySide;
  let client: KubeClient;
  let creds: string;

  const sides = [
    { ...esoSide, ces: "cmp-eso" },
    { ...hushSide, ces: "cmp-hush" },
  ] as const;
  type Side = (typeof sides)[number];
  /** Per side, namespaces by role (`a`, `b`, `clash`). */
  const ns: Record<string, Record<string, string>> = { eso: {}, hush: {} };

  const label = async (namespace: string, labels: Record<string, string | null>) =>
    client.request("PATCH", resourcePath({ version: "v1", plural: "namespaces", name: namespace }), { body: { metadata: { labels } }, contentType: "application/merge-patch+json" });
  const getCes = (side: Side) => client.get<Ces>(resourcePath({ group: side.group, version: "v1", plural: "clusterexternalsecrets", name: side.ces }));
  const getEs = (side: Side, namespace: string) => client.get<Es>(resourcePath({ group: side.group, version: "v1", plural: "externalsecrets", namespace, name: "shared-creds" }));

  async function settle(what: string, pred: (c: Ces, side: Side) => boolean): Promise<Record<string, Ces>> {
    const out: Record<string, Ces> = {};
    for (const side of sides) {
      out[side.tool] = (await waitSettled(pair, side.tool, () => getCes(side), (c) => c !== undefined && pred(c, side), `${side.tool}: ${what}`, { errorLines: 5 }))!;
    }
    return out;
  }

  /** A status with the namespaces replaced by their role, so both tools' statuses compare. */
  const byRole = (side: Side, c: Ces) => {
    const role = (n: string) => Object.entries(ns[side.tool]!).find(([, v]) => v === n)?.[0] ?? `other:${n}`;
    return {
      externalSecretName: c.status?.externalSecretName,
      provisionedNamespaces: (c.status?.provisionedNamespaces ?? []).map(role).sort(),
      failedNamespaces: (c.status?.failedNamespaces ?? []).map((f) => ({ namespace: role(f.namespace), reason: f.reason })).sort((x, y) => (x.namespace < y.namespace ? -1 : 1)),
      conditions: c.status?.conditions,
    };
  };

  beforeAll(async () => {
    ({ kube, client } = await startCompareKube());
    moto = await startMoto();
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    for (const [Name, SecretString] of Object.entries(remote)) await sm.send(new CreateSecretCommand({ Name, SecretString }));
    sm.destroy();

    creds = await kube.createNamespace("creds");
    await kubectlCreate(kube, creds, awsCredsSecret("aws-creds", moto.credentials));
    for (const side of sides) {
      await kubectlCreate(kube, undefined, awsStore(side, "aws", { service: "SecretsManager", region: moto.region, auth: awsAuth("aws-creds", creds) }, {}, "ClusterSecretStore"));
      for (const role of ["a", "b"]) ns[side.tool]![role] = await kube.createNamespace(`${side.tool}-${role}`);
      ns[side.tool]!["clash"] = await kube.createNamespace(`${side.tool}-clash`);
    }

    pair = await startSideBySide(kube, {
      eso: { awsEndpoint: moto.endpoint, concurrent: 2, clusterExternalSecrets: true },
      hush: { clientOverrides: { aws: { endpoint: moto.endpoint } } },
    });
    for (const side of sides) {
      await waitReady(pair, client, { ...side, version: "v1" }, { plural: "clustersecretstores", name: "aws" }, (c) => c?.status === "True", `${side.tool} ClusterSecretStore Ready`);
    }
  });

  afterAll(async () => {
    await pair?.stop();
    await moto?.stop();
    await kube?.stop();
  });

  it("stamps the same ExternalSecret into the selected namespaces, and the Secrets match field by field", async () => {
    for (const side of sides) {
      for (const role of ["a", "b"]) await label(ns[side.tool]![role]!, { "cmp-tool": side.tool });
      await kubectlCreate(kube, undefined, {
        apiVersion: `${side.group}/${side.version}`,
        kind: "ClusterExternalSecret",
        metadata: { name: side.ces },
        spec: {
          externalSecretName: "shared-creds",
          externalSecretMetadata: { labels: { app: "shop" }, annotations: { "example.com/owner": "platform" } },
          namespaceSelectors: [{ matchLabels: { "cmp-tool": side.tool } }],
          refreshTime: "5s",
          externalSecretSpec: {
            secretStoreRef: { name: "aws", kind: "ClusterSecretStore" },
            refreshInterval: "1h",
            target: { template: { metadata: { labels: { tier: "db" } } } },
            data: [{ secretKey: "api-key", remoteRef: { key: "ces/api-key" } }],
            dataFrom: [{ extract: { key: "ces/db" } }],
          },
        },
      });
    }
    const done = await settle("provisioned in a and b", (c) => c.status?.provisionedNamespaces?.length === 2 && c.status.conditions?.[0]?.status === "True");
    expect(byRole(sides[1], done["hush"]!)).toEqual(byRole(sides[0], done["eso"]!));
    expect(byRole(sides[0], done["eso"]!)).toMatchObject({ externalSecretName: "shared-creds", provisionedNamespaces: ["a", "b"], failedNamespaces: [] });

    for (const role of ["a", "b"]) {
      const [e, h] = [await getEs(sides[0], ns["eso"]![role]!), await getEs(sides[1], ns["hush"]![role]!)];
      // The spec as each API server stored it (defaults applied by each tool's own CRD).
      expect(withoutNullBytePolicy(h?.spec), `ExternalSecret spec in ${role}`).toEqual(e?.spec);
      expect(h?.metadata.labels).toEqual(e?.metadata.labels);
      expect(h?.metadata.annotations).toEqual(e?.metadata.annotations);
      const owner = (x: Es | undefined) => x?.metadata.ownerReferences?.map((r) => ({ kind: r.kind, controller: r.controller, blockOwnerDeletion: r.blockOwnerDeletion, group: r.apiVersion.split("/")[0] }));
      expect(owner(e)).toEqual([{ kind: "ClusterExternalSecret", controller: true, blockOwnerDeletion: true, group: "external-secrets.io" }]);
      expect(owner(h)).toEqual([{ kind: "ClusterExternalSecret", controller: true, blockOwnerDeletion: true, group: "hush.dev" }]);

      const secret = async (side: Side, namespace: string) => {
        let s: KubeSecret | undefined;
        await waitFor(async () => (s = await getSecret(client, namespace, "shared-creds")) !== undefined, { timeoutMs: 60_000, what: `${side.tool} Secret in ${role}` });
        return secretView(s!);
      };
      const diffs = diffSecrets(await secret(sides[0], ns["eso"]![role]!), await secret(sides[1], ns["hush"]![role]!));
      expect(diffs, `Secret in ${role}:\n${formatDiff(diffs)}`).toEqual([]);
    }
    // Namespaces outside the selection get nothing from either.
    for (const side of sides) expect(await getEs(side, ns[side.tool]!["clash"]!)).toBeUndefined();
  });

  it("reports a foreign ExternalSecret of the same name alike, and leaves it alone", async () => {
    for (const side of sides) {
      await kubectlCreate(kube, ns[side.tool]!["clash"]!, { apiVersion: `${side.group}/${side.version}`, kind: "ExternalSecret", metadata: { name: "shared-creds" }, spec: { secretStoreRef: { name: "aws", kind: "ClusterSecretStore" }, refreshInterval: "2h", data: [{ secretKey: "k", remoteRef: { key: "ces/api-key" } }] } });
      await label(ns[side.tool]!["clash"]!, { "cmp-tool": side.tool });
    }
    const done = await settle("clash reported", (c) => (c.status?.failedNamespaces?.length ?? 0) === 1);
    expect(byRole(sides[1], done["hush"]!)).toEqual(byRole(sides[0], done["eso"]!));
    expect(byRole(sides[0], done["eso"]!)).toMatchObject({ provisionedNamespaces: ["a", "b"], failedNamespaces: [{ namespace: "clash", reason: "external secret already exists in namespace" }], conditions: [{ type: "Ready", status: "False", message: "one or more namespaces failed" }] });
    for (const side of sides) {
      const foreign = await getEs(side, ns[side.tool]!["clash"]!);
      expect(foreign?.spec["refreshInterval"]).toBe("2h");
      expect(foreign?.metadata.ownerReferences).toBeUndefined();
    }
  });

  it("removes the ExternalSecret from a namespace that leaves the selection, alike", async () => {
    for (const side of sides) await label(ns[side.tool]!["b"]!, { "cmp-tool": null });
    for (const side of sides) {
      await waitFor(async () => (await getEs(side, ns[side.tool]!["b"]!)) === undefined, { timeoutMs: 60_000, what: `${side.tool} ExternalSecret removed from b` });
    }
    const done = await settle("b dropped", (c) => c.status?.provisionedNamespaces?.length === 1);
    expect(byRole(sides[1], done["hush"]!)).toEqual(byRole(sides[0], done["eso"]!));
    expect(byRole(sides[0], done["eso"]!).provisionedNamespaces).toEqual(["a"]);
  });
});
