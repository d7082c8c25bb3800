import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { findBinary, requirePeer, startKube, type KubeHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, readmeBlock, readmeCommand, readmeLine, releaseVersion, run, yamlObjects } from "./support.js";

// The Helm chart against a real kube-apiserver (no nodes: Deployments stay unscheduled, every
// other object is real). cert-manager and prometheus-operator are not installed; their
// Certificate/Issuer/ServiceMonitor kinds are registered by permissive stand-in CRDs, so the API
// server accepts (and dry-run validates the envelope of) what the chart renders for them.
const peers = [requirePeer("helm", "run `bash scripts/peers helm`"), ...["etcd", "kube-apiserver", "kubectl"].map((n) => requirePeer(n, "run `bash scripts/peers kube`"))];
const chart = "deploy/charts/hush";

const standIns = ["cert-manager.io:Certificate:certificates", "cert-manager.io:Issuer:issuers", "monitoring.coreos.com:ServiceMonitor:servicemonitors"]
  .map((spec) => {
    const [group, kind, plural] = spec.split(":") as [string, string, string];
    return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: ${plural}.${group} }
spec:
  group: ${group}
  names: { kind: ${kind}, plural: ${plural}, listKind: ${kind}List, singular: ${kind.toLowerCase()} }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;
  })
  .join("---\n");

/** Value sets that together switch every option on and off. */
const valueSets: Record<string, string> = {
  defaults: "{}\n",
  "everything on, generated certificates": `
image: { repository: registry.example/hush, digest: "sha256:${"a".repeat(64)}" }
imagePullSecrets: [{ name: regcred }]
commonLabels: { team: platform }
controller:
  replicas: 3
  workers: 16
  extraArgs: [--events=warnings]
  resources: { requests: { cpu: 100m, memory: 256Mi }, limits: { memory: 512Mi } }
  priorityClassName: system-cluster-critical
  pdb: { enabled: true, minAvailable: 1 }
  networkPolicy: { enabled: true }
  serviceMonitor: { enabled: true, labels: { release: prometheus } }
webhook:
  replicas: 3
  config: { mode: audit, namespaceModes: { legacy: warn } }
  certificates: { mode: generate }
  networkPolicy: { enabled: true, except: [10.244.0.0/16, "fd00::/8"] }
  serviceMonitor: { enabled: true }
  priorityClassName: ""
  audit: { enabled: true, interval: 30m }
`,
  "controller only, no CRDs": "crds: { install: false }\nwebhook: { enabled: false }\n",
  "webhook only, existing Secret, fail open": `
controller: { enabled: false }
webhook:
  failurePolicy: Ignore
  pdb: { enabled: false }
  networkPolicy: { enabled: false }
  certificates: { mode: existingSecret, secretName: my-tls, caBundle: "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n" }
  config: { argocd: { tracking: label } }
`,
};

describe.skipIf(!peers.every((p) => p.ok))("the Helm chart (deploy/charts/hush)", () => {
  let kube: KubeHarness;
  let dir: string;
  const helm = (args: string[]) => run(findBinary("helm")!, [...args, `--kubeconfig=${kube.kubeconfigPath}`], { env: { HELM_CACHE_HOME: join(dir, "cache"), HELM_CONFIG_HOME: join(dir, "config"), HELM_DATA_HOME: join(dir, "data") } });
  const values = (name: string) => {
    const path = join(dir, `${name.replace(/\W+/g, "-")}.yaml`);
    writeFileSync(path, valueSets[name]!);
    return path;
  };
  /** Runs a README shell line as a user would, in a scratch folder, against this API server. */
  const sh = async (line: string) =>
    ok(line, await run("bash", ["-c", line], {
      cwd: dir,
      env: { KUBECONFIG: kube.kubeconfigPath, PATH: `${dirname(findBinary("kubectl")!)}:${process.env["PATH"]}`, AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "example" },
    }));
  const get = async (args: string[]) => JSON.parse(ok(`kubectl get ${args.join(" ")}`, await kube.kubectl(["get", ...args, "-o", "json"])));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hush-chart-"));
    kube = await startKube();
    ok("stand-in CRDs", await kube.kubectl(["apply", "-f", "-"], { input: standIns }));
    for (const crd of ["certificates.cert-manager.io", "issuers.cert-manager.io", "servicemonitors.monitoring.coreos.com"]) {
      ok(`wait for ${crd}`, await kube.kubectl(["wait", "--for=condition=Established", `crd/${crd}`, "--timeout=60s"]));
    }
  });
  afterAll(async () => {
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is versioned with the CLI and the image", async () => {
    const chartYaml = yamlObjects(await (await import("node:fs/promises")).readFile(join(chart, "Chart.yaml"), "utf8"))[0];
    expect(chartYaml).toMatchObject({ version: releaseVersion, appVersion: releaseVersion });
  });

  it.for(Object.keys(valueSets))("passes helm lint --strict with %s", async (name) => {
    const lint = await helm(["lint", chart, "--strict", "-f", values(name)]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
  });

  it.for(Object.keys(valueSets))("renders %s into objects the API server accepts (apply --dry-run=server)", async (name) => {
    // Its own namespace: this API server has no controller-manager, so a namespace is never
    // deleted, and the README's install below must find hush-system absent.
    await kube.kubectl(["create", "namespace", "hush-dry"]);
    const rendered = ok("helm template", await helm(["template", "hush", chart, "-n", "hush-dry", "-f", values(name)]));
    const objects = yamlObjects(rendered);
    expect(objects.length).toBeGreaterThan(3);
    const applied = await kube.kubectl(["apply", "--dry-run=server", "-f", "-"], { input: rendered });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.trim().split("\n")).toHaveLength(objects.length);
  });

  it("applies the options of the everything-on set where they belong", async () => {
    const objects = yamlObjects(ok("helm template", await helm(["template", "hush", chart, "-n", "hush-system", "-f", values("everything on, generated certificates")])));
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
    const controller = find("Deployment", "hush-controller");
    expect(controller.spec.replicas).toBe(3);
    expect(controller.spec.template.spec.priorityClassName).toBe("system-cluster-critical");
    expect(controller.spec.template.spec.containers[0].image).toBe(`registry.example/hush@sha256:${"a".repeat(64)}`);
    expect(controller.spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(["--workers=16", "--events=warnings"]));
    expect(find("PodDisruptionBudget", "hush-controller")).toBeDefined();
    expect(find("NetworkPolicy", "hush-controller")).toBeDefined();
    expect(find("ServiceMonitor", "hush-controller").metadata.labels.release).toBe("prometheus");
    const webhook = find("Deployment", "hush-webhook");
    expect(webhook.spec.template.spec.priorityClassName).toBeUndefined();
    const config = yamlObjects(find("ConfigMap", "hush-webhook").data["config.yaml"])[0];
    expect(config.mode).toBe("audit");
    const tls = find("Secret", "hush-webhook-tls");
    expect(tls.type).toBe("kubernetes.io/tls");
    const vwc = find("ValidatingWebhookConfiguration", "secrets.hush.dev");
    // The generated CA is the bundle the API server trusts.
    expect(vwc.webhooks[0].clientConfig.caBundle).toBe(tls.data["ca.crt"]);
    expect(vwc.metadata.annotations?.["cert-manager.io/inject-ca-from"]).toBeUndefined();
    expect(find("Issuer", "hush-webhook-ca")).toBeUndefined();
    const policy = find("NetworkPolicy", "hush-webhook");
    expect(policy.spec.ingress[0].from).toEqual([
      { ipBlock: { cidr: "0.0.0.0/0", except: ["10.244.0.0/16"] } },
      { ipBlock: { cidr: "::/0", except: ["fd00::/8"] } },
    ]);
    for (const o of objects) expect(o.metadata.labels?.team, `${o.kind}/${o.metadata.name}`).toBe("platform");
  });

  it("controller.clusterExternalSecrets=false drops the ClusterExternalSecret RBAC and turns the reconciler off", async () => {
    const render = async (...set: string[]) => yamlObjects(ok("helm template", await helm(["template", "hush", chart, "-n", "hush-system", ...set.flatMap((x) => ["--set", x])])));
    const role = (objects: any[]) => objects.filter((o) => o.metadata?.name === "hush-controller-cluster-external-secrets").map((o) => o.kind).sort();
    const args = (objects: any[]) => objects.find((o) => o.kind === "Deployment" && o.metadata.name === "hush-controller").spec.template.spec.containers[0].args as string[];
    const on = await render();
    expect(role(on)).toEqual(["ClusterRole", "ClusterRoleBinding"]);
    expect(args(on).some((a) => a.startsWith("--enable-cluster-external-secret-reconciler"))).toBe(false);
    const off = await render("controller.clusterExternalSecrets=false");
    expect(role(off)).toEqual([]);
    expect(args(off)).toContain("--enable-cluster-external-secret-reconciler=false");
    // Everything else is unchanged.
    const others = (objects: any[]) => objects.filter((o) => o.metadata?.name !== "hush-controller-cluster-external-secrets" && o.kind !== "Deployment").length;
    expect(others(off)).toBe(others(on));
  });

  it("controller.clusterPushSecrets=false drops the ClusterPushSecret RBAC and turns the reconciler off", async () => {
    const render = async (...set: string[]) => yamlObjects(ok("helm template", await helm(["template", "hush", chart, "-n", "hush-system", ...set.flatMap((x) => ["--set", x])])));
    const role = (objects: any[]) => objects.filter((o) => o.metadata?.name === "hush-controller-cluster-push-secrets").map((o) => o.kind).sort();
    const args = (objects: any[]) => objects.find((o) => o.kind === "Deployment" && o.metadata.name === "hush-controller").spec.template.spec.containers[0].args as string[];
    const on = await render();
    expect(role(on)).toEqual(["ClusterRole", "ClusterRoleBinding"]);
    expect(args(on).some((a) => a.startsWith("--enable-cluster-push-secret-reconciler"))).toBe(false);
    const off = await render("controller.clusterPushSecrets=false");
    expect(role(off)).toEqual([]);
    expect(args(off)).toContain("--enable-cluster-push-secret-reconciler=false");
    // Everything else is unchanged.
    const others = (objects: any[]) => objects.filter((o) => o.metadata?.name !== "hush-controller-cluster-push-secrets" && o.kind !== "Deployment").length;
    expect(others(off)).toBe(others(on));
  });

  it("refuses values outside the schema with a clear message", async () => {
    const bad = await helm(["template", "hush", chart, "--set", "webhook.config.mode=block"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("/webhook/config/mode");
    const typo = await helm(["template", "hush", chart, "--set", "webhook.replica=3"]);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain("additional properties 'replica' not allowed");
  });

  it("installs, upgrades and uninstalls as the README says, keeping the CRDs", async () => {
    const install = await helm(readmeCommand("helm install hush deploy/charts/hush -n hush-system --create-namespace").slice(1));
    expect(install.code, install.stderr).toBe(0);
    await sh(readmeLine("kubectl label namespace hush-system pod-security.kubernetes.io/enforce=restricted"));
    expect((await get(["namespace", "hush-system"])).metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect((await get(["-n", "hush-system", "deployment", "hush-controller"])).spec.template.spec.containers[0].image).toBe(`ghcr.io/hush-dev/hush:${releaseVersion}`);
    expect((await get(["-n", "hush-system", "deployment", "hush-webhook"])).spec.replicas).toBe(2);
    expect((await get(["validatingwebhookconfiguration", "secrets.hush.dev"])).metadata.annotations["cert-manager.io/inject-ca-from"]).toBe("hush-system/hush-webhook-ca");
    const crd = await get(["crd", "externalsecrets.hush.dev"]);
    expect(crd.metadata.annotations["helm.sh/resource-policy"]).toBe("keep");

    // The smallest ExternalSecret from the README is accepted by the installed CRDs.
    await sh(readmeLine("kubectl create namespace app"));
    await sh(readmeLine('kubectl -n app create secret generic aws-creds --from-literal=id="$AWS_ACCESS_KEY_ID" --from-literal=secret="$AWS_SECRET_ACCESS_KEY"'));
    writeFileSync(join(dir, "externalsecret.yaml"), readmeBlock("# externalsecret.yaml"));
    await sh(readmeLine("kubectl apply -f externalsecret.yaml"));
    expect((await get(["-n", "app", "secretstore", "aws"])).spec.provider.aws.region).toBe("us-east-1");

    // The README's audit-mode step rolls the webhook with the new policy.
    const before = (await get(["-n", "hush-system", "deployment", "hush-webhook"])).spec.template.metadata.annotations["checksum/config"];
    const upgrade = await helm(readmeCommand("helm upgrade hush deploy/charts/hush -n hush-system --reuse-values --set webhook.config.mode=audit").slice(1));
    expect(upgrade.code, upgrade.stderr).toBe(0);
    const cm = await get(["-n", "hush-system", "configmap", "hush-webhook"]);
    expect(yamlObjects(cm.data["config.yaml"])[0].mode).toBe("audit");
    expect((await get(["-n", "hush-system", "deployment", "hush-webhook"])).spec.template.metadata.annotations["checksum/config"]).not.toBe(before);

    const uninstall = await helm(readmeCommand("helm uninstall hush -n hush-system").slice(1));
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect((await kube.kubectl(["-n", "hush-system", "get", "deployment", "hush-controller"])).code).not.toBe(0);
    expect((await kube.kubectl(["get", "validatingwebhookconfiguration", "secrets.hush.dev"])).code).not.toBe(0);
    expect((await kube.kubectl(["get", "clusterrole", "hush-controller"])).code).not.toBe(0);
    // CRDs, and with them every ExternalSecret, survive the uninstall.
    expect((await kube.kubectl(["get", "crd", "externalsecrets.hush.dev"])).code).toBe(0);
    expect((await kube.kubectl(["-n", "app", "get", "externalsecret", "db"])).code).toBe(0);
  });

  it("keeps a chart-generated CA across upgrades (no CA rotation under running pods)", async () => {
    const install = await helm(["install", "hush", chart, "-n", "hush-system", "--set", "webhook.certificates.mode=generate"]);
    expect(install.code, install.stderr).toBe(0);
    const ca = async () => (await get(["validatingwebhookconfiguration", "secrets.hush.dev"])).webhooks[0].clientConfig.caBundle as string;
    const first = await ca();
    expect(Buffer.from(first, "base64").toString()).toContain("BEGIN CERTIFICATE");
    const secret = await get(["-n", "hush-system", "secret", "hush-webhook-tls"]);
    expect(secret.data["ca.crt"]).toBe(first);
    const upgrade = await helm(["upgrade", "hush", chart, "-n", "hush-system", "--reuse-values", "--set", "webhook.replicas=3"]);
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(await ca()).toBe(first);
    expect((await get(["-n", "hush-system", "secret", "hush-webhook-tls"])).data["tls.key"]).toBe(secret.data["tls.key"]);
    ok("helm uninstall", await helm(["uninstall", "hush", "-n", "hush-system"]));
  });
});
