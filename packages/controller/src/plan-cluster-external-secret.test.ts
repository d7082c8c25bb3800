import { esoFlavour, hushFlavour, type ExternalSecret } from "@hush/kube";
import { describe, expect, it } from "vitest";
import {
  cesRefreshMs,
  clashReason,
  clusterExternalSecretStatus,
  controllingClusterExternalSecret,
  defaultCesRefreshMs,
  namespacesFailedMessage,
  planClusterExternalSecret,
  selectNamespaces,
  stampedSpec,
  type ClusterExternalSecret,
  type NamespaceInfo,
} from "./plan-cluster-external-secret.js";

const spec = { secretStoreRef: { name: "aws", kind: "ClusterSecretStore" as const }, refreshInterval: "1h0m0s", data: [{ secretKey: "k", remoteRef: { key: "app/db" } }] };

function ces(over: Partial<ClusterExternalSecret["spec"]> = {}, name = "shared"): ClusterExternalSecret {
  return { metadata: { name, uid: "uid-1" }, spec: { externalSecretSpec: spec, namespaceSelectors: [{ matchLabels: { team: "a" } }], ...over } };
}

const namespaces: NamespaceInfo[] = [
  { name: "a1", labels: { team: "a" } },
  { name: "a2", labels: { team: "a", tier: "prod" } },
  { name: "b1", labels: { team: "b" } },
  { name: "gone", labels: { team: "a" }, terminating: true },
];

function ownedEs(ns: string, name: string, owner = "shared", flavour = hushFlavour, over: Partial<ExternalSecret> = {}): ExternalSecret {
  return {
    metadata: {
      name,
      namespace: ns,
      uid: `es-${ns}`,
      resourceVersion: "7",
      ownerReferences: [{ apiVersion: `${flavour.group}/${flavour.version}`, kind: "ClusterExternalSecret", name: owner, uid: "uid-1", controller: true, blockOwnerDeletion: true }],
    },
    spec,
    ...over,
  };
}

describe("selectNamespaces", () => {
  it("ORs the deprecated selector, the selector list and names; skips terminating namespaces; sorts", () => {
    expect(selectNamespaces(ces().spec, namespaces)).toEqual(["a1", "a2"]);
    expect(selectNamespaces(ces({ namespaceSelectors: [], namespaceSelector: { matchLabels: { tier: "prod" } }, namespaces: ["b1", "missing"] }).spec, namespaces)).toEqual(["a2", "b1"]);
    expect(selectNamespaces(ces({ namespaceSelectors: [{ matchExpressions: [{ key: "team", operator: "NotIn", values: ["a"] }] }] }).spec, namespaces)).toEqual(["b1"]);
  });

  it("selects nothing without selectors or names, everything with an empty selector, nothing with an In requirement lacking values", () => {
    expect(selectNamespaces(ces({ namespaceSelectors: [] }).spec, namespaces)).toEqual([]);
    expect(selectNamespaces(ces({ namespaceSelectors: [{}] }).spec, namespaces)).toEqual(["a1", "a2", "b1"]);
    expect(selectNamespaces(ces({ namespaceSelectors: [{ matchExpressions: [{ key: "team", operator: "In", values: [] }] }] }).spec, namespaces)).toEqual([]);
  });
});

describe("planClusterExternalSecret", () => {
  it("creates the ExternalSecret in each selected namespace with the spec, metadata and a controller ownerReference", () => {
    const plan = planClusterExternalSecret(ces({ externalSecretMetadata: { labels: { app: "x" }, annotations: { note: "y" } } }), namespaces, []);
    expect(plan.externalSecretName).toBe("shared");
    expect(plan.selected).toEqual(["a1", "a2"]);
    expect(plan.clashes).toEqual([]);
    expect(plan.actions.map((a) => [a.op, a.namespace])).toEqual([
      ["create", "a1"],
      ["create", "a2"],
    ]);
    const body = (plan.actions[0] as { body: ExternalSecret }).body;
    expect(body.apiVersion).toBe("hush.dev/v1");
    expect(body.metadata).toEqual({
      name: "shared",
      namespace: "a1",
      labels: { app: "x" },
      annotations: { note: "y" },
      ownerReferences: [{ apiVersion: "hush.dev/v1", kind: "ClusterExternalSecret", name: "shared", uid: "uid-1", controller: true, blockOwnerDeletion: true }],
    });
    expect(body.spec).toEqual(spec);
  });

  it("uses externalSecretName and the flavour's group", () => {
    const plan = planClusterExternalSecret(ces({ externalSecretName: "db-creds" }), namespaces, [], esoFlavour);
    const body = (plan.actions[0] as { body: ExternalSecret }).body;
    expect(body.metadata.name).toBe("db-creds");
    expect(body.apiVersion).toBe("external-secrets.io/v1");
    expect(body.metadata.ownerReferences?.[0]?.apiVersion).toBe("external-secrets.io/v1");
  });

  it("does nothing when every ExternalSecret is up to date (idempotent)", () => {
    const existing = [ownedEs("a1", "shared"), ownedEs("a2", "shared")];
    const plan = planClusterExternalSecret(ces(), namespaces, existing);
    expect(plan.actions).toEqual([]);
    expect(clusterExternalSecretStatus(plan, [])).toEqual({ externalSecretName: "shared", provisionedNamespaces: ["a1", "a2"], conditions: [{ type: "Ready", status: "True" }] });
  });

  it("puts back a drifted spec, labels or annotations wholesale, keeping other owners and the resourceVersion", () => {
    const other = { apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "u" };
    const drifted = ownedEs("a1", "shared", "shared", hushFlavour, { spec: { ...spec, refreshInterval: "1m" } });
    drifted.metadata.labels = { tenant: "added" };
    drifted.metadata.ownerReferences = [other, ...(drifted.metadata.ownerReferences ?? [])];
    const plan = planClusterExternalSecret(ces(), namespaces, [drifted, ownedEs("a2", "shared")]);
    expect(plan.actions).toHaveLength(1);
    const update = plan.actions[0]!;
    if (update.op !== "update") throw new Error(`expected an update, got ${update.op}`);
    expect(update.spec).toEqual(spec);
    expect(update.labels).toEqual({});
    expect(update.resourceVersion).toBe("7");
    expect(update.ownerReferences.map((r) => r.kind)).toEqual(["ConfigMap", "ClusterExternalSecret"]);
  });

  it("refuses to take over a foreign ExternalSecret of the same name and reports ESO's reason", () => {
    const foreign: ExternalSecret = { metadata: { name: "shared", namespace: "a2", uid: "f" }, spec: { ...spec, refreshInterval: "5m" } };
    const otherCes = ownedEs("a1", "shared", "someone-else");
    const plan = planClusterExternalSecret(ces(), namespaces, [otherCes, foreign]);
    expect(plan.actions).toEqual([]);
    expect(plan.clashes).toEqual([
      { namespace: "a1", reason: clashReason },
      { namespace: "a2", reason: clashReason },
    ]);
    const status = clusterExternalSecretStatus(plan, []);
    expect(status.provisionedNamespaces).toBeUndefined();
    expect(status.failedNamespaces?.map((f) => f.namespace)).toEqual(["a1", "a2"]);
    expect(status.conditions).toEqual([{ type: "Ready", status: "False", message: namespacesFailedMessage }]);
  });

  it("treats an ExternalSecret owned by the same name in the other API group as foreign", () => {
    const plan = planClusterExternalSecret(ces(), namespaces, [ownedEs("a1", "shared", "shared", esoFlavour)]);
    expect(plan.clashes.map((c) => c.namespace)).toEqual(["a1"]);
    expect(controllingClusterExternalSecret(ownedEs("a1", "shared", "shared", esoFlavour), esoFlavour)).toBe("shared");
    expect(controllingClusterExternalSecret(ownedEs("a1", "shared", "shared", esoFlavour), hushFlavour)).toBeUndefined();
  });

  it("deletes its ExternalSecrets from namespaces no longer selected and under a previous name, never foreign ones", () => {
    const existing = [
      ownedEs("a1", "shared"),
      ownedEs("b1", "shared"), // b1 no longer selected
      ownedEs("a2", "old-name"), // externalSecretName changed
      { metadata: { name: "shared", namespace: "c9", uid: "f" }, spec } as ExternalSecret, // foreign, not selected
    ];
    const plan = planClusterExternalSecret(ces(), namespaces, existing);
    expect(plan.actions.map((a) => [a.op, a.namespace, a.op === "create" ? a.body.metadata.name : a.name])).toEqual([
      ["create", "a2", "shared"],
      ["delete", "b1", "shared"],
      ["delete", "a2", "old-name"],
    ]);
    expect(plan.actions.find((a) => a.op === "delete")).toMatchObject({ uid: "es-b1" });
  });

  it("reports write failures with their reason and leaves those namespaces out of provisionedNamespaces", () => {
    const plan = planClusterExternalSecret(ces(), namespaces, []);
    const status = clusterExternalSecretStatus(plan, [{ namespace: "a2", reason: "could not create or update ExternalSecret: POST ...: 403 Forbidden" }]);
    expect(status.provisionedNamespaces).toEqual(["a1"]);
    expect(status.failedNamespaces).toEqual([{ namespace: "a2", reason: "could not create or update ExternalSecret: POST ...: 403 Forbidden" }]);
    expect(status.conditions?.[0]?.status).toBe("False");
  });
});

describe("stampedSpec", () => {
  it("writes refreshInterval as Go prints it, as ESO's copy through Go types does", () => {
    expect(stampedSpec({ refreshInterval: "1h" }).refreshInterval).toBe("1h0m0s");
    expect(stampedSpec({ refreshInterval: "90s" }).refreshInterval).toBe("1m30s");
    expect(stampedSpec({ refreshInterval: "0" }).refreshInterval).toBe("0s");
    expect(stampedSpec({}).refreshInterval).toBeUndefined();
    const plan = planClusterExternalSecret(ces({ externalSecretSpec: { ...spec, refreshInterval: "15m" } }), namespaces, []);
    expect((plan.actions[0] as { body: ExternalSecret }).body.spec.refreshInterval).toBe("15m0s");
  });
});

describe("cesRefreshMs", () => {
  it("reads refreshTime as a Go duration and falls back to ESO's hour", () => {
    expect(cesRefreshMs(ces({ refreshTime: "1m" }))).toBe(60_000);
    expect(cesRefreshMs(ces({ refreshTime: "0" }))).toBe(0);
    expect(cesRefreshMs(ces())).toBe(defaultCesRefreshMs);
  });
});
