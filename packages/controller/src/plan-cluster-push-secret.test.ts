import { esoFlavour, hushFlavour, type PushSecret } from "@hush/kube";
import { describe, expect, it } from "vitest";
import { namespacesFailedMessage, type NamespaceInfo } from "./plan-stamped.js";
import {
  clusterPushSecretStatus,
  controllingClusterPushSecret,
  cpsRefreshMs,
  defaultCpsRefreshMs,
  planClusterPushSecret,
  pushClashReason,
  type ClusterPushSecret,
} from "./plan-cluster-push-secret.js";

const spec = {
  secretStoreRefs: [{ name: "aws", kind: "ClusterSecretStore" as const }],
  selector: { secret: { name: "src" } },
  refreshInterval: "10m",
  data: [{ match: { secretKey: "k", remoteRef: { remoteKey: "app/k" } } }],
};

function cps(over: Partial<ClusterPushSecret["spec"]> = {}, name = "shared"): ClusterPushSecret {
  return { metadata: { name, uid: "uid-1" }, spec: { pushSecretSpec: spec, namespaceSelectors: [{ matchLabels: { team: "a" } }], ...over } };
}

const namespaces: NamespaceInfo[] = [
  { name: "a1", labels: { team: "a" } },
  { name: "a2", labels: { team: "a" } },
  { name: "b1", labels: { team: "b" } },
  { name: "gone", labels: { team: "a" }, terminating: true },
];

function ps(ns: string, name: string, ownerKind = "ClusterPushSecret", flavour = hushFlavour): PushSecret {
  return {
    metadata: {
      name,
      namespace: ns,
      uid: `ps-${ns}`,
      resourceVersion: "3",
      ownerReferences: [{ apiVersion: `${flavour.group}/v1alpha1`, kind: ownerKind, name: "shared", uid: "uid-1", controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...spec, refreshInterval: "10m0s" },
  };
}

describe("planClusterPushSecret", () => {
  it("creates a PushSecret in each selected, live namespace, owned by the ClusterPushSecret, spec as ESO writes it", () => {
    const plan = planClusterPushSecret(cps({ pushSecretMetadata: { labels: { l: "1" } } }), namespaces, []);
    expect(plan.selected).toEqual(["a1", "a2"]);
    expect(plan.actions.map((a) => [a.op, a.namespace])).toEqual([["create", "a1"], ["create", "a2"]]);
    const create = plan.actions[0]!;
    if (create.op !== "create") throw new Error("not a create");
    expect(create.body.apiVersion).toBe("hush.dev/v1alpha1");
    expect(create.body.kind).toBe("PushSecret");
    expect(create.body.metadata.name).toBe("shared");
    expect(create.body.metadata.labels).toEqual({ l: "1" });
    expect(create.body.metadata.ownerReferences).toEqual([{ apiVersion: "hush.dev/v1alpha1", kind: "ClusterPushSecret", name: "shared", uid: "uid-1", controller: true, blockOwnerDeletion: true }]);
    expect(create.body.spec.refreshInterval).toBe("10m0s");
  });

  it("uses pushSecretName and the ESO group in the ESO flavour", () => {
    const plan = planClusterPushSecret(cps({ pushSecretName: "pushed" }), namespaces, [], esoFlavour);
    const create = plan.actions[0]!;
    if (create.op !== "create") throw new Error("not a create");
    expect(create.body.metadata.name).toBe("pushed");
    expect(create.body.apiVersion).toBe("external-secrets.io/v1alpha1");
    expect(create.body.metadata.ownerReferences?.[0]?.apiVersion).toBe("external-secrets.io/v1alpha1");
  });

  it("writes nothing for up-to-date PushSecrets; deletes its own in a namespace no longer selected", () => {
    const plan = planClusterPushSecret(cps(), namespaces, [ps("a1", "shared"), ps("a2", "shared"), ps("b1", "shared")]);
    expect(plan.actions).toEqual([{ op: "delete", namespace: "b1", name: "shared", uid: "ps-b1" }]);
  });

  it("leaves a foreign same-name PushSecret alone and reports the namespace failed with ESO's reason", () => {
    const foreign: PushSecret = { metadata: { name: "shared", namespace: "a2", uid: "x" }, spec };
    const plan = planClusterPushSecret(cps(), namespaces, [ps("a1", "shared"), foreign]);
    expect(plan.actions).toEqual([]);
    expect(plan.clashes).toEqual([{ namespace: "a2", reason: pushClashReason }]);
    const status = clusterPushSecretStatus(plan, []);
    expect(status).toEqual({
      pushSecretName: "shared",
      provisionedNamespaces: ["a1"],
      failedNamespaces: [{ namespace: "a2", reason: pushClashReason }],
      conditions: [{ type: "Ready", status: "False", message: namespacesFailedMessage }],
    });
  });

  it("treats a PushSecret owned by a ClusterExternalSecret of the same name as foreign", () => {
    const plan = planClusterPushSecret(cps(), namespaces, [ps("a1", "shared", "ClusterExternalSecret")]);
    expect(plan.clashes.map((c) => c.namespace)).toEqual(["a1"]);
    expect(controllingClusterPushSecret(ps("a1", "shared"))).toBe("shared");
    expect(controllingClusterPushSecret(ps("a1", "shared", "ClusterPushSecret", esoFlavour))).toBeUndefined();
  });

  it("puts back a tenant's edit of its PushSecret (labels and spec replaced wholesale)", () => {
    const edited = ps("a1", "shared");
    edited.metadata.labels = { mine: "x" };
    edited.spec = { ...edited.spec, deletionPolicy: "Delete" };
    const plan = planClusterPushSecret(cps(), namespaces, [edited, ps("a2", "shared")]);
    expect(plan.actions).toHaveLength(1);
    const up = plan.actions[0]!;
    if (up.op !== "update") throw new Error("not an update");
    expect(up.labels).toEqual({});
    expect(up.spec.deletionPolicy).toBeUndefined();
    expect(up.resourceVersion).toBe("3");
  });

  it("a renamed pushSecretName deletes the old PushSecrets and creates the new ones", () => {
    const plan = planClusterPushSecret(cps({ pushSecretName: "renamed" }), namespaces, [ps("a1", "shared"), ps("a2", "shared")]);
    expect(plan.actions.filter((a) => a.op === "delete").map((a) => a.namespace)).toEqual(["a1", "a2"]);
    expect(plan.actions.filter((a) => a.op === "create").map((a) => a.namespace)).toEqual(["a1", "a2"]);
  });

  it("selects nothing without namespaceSelectors; status Ready with no lists", () => {
    const plan = planClusterPushSecret(cps({ namespaceSelectors: [] }), namespaces, []);
    expect(plan.selected).toEqual([]);
    expect(clusterPushSecretStatus(plan, [])).toEqual({ pushSecretName: "shared", conditions: [{ type: "Ready", status: "True" }] });
  });

  it("refreshTime: 1h by default, else the duration", () => {
    expect(cpsRefreshMs(cps())).toBe(defaultCpsRefreshMs);
    expect(cpsRefreshMs(cps({ refreshTime: "30s" }))).toBe(30_000);
  });
});
