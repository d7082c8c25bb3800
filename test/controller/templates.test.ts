import { resourcePath } from "@hush/kube/client";
import { requirePeer } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsNamespace, createEs, decoded, getSecret, putRemote, ready, secretPath, startEnv, waitForReady, waitForSecret, type Env } from "./harness.js";

const peers = ["etcd", "kube-apiserver", "kubectl", "moto_server"].map((n) => requirePeer(n, "run `bash scripts/peers kube moto`"));
const CANARY = "tpl-canary-7f3a-not-log";

// Templates as ESO renders them, end to end: Go text/template with Sprig and ESO's helpers,
// templateFrom a ConfigMap and a Secret in the ExternalSecret's own namespace, mergePolicy.
describe.skipIf(!peers.every((p) => p.ok))("templates against kube-apiserver and moto", () => {
  let env: Env;
  let ns: string;

  const putConfigMap = async (namespace: string, name: string, data: Record<string, string>) => {
    await env.client.request("POST", resourcePath({ version: "v1", plural: "configmaps", namespace }), { body: { metadata: { name }, data } });
  };

  beforeAll(async () => {
    env = await startEnv();
    ns = await awsNamespace(env, "templates");
    await putRemote(env, "tpl/db", JSON.stringify({ user: "app", password: CANARY, hosts: "a.internal,b.internal" }));
    await putConfigMap(ns, "db-templates", {
      "config.yaml": '{{- $hosts := splitList "," .hosts -}}\nuser: {{ .user }}\nhosts:\n{{- range $i, $h := $hosts }}\n  - name: {{ $h | quote }}\n    primary: {{ eq $i 0 }}\n{{- end }}\n',
      pairs: 'DB_USER: {{ .user | upper | quote }}\nDB_PASS_SHA: {{ .password | sha256sum | quote }}\n',
      labels: "tier: {{ if eq .user \"app\" }}backend{{ else }}other{{ end }}\n",
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  const dataFromDb = [{ extract: { key: "tpl/db" } }];

  it("renders a Secret from a templateFrom ConfigMap (Values and KeysAndValues, Data and Labels)", async () => {
    await createEs(env, ns, "from-cm", {
      secretStoreRef: { name: "aws" },
      refreshInterval: "1h",
      target: {
        template: {
          metadata: { annotations: { "owner/user": "{{ .user }}" } },
          templateFrom: [
            { configMap: { name: "db-templates", items: [{ key: "config.yaml" }, { key: "pairs", templateAs: "KeysAndValues" }] } },
            { configMap: { name: "db-templates", items: [{ key: "labels", templateAs: "KeysAndValues" }] }, target: "Labels" },
          ],
        },
      },
      dataFrom: dataFromDb,
    });
    const s = await waitForSecret(env, ns, "from-cm", (d) => d["config.yaml"] !== undefined, "from-cm rendered");
    // mergePolicy Replace (default): only the templated keys.
    expect(decoded(s)).toEqual({
      "config.yaml": 'user: app\nhosts:\n  - name: "a.internal"\n    primary: true\n  - name: "b.internal"\n    primary: false\n',
      DB_USER: "APP",
      DB_PASS_SHA: (await import("node:crypto")).createHash("sha256").update(CANARY).digest("hex"),
    });
    expect(s.metadata.labels?.["tier"]).toBe("backend");
    expect(s.metadata.annotations?.["owner/user"]).toBe("app");
    await waitForReady(env, ns, "from-cm", (r) => r.status === "True", "from-cm Ready");
  });

  it("templateFrom a Secret and a literal; mergePolicy Merge keeps the fetched keys under the templated ones", async () => {
    await env.client.request("POST", secretPath(ns), { body: { metadata: { name: "tpl-secret" }, stringData: { dsn: "postgres://{{ .user }}:{{ .password }}@db" } } });
    await createEs(env, ns, "from-secret", {
      secretStoreRef: { name: "aws" },
      target: {
        template: {
          mergePolicy: "Merge",
          data: { user: "{{ .user | title }}" },
          templateFrom: [{ secret: { name: "tpl-secret", items: [{ key: "dsn" }] } }, { literal: "hosts_count: '{{ splitList \",\" .hosts | len }}'" }],
        },
      },
      dataFrom: dataFromDb,
    });
    const s = await waitForSecret(env, ns, "from-secret", (d) => d["dsn"] !== undefined, "from-secret rendered");
    expect(decoded(s)).toEqual({ user: "App", password: CANARY, hosts: "a.internal,b.internal", dsn: `postgres://app:${CANARY}@db`, hosts_count: "2" });
  });

  it("reads templateFrom only in the ExternalSecret's namespace, and reports a missing source without the values", async () => {
    const other = await awsNamespace(env, "templates-other");
    await createEs(env, other, "elsewhere", {
      secretStoreRef: { name: "aws" },
      target: { template: { templateFrom: [{ configMap: { name: "db-templates", items: [{ key: "pairs" }] } }] } },
      dataFrom: dataFromDb,
    });
    // Not Ready for the missing ConfigMap (before that, briefly, for its brand-new store not yet validated).
    const es = await waitForReady(env, other, "elsewhere", (r) => r.status === "False" && /configmap/.test(r.message ?? ""), "elsewhere not Ready for the ConfigMap");
    expect(ready(es).message).toMatch(/configmap db-templates not found/);
    expect(ready(es).message).not.toContain(CANARY);
    expect(await getSecret(env, other, "elsewhere")).toBeUndefined();

    expect(ready(es).message).toMatch(/HUSH_ERR_CONTROLLER_TEMPLATE_SOURCE_NOT_FOUND/);

    // A missing source is retried with backoff: once the ConfigMap exists there, it renders.
    await putConfigMap(other, "db-templates", { pairs: "x: {{ .user }}" });
    const s = await waitForSecret(env, other, "elsewhere", (d) => d["pairs"] !== undefined, "elsewhere rendered");
    expect(decoded(s)).toEqual({ pairs: "x: app" });
  });

  it("a hostile template in a ConfigMap fails only its own ExternalSecret with a clear condition", async () => {
    await putConfigMap(ns, "hostile", { boom: `{{ "aaaaaaaaaa"${' | replace "a" "aaaaaaaaaa"'.repeat(12)} }}` });
    await createEs(env, ns, "hostile", {
      secretStoreRef: { name: "aws" },
      target: { template: { templateFrom: [{ configMap: { name: "hostile", items: [{ key: "boom" }] } }] } },
      dataFrom: dataFromDb,
    });
    const es = await waitForReady(env, ns, "hostile", (r) => r.status === "False", "hostile not Ready");
    expect(ready(es).message).toMatch(/HUSH_ERR_CONTROLLER_TEMPLATE/);
    expect(ready(es).message).toMatch(/exceeds/);
    expect(await getSecret(env, ns, "hostile")).toBeUndefined();
    // The others stay synced.
    await waitForReady(env, ns, "from-cm", (r) => r.status === "True", "from-cm still Ready");
    expect(env.logs.lines.some((l) => l.includes(CANARY))).toBe(false);
  });

  it("date, random, crypto and PKCS#12 functions render with the controller's clock and randomness; binary values survive", async () => {
    // A keystore made by openssl-compatible code, stored base64 at the provider as ESO users do.
    const { execFileSync } = await import("node:child_process");
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const dir = mkdtempSync("/tmp/hush-tpl-");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=keystore", "-days", "1", "-keyout", `${dir}/k.pem`, "-out", `${dir}/c.pem`], { stdio: "ignore" });
    execFileSync("openssl", ["pkcs12", "-export", "-inkey", `${dir}/k.pem`, "-in", `${dir}/c.pem`, "-passout", "pass:s3cret", "-out", `${dir}/ks.p12`], { stdio: "ignore" });
    await putRemote(env, "tpl/keystore", JSON.stringify({ ks: readFileSync(`${dir}/ks.p12`).toString("base64") }));
    const before = new Date().getUTCFullYear();
    await createEs(env, ns, "generated", {
      secretStoreRef: { name: "aws" },
      refreshInterval: "1h",
      target: {
        template: {
          data: {
            year: '{{ now | date "2006" }}',
            password: "{{ randAlphaNum 24 }}",
            cert: '{{ (genSelfSignedCert "svc.example" (list "10.0.0.1") (list "svc.example") 30).Cert }}',
            "tls.key": '{{ .ks | b64dec | pkcs12keyPass "s3cret" }}',
            "tls.crt": '{{ .ks | b64dec | pkcs12certPass "s3cret" }}',
            "keystore.p12": '{{ .ks | b64dec }}',
          },
        },
      },
      dataFrom: [{ extract: { key: "tpl/keystore" } }],
    });
    const s = await waitForSecret(env, ns, "generated", (d) => d["year"] !== undefined, "generated rendered");
    const d = decoded(s);
    expect(Number(d["year"])).toBeGreaterThanOrEqual(before);
    expect(d["password"]).toMatch(/^[A-Za-z0-9]{24}$/);
    const { X509Certificate, createPrivateKey } = await import("node:crypto");
    expect(new X509Certificate(d["cert"] ?? "").subject).toBe("CN=svc.example");
    expect(createPrivateKey(d["tls.key"] ?? "").export({ type: "pkcs8", format: "pem" })).toBe(createPrivateKey(readFileSync(`${dir}/k.pem`)).export({ type: "pkcs8", format: "pem" }));
    expect(new X509Certificate(d["tls.crt"] ?? "").raw).toEqual(new X509Certificate(readFileSync(`${dir}/c.pem`)).raw);
    // The binary keystore reaches the Secret byte for byte (Go strings are bytes).
    expect(Buffer.from(s.data?.["keystore.p12"] ?? "", "base64")).toEqual(readFileSync(`${dir}/ks.p12`));
    await waitForReady(env, ns, "generated", (r) => r.status === "True", "generated Ready");
  });

  it("a tenant's template that generates keys in a loop is stopped by the budget, quickly, and fails only itself", async () => {
    const started = Date.now();
    await createEs(env, ns, "keygen", {
      secretStoreRef: { name: "aws" },
      target: { template: { data: { keys: '{{ range until 1000 }}{{ genPrivateKey "rsa" | len }}{{ end }}' } } },
      dataFrom: dataFromDb,
    });
    const es = await waitForReady(env, ns, "keygen", (r) => r.status === "False", "keygen not Ready");
    expect(ready(es).message).toMatch(/HUSH_ERR_CONTROLLER_TEMPLATE/);
    expect(ready(es).message).toMatch(/exceeds/);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await getSecret(env, ns, "keygen")).toBeUndefined();
    await waitForReady(env, ns, "from-cm", (r) => r.status === "True", "from-cm still Ready");
  });
});
