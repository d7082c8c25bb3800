import { HushError } from "@hush/errors";
import { hushFlavour, type PushSecret, type SecretStore } from "@hush/kube";
import type { DeleteOutcome, PushOutcome, PushRef, PushRequest } from "@hush/providers";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { PushReconciler } from "./push-reconcile.js";

/** A provider double recording calls; `fail` makes pushes or deletes throw a provider error. */
class FakeProvider {
  readonly kind = "fake";
  readonly calls: string[] = [];
  fail: { push?: boolean; delete?: boolean } = {};
  async pushSecret(req: PushRequest): Promise<PushOutcome> {
    this.calls.push(`push ${req.ref.remoteKey}`);
    if (this.fail.push) throw new HushError("HUSH_ERR_PROVIDERS_UNAVAILABLE", "fake: unreachable");
    return "created";
  }
  async deleteSecret(ref: PushRef): Promise<DeleteOutcome> {
    this.calls.push(`delete ${ref.remoteKey}`);
    if (this.fail.delete) throw new HushError("HUSH_ERR_PROVIDERS_UNAVAILABLE", "fake: unreachable");
    return "deleted";
  }
  async secretExists(): Promise<boolean> {
    return false;
  }
}

const store: SecretStore = { metadata: { name: "s", namespace: "ns", uid: "u", generation: 1 }, spec: { provider: {} }, status: { conditions: [{ type: "Ready", status: "True", reason: "Valid", message: "", lastTransitionTime: "" }] } };
const entry = (k: string) => ({ match: { secretKey: "v", remoteRef: { remoteKey: k } } });

function setup(ps: PushSecret, storeOf: SecretStore = store) {
  const provider = new FakeProvider();
  const patches: { path: string; body: { status?: PushSecret["status"]; metadata?: { finalizers?: string[] } } }[] = [];
  const client = {
    get: async (path: string) => (path.includes("/secrets/") ? { metadata: { name: "src" }, data: { v: Buffer.from("value").toString("base64") } } : undefined),
    request: async (_m: string, path: string, o: { body: never }) => {
      patches.push({ path, body: o.body });
      return {};
    },
  };
  const r = new PushReconciler({
    client: client as never,
    clock: new ManualClock(),
    log: { info: () => undefined, warn: () => undefined, debug: () => undefined },
    events: { record: async () => undefined } as never,
    controllerClass: "",
    flavour: hushFlavour,
    readers: { get: async () => ({ provider }) } as never,
    pushSecret: () => ps,
    store: () => storeOf,
    stores: () => [storeOf],
    track: () => undefined,
  });
  // The status as a merge patch leaves it: null entries are removed.
  const lastStatus = () => {
    const st = [...patches].reverse().find((p) => p.path.endsWith("/status"))?.body.status;
    if (!st?.syncedPushSecrets) return st;
    const synced = Object.fromEntries(Object.entries(st.syncedPushSecrets).filter(([, v]) => v !== null).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).filter(([, e]) => e !== null))]));
    return { ...st, syncedPushSecrets: synced };
  };
  return { r, provider, patches, lastStatus };
}

const base = (spec: Partial<PushSecret["spec"]>, status?: PushSecret["status"]): PushSecret => ({
  metadata: { name: "p", namespace: "ns", uid: "p-uid", generation: 2, finalizers: ["pushsecret.hush.dev/finalizer"] },
  spec: { secretStoreRefs: [{ name: "s" }], selector: { secret: { name: "src" } }, deletionPolicy: "Delete", ...spec },
  ...(status ? { status } : {}),
});

describe("PushReconciler: nothing lost", () => {
  it("a failed push deletes nothing and keeps every entry pushed before in status", async () => {
    const ps = base({ data: [entry("new")] }, { syncedPushSecrets: { "SecretStore/s": { old: entry("old") } } });
    const { r, provider, lastStatus } = setup(ps);
    provider.fail.push = true;
    await expect(r.reconcile("ns/p")).rejects.toThrow(/could not write remote ref new/);
    expect(provider.calls).toEqual(["push new"]);
    expect(Object.keys(lastStatus()?.syncedPushSecrets?.["SecretStore/s"] ?? {})).toEqual(["old"]);
    expect(lastStatus()?.conditions?.[0]).toMatchObject({ status: "False", reason: "Errored" });
  });

  it("after every push succeeded, deletes what is no longer wanted; a failed delete keeps the entry", async () => {
    const ps = base({ data: [entry("new")] }, { syncedPushSecrets: { "SecretStore/s": { old: entry("old") } } });
    const { r, provider, lastStatus } = setup(ps);
    provider.fail.delete = true;
    await expect(r.reconcile("ns/p")).rejects.toThrow(/could not delete remote ref old/);
    expect(provider.calls).toEqual(["push new", "delete old"]);
    expect(Object.keys(lastStatus()?.syncedPushSecrets?.["SecretStore/s"] ?? {}).sort()).toEqual(["new", "old"]);
    provider.fail.delete = false;
    await r.reconcile("ns/p");
    expect(Object.keys(lastStatus()?.syncedPushSecrets?.["SecretStore/s"] ?? {})).toEqual(["new"]);
    expect(lastStatus()?.conditions?.[0]).toMatchObject({ status: "True", reason: "Synced" });
  });

  it("on deletion, releases the finalizer only after every remote delete succeeded", async () => {
    const ps = base({ data: [entry("a")] }, { syncedPushSecrets: { "SecretStore/s": { a: entry("a"), b: entry("b") } } });
    ps.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
    const { r, provider, patches } = setup(ps);
    provider.fail.delete = true;
    await expect(r.reconcile("ns/p")).rejects.toThrow(/could not delete/);
    expect(patches.some((p) => p.body.metadata?.finalizers !== undefined)).toBe(false);
    provider.fail.delete = false;
    await r.reconcile("ns/p");
    expect(provider.calls.filter((c) => c.startsWith("delete"))).toEqual(["delete a", "delete a", "delete b"]);
    expect(patches.at(-1)?.body.metadata?.finalizers).toEqual([]);
  });
});

describe("PushReconciler: stores", () => {
  it("no flood gate, as ESO v0.16's PushSecret reconciler: a store not validated yet, or not Ready, is pushed through", async () => {
    for (const status of [undefined, { conditions: [{ type: "Ready", status: "False", reason: "InvalidProviderConfig", message: "", lastTransitionTime: "" }] }]) {
      const unvalidated: SecretStore = { metadata: store.metadata, spec: store.spec, ...(status ? { status } : {}) };
      const { r, provider, lastStatus } = setup(base({ data: [entry("k")] }), unvalidated);
      await r.reconcile("ns/p");
      expect(provider.calls).toEqual(["push k"]);
      expect(lastStatus()?.conditions?.[0]).toMatchObject({ status: "True", reason: "Synced" });
    }
  });
});
