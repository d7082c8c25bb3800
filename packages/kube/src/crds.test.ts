import { describe, expect, it } from "vitest";
import { buildCrds, crdFileName, renderCrdYaml } from "./crds.js";

describe("CRDs", () => {
  const crds = buildCrds();

  it("defines ExternalSecret, SecretStore and ClusterSecretStore under hush.dev/v1 with a status subresource", () => {
    const names = crds.map((c) => (c["metadata"] as { name: string }).name);
    expect(names).toEqual(["externalsecrets.hush.dev", "secretstores.hush.dev", "clustersecretstores.hush.dev"]);
    for (const c of crds) {
      const v = (c["spec"] as { versions: { name: string; subresources: unknown }[] }).versions[0]!;
      expect(v.name).toBe("v1");
      expect(v.subresources).toEqual({ status: {} });
    }
  });

  it("stays small enough for client-side apply (last-applied annotation limit 256 KiB)", () => {
    for (const c of crds) expect(renderCrdYaml(c).length).toBeLessThan(64 * 1024);
  });

  // Drift check: deploy/crds/ is generated from these models; run with -u to regenerate.
  for (const c of crds) {
    it(`matches the committed deploy/crds/${crdFileName(c)}`, async () => {
      await expect(renderCrdYaml(c)).toMatchFileSnapshot(`../../../deploy/crds/${crdFileName(c)}`);
    });
  }
});
