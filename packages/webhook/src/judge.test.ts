import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultPolicy, judge, neededFacts, parseAdmissionReview, parsePolicy, type Facts, type Verdict, type WebhookPolicy } from "./index.js";

const fixture = JSON.parse(readFileSync(new URL("../testdata/secret-create-argocd.json", import.meta.url), "utf8")) as unknown;
const canary = "hush-canary-7f3a9c";
const encValue = "ENC[AES256_GCM,data:Tr7o,iv:1=,tag:2=,type:str]";
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** A fresh copy of the realistic review, changed by `edit`. */
function review(edit: (r: any) => void = () => {}) {
  const copy = structuredClone(fixture) as any;
  edit(copy);
  return parseAdmissionReview(copy).request;
}

function decide(edit: (r: any) => void, policy: WebhookPolicy = defaultPolicy, facts: Facts = {}): Verdict {
  const verdict = judge(review(edit), policy, facts);
  // Whatever the outcome, nothing the webhook says contains a value.
  expect(JSON.stringify(verdict)).not.toContain(canary);
  expect(JSON.stringify(verdict)).not.toContain("Tr7o");
  return verdict;
}

const asFlux = (r: any) => {
  r.request.userInfo.username = "system:serviceaccount:flux-system:kustomize-controller";
  r.request.object.metadata.labels["kustomize.toolkit.fluxcd.io/name"] = "apps";
  r.request.object.metadata.labels["kustomize.toolkit.fluxcd.io/namespace"] = "flux-system";
};

describe("judge: Secrets from GitOps identities", () => {
  it("denies plaintext data, naming the object, the keys and the remedy", () => {
    const v = decide(() => {});
    expect(v).toMatchObject({ allowed: false, reason: "plaintext", mode: "enforce" });
    expect(v.message).toContain("secret team-a/db-creds");
    expect(v.message).toContain("data.password, data.username");
    expect(v.message).toContain("hush encrypt");
    expect(v.message).toContain("ExternalSecret");
  });

  it("denies plaintext stringData too, and judges UPDATE like CREATE", () => {
    const v = decide((r) => {
      r.request.operation = "UPDATE";
      r.request.object.data = {};
      r.request.object.stringData = { token: canary };
    });
    expect(v).toMatchObject({ allowed: false, reason: "plaintext" });
    expect(v.message).toContain("stringData.token");
  });

  it("judges dry-run requests the same way", () => {
    expect(decide((r) => { r.request.dryRun = true; })).toMatchObject({ allowed: false, reason: "plaintext" });
  });

  it.for([
    ["an ENC[] value in stringData", (r: any) => { r.request.object.data = {}; r.request.object.stringData = { password: encValue }; }, "stringData.password"],
    ["an ENC[] value base64-encoded in data", (r: any) => { r.request.object.data = { password: b64(encValue) }; }, "data.password"],
    ["a whole SOPS YAML file in one key", (r: any) => { r.request.object.data = { "config.yaml": b64(`db:\n  password: ${encValue}\nsops:\n  age: []\n`) }; }, "data.config.yaml"],
    ["sops dotenv metadata keys", (r: any) => { r.request.object.stringData = { sops_mac: "x", sops_version: "3.9.0" }; }, "stringData.sops_mac"],
    ["a top-level sops block", (r: any) => { r.request.object.sops = { mac: "x", version: "3.9.0" }; }, ""],
  ] as const)("denies SOPS ciphertext with its own reason: %s", ([, edit, key]) => {
    const v = decide(edit);
    expect(v).toMatchObject({ allowed: false, reason: "sops-ciphertext" });
    expect(v.message).toContain("without being decrypted");
    if (key) expect(v.message).toContain(key);
  });

  it("denies ciphertext even when the source decrypts (decryption did not happen)", () => {
    const v = decide((r) => { asFlux(r); r.request.object.stringData = { password: encValue }; }, defaultPolicy, {
      kustomization: { status: "found", value: { decrypts: true } },
    });
    expect(v.reason).toBe("sops-ciphertext");
  });

  it.for(["kubernetes.io/service-account-token", "helm.sh/release.v1"])("allows the controller-written type %s", (type) => {
    expect(decide((r) => { r.request.object.type = type; })).toMatchObject({ allowed: true, reason: "exempt-type" });
  });

  it("allows exempt namespaces and configured types", () => {
    const policy = parsePolicy({ exemptNamespaces: ["team-a"] });
    expect(decide(() => {}, policy)).toMatchObject({ allowed: true, reason: "exempt-namespace" });
    const typed = parsePolicy({ exemptSecretTypes: ["example.com/generated"] });
    expect(decide((r) => { r.request.object.type = "example.com/generated"; }, typed).reason).toBe("exempt-type");
    expect(decide((r) => { r.request.object.type = "helm.sh/release.v1"; }, typed).reason).toBe("plaintext");
  });

  it("allows a Secret without values (empty strings count as empty)", () => {
    expect(decide((r) => { r.request.object.data = { a: "" }; }).reason).toBe("no-values");
  });

  it("allows a Flux Kustomization that decrypts, and denies one that does not", () => {
    expect(decide(asFlux, defaultPolicy, { kustomization: { status: "found", value: { decrypts: true } } })).toMatchObject({
      allowed: true,
      reason: "decrypted-by-flux",
    });
    expect(decide(asFlux, defaultPolicy, { kustomization: { status: "found", value: { decrypts: false } } }).reason).toBe("plaintext");
    expect(decide(asFlux, defaultPolicy, { kustomization: { status: "missing" } }).reason).toBe("plaintext");
  });

  it("denies when the Kustomization lookup fails, and says why", () => {
    const v = decide(asFlux, defaultPolicy, { kustomization: { status: "error", why: "timeout" } });
    expect(v).toMatchObject({ allowed: false, reason: "lookup-failed" });
    expect(v.message).toContain("Flux Kustomization failed: timeout");
  });

  it("allows an Argo CD Application whose source uses a decrypting plugin", () => {
    const found = (plugins: string[]): Facts => ({ application: { status: "found", value: { plugins } } });
    expect(decide(() => {}, defaultPolicy, found(["ksops"])).reason).toBe("decrypted-by-argo-plugin");
    expect(decide(() => {}, defaultPolicy, found(["argocd-vault-plugin-helm"])).reason).toBe("decrypted-by-argo-plugin");
    expect(decide(() => {}, defaultPolicy, found(["kustomize-build-with-helm"])).reason).toBe("plaintext");
    expect(decide(() => {}, defaultPolicy, { application: { status: "error", why: "forbidden" } }).reason).toBe("lookup-failed");
  });

  it("does not let facts for one tool exempt a request from another", () => {
    // helm-controller is GitOps but Kustomization labels are not its own; they are ignored.
    const v = decide((r) => { asFlux(r); r.request.userInfo.username = "system:serviceaccount:flux-system:helm-controller"; }, defaultPolicy, {
      kustomization: { status: "found", value: { decrypts: true } },
    });
    expect(v.reason).toBe("plaintext");
  });
});

describe("judge: who and what is judged", () => {
  it("lets anyone else through", () => {
    expect(decide((r) => { r.request.userInfo.username = "alice"; })).toMatchObject({ allowed: true, reason: "not-gitops" });
  });

  it("treats every default identity as GitOps", () => {
    for (const user of [...defaultPolicy.identities.argocd, ...defaultPolicy.identities.fluxKustomize, ...defaultPolicy.identities.fluxHelm]) {
      expect(decide((r) => { r.request.userInfo.username = user; }).reason).toBe("plaintext");
    }
  });

  it("passes DELETE and other kinds without looking at the object", () => {
    expect(decide((r) => { r.request.operation = "DELETE"; r.request.object = null; }).reason).toBe("not-judged");
    expect(decide((r) => { r.request.kind = { group: "apps", version: "v1", kind: "Deployment" }; r.request.object = { spec: 1 }; }).reason).toBe("not-judged");
  });

  const configMap = (data: Record<string, string>) => (r: any) => {
    r.request.kind.kind = "ConfigMap";
    r.request.object.kind = "ConfigMap";
    r.request.object.data = data;
  };
  const token = `ghp_${"Zq8vN2kP4xR7tY1uW3eA5sD9fG6hJ0lK2mB4"}`;

  it("passes a clean ConfigMap from a GitOps identity", () => {
    expect(decide(configMap({ "app.yaml": "log_level: info\nreplicas: 3" }))).toMatchObject({ allowed: true, reason: "configmap-clean" });
  });

  it("warns by default about a ConfigMap holding a high-confidence secret, naming key and rule only", () => {
    const v = judge(review(configMap({ "app.env": `GITHUB_TOKEN=${token}` })), defaultPolicy, {});
    expect(v).toMatchObject({ allowed: true, reason: "configmap-secret", mode: "warn" });
    expect(v.warnings[0]).toContain("configmap team-a/db-creds looks like it holds a secret in data.app.env (github-pat)");
    expect(JSON.stringify(v)).not.toContain(token);
  });

  it("denies such a ConfigMap when configMaps.mode is enforce, and skips scanning when turned off", () => {
    expect(judge(review(configMap({ x: token })), parsePolicy({ configMaps: { mode: "enforce" } }), {}).allowed).toBe(false);
    expect(judge(review(configMap({ x: token })), parsePolicy({ configMaps: { scan: false } }), {}).reason).toBe("configmap-not-scanned");
  });
});

describe("judge: modes", () => {
  it("warn mode allows with a warning kubectl prints", () => {
    const v = decide(() => {}, parsePolicy({ mode: "warn" }));
    expect(v).toMatchObject({ allowed: true, mode: "warn", reason: "plaintext" });
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toContain("secret team-a/db-creds has plaintext values");
  });

  it("audit mode allows with audit annotations", () => {
    const v = decide(() => {}, parsePolicy({ mode: "audit" }));
    expect(v).toMatchObject({ allowed: true, mode: "audit", warnings: [] });
    expect(v.auditAnnotations["violation"]).toBe("plaintext");
    expect(v.auditAnnotations["message"]).toContain("team-a/db-creds");
  });

  it("a namespace override beats the global mode, both ways", () => {
    expect(decide(() => {}, parsePolicy({ mode: "audit", namespaceModes: { "team-a": "enforce" } })).allowed).toBe(false);
    expect(decide(() => {}, parsePolicy({ namespaceModes: { "team-a": "warn" } })).mode).toBe("warn");
    expect(decide(() => {}, parsePolicy({ namespaceModes: { "team-b": "warn" } })).mode).toBe("enforce");
  });
});

describe("neededFacts", () => {
  it("names the Flux Kustomization only for kustomize-controller", () => {
    expect(neededFacts(review(asFlux), defaultPolicy)).toEqual({ kustomization: { namespace: "flux-system", name: "apps" } });
  });

  it("reads the Argo CD tracking annotation first, then the instance label, with apps-in-any-namespace names", () => {
    expect(neededFacts(review(), defaultPolicy)).toEqual({ application: { namespace: "argocd", name: "payments" } });
    const labelled = review((r) => {
      r.request.object.metadata.annotations = {};
      r.request.object.metadata.labels["app.kubernetes.io/instance"] = "apps-ns_payments";
    });
    expect(neededFacts(labelled, defaultPolicy)).toEqual({ application: { namespace: "apps-ns", name: "payments" } });
    expect(neededFacts(review((r) => { r.request.userInfo.username = "alice"; }), defaultPolicy)).toEqual({});
  });
});

describe("parsePolicy", () => {
  it("returns the defaults for an empty file and lets --mode win", () => {
    expect(parsePolicy(undefined)).toEqual(defaultPolicy);
    expect(parsePolicy({ mode: "warn" }, { mode: "audit" }).mode).toBe("audit");
  });

  it.for([
    [{ mdoe: "warn" }, "mdoe is not a known field"],
    [{ mode: "block" }, "mode must be one of enforce, warn, audit"],
    [{ identities: { argocd: "x" } }, "identities.argocd must be a list"],
    [{ namespaceModes: { a: "off" } }, "namespaceModes.a must be one of"],
    [[], "must be a mapping"],
  ] as const)("rejects %j", ([config, text]) => {
    expect(() => parsePolicy(config)).toThrow(text);
    try { parsePolicy(config); } catch (err) { expect((err as { code: string }).code).toBe("HUSH_ERR_WEBHOOK_CONFIG"); }
  });
});
