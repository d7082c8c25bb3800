import { describe, expect, it } from "vitest";
import { missingPeersSummary } from "./peer-summary.js";

describe("missingPeersSummary", () => {
  it("is undefined when every peer binary is found", () => {
    expect(missingPeersSummary((name) => `/bin/${name}`)).toBeUndefined();
  });

  it("names each missing group once, with its toolchain and provisioning step", () => {
    const have = new Set(["etcd", "kubectl", "sops", "age", "gitleaks", "vault", "kubeseal", "sealed-secrets-controller", "sops-functional-tests", "gotemplate-oracle"]);
    const summary = missingPeersSummary((name) => (have.has(name) ? `/bin/${name}` : undefined));
    expect(summary).toBe(
      "peers missing, their suites are SKIPPED: kube [kube-apiserver; needs Go: bash scripts/peers kube]; " +
        "moto [moto_server; needs Python 3 with venv: bash scripts/peers moto]",
    );
  });
});
