import { describe, expect, it } from "vitest";
import { esoFlavour, hushFlavour, type ApiFlavour } from "./constants.js";
import { buildCrds, crdFileName, renderCrdYaml, type Schema } from "./crds.js";

interface Version {
  name: string;
  served: boolean;
  storage: boolean;
  subresources: unknown;
  schema: { openAPIV3Schema: Schema };
}
const versionsOf = (c: Schema) => (c["spec"] as { versions: Version[] }).versions;
const esSpec = (c: Schema) => (versionsOf(c)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["spec"]!;
const at = (s: Schema, ...path: string[]): Schema =>
  path.reduce<Schema>((node, p) => (p === "[]" ? (node["items"] as Schema) : (node["properties"] as Record<string, Schema>)[p]!), s);
const rules = (s: Schema) => ((s["x-kubernetes-validations"] as { rule: string; message: string }[] | undefined) ?? []).map((r) => r.rule);

const flavours: [string, ApiFlavour, string][] = [
  ["hush.dev", hushFlavour, "deploy/crds"],
  ["external-secrets.io", esoFlavour, "deploy/crds-eso"],
];

describe("CRDs", () => {
  it("defines ExternalSecret, SecretStore and ClusterSecretStore under hush.dev/v1 with a status subresource", () => {
    const crds = buildCrds();
    const names = crds.map((c) => (c["metadata"] as { name: string }).name);
    expect(names.slice(0, 3)).toEqual(["externalsecrets.hush.dev", "secretstores.hush.dev", "clustersecretstores.hush.dev"]);
    expect(names).toContain("pushsecrets.hush.dev");
    for (const c of crds.slice(0, 3)) {
      expect(versionsOf(c).map((v) => v.name)).toEqual(["v1"]);
      expect(versionsOf(c)[0]!.subresources).toEqual({ status: {} });
    }
  });

  it("serves external-secrets.io v1 (storage) and v1beta1 from one schema with conversion None", () => {
    const crds = buildCrds(esoFlavour);
    expect(crds.map((c) => (c["metadata"] as { name: string }).name).slice(0, 3)).toEqual([
      "externalsecrets.external-secrets.io",
      "secretstores.external-secrets.io",
      "clustersecretstores.external-secrets.io",
    ]);
    expect(crds.map((c) => (c["metadata"] as { name: string }).name)).toContain("pushsecrets.external-secrets.io");
    for (const c of crds.slice(0, 3)) {
      const vs = versionsOf(c);
      expect(vs.map((v) => [v.name, v.served, v.storage])).toEqual([
        ["v1", true, true],
        ["v1beta1", true, false],
      ]);
      // Conversion None is only exact when both versions validate the same documents.
      expect(vs[1]!.schema).toEqual(vs[0]!.schema);
      expect((c["spec"] as { conversion: unknown }).conversion).toEqual({ strategy: "None" });
      expect((c["spec"] as { names: { categories: string[] } }).names.categories).toEqual(["external-secrets"]);
    }
    // Same schema as hush.dev: one source for both groups (apart from the generator group a generatorRef names).
    const sameGenerators = (s: Schema) => JSON.parse(JSON.stringify(s).replaceAll(esoFlavour.generatorGroup, hushFlavour.generatorGroup)) as Schema;
    expect(sameGenerators(esSpec(crds[0]!))).toEqual(esSpec(buildCrds()[0]!));
  });

  it("declares ESO fields hush does not implement and refuses them by rule instead of pruning them", () => {
    const spec = esSpec(buildCrds(esoFlavour)[0]!);
    const refused: [string[], string][] = [
      [[], "syncWindows"],
      [["target"], "manifest"],
      [["data", "[]", "sourceRef"], "generatorRef"],
    ];
    for (const [path, field] of refused) {
      const node = at(spec, ...path);
      expect(Object.keys(node["properties"] as object), `${path.join(".")}.${field}`).toContain(field);
      expect(rules(node)).toContain(`!has(self.${field})`);
    }
  });

  it("serves the later ESO fields hush implements (CreateOrMerge, find.nullBytePolicy, rewrite merge, template finalizers) with ESO's enums and defaults, not refused", () => {
    for (const flavour of [hushFlavour, esoFlavour]) {
      const spec = esSpec(buildCrds(flavour)[0]!);
      expect(at(spec, "target", "creationPolicy")).toMatchObject({ enum: ["Owner", "Orphan", "Merge", "None", "CreateOrMerge"], default: "Owner" });
      const find = at(spec, "dataFrom", "[]", "find");
      expect(rules(find)).not.toContain("!has(self.nullBytePolicy)");
      expect(at(find, "nullBytePolicy")).toMatchObject({ enum: ["Ignore", "Fail"], default: "Ignore" });
      const rewrite = at(spec, "dataFrom", "[]", "rewrite", "[]");
      expect(rules(rewrite)).not.toContain("!has(self.merge)");
      const merge = at(rewrite, "merge");
      expect(Object.keys(merge["properties"] as object).sort()).toEqual(["conflictPolicy", "into", "priority", "priorityPolicy", "strategy"]);
      expect(at(merge, "into")).toMatchObject({ default: "" });
      expect(at(merge, "priorityPolicy")).toMatchObject({ enum: ["IgnoreNotFound", "Strict"], default: "Strict" });
      expect(at(merge, "conflictPolicy")).toMatchObject({ enum: ["Ignore", "Error"], default: "Error" });
      expect(at(merge, "strategy")).toMatchObject({ enum: ["Extract", "JSON"], default: "Extract" });
      const metadata = at(spec, "target", "template", "metadata");
      expect(rules(metadata)).not.toContain("!has(self.finalizers)");
      expect(at(metadata, "finalizers")).toMatchObject({ type: "array", maxItems: 32 });
      // A PushSecret's template (ESO ignores its finalizers) still refuses them.
      const ps = buildCrds(flavour).find((c) => (c["spec"] as { names: { kind: string } }).names.kind === "PushSecret")!;
      const psSpec = (versionsOf(ps)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["spec"]!;
      expect(rules(at(psSpec, "template", "metadata"))).toContain("!has(self.finalizers)");
    }
  });

  it("refuses ESO store providers and provider settings hush does not implement, naming them, instead of pruning them", () => {
    for (const c of buildCrds(esoFlavour).slice(1, 3)) {
      const spec = (versionsOf(c)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["spec"]!;
      const provider = at(spec, "provider");
      for (const p of ["azurekv", "kubernetes", "webhook", "onepassword", "fake"]) expect(rules(provider)).toContain(`!has(self.${p})`);
      for (const p of ["aws", "vault", "gcpsm"]) expect(rules(provider)).not.toContain(`!has(self.${p})`);
      expect(rules(at(provider, "aws"))).toEqual(expect.arrayContaining(["!has(self.sessionTags)", "!has(self.transitiveTagKeys)"]));
      // Vault tls (mutual TLS), caProvider and cert auth are implemented: declared, not refused.
      expect(rules(at(provider, "vault"))).not.toContain("!has(self.tls)");
      expect(Object.keys(at(provider, "vault", "tls")["properties"] as object).sort()).toEqual(["certSecretRef", "keySecretRef"]);
      expect(at(provider, "vault", "caProvider", "type")).toMatchObject({ enum: ["Secret", "ConfigMap"] });
      const messages = (provider["x-kubernetes-validations"] as { message: string }[]).map((r) => r.message);
      expect(messages).toContain("spec.provider.azurekv is not supported by hush yet");
    }
  });

  it("serves templateFrom with ESO's shape and defaults (ConfigMap/Secret items, literal, target)", () => {
    for (const flavour of [hushFlavour, esoFlavour]) {
      const tf = at(esSpec(buildCrds(flavour)[0]!), "target", "template", "templateFrom", "[]");
      expect(rules(at(esSpec(buildCrds(flavour)[0]!), "target", "template"))).not.toContain("!has(self.templateFrom)");
      expect(Object.keys(tf["properties"] as object).sort()).toEqual(["configMap", "literal", "secret", "target"]);
      expect(at(tf, "target")).toMatchObject({ enum: ["Data", "Annotations", "Labels"], default: "Data" });
      for (const src of ["configMap", "secret"]) {
        expect(at(tf, src)["required"]).toEqual(["name", "items"]);
        expect(at(tf, src, "items", "[]", "templateAs")).toMatchObject({ enum: ["Values", "KeysAndValues"], default: "Values" });
      }
    }
  });

  it("serves PushSecret as ESO v0.16.2 does (v1alpha1, its fields and defaults); generatorRef takes Password and UUID; label-selected Secrets are refused", () => {
    for (const flavour of [hushFlavour, esoFlavour]) {
      const ps = buildCrds(flavour).find((c) => (c["spec"] as { names: { kind: string } }).names.kind === "PushSecret")!;
      expect(versionsOf(ps).map((v) => [v.name, v.served, v.storage])).toEqual([["v1alpha1", true, true]]);
      const spec = (versionsOf(ps)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["spec"]!;
      expect(spec["required"]).toEqual(["secretStoreRefs", "selector"]);
      expect(Object.keys(spec["properties"] as object).sort()).toEqual(["data", "deletionPolicy", "refreshInterval", "secretStoreRefs", "selector", "template", "updatePolicy"]);
      expect(at(spec, "deletionPolicy")).toMatchObject({ enum: ["Delete", "None"], default: "None" });
      expect(at(spec, "updatePolicy")).toMatchObject({ enum: ["Replace", "IfNotExists"], default: "Replace" });
      expect(at(spec, "refreshInterval")).toMatchObject({ default: "1h" });
      expect(at(spec, "data", "[]", "conversionStrategy")).toMatchObject({ enum: ["None", "ReverseUnicode"], default: "None" });
      expect(at(spec, "data", "[]", "match", "remoteRef")["required"]).toEqual(["remoteKey"]);
      expect(at(spec, "secretStoreRefs", "[]", "kind")).toMatchObject({ default: "SecretStore" });
      expect(rules(at(spec, "selector"))).toContain("has(self.secret) != has(self.generatorRef)");
      expect(rules(at(spec, "selector", "generatorRef"))).toContain("self.kind in ['Password', 'UUID']");
      expect(at(spec, "selector", "generatorRef", "apiVersion")).toMatchObject({ default: flavour === hushFlavour ? "generators.hush.dev/v1alpha1" : "generators.external-secrets.io/v1alpha1" });
      expect(rules(at(spec, "selector", "secret"))).toContain("!has(self.selector)");
      // The same template schema as an ExternalSecret's target.template, apart from
      // metadata.finalizers (refused here: a PushSecret writes no Secret).
      const withoutMetadata = (t: Schema) => ({ ...t, properties: { ...(t["properties"] as object), metadata: undefined } });
      expect(withoutMetadata(at(spec, "template"))).toEqual(withoutMetadata(at(esSpec(buildCrds(flavour)[0]!), "target", "template")));
    }
  });

  it("serves Password and UUID generators with ESO's fields and defaults, and dataFrom generatorRef for those kinds only", () => {
    for (const flavour of [hushFlavour, esoFlavour]) {
      const crds = buildCrds(flavour);
      const kindOf = (c: Schema) => (c["spec"] as { names: { kind: string } }).names.kind;
      const gens = crds.filter((c) => ["Password", "UUID", "VaultDynamicSecret"].includes(kindOf(c)));
      expect(gens.map((c) => (c["metadata"] as { name: string }).name)).toEqual(["passwords", "uuids", "vaultdynamicsecrets"].map((p) => `${p}.${flavour.generatorGroup}`));
      for (const g of gens) {
        expect(versionsOf(g).map((v) => [v.name, v.served, v.storage])).toEqual([["v1alpha1", true, true]]);
        expect((g["spec"] as { scope: string }).scope).toBe("Namespaced");
      }
      const password = (versionsOf(gens[0]!)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["spec"]!;
      expect(Object.keys(password["properties"] as object).sort()).toEqual(["allowRepeat", "digits", "length", "noUpper", "symbolCharacters", "symbols"]);
      expect(password["required"]).toEqual(["allowRepeat", "length", "noUpper"]);
      expect(at(password, "length")).toMatchObject({ type: "integer", default: 24, maximum: 4096 });
      expect(at(password, "allowRepeat")).toMatchObject({ default: false });
      expect(at(password, "noUpper")).toMatchObject({ default: false });

      const es = esSpec(crds[0]!);
      const ref = at(es, "dataFrom", "[]", "sourceRef", "generatorRef");
      expect(at(ref, "apiVersion")).toMatchObject({ default: `${flavour.generatorGroup}/v1alpha1` });
      expect(ref["required"]).toEqual(["kind", "name"]);
      expect(rules(ref)).toContain("self.kind in ['Password', 'UUID', 'VaultDynamicSecret', 'Fake', 'ECRAuthorizationToken', 'STSSessionToken', 'ClusterGenerator']");
      const vds = (versionsOf(gens[2]!)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["spec"]!;
      expect(vds["required"]).toEqual(["path", "provider"]);
      expect(at(vds, "resultType")).toMatchObject({ enum: ["Data", "Auth", "Raw"], default: "Data" });
      expect(at(vds, "allowEmptyResponse")).toMatchObject({ default: false });
      expect(at(vds, "provider", "server")).toMatchObject({ type: "string" });
      expect(rules(at(es, "dataFrom", "[]", "sourceRef"))).not.toContain("!has(self.generatorRef)");
      // data[].sourceRef.generatorRef stays refused (ESO does not implement it there either).
      expect(rules(at(es, "data", "[]", "sourceRef"))).toContain("!has(self.generatorRef)");
    }
  });

  it("serves Fake (namespaced, spec.data) and ClusterGenerator (cluster-scoped; Password, UUID, Fake, ECRAuthorizationToken only, VaultDynamicSecret refused by name)", () => {
    for (const flavour of [hushFlavour, esoFlavour]) {
      const crds = buildCrds(flavour);
      const byName = (n: string) => crds.find((c) => (c["metadata"] as { name: string }).name === `${n}.${flavour.generatorGroup}`)!;
      const fake = byName("fakes");
      expect((fake["spec"] as { scope: string }).scope).toBe("Namespaced");
      const fakeSpec = (versionsOf(fake)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["spec"]!;
      expect(at(fakeSpec, "data")).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
      expect(rules(fakeSpec)).toContain("!has(self.controller)");
      const cg = byName("clustergenerators");
      expect((cg["spec"] as { scope: string; names: { kind: string } }).scope).toBe("Cluster");
      expect((cg["spec"] as { names: { kind: string } }).names.kind).toBe("ClusterGenerator");
      const cgSpec = (versionsOf(cg)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["spec"]!;
      expect(cgSpec["required"]).toEqual(["generator", "kind"]);
      expect(rules(cgSpec)).toContain("self.kind != 'VaultDynamicSecret'");
      expect(rules(cgSpec)).toContain("self.kind in ['Password', 'UUID', 'Fake', 'ECRAuthorizationToken']");
      expect(rules(cgSpec)).toContain("self.kind != 'ECRAuthorizationToken' || has(self.generator.ecrAuthorizationTokenSpec)");
      expect(at(cgSpec, "generator", "ecrAuthorizationTokenSpec", "region")).toMatchObject({ type: "string" });
      expect(rules(at(cgSpec, "generator"))).toContain("!has(self.stsSessionTokenSpec)");
      expect(rules(cgSpec)).toContain("self.kind != 'Password' || has(self.generator.passwordSpec)");
      const generator = at(cgSpec, "generator");
      expect(generator).toMatchObject({ maxProperties: 1, minProperties: 1 });
      expect(at(generator, "passwordSpec", "length")).toMatchObject({ default: 24 });
      expect(rules(generator)).toContain("!has(self.vaultDynamicSecretSpec)");
    }
  });

  it("serves ECRAuthorizationToken and STSSessionToken (namespaced) with ESO v0.16.2's fields", () => {
    for (const flavour of [hushFlavour, esoFlavour]) {
      const crds = buildCrds(flavour);
      const byName = (n: string) => crds.find((c) => (c["metadata"] as { name: string }).name === `${n}.${flavour.generatorGroup}`)!;
      const specOf = (c: Schema) => (versionsOf(c)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["spec"]!;
      const ecr = byName("ecrauthorizationtokens");
      expect((ecr["spec"] as { scope: string; names: { kind: string } }).names.kind).toBe("ECRAuthorizationToken");
      expect((ecr["spec"] as { scope: string }).scope).toBe("Namespaced");
      expect(Object.keys(specOf(ecr)["properties"] as object).sort()).toEqual(["auth", "region", "role", "scope"]);
      expect(specOf(ecr)["required"]).toEqual(["region"]);
      expect(Object.keys(at(specOf(ecr), "auth", "secretRef")["properties"] as object).sort()).toEqual(["accessKeyIDSecretRef", "secretAccessKeySecretRef", "sessionTokenSecretRef"]);
      expect(at(specOf(ecr), "auth", "jwt", "serviceAccountRef")["required"]).toEqual(["name"]);
      const sts = byName("stssessiontokens");
      expect((sts["spec"] as { names: { kind: string } }).names.kind).toBe("STSSessionToken");
      expect(Object.keys(specOf(sts)["properties"] as object).sort()).toEqual(["auth", "region", "requestParameters", "role"]);
      expect(Object.keys(at(specOf(sts), "requestParameters")["properties"] as object).sort()).toEqual(["serialNumber", "sessionDuration", "tokenCode"]);
      expect(at(specOf(sts), "requestParameters", "sessionDuration")).toMatchObject({ type: "integer", format: "int64" });
    }
  });

  it("defines ClusterExternalSecret (cluster-scoped, ESO's fields) embedding the ExternalSecret spec schema in both groups", () => {
    for (const flavour of [hushFlavour, esoFlavour]) {
      const crds = buildCrds(flavour);
      const c = crds.find((x) => (x["metadata"] as { name: string }).name === `clusterexternalsecrets.${flavour.group}`)!;
      expect(c).toBeDefined();
      const s = c["spec"] as { scope: string; names: { kind: string; shortNames: string[] } };
      expect(s.scope).toBe("Cluster");
      expect(s.names.kind).toBe("ClusterExternalSecret");
      expect(s.names.shortNames).toEqual(["ces"]);
      expect(versionsOf(c).map((v) => v.name)).toEqual([flavour.version, ...flavour.servedVersions]);
      const spec = esSpec(c);
      expect(Object.keys(spec["properties"] as object).sort()).toEqual(
        ["externalSecretMetadata", "externalSecretName", "externalSecretSpec", "namespaceSelector", "namespaceSelectors", "namespaces", "refreshTime"],
      );
      expect(spec["required"]).toEqual(["externalSecretSpec"]);
      // The ExternalSecret's own schema (defaults and refusals included), so the stamped copies validate alike.
      const { description: _d, ...embedded } = at(spec, "externalSecretSpec");
      expect(embedded).toEqual(esSpec(crds[0]!));
      // ESO declares no default: unset means hourly.
      expect(at(spec, "refreshTime")["default"]).toBeUndefined();
      const status = (versionsOf(c)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["status"]!;
      expect(Object.keys(status["properties"] as object).sort()).toEqual(["conditions", "externalSecretName", "failedNamespaces", "provisionedNamespaces"]);
      expect(at(status, "failedNamespaces", "[]")["required"]).toEqual(["namespace"]);
    }
  });

  it("defines ClusterPushSecret (cluster-scoped, v1alpha1, ESO's fields) embedding the PushSecret spec schema in both groups", () => {
    for (const flavour of [hushFlavour, esoFlavour]) {
      const crds = buildCrds(flavour);
      const byKind = (k: string) => crds.find((x) => (x["spec"] as { names: { kind: string } }).names.kind === k)!;
      const c = byKind("ClusterPushSecret");
      expect((c["metadata"] as { name: string }).name).toBe(`clusterpushsecrets.${flavour.group}`);
      expect((c["spec"] as { scope: string }).scope).toBe("Cluster");
      expect(versionsOf(c).map((v) => v.name)).toEqual([flavour.pushSecret.version]);
      const spec = esSpec(c);
      expect(Object.keys(spec["properties"] as object).sort()).toEqual(["namespaceSelectors", "pushSecretMetadata", "pushSecretName", "pushSecretSpec", "refreshTime"]);
      expect(spec["required"]).toEqual(["pushSecretSpec"]);
      // The PushSecret's own schema, so the stamped copies validate alike.
      const { description: _d, ...embedded } = at(spec, "pushSecretSpec");
      expect(embedded).toEqual(esSpec(byKind("PushSecret")));
      expect(at(spec, "refreshTime")["default"]).toBeUndefined();
      const status = (versionsOf(c)[0]!.schema.openAPIV3Schema["properties"] as Record<string, Schema>)["status"]!;
      expect(Object.keys(status["properties"] as object).sort()).toEqual(["conditions", "failedNamespaces", "provisionedNamespaces", "pushSecretName"]);
      expect(at(status, "failedNamespaces", "[]")["required"]).toEqual(["namespace"]);
    }
  });

  for (const [label, flavour, dir] of flavours) {
    const crds = buildCrds(flavour);
    it(`${label}: stays small enough for client-side apply (last-applied annotation limit 256 KiB)`, () => {
      for (const c of crds) expect(renderCrdYaml(c).length).toBeLessThan(200 * 1024);
    });
    // Drift check: the committed CRDs are generated from these models; run with -u to regenerate.
    for (const c of crds) {
      it(`matches the committed ${dir}/${crdFileName(c)}`, async () => {
        await expect(renderCrdYaml(c)).toMatchFileSnapshot(`../../../${dir}/${crdFileName(c)}`);
      });
    }
  }
});
