import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { repoRoot } from "@hush/testkit";
import { defaultPolicy, parsePolicy } from "@hush/webhook";

// The shipped manifests state the policy twice (the ConfigMap and the CEL matchConditions);
// these checks keep the two, and the code's defaults, from drifting apart.
const dir = join(repoRoot, "deploy/webhook");
const read = (file: string) => parseYaml(readFileSync(join(dir, file), "utf8")) as any;

describe("deploy/webhook", () => {
  const config = parsePolicy(parseYaml(read("config.yaml").data["config.yaml"]));
  const vwc = read("validatingwebhookconfiguration.yaml");
  const webhook = vwc.webhooks[0];

  it("ships a config that parses and equals the built-in defaults", () => {
    expect(config).toEqual(defaultPolicy);
  });

  it("calls the webhook for exactly the configured GitOps identities", () => {
    const expression: string = webhook.matchConditions[0].expression;
    const inCel = [...expression.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
    const ids = config.identities;
    expect(inCel).toEqual([...ids.argocd, ...ids.fluxKustomize, ...ids.fluxHelm, ...ids.other].sort());
  });

  it("fails closed, has no side effects, a short timeout, and keeps kube-system and itself out", () => {
    expect(webhook).toMatchObject({ failurePolicy: "Fail", sideEffects: "None", admissionReviewVersions: ["v1"] });
    expect(webhook.timeoutSeconds).toBeLessThanOrEqual(5);
    expect(webhook.objectSelector).toBeUndefined();
    expect(webhook.namespaceSelector.matchExpressions).toEqual([
      { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "hush-system"] },
    ]);
    expect(webhook.rules[0].resources).toEqual(["secrets", "configmaps"]);
  });

  it("runs two non-root replicas with a read-only root filesystem behind a PDB", () => {
    const deployment = read("deployment.yaml");
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(read("pdb.yaml").spec.minAvailable).toBe(1);
  });

  it("grants only get/list/watch on Kustomizations and Applications", () => {
    const [role] = parseAllDocuments(readFileSync(join(dir, "rbac.yaml"), "utf8")).map((d) => d.toJS() as any);
    expect(role.kind).toBe("ClusterRole");
    expect(role.rules).toEqual([
      { apiGroups: ["kustomize.toolkit.fluxcd.io"], resources: ["kustomizations"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["argoproj.io"], resources: ["applications"], verbs: ["get", "list", "watch"] },
    ]);
  });
});
