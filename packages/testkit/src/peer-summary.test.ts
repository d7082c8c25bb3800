import { describe, expect, it } from "vitest";
import { missingPeersSummary } from "./peer-summary.js";

describe("missingPeersSummary", () => {
  it("is undefined when every peer binary is found", () => {
    expect(missingPeersSummary((name) => `/bin/${name}`)).toBeUndefined();
  });

  it("names each missing group once, with its toolchain and provisioning step", () => {
    const have = new Set(["etcd", "kubectl", "sops", "age", "gitleaks", "vault", "slapd", "ldapadd", "kubeseal", "sealed-secrets-controller", "sops-functional-tests", "gotemplate-oracle", "external-secrets"]);
    const summary = missingPeersSummary((name) => (have.has(name) ? `/bin/${name}` : undefined));
    expect(summary).toBe(
      "peers missing, their suites are SKIPPED: kube [kube-apiserver; needs Go: bash scripts/peers kube]; " +
        "moto [moto_server; needs Python 3 with venv: bash scripts/peers moto]",
    );
  });

  it("names ESO's controller binary and its own step", () => {
    const summary = missingPeersSummary((name) => (name === "external-secrets" ? undefined : `/bin/${name}`));
    expect(summary).toBe("peers missing, their suites are SKIPPED: eso [external-secrets; needs Go: bash scripts/peers eso]");
  });
});
