import { esoFlavour } from "@hush/kube";
import { createMetricsRegistry } from "@hush/server";
import { describe, expect, it } from "vitest";
import { createControllerMetrics, removeReadyCondition, reportExternalSecretDeleted, setReadyCondition } from "./metrics.js";

/** The samples of one metric as `{labels: value}`, label keys in registration order. */
async function samples(registry: ReturnType<typeof createMetricsRegistry>, name: string): Promise<Record<string, number>> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return Object.fromEntries((m?.values ?? []).map((v) => [JSON.stringify(v.labels), v.value]));
}

describe("ESO's condition gauges", () => {
  it("store metrics carry ESO v0.16.2's names, help and labels", async () => {
    const registry = createMetricsRegistry();
    createControllerMetrics(registry, esoFlavour);
    const text = await registry.metrics();
    expect(text).toContain("# HELP secretstore_status_condition The status condition of a specific Secret Store\n# TYPE secretstore_status_condition gauge");
    expect(text).toContain("# HELP secretstore_reconcile_duration The duration time to reconcile the Secret Store\n# TYPE secretstore_reconcile_duration gauge");
    expect(text).toContain("# HELP clustersecretstore_status_condition The status condition of a specific Cluster Secret Store\n# TYPE clustersecretstore_status_condition gauge");
    expect(text).toContain("# HELP clustersecretstore_reconcile_duration The duration time to reconcile the Cluster Secret Store\n# TYPE clustersecretstore_reconcile_duration gauge");
    expect(text).toContain("# HELP externalsecret_provider_api_calls_count Number of API calls towards the secret provider\n# TYPE externalsecret_provider_api_calls_count counter");
  });

  it("Ready: the current status 1, the opposite 0; Unknown has no opposite; removal drops every Ready series", async () => {
    const registry = createMetricsRegistry();
    const m = createControllerMetrics(registry, esoFlavour);
    setReadyCondition(m.ssStatusCondition, "s", "ns", "False");
    setReadyCondition(m.ssStatusCondition, "s", "ns", "True");
    expect(await samples(registry, "secretstore_status_condition")).toEqual({
      [JSON.stringify({ name: "s", namespace: "ns", condition: "Ready", status: "False" })]: 0,
      [JSON.stringify({ name: "s", namespace: "ns", condition: "Ready", status: "True" })]: 1,
    });
    setReadyCondition(m.cssStatusCondition, "c", "", "Unknown");
    expect(await samples(registry, "clustersecretstore_status_condition")).toEqual({ [JSON.stringify({ name: "c", namespace: "", condition: "Ready", status: "Unknown" })]: 1 });
    removeReadyCondition(m.ssStatusCondition, "s", "ns");
    expect(await samples(registry, "secretstore_status_condition")).toEqual({});
  });

  it("a deleted ExternalSecret: Ready series removed, Deleted=False set to 1 (ESO v0.16.2), dropped again when an object of that name is Ready", async () => {
    const registry = createMetricsRegistry();
    const m = createControllerMetrics(registry, esoFlavour);
    const recent = new Map<string, { name: string; namespace: string }>();
    setReadyCondition(m.statusCondition, "es", "ns", "True", { dropDeleted: true });
    reportExternalSecretDeleted(m.statusCondition, recent, "es", "ns");
    expect(await samples(registry, "externalsecret_status_condition")).toEqual({ [JSON.stringify({ name: "es", namespace: "ns", condition: "Deleted", status: "False" })]: 1 });
    setReadyCondition(m.statusCondition, "es", "ns", "False", { dropDeleted: true });
    expect(await samples(registry, "externalsecret_status_condition")).toEqual({
      [JSON.stringify({ name: "es", namespace: "ns", condition: "Ready", status: "False" })]: 1,
      [JSON.stringify({ name: "es", namespace: "ns", condition: "Ready", status: "True" })]: 0,
    });
  });

  it("Deleted series are bounded: beyond the limit the oldest go first", async () => {
    const registry = createMetricsRegistry();
    const m = createControllerMetrics(registry, esoFlavour);
    const recent = new Map<string, { name: string; namespace: string }>();
    for (const name of ["a", "b", "c"]) reportExternalSecretDeleted(m.statusCondition, recent, name, "ns", 2);
    // Deleting "b" again makes it the newest.
    reportExternalSecretDeleted(m.statusCondition, recent, "b", "ns", 2);
    reportExternalSecretDeleted(m.statusCondition, recent, "d", "ns", 2);
    const names = Object.keys(await samples(registry, "externalsecret_status_condition")).map((k) => (JSON.parse(k) as { name: string }).name);
    expect(names.sort()).toEqual(["b", "d"]);
    expect([...recent.keys()]).toEqual(["ns/b", "ns/d"]);
  });
});
