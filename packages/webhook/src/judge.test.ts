import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  defaultPolicy,
  judge,
  matchesPattern,
  neededFacts,
  parseAdmissionReview,
  parsePolicy,
  parseTrackingId,
  type ApplicationSourceFact,
  type Facts,
  type Verdict,
  type WebhookPolicy,
} from "./index.js";

const fixture = JSON.parse(readFileSync(new URL("../testdata/secret-create-argocd.json", import.meta.url), "utf8")) as unknown;
const canary = "hush-canary-7f3a9c";
const encValue = "ENC[AES256_GCM,data:Tr7o,iv:1=,tag:2=,type:str]";
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** A fresh copy of the realistic review (Argo CD's controller creating team-a/db-creds), changed by `edit`. */
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

const sa = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;
const fluxController = sa("flux-system", "kustomize-controller");

/** The request comes from `user`, carrying no Argo CD signal of its own. */
const as = (user: string, fieldManager?: string) => (r: any) => {
  r.request.userInfo = { username: user, groups: ["system:authenticated"] };
  r.request.object.metadata.annotations = {};
  r.request.object.metadata.managedFields = fieldManager ? [{ manager: fieldManager, operation: "Apply", fieldsV1: {} }] : [];
  if (fieldManager) r.request.options = { kind: "CreateOptions", fieldManager };
  else delete r.request.options;
};
const fluxLabels = (name = "apps", namespace = "flux-system") => (r: any) => {
  r.request.object.metadata.labels["kustomize.toolkit.fluxcd.io/name"] = name;
  r.request.object.metadata.labels["kustomize.toolkit.fluxcd.io/namespace"] = namespace;
};
const all = (...edits: ((r: any) => void)[]) => (r: any) => { for (const e of edits) e(r); };
const asFlux = all(as(fluxController, "kustomize-controller"), fluxLabels());
const plaintext = (r: any) => { r.request.object.data = { password: b64(canary) }; };

const kustomization = (decrypts: boolean, serviceAccountName?: string): Facts => ({
  kustomization: { status: "found", value: { decrypts, ...(serviceAccountName ? { serviceAccountName } : {}) } },
});
const app = (...sources: Partial<ApplicationSourceFact>[]): Facts => ({
  application: { status: "found", value: { sources: sources.map((s) => ({ valueFiles: [], refOnly: false, ...s })) } },
});
const ksops = app({ plugin: "ksops" });

describe("judge: the base cases", () => {
  it("denies plaintext data from Argo CD, naming the object, the keys and the remedy", () => {
    const v = decide(() => {});
    expect(v).toMatchObject({ allowed: false, reason: "plaintext", mode: "enforce" });
    expect(v.message).toContain("secret team-a/db-creds");
    expect(v.message).toContain("data.password, data.username");
    expect(v.message).toContain("hush encrypt");
    expect(v.message).toContain("ExternalSecret");
  });

  it("denies plaintext stringData too", () => {
    const v = decide((r) => { r.request.object.data = {}; r.request.object.stringData = { token: canary }; });
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
    ["a SOPS dotenv file in one key", (r: any) => { r.request.object.data = { ".env": b64(`DB=ENC[AES256_GCM,data:x\nsops_version=3.9.0\n`) }; }, "data..env"],
    ["sops dotenv metadata keys", (r: any) => { r.request.object.stringData = { sops_mac: "x", sops_version: "3.9.0" }; }, "stringData.sops_mac"],
    ["a top-level sops block", (r: any) => { r.request.object.sops = { mac: "x", version: "3.9.0" }; }, ""],
  ] as const)("denies SOPS ciphertext with its own reason: %s", ([, edit, key]) => {
    const v = decide(edit);
    expect(v).toMatchObject({ allowed: false, reason: "sops-ciphertext" });
    expect(v.message).toContain("without being decrypted");
    if (key) expect(v.message).toContain(key);
  });

  it("denies ciphertext even when the source decrypts (decryption did not happen)", () => {
    expect(decide(all(asFlux, (r) => { r.request.object.stringData = { password: encValue }; }), defaultPolicy, kustomization(true)).reason).toBe("sops-ciphertext");
  });

  it("D16: a decrypted config carrying its own `sops:` block is not mistaken for ciphertext", () => {
    const v = decide(all(asFlux, (r) => { r.request.object.data = { "app.yaml": b64("sops:\n  age: enabled\nmac: x\n") }; }), defaultPolicy, kustomization(true));
    expect(v).toMatchObject({ allowed: true, reason: "decrypted-by-flux" });
  });

  it("allows a Secret without values (empty strings count as empty), and exempt namespaces", () => {
    expect(decide((r) => { r.request.object.data = { a: "" }; }).reason).toBe("no-values");
    expect(decide(() => {}, parsePolicy({ exemptNamespaces: ["team-a"] }))).toMatchObject({ allowed: true, reason: "exempt-namespace" });
  });

  it("passes DELETE and other kinds without looking at the object", () => {
    expect(decide((r) => { r.request.operation = "DELETE"; r.request.object = null; }).reason).toBe("not-judged");
    expect(decide((r) => { r.request.kind = { group: "apps", version: "v1", kind: "Deployment" }; r.request.object = { spec: 1 }; }).reason).toBe("not-judged");
  });
});

describe("judge: who counts as GitOps (B1-B10)", () => {
  it("a person applying a plaintext Secret with no GitOps signal passes", () => {
    expect(decide(as("alice", "kubectl-client-side-apply"))).toMatchObject({ allowed: true, reason: "not-gitops" });
    expect(decide(as(sa("team-a", "tenant")))).toMatchObject({ allowed: true, reason: "not-gitops" });
  });

  it.for([
    ["B1 Argo CD installed as OpenShift GitOps", as(sa("openshift-gitops", "openshift-gitops-argocd-application-controller"))],
    ["B1 Argo CD installed in another namespace", as(sa("gitops", "argocd-application-controller"))],
    ["B2 Argo CD destinationServiceAccounts (impersonated, field manager argocd-controller)", as(sa("team-a", "argocd-deployer"), "argocd-controller")],
    ["B3 Flux --default-service-account (field manager kustomize-controller)", all(as(sa("team-a", "default"), "kustomize-controller"), fluxLabels("apps", "team-a"))],
    ["B4 Flux Kustomization spec.serviceAccountName (only the Flux labels)", all(as(sa("team-a", "flux-tenant")), fluxLabels("apps", "team-a"))],
    ["B5 Flux HelmRelease spec.serviceAccountName (only the helm labels)", all(as(sa("team-a", "flux-tenant")), (r: any) => {
      r.request.object.metadata.labels["helm.toolkit.fluxcd.io/name"] = "db";
      r.request.object.metadata.labels["helm.toolkit.fluxcd.io/namespace"] = "team-a";
    })],
    ["B6 Argo CD syncing a remote cluster as argocd-manager", as(sa("kube-system", "argocd-manager"))],
    ["B9 a GitOps manager in managedFields, no fieldManager option", (r: any) => {
      as(sa("team-a", "deployer"))(r);
      r.request.object.metadata.managedFields = [{ manager: "kustomize-controller", operation: "Apply", fieldsV1: { "f:data": { "f:password": {} } } }];
    }],
    ["B10 only Argo CD's tracking annotation", (r: any) => {
      as(sa("team-a", "deployer"))(r);
      r.request.object.metadata.annotations["argocd.argoproj.io/tracking-id"] = "payments:/Secret:team-a/db-creds";
    }],
  ] as const)("denies plaintext: %s", ([, edit]) => {
    expect(decide(edit)).toMatchObject({ allowed: false, reason: "plaintext" });
  });

  it("B7: identities.other and extra field managers are GitOps too", () => {
    const policy = parsePolicy({ identities: { other: ["system:serviceaccount:config-management-system:*"] }, fieldManagers: { other: ["configsync.gke.io"] } });
    expect(decide(as(sa("config-management-system", "root-reconciler")), policy).reason).toBe("plaintext");
    expect(decide(as(sa("team-a", "x"), "configsync.gke.io"), policy).reason).toBe("plaintext");
  });

  it("a group can be the GitOps identity", () => {
    const policy = parsePolicy({ identities: { other: ["gitops-bots"] } });
    expect(decide((r) => { as("bot-1")(r); r.request.userInfo.groups = ["gitops-bots"]; }, policy).reason).toBe("plaintext");
  });

  it("under annotation tracking the app.kubernetes.io/instance label of an ordinary Helm install is not a marker; under label tracking it is", () => {
    const withInstance = all(as("alice"), (r: any) => { r.request.object.metadata.labels["app.kubernetes.io/instance"] = "db"; });
    expect(decide(withInstance).reason).toBe("not-gitops");
    expect(decide(withInstance, parsePolicy({ argocd: { tracking: "label" } })).reason).toBe("plaintext");
  });

  it("identity patterns: `*` stays inside one segment", () => {
    expect(matchesPattern("system:serviceaccount:*:kustomize-controller", fluxController)).toBe(true);
    expect(matchesPattern("system:serviceaccount:*:kustomize-controller", "system:serviceaccount:a:b:kustomize-controller")).toBe(false);
    expect(matchesPattern("system:serviceaccount:*:*-argocd-application-controller", sa("x", "openshift-gitops-argocd-application-controller"))).toBe(true);
    expect(matchesPattern("system:serviceaccount:*:*-argocd-application-controller", sa("x", "argocd-application-controller"))).toBe(false);
    expect(matchesPattern("a*b*c", "a".repeat(5000))).toBe(false);
  });
});

describe("judge: exempt types cannot be forged (C1/C2)", () => {
  const release = (r: any) => {
    r.request.object.metadata.name = "sh.helm.release.v1.db.v3";
    r.request.name = "sh.helm.release.v1.db.v3";
    r.request.object.metadata.labels = { owner: "helm", name: "db", status: "deployed", version: "3" };
    r.request.object.type = "helm.sh/release.v1";
    r.request.object.data = { release: b64("H4sIAAAA") };
  };

  it("C1: `type: helm.sh/release.v1` from Argo CD is judged like any Secret", () => {
    expect(decide((r) => { r.request.object.type = "helm.sh/release.v1"; }).reason).toBe("plaintext");
    expect(decide(release).reason).toBe("plaintext");
  });

  it("Helm's own release record from helm-controller passes; with an extra key or another name it does not", () => {
    const helm = as(sa("flux-system", "helm-controller"), "helm-controller");
    expect(decide(all(helm, release))).toMatchObject({ allowed: true, reason: "helm-release" });
    expect(decide(all(helm, release, (r: any) => { r.request.object.data.password = b64(canary); })).reason).toBe("plaintext");
    expect(decide(all(helm, release, (r: any) => { r.request.object.metadata.name = "db-creds"; })).reason).toBe("plaintext");
    expect(decide(all(helm, release, (r: any) => { delete r.request.object.metadata.labels.owner; })).reason).toBe("plaintext");
  });

  it("C2: a service-account token Secret with an extra key is judged; token, ca.crt and namespace alone pass", () => {
    const token = (r: any) => { r.request.object.type = "kubernetes.io/service-account-token"; };
    expect(decide(all(token, (r: any) => { r.request.object.data = { token: "dA==", password: b64(canary) }; })).reason).toBe("plaintext");
    expect(decide(all(token, (r: any) => { r.request.object.data = { token: "dA==", "ca.crt": "Yw==", namespace: "bg==" }; }))).toMatchObject({
      allowed: true,
      reason: "service-account-token",
    });
  });

  it("a type that is no longer special is just a Secret", () => {
    expect(() => parsePolicy({ exemptSecretTypes: ["example.com/x"] })).toThrow("exemptSecretTypes is not a known field");
  });
});

describe("judge: decryption trust (C3-C10, D6-D8)", () => {
  it("a decrypting Kustomization in an admin namespace, applied by kustomize-controller, passes; a plain one does not", () => {
    expect(decide(asFlux, defaultPolicy, kustomization(true))).toMatchObject({ allowed: true, reason: "decrypted-by-flux" });
    expect(decide(asFlux, defaultPolicy, kustomization(false)).reason).toBe("plaintext");
    expect(decide(asFlux, defaultPolicy, { kustomization: { status: "missing" } }).reason).toBe("plaintext");
  });

  it("C4: a tenant's own Kustomization with `decryption: {provider: sops}` exempts nothing and is not even looked up", () => {
    const tenant = all(as(sa("team-a", "flux-tenant"), "kustomize-controller"), fluxLabels("sneaky", "team-a"));
    expect(neededFacts(review(tenant), defaultPolicy)).toEqual({});
    expect(decide(tenant, defaultPolicy, kustomization(true, "flux-tenant")).reason).toBe("plaintext");
  });

  it("an allowlisted tenant Kustomization exempts what Flux applies as the account it impersonates, nothing else", () => {
    const policy = parsePolicy({ decryptingSources: ["Kustomization/team-a/apps"] });
    const tenant = all(as(sa("team-a", "flux-tenant"), "kustomize-controller"), fluxLabels("apps", "team-a"));
    expect(neededFacts(review(tenant), policy)).toEqual({ kustomization: { namespace: "team-a", name: "apps" } });
    expect(decide(tenant, policy, kustomization(true, "flux-tenant")).reason).toBe("decrypted-by-flux");
    expect(decide(all(tenant, as(sa("team-a", "someone-else"), "kustomize-controller")), policy, kustomization(true, "flux-tenant")).reason).toBe("plaintext");
    const lockdown = parsePolicy({ decryptingSources: ["Kustomization/team-a/apps"], fluxDefaultServiceAccount: "flux-tenant" });
    expect(decide(tenant, lockdown, kustomization(true)).reason).toBe("decrypted-by-flux");
  });

  it("a tenant forging Flux labels that name the admins' decrypting Kustomization gets no exemption", () => {
    const forged = all(as(sa("team-a", "tenant"), "kustomize-controller"), fluxLabels("secrets", "flux-system"));
    expect(decide(forged, defaultPolicy, kustomization(true)).reason).toBe("plaintext");
  });

  it("helm-controller has no claim on Kustomization labels", () => {
    const v = decide(all(asFlux, as(sa("flux-system", "helm-controller"), "helm-controller"), fluxLabels()), defaultPolicy, kustomization(true));
    expect(v.reason).toBe("plaintext");
  });

  it("denies when the Kustomization lookup fails, says why, and escapes what it says (F2)", () => {
    const v = decide(asFlux, defaultPolicy, { kustomization: { status: "error", why: "timeout \u001b[31m\nInjected: yes" } });
    expect(v).toMatchObject({ allowed: false, reason: "lookup-failed" });
    expect(v.message).toContain("Flux Kustomization failed: timeout ?[31m?Injected: yes");
    expect(v.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it("Argo CD: an Application with a decrypting plugin passes, matched by exact name (C10)", () => {
    expect(decide(() => {}, defaultPolicy, ksops)).toMatchObject({ allowed: true, reason: "decrypted-by-argo" });
    expect(decide(() => {}, defaultPolicy, app({ plugin: "sops-diff" })).reason).toBe("plaintext");
    expect(decide(() => {}, defaultPolicy, app({ plugin: "kustomize-build-with-helm" })).reason).toBe("plaintext");
    expect(decide(() => {}, defaultPolicy, { application: { status: "error", why: "forbidden" } }).reason).toBe("lookup-failed");
  });

  it("C8/C9: one ksops source does not vouch for a chart next to it; ref-only sources render nothing", () => {
    expect(decide(() => {}, defaultPolicy, app({ plugin: "ksops" }, { valueFiles: ["values.yaml"] })).reason).toBe("plaintext");
    expect(decide(() => {}, defaultPolicy, app({ plugin: "ksops" }, { refOnly: true })).reason).toBe("decrypted-by-argo");
  });

  it("D6-D8: ksops in kustomize (listed), helm-secrets value files, and unnamed CMPs by opt-in", () => {
    expect(decide(() => {}, defaultPolicy, app({})).reason).toBe("plaintext");
    expect(decide(() => {}, parsePolicy({ argocd: { ksopsApplications: ["argocd/payments"] } }), app({})).reason).toBe("decrypted-by-argo");
    expect(decide(() => {}, defaultPolicy, app({ valueFiles: ["values.yaml", "secrets://secrets.yaml"] })).reason).toBe("decrypted-by-argo");
    expect(decide(() => {}, defaultPolicy, app({ valueFiles: ["secrets+age-import://key.txt?secrets.yaml"] })).reason).toBe("decrypted-by-argo");
    expect(decide(() => {}, parsePolicy({ argocd: { helmSecretsValueFiles: false } }), app({ valueFiles: ["secrets://s.yaml"] })).reason).toBe("plaintext");
    expect(decide(() => {}, defaultPolicy, app({ plugin: "" })).reason).toBe("plaintext");
    expect(decide(() => {}, parsePolicy({ argocd: { unnamedPlugins: true } }), app({ plugin: "" })).reason).toBe("decrypted-by-argo");
  });

  it("C5: under label tracking a Git-supplied tracking annotation is ignored; the instance label Argo CD writes is read", () => {
    const labelMode = parsePolicy({ argocd: { tracking: "label" } });
    const forged = (r: any) => {
      r.request.object.metadata.annotations["argocd.argoproj.io/tracking-id"] = "payments-ksops:/Secret:team-a/db-creds";
      r.request.object.metadata.labels["app.kubernetes.io/instance"] = "team-app";
    };
    expect(neededFacts(review(forged), labelMode)).toEqual({ application: { namespace: "argocd", name: "team-app" } });
    expect(neededFacts(review(forged), defaultPolicy)).toEqual({ application: { namespace: "argocd", name: "payments-ksops" } });
    const custom = parsePolicy({ argocd: { tracking: "label", instanceLabelKey: "argocd.example.com/app" } });
    expect(neededFacts(review((r) => { r.request.object.metadata.labels["argocd.example.com/app"] = "x"; }), custom)).toEqual({
      application: { namespace: "argocd", name: "x" },
    });
  });

  it("C7: a tracking id must name this very object, and an Application outside the admin namespaces is not trusted", () => {
    const other = decide((r) => { r.request.object.metadata.annotations["argocd.argoproj.io/tracking-id"] = "payments:/Secret:team-b/db-creds"; }, defaultPolicy, ksops);
    expect(other.reason).toBe("plaintext");
    expect(other.message).toContain("tracking id names another object");
    const elsewhere = (r: any) => { r.request.object.metadata.annotations["argocd.argoproj.io/tracking-id"] = "team-a_payments-ksops:/Secret:team-a/db-creds"; };
    expect(neededFacts(review(elsewhere), defaultPolicy)).toEqual({});
    expect(decide(elsewhere, defaultPolicy, ksops).reason).toBe("plaintext");
    const allowlisted = parsePolicy({ decryptingSources: ["Application/team-a/payments-ksops"] });
    expect(decide(elsewhere, allowlisted, ksops).reason).toBe("decrypted-by-argo");
  });

  it("D9: Argo CD installed elsewhere is trusted once its namespace is configured", () => {
    const openshift = all(as(sa("openshift-gitops", "openshift-gitops-argocd-application-controller"), "argocd-controller"), (r: any) => {
      r.request.object.metadata.annotations["argocd.argoproj.io/tracking-id"] = "payments:/Secret:team-a/db-creds";
    });
    expect(decide(openshift, defaultPolicy, ksops).reason).toBe("plaintext");
    const policy = parsePolicy({ adminNamespaces: { argocd: ["openshift-gitops"] } });
    expect(neededFacts(review(openshift), policy)).toEqual({ application: { namespace: "openshift-gitops", name: "payments" } });
    expect(decide(openshift, policy, ksops).reason).toBe("decrypted-by-argo");
  });

  it("an impersonated Argo CD sync (destinationServiceAccounts) earns no exemption: its markers are the tenant's to forge", () => {
    const impersonated = all(as(sa("team-a", "argocd-deployer"), "argocd-controller"), (r: any) => {
      r.request.object.metadata.annotations["argocd.argoproj.io/tracking-id"] = "payments:/Secret:team-a/db-creds";
    });
    expect(neededFacts(review(impersonated), defaultPolicy)).toEqual({});
    expect(decide(impersonated, defaultPolicy, ksops).reason).toBe("plaintext");
    expect(decide(all(impersonated, as(sa("kube-system", "argocd-manager"), "argocd-controller"), (r: any) => {
      r.request.object.metadata.annotations["argocd.argoproj.io/tracking-id"] = "payments:/Secret:team-a/db-creds";
    }), defaultPolicy, ksops).reason).toBe("decrypted-by-argo");
  });

  it("D10: a chart Secret from a HelmRelease whose values all come from Secrets passes; inline values are Git's plaintext", () => {
    const helm = all(as(sa("flux-system", "helm-controller"), "helm-controller"), (r: any) => {
      r.request.object.metadata.labels["helm.toolkit.fluxcd.io/name"] = "db";
      r.request.object.metadata.labels["helm.toolkit.fluxcd.io/namespace"] = "flux-system";
    });
    const hr = (inlineValues: boolean, valuesFromKinds: string[]): Facts => ({ helmRelease: { status: "found", value: { inlineValues, valuesFromKinds } } });
    expect(neededFacts(review(helm), defaultPolicy)).toEqual({ helmRelease: { namespace: "flux-system", name: "db" } });
    expect(decide(helm, defaultPolicy, hr(false, ["Secret"]))).toMatchObject({ allowed: true, reason: "rendered-by-helm" });
    expect(decide(helm, defaultPolicy, hr(true, ["Secret"])).reason).toBe("plaintext");
    expect(decide(helm, defaultPolicy, hr(false, ["ConfigMap"])).reason).toBe("plaintext");
  });
});

describe("judge: only what this request changes (D13-D15)", () => {
  const tlsData = { "tls.crt": b64("cert"), "tls.key": b64(canary) };
  const certManagerOwned = [
    { manager: "kustomize-controller", operation: "Apply", fieldsV1: { "f:metadata": { "f:labels": {} } } },
    { manager: "cert-manager-certificates-issuing", operation: "Update", fieldsV1: { "f:data": { "f:tls.crt": {}, "f:tls.key": {} } } },
  ];
  const update = (edit: (r: any) => void) => (r: any) => {
    asFlux(r);
    r.request.operation = "UPDATE";
    r.request.options = { kind: "PatchOptions", fieldManager: "kustomize-controller" };
    r.request.object.type = "kubernetes.io/tls";
    r.request.object.data = { ...tlsData };
    r.request.object.metadata.managedFields = certManagerOwned;
    r.request.oldObject = structuredClone(r.request.object);
    edit(r);
  };

  it("D13: Flux's server-side dry-run of a Secret whose data cert-manager wrote passes", () => {
    expect(decide(update((r) => { r.request.dryRun = true; }))).toMatchObject({ allowed: true, reason: "unchanged" });
  });

  it("an UPDATE from kustomize-controller that adds or changes a value is judged", () => {
    expect(decide(update((r) => { r.request.object.data["tls.key"] = b64(`${canary}-2`); })).reason).toBe("plaintext");
    const v = decide(update((r) => { r.request.object.data.extra = b64(canary); }));
    expect(v.reason).toBe("plaintext");
    expect(v.message).toContain("data.extra");
    expect(v.message).not.toContain("tls.key");
  });

  it("D14/D15: Argo CD's label-only update of a Secret a person or an ExternalSecret filled passes", () => {
    const v = decide((r) => {
      r.request.operation = "UPDATE";
      r.request.object.metadata.managedFields = [
        { manager: "argocd-controller", operation: "Apply", fieldsV1: { "f:metadata": {} } },
        { manager: "external-secrets", operation: "Update", fieldsV1: { "f:data": { "f:password": {}, "f:username": {} } } },
      ];
      r.request.oldObject = structuredClone(r.request.object);
      r.request.object.metadata.labels.team = "payments";
    });
    expect(v).toMatchObject({ allowed: true, reason: "unchanged" });
  });

  it("D5: a person's edit through argocd-server of a tracked Secret is theirs; a GitOps manager's write is Git's", () => {
    const edit = (owner: string) => (r: any) => {
      as(sa("argocd", "argocd-server"))(r);
      r.request.operation = "UPDATE";
      r.request.object.metadata.annotations["argocd.argoproj.io/tracking-id"] = "payments:/Secret:team-a/db-creds";
      r.request.oldObject = structuredClone(r.request.object);
      r.request.object.data.password = b64(`${canary}-new`);
      r.request.object.metadata.managedFields = [{ manager: owner, operation: "Update", fieldsV1: { "f:data": { "f:password": {} } } }];
    };
    expect(decide(edit("argocd-server"))).toMatchObject({ allowed: true, reason: "unchanged" });
    expect(decide(edit("argocd-controller")).reason).toBe("plaintext");
  });
});

describe("judge: Argo CD's own Secrets and controllers' Secrets (D1-D5, D18)", () => {
  const inArgo = (name: string, labels: Record<string, string> = {}) => (r: any) => {
    r.request.namespace = "argocd";
    r.request.name = name;
    r.request.object.metadata.namespace = "argocd";
    r.request.object.metadata.name = name;
    r.request.object.metadata.labels = labels;
  };
  const tracked = (name: string) => (r: any) => { r.request.object.metadata.annotations["argocd.argoproj.io/tracking-id"] = `argocd:/Secret:argocd/${name}`; };

  it("argocd-server is not a sync identity: its own Secrets are not even GitOps", () => {
    expect(decide(all(as(sa("argocd", "argocd-server"), "argocd-server"), inArgo("argocd-initial-admin-secret"))).reason).toBe("not-gitops");
  });

  it("D2/D3: argocd-server writing argocd-secret or a repository Secret of a self-managed Argo CD passes", () => {
    expect(decide(all(as(sa("argocd", "argocd-server"), "argocd-server"), inArgo("argocd-secret"), tracked("argocd-secret")))).toMatchObject({
      allowed: true,
      reason: "argocd-own-secret",
    });
    const repo = all(as(sa("argocd", "argocd-server"), "argocd-server"), inArgo("repo-1234", { "argocd.argoproj.io/secret-type": "repository" }), tracked("repo-1234"));
    expect(decide(repo).reason).toBe("argocd-own-secret");
  });

  it("a plaintext repository Secret synced from Git by the controller is still judged", () => {
    const synced = all(inArgo("repo-creds", { "argocd.argoproj.io/secret-type": "repository" }), tracked("repo-creds"));
    expect(decide(synced).reason).toBe("plaintext");
  });

  it("D18: self-managed Argo CD re-applying argocd-secret without touching argocd-server's values passes", () => {
    const v = decide(all(inArgo("argocd-secret"), tracked("argocd-secret"), (r: any) => {
      r.request.operation = "UPDATE";
      r.request.oldObject = structuredClone(r.request.object);
    }));
    expect(v).toMatchObject({ allowed: true, reason: "unchanged" });
  });

  const ownedBy = (apiVersion: string, kind: string) => (r: any) => {
    r.request.object.metadata.ownerReferences = [{ apiVersion, kind, name: "db-creds", uid: "u", controller: true }];
  };

  it("sealed-secrets' Secrets pass when its controller writes them for a SealedSecret, even with markers in the template", () => {
    const sealed = all(as(sa("kube-system", "sealed-secrets-controller")), fluxLabels(), ownedBy("bitnami.com/v1alpha1", "SealedSecret"));
    expect(decide(sealed)).toMatchObject({ allowed: true, reason: "controller-owned" });
    expect(decide(all(sealed, ownedBy("bitnami.com/v1beta9", "SealedSecret"))).reason).toBe("plaintext");
    // The ownerReference is in the object, so Git can write it; the sender cannot be borrowed.
    expect(decide(all(ownedBy("bitnami.com/v1alpha1", "SealedSecret"))).reason).toBe("plaintext");
  });

  it("ExternalSecret-owned Secrets pass when external-secrets or hush's controller writes them", () => {
    expect(decide(all(as(sa("external-secrets", "external-secrets")), fluxLabels(), ownedBy("external-secrets.io/v1", "ExternalSecret"))).reason).toBe("controller-owned");
    expect(decide(all(as(sa("hush-system", "hush-controller")), fluxLabels(), ownedBy("hush.dev/v1", "ExternalSecret"))).reason).toBe("controller-owned");
    expect(decide(all(fluxLabels(), ownedBy("external-secrets.io/v1", "ExternalSecret"))).reason).toBe("plaintext");
  });
});

describe("judge: messages (F1, F2) and odd keys (D17)", () => {
  it("F1: a key name that is itself a token is not printed", () => {
    const token = `ghp_${"Zq8vN2kP4xR7tY1uW3eA5sD9fG6hJ0lK2mB4"}`;
    const v = decide((r) => { r.request.object.data = { [token]: b64("x"), plain: b64(canary) }; });
    expect(v.reason).toBe("plaintext");
    expect(v.message).not.toContain(token);
    expect(v.message).toContain("data.<a key name that looks like a token>, data.plain");
  });

  it("names are cut and stripped of control characters", () => {
    const v = decide((r) => { r.request.object.data = { "a\u001b[2Jb\nc": b64(canary) }; });
    expect(v.message).toContain("data.a??2Jb?c");
  });

  it("D17: a `__proto__` key is judged like any other key", () => {
    const proto = (r: any) => { r.request.object.data = JSON.parse(`{"__proto__": "${b64(canary)}"}`); };
    const v = decide(proto);
    expect(v.reason).toBe("plaintext");
    expect(v.message).toContain("data.__proto__");
    expect(decide(all(asFlux, proto), defaultPolicy, kustomization(true)).reason).toBe("decrypted-by-flux");
  });
});

describe("judge: ConfigMaps", () => {
  const configMap = (data: Record<string, string>) => (r: any) => {
    r.request.kind.kind = "ConfigMap";
    r.request.object.kind = "ConfigMap";
    r.request.object.data = data;
  };
  const token = `ghp_${"Zq8vN2kP4xR7tY1uW3eA5sD9fG6hJ0lK2mB4"}`;

  it("passes a clean ConfigMap from GitOps", () => {
    expect(decide(configMap({ "app.yaml": "log_level: info\nreplicas: 3" }))).toMatchObject({ allowed: true, reason: "configmap-clean" });
  });

  it("warns by default about a ConfigMap holding a high-confidence secret, naming key and rule only", () => {
    const v = judge(review(configMap({ "app.env": `GITHUB_TOKEN=${token}` })), defaultPolicy, {});
    expect(v).toMatchObject({ allowed: true, reason: "configmap-secret", mode: "warn" });
    expect(v.warnings[0]).toContain("configmap team-a/db-creds looks like it holds a secret in data.app.env (github-pat)");
    expect(JSON.stringify(v)).not.toContain(token);
  });

  it("scans binaryData too, decoded", () => {
    const v = judge(review((r: any) => { configMap({})(r); r.request.object.binaryData = { "token.bin": b64(token) }; }), defaultPolicy, {});
    expect(v).toMatchObject({ reason: "configmap-secret" });
    expect(v.message).toContain("binaryData.token.bin (github-pat)");
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

describe("tracking ids", () => {
  it("parses Argo CD's `<app>:<group>/<kind>:<namespace>/<name>` and refuses other shapes", () => {
    expect(parseTrackingId("payments:/Secret:team-a/db")).toEqual({ app: "payments", group: "", kind: "Secret", namespace: "team-a", name: "db" });
    expect(parseTrackingId("ns_payments:apps/Deployment:team-a/web")).toMatchObject({ app: "ns_payments", group: "apps" });
    for (const bad of ["payments", "payments:/Secret", "payments:Secret:team-a/db", ":/Secret:a/b", "p:/Secret:a/b/c"]) expect(parseTrackingId(bad)).toBeUndefined();
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
    [{ identities: { argocd: ["system:**"] } }, "uses **"],
    [{ namespaceModes: { a: "off" } }, "namespaceModes.a must be one of"],
    [{ argocd: { tracking: "both" } }, "argocd.tracking must be one of annotation, label, annotation+label"],
    [{ decryptingSources: ["team-a/apps"] }, "Kustomization/<namespace>/<name>"],
    [{ adminNamespaces: { argocd: [] } }, "must name the namespace Argo CD is installed in"],
    [{ argocdNamespace: "argocd" }, "argocdNamespace is not a known field"],
    [[], "must be a mapping"],
  ] as const)("rejects %j", ([config, text]) => {
    expect(() => parsePolicy(config)).toThrow(text);
    try { parsePolicy(config); } catch (err) { expect((err as { code: string }).code).toBe("HUSH_ERR_WEBHOOK_CONFIG"); }
  });
});
