import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { repoRoot } from "@hush/testkit";
import { defaultPolicy, parsePolicy, renderMatchConditions } from "@hush/webhook";

// The shipped manifests state the policy twice (the ConfigMap and the CEL matchConditions);
// these checks keep the two, and the code's defaults, from drifting apart.
const dir = join(repoRoot, "deploy/webhook");
const read = (file: string) => parseYaml(readFileSync(join(dir, file), "utf8")) as any;
const readAll = (file: string) => parseAllDocuments(readFileSync(join(dir, file), "utf8")).map((d) => d.toJS() as any);

describe("deploy/webhook", () => {
  const config = parsePolicy(parseYaml(read("config.yaml").data["config.yaml"]));
  const vwc = read("validatingwebhookconfiguration.yaml");
  const webhook = vwc.webhooks[0];

  it("ships a config that parses and equals the built-in defaults", () => {
    expect(config).toEqual(defaultPolicy);
  });

  it("sends the API server's GitOps traffic by matchConditions generated from config.yaml", () => {
    const expected = renderMatchConditions(config);
    const indented = expected.map((c) => `      - name: ${c.name}\n        expression: |-\n${c.expression.split("\n").map((l) => `          ${l}`).join("\n")}`).join("\n");
    expect(webhook.matchConditions, `regenerate matchConditions in validatingwebhookconfiguration.yaml:\n${indented}`).toEqual(expected);
    const expression: string = webhook.matchConditions[0].expression;
    // Identity patterns, the field managers and the markers are all in the one OR.
    for (const id of ["kustomize-controller", "argocd-application-controller", "helm-controller", "argocd-manager"]) expect(expression).toContain(id);
    for (const manager of ["'argocd-controller'", "'kustomize-controller'", "'helm-controller'"]) expect(expression).toContain(manager);
    for (const marker of ["kustomize.toolkit.fluxcd.io/name", "helm.toolkit.fluxcd.io/name", "argocd.argoproj.io/tracking-id"]) expect(expression).toContain(marker);
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

  it("runs two non-root, critical-priority replicas with a read-only root filesystem behind a PDB", () => {
    const deployment = read("deployment.yaml");
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.priorityClassName).toBe("system-cluster-critical");
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(read("pdb.yaml").spec.minAvailable).toBe(1);
  });

  it("grants only get on Kustomizations, HelmReleases and Applications", () => {
    const [role] = readAll("rbac.yaml");
    expect(role.kind).toBe("ClusterRole");
    expect(role.rules).toEqual([
      { apiGroups: ["kustomize.toolkit.fluxcd.io"], resources: ["kustomizations"], verbs: ["get"] },
      { apiGroups: ["helm.toolkit.fluxcd.io"], resources: ["helmreleases"], verbs: ["get"] },
      { apiGroups: ["argoproj.io"], resources: ["applications"], verbs: ["get"] },
    ]);
  });

  it("opens only the webhook port to ingress", () => {
    const policy = read("networkpolicy.yaml");
    expect(policy.spec.podSelector.matchLabels).toEqual(read("deployment.yaml").spec.selector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(["Ingress"]);
    expect(policy.spec.ingress.flatMap((r: any) => r.ports)).toEqual([{ port: 8443, protocol: "TCP" }]);
    expect(read("kustomization.yaml").resources).toContain("networkpolicy.yaml");
  });

  it("signs the serving certificate with a stable CA and injects the CA, not the leaf", () => {
    const docs = readAll("certificate.yaml");
    const byName = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
    const ca = byName("Certificate", "hush-webhook-ca");
    const leaf = byName("Certificate", "hush-webhook-tls");
    expect(byName("Issuer", "hush-webhook-selfsigned").spec).toEqual({ selfSigned: {} });
    expect(ca.spec).toMatchObject({ isCA: true, issuerRef: { kind: "Issuer", name: "hush-webhook-selfsigned" }, privateKey: { rotationPolicy: "Never" } });
    expect(byName("Issuer", "hush-webhook-ca").spec).toEqual({ ca: { secretName: ca.spec.secretName } });
    expect(leaf.spec.issuerRef).toEqual({ kind: "Issuer", name: "hush-webhook-ca" });
    expect(vwc.metadata.annotations["cert-manager.io/inject-ca-from"]).toBe("hush-system/hush-webhook-ca");
  });
});
