import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { findBinary, requirePeer, startKube, type KubeHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePolicy, renderMatchConditions } from "@hush/webhook";
import { ok, run, yamlObjects } from "./support.js";

// deploy/controller and deploy/webhook (`kubectl apply -k`) and the Helm chart at its default
// values describe the same install. These tests build both and compare every object field by
// field, so one cannot change without the other.
const kubectlPeer = requirePeer("kubectl", "run `bash scripts/peers kube`");
const helmPeer = requirePeer("helm", "run `bash scripts/peers helm`");
const apiPeers = ["etcd", "kube-apiserver"].map((n) => requirePeer(n, "run `bash scripts/peers kube`"));

const kustomize = async (folder: string) => yamlObjects(ok(`kubectl kustomize ${folder}`, await run(findBinary("kubectl")!, ["kustomize", folder])));

/** What the chart adds for Helm's own bookkeeping, and nothing a cluster acts on. */
function normalize(o: any): any {
  const c = structuredClone(o);
  const keep = (labels: Record<string, string> | undefined) =>
    labels && Object.fromEntries(Object.entries(labels).filter(([k]) => k === "app.kubernetes.io/name" || k === "app.kubernetes.io/part-of"));
  c.metadata.labels = keep(c.metadata.labels);
  if (c.metadata.annotations) {
    delete c.metadata.annotations["helm.sh/resource-policy"];
    if (Object.keys(c.metadata.annotations).length === 0) delete c.metadata.annotations;
  }
  if (c.kind === "Deployment") {
    const t = c.spec.template;
    if (t.metadata.annotations) {
      delete t.metadata.annotations["checksum/config"];
      if (Object.keys(t.metadata.annotations).length === 0) delete t.metadata.annotations;
    }
    for (const k of t.spec.containers) delete k.imagePullPolicy;
  }
  if (c.kind === "ConfigMap" && c.data?.["config.yaml"]) c.data["config.yaml"] = yamlObjects(c.data["config.yaml"])[0];
  return c;
}

const key = (o: any) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

describe.skipIf(!kubectlPeer.ok)("deploy/ kustomizations", () => {
  it.for(["deploy/controller", "deploy/webhook", "deploy/crds"])("`kubectl kustomize %s` builds", async (folder) => {
    const objects = await kustomize(folder);
    expect(objects.length).toBeGreaterThan(0);
  });

  it("deploy/controller carries the hush.dev CRDs", async () => {
    const crds = (await kustomize("deploy/controller")).filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name).sort();
    expect(crds).toEqual(["clusterexternalsecrets.hush.dev", "clustergenerators.generators.hush.dev", "clusterpushsecrets.hush.dev", "clustersecretstores.hush.dev", "ecrauthorizationtokens.generators.hush.dev", "externalsecrets.hush.dev", "fakes.generators.hush.dev", "passwords.generators.hush.dev", "pushsecrets.hush.dev", "secretstores.hush.dev", "stssessiontokens.generators.hush.dev", "uuids.generators.hush.dev", "vaultdynamicsecrets.generators.hush.dev"]);
  });

  describe.skipIf(!apiPeers.every((p) => p.ok))("against a real kube-apiserver", () => {
    let kube: KubeHarness;
    beforeAll(async () => {
      kube = await startKube();
      // cert-manager is not installed: a permissive stand-in CRD registers its kinds.
      for (const [kind, plural] of [["Certificate", "certificates"], ["Issuer", "issuers"]] as const) {
        ok("stand-in CRD", await kube.kubectl(["apply", "-f", "-"], {
          input: JSON.stringify({
            apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: `${plural}.cert-manager.io` },
            spec: { group: "cert-manager.io", scope: "Namespaced", names: { kind, plural, listKind: `${kind}List`, singular: kind.toLowerCase() },
              versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
          }),
        }));
        ok("CRD established", await kube.kubectl(["wait", "--for=condition=Established", `crd/${plural}.cert-manager.io`, "--timeout=60s"]));
      }
    });
    afterAll(async () => kube?.stop());

    it.for(["deploy/controller", "deploy/webhook"])("`kubectl apply -k %s` is accepted (server-side dry run)", async (folder) => {
      // The namespace must exist for a dry run of the objects inside it.
      await kube.kubectl(["apply", "-f", `${folder}/namespace.yaml`]);
      const applied = await kube.kubectl(["apply", "-k", folder, "--dry-run=server"]);
      expect(applied.code, applied.stderr).toBe(0);
    });
  });
});

describe.skipIf(!kubectlPeer.ok || !helmPeer.ok)("the Helm chart at default values and deploy/ describe the same install", () => {
  let dir: string;
  let chart: Map<string, any>;
  let kust: Map<string, any>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hush-drift-"));
    const rendered = ok("helm template", await run(findBinary("helm")!, ["template", "hush", "deploy/charts/hush", "-n", "hush-system"], {
      env: { HELM_CACHE_HOME: join(dir, "cache"), HELM_CONFIG_HOME: join(dir, "config"), HELM_DATA_HOME: join(dir, "data") },
    }));
    chart = new Map(yamlObjects(rendered).map((o) => [key(o), normalize(o)]));
    const built = [...(await kustomize("deploy/controller")), ...(await kustomize("deploy/webhook"))];
    // The chart does not own its namespace (helm install --create-namespace).
    kust = new Map(built.filter((o) => o.kind !== "Namespace").map((o) => [key(o), normalize(o)]));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("has the same objects", () => {
    expect([...chart.keys()].sort()).toEqual([...kust.keys()].sort());
  });

  it("has the same objects, field by field (RBAC rules, webhook rules and matchConditions, container args, NetworkPolicy, CRDs...)", () => {
    for (const [k, expected] of kust) {
      if (!chart.has(k)) continue; // reported by the test above
      expect(chart.get(k), `${k} differs between deploy/ and the chart; change both`).toEqual(expected);
    }
  });
});

describe.skipIf(!helmPeer.ok)("the chart's matchConditions", () => {
  // The chart ports renderMatchConditions to a Helm template; for each policy the CEL it renders
  // must equal what @hush/webhook renders from the very config the chart puts in the ConfigMap.
  it.for([
    ["the default policy", "{}"],
    ["label tracking", '{"argocd":{"tracking":"label","instanceLabelKey":"argocd.example/app"}}'],
    ["annotation+label tracking, no field managers", '{"argocd":{"tracking":"annotation+label"},"fieldManagers":{"argocd":[],"fluxKustomize":[],"fluxHelm":[],"other":[]}}'],
    ["identities with regex and quote characters", `{"identities":{"other":["system:serviceaccount:ci:deploy.bot+1","user:o'brien*","(x)|[y]"]}}`],
  ] as const)("render the same CEL as @hush/webhook for %s", async ([, config]) => {
    const rendered = ok("helm template", await run(findBinary("helm")!, ["template", "hush", "deploy/charts/hush", "-n", "hush-system", "--set", "controller.enabled=false", "--set-json", `webhook.config=${config}`]));
    const objects = yamlObjects(rendered);
    const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "hush-webhook");
    const vwc = objects.find((o) => o.kind === "ValidatingWebhookConfiguration");
    const policy = parsePolicy(yamlObjects(cm.data["config.yaml"])[0]);
    expect(vwc.webhooks[0].matchConditions).toEqual(renderMatchConditions(policy));
  });
});

describe.skipIf(!kubectlPeer.ok || !helmPeer.ok)("the background audit: deploy/webhook/audit and webhook.audit.enabled", () => {
  it("grant the same extra RBAC and add the same flag, and nothing else", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hush-audit-overlay-"));
    try {
      // kustomize takes relative paths only.
      const from = (p: string) => relative(dir, join(process.cwd(), p));
      writeFileSync(join(dir, "kustomization.yaml"), `resources: [${from("deploy/webhook")}]\ncomponents: [${from("deploy/webhook/audit")}]\n`);
      const withAudit = await kustomize(dir);
      const without = await kustomize("deploy/webhook");
      const byKey = (objects: any[]) => new Map(objects.map((o) => [key(o), o]));
      const added = [...byKey(withAudit).keys()].filter((k) => !byKey(without).has(k)).sort();
      expect(added).toEqual(["ClusterRole//hush-webhook-audit", "ClusterRoleBinding//hush-webhook-audit"]);
      const args = (objects: any[]) => objects.find((o) => o.kind === "Deployment").spec.template.spec.containers[0].args as string[];
      expect(args(withAudit)).toEqual([...args(without), "--audit-interval=1h"]);

      const rendered = ok("helm template", await run(findBinary("helm")!, ["template", "hush", "deploy/charts/hush", "-n", "hush-system", "--set", "controller.enabled=false", "--set", "webhook.audit.enabled=true"], {
        env: { HELM_CACHE_HOME: join(dir, "cache"), HELM_CONFIG_HOME: join(dir, "config"), HELM_DATA_HOME: join(dir, "data") },
      }));
      const chart = byKey(yamlObjects(rendered).map(normalize));
      for (const k of added) expect(chart.get(k), k).toEqual(normalize(byKey(withAudit).get(k)));
      expect(args([...chart.values()])).toEqual(args(withAudit));
      expect(withAudit.find((o) => o.kind === "ClusterRole" && o.metadata.name === "hush-webhook-audit").rules).toEqual([
        { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["list"] },
        { apiGroups: ["wgpolicyk8s.io"], resources: ["policyreports"], verbs: ["get", "create", "patch"] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
