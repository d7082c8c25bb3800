import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@hush/testkit";
import { HUSH_VERSION } from "@hush/cli/run";
import { describe, expect, it } from "vitest";
import { releaseVersion, yamlObjects } from "./support.js";

// One version for the CLI, the npm package, the image and the chart (CHANGELOG.md).
const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");

describe("the release version", () => {
  it("is the same in the CLI, the npm package, the image, the chart, the kustomize folders and the changelog", () => {
    expect(releaseVersion).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(HUSH_VERSION, "packages/cli/src/run.ts HUSH_VERSION").toBe(releaseVersion);
    expect(JSON.parse(read("packages/hush-cli/package.json")).version, "packages/hush-cli/package.json").toBe(releaseVersion);
    expect(read("Containerfile"), "Containerfile ARG VERSION").toContain(`ARG VERSION=${releaseVersion}\n`);
    const chart = yamlObjects(read("deploy/charts/hush/Chart.yaml"))[0];
    expect(chart.version, "Chart.yaml version").toBe(releaseVersion);
    expect(chart.appVersion, "Chart.yaml appVersion").toBe(releaseVersion);
    for (const file of ["deploy/controller/deployment.yaml", "deploy/webhook/deployment.yaml"]) {
      const images = yamlObjects(read(file)).flatMap((o) => o.spec.template.spec.containers.map((c: { image: string }) => c.image));
      expect(images, file).toEqual(images.map(() => `ghcr.io/hush-dev/hush:${releaseVersion}`));
    }
    expect(read("CHANGELOG.md"), "CHANGELOG.md has a section for it").toMatch(new RegExp(`^## ${releaseVersion.replace(/\./g, "\\.")}\\b`, "m"));
  });

  it("pins the npm package's dependencies to the specs the workspace builds against", () => {
    const deps: Record<string, string> = JSON.parse(read("packages/hush-cli/package.json")).dependencies ?? {};
    const workspace = ["keys", "providers", "cloud", "controller", "webhook", "kube", "cli"].flatMap((p) => {
      try {
        return [JSON.parse(read(`packages/${p}/package.json`)) as { dependencies?: Record<string, string> }];
      } catch {
        return [];
      }
    });
    for (const [name, spec] of Object.entries(deps)) {
      const used = workspace.map((p) => p.dependencies?.[name]).filter((s): s is string => s !== undefined);
      expect(used, `${name} is no longer a dependency of the workspace; drop it from packages/hush-cli`).not.toEqual([]);
      expect(used, `${name}: packages/hush-cli has ${spec}`).toContain(spec);
    }
  });
});
