import { describe, expect, it } from "vitest";
import { esoFlavour, hushFlavour, type ExternalSecret, type Secret, type SecretStore } from "@hush/kube";
import type { EventRecorder, KubeClient } from "@hush/kube/client";
import { ManualClock } from "./clock.js";
import type { ReaderCache } from "./reader-cache.js";
import { Reconciler, type ReconcilerDeps } from "./reconcile.js";
import type { SecretWriter } from "./secret-writer.js";
import { TerminalError } from "./worker-loop.js";

function deps(es: ExternalSecret, store: SecretStore | undefined, calls: string[]): ReconcilerDeps {
  const client = {
    request: async (method: string, path: string) => {
      calls.push(`${method} ${path}`);
      return {};
    },
    get: async (path: string) => {
      calls.push(`GET ${path}`);
      return undefined;
    },
  } as unknown as KubeClient;
  return {
    client,
    clock: new ManualClock(),
    log: { info() {}, warn() {}, debug() {} },
    events: { record: async (_t: unknown, e: { reason: string }) => void calls.push(`event ${e.reason}`) } as unknown as EventRecorder,
    eventsMode: "all",
    controllerClass: "",
    readers: { get: async () => { calls.push("reader"); throw new Error("no provider in this test"); }, stats: () => ({ requested: 0, deduplicated: 0, providerCalls: 0 }) } as unknown as ReaderCache,
    writer: { write: async () => { calls.push("write"); return "ok"; } } as unknown as SecretWriter,
    stats: { reconciles: 0, secretWrites: 0, statusWrites: 0, apiCalls: 0, reads: { requested: 0, deduplicated: 0, providerCalls: 0 } },
    externalSecret: () => es,
    managedSecret: () => undefined,
    store: () => store,
    managedBy: () => [],
    failures: () => 0,
    track: (p) => void p,
    forget: () => undefined,
  };
}

const es = (spec: Partial<ExternalSecret["spec"]> = {}, annotations?: Record<string, string>): ExternalSecret => ({
  metadata: { name: "app", namespace: "team-a", uid: "u", generation: 1, ...(annotations ? { annotations } : {}) },
  spec: { secretStoreRef: { name: "s" }, data: [{ secretKey: "v", remoteRef: { key: "k" } }], ...spec },
});
// Validated (Ready=True) unless `validated` is false: a store hush has not validated yet.
const store = (controller?: string, validated = true): SecretStore => ({
  metadata: { name: "s", namespace: "team-a", uid: "s", generation: 1 },
  spec: { provider: { aws: {} }, ...(controller ? { controller } : {}) },
  ...(validated ? { status: { conditions: [{ type: "Ready", status: "True", reason: "Valid", message: "store validated", lastTransitionTime: "2026-01-01T00:00:00Z" }] } } : {}),
});

describe("Reconciler", () => {
  it("S9: skips an ExternalSecret whose store belongs to another controller class: no status, no event, no provider", async () => {
    const calls: string[] = [];
    const r = new Reconciler(deps(es(), store("someone-else"), calls));
    expect(await r.reconcile("team-a/app")).toEqual({});
    expect(calls).toEqual([]);
  });

  it("S9: skips when any store it names belongs to another class (data[].sourceRef too, as ESO's shouldSkipUnmanagedStore), in either API flavour", async () => {
    for (const flavour of [hushFlavour, esoFlavour]) {
      const calls: string[] = [];
      const mixed = es({ data: [{ secretKey: "v", remoteRef: { key: "k" } }, { secretKey: "w", remoteRef: { key: "k" }, sourceRef: { storeRef: { name: "theirs" } } }] });
      const d = deps(mixed, store(), calls);
      d.store = (ref) => (ref.name === "theirs" ? store("someone-else") : store());
      const r = new Reconciler({ ...d, flavour });
      expect(await r.reconcile("team-a/app")).toEqual({});
      expect(calls).toEqual([]);
    }
  });

  it("our own class is served, a foreign one is not: the class is compared, not just its presence", async () => {
    const calls: string[] = [];
    const d = deps(es(), store("blue"), calls);
    await expect(new Reconciler({ ...d, controllerClass: "blue" }).reconcile("team-a/app")).rejects.toThrow();
    expect(calls).toContain("reader");
    const skipped: string[] = [];
    expect(await new Reconciler({ ...deps(es(), store("blue"), skipped), controllerClass: "green" }).reconcile("team-a/app")).toEqual({});
    expect(skipped).toEqual([]);
  });

  it("a terminal failure is recorded (status + Warning event) and then thrown as terminal: no provider call, no write", async () => {
    const calls: string[] = [];
    const r = new Reconciler(deps(es({}, { "kubernetes.io/service-account.name": "default" }), store(), calls));
    await expect(r.reconcile("team-a/app")).rejects.toBeInstanceOf(TerminalError);
    expect(calls).toContain("PATCH /apis/hush.dev/v1/namespaces/team-a/externalsecrets/app/status");
    expect(calls).toContain("event UpdateFailed");
    expect(calls).not.toContain("write");
  });

  it("a retryable failure is recorded and thrown for the loop's backoff", async () => {
    const calls: string[] = [];
    const r = new Reconciler(deps(es(), undefined, calls));
    await expect(r.reconcile("team-a/app")).rejects.toMatchObject({ code: "HUSH_ERR_CONTROLLER_STORE_NOT_FOUND" });
    expect(calls).toContain("event UpdateFailed");
  });

  it("flood gate: a store not validated yet is not used; ESO's SecretSyncedError and UpdateFailed, retried with backoff", async () => {
    const calls: string[] = [];
    const d = deps(es(), store(undefined, false), calls);
    const patches: unknown[] = [];
    const events: { reason: string; message: string }[] = [];
    d.client = {
      request: async (method: string, path: string, o: { body: unknown }) => {
        calls.push(`${method} ${path}`);
        if (path.endsWith("/status")) patches.push(o.body);
        return {};
      },
      get: async () => undefined,
    } as unknown as KubeClient;
    d.events = { record: async (_t: unknown, e: { reason: string; message: string }) => void events.push(e) } as unknown as EventRecorder;
    const err = await new Reconciler(d).reconcile("team-a/app").catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(TerminalError);
    expect(err).toMatchObject({ code: "HUSH_ERR_CONTROLLER_STORE_NOT_READY" });
    expect(calls).not.toContain("reader");
    expect(calls).not.toContain("write");
    expect(patches).toHaveLength(1);
    const ready = (patches[0] as { status: { conditions: { type: string; status: string; reason: string; message: string }[] } }).status.conditions.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "False", reason: "SecretSyncedError", message: 'could not get secret data from provider: SecretStore "s" is not ready [HUSH_ERR_CONTROLLER_STORE_NOT_READY]' });
    expect(events).toEqual([{ type: "Warning", reason: "UpdateFailed", message: ready!.message }]);
    // Once validated, the same ExternalSecret reads through it.
    const later: string[] = [];
    await expect(new Reconciler(deps(es(), store(), later)).reconcile("team-a/app")).rejects.toMatchObject({ code: "HUSH_ERR_CONTROLLER_INTERNAL" });
    expect(later).toContain("reader");
  });

  it("a refused status write keeps the refresh schedule (no backoff) and is tried again at the next reconcile", async () => {
    const calls: string[] = [];
    const d = deps(es({ refreshInterval: "1m" }), store(), calls);
    const refused = Object.assign(new Error("forbidden"), { code: "HUSH_ERR_KUBE_FORBIDDEN" });
    d.client = {
      request: async (method: string, path: string) => {
        calls.push(`${method} ${path}`);
        if (path.endsWith("/status")) throw refused;
        return {};
      },
      get: async () => undefined,
    } as unknown as KubeClient;
    d.readers = {
      get: async () => ({ get: async () => new TextEncoder().encode("v1") }),
      stats: () => ({ requested: 0, deduplicated: 0, providerCalls: 0 }),
    } as unknown as ReaderCache;
    const r = new Reconciler(d);
    const first = await r.reconcile("team-a/app");
    expect(first.requeueAfter).toBeGreaterThan(0);
    expect(first.requeueAfter).toBeLessThanOrEqual(60_000);
    expect(calls).toContain("write");
    const statusPatches = () => calls.filter((c) => c.endsWith("/status")).length;
    expect(statusPatches()).toBe(1);
    // Due again: the status the API server refused is written again.
    await (d.clock as ManualClock).advance(61_000);
    await r.reconcile("team-a/app");
    expect(statusPatches()).toBe(2);
  });

  describe("cleanup finalizer (ESO's ExternalSecretFinalizer and cleanupManagedSecrets)", () => {
    interface Call { method: string; path: string; body?: unknown }
    function recording(e: ExternalSecret, secret: Secret | undefined, flavour = hushFlavour, failDelete = false) {
      const calls: Call[] = [];
      const writes: unknown[] = [];
      const d = deps(e, store(), []);
      d.client = {
        request: async (method: string, path: string, opts?: { body?: unknown }) => {
          calls.push({ method, path, body: opts?.body });
          return {};
        },
        get: async (path: string) => {
          calls.push({ method: "GET", path });
          return secret;
        },
      } as unknown as KubeClient;
      d.writer = {
        write: async (_ns: string, action: unknown) => {
          if (failDelete) throw Object.assign(new Error("api down"), { code: "HUSH_ERR_KUBE_API" });
          writes.push(action);
          return "ok";
        },
      } as unknown as SecretWriter;
      return { r: new Reconciler({ ...d, flavour }), calls, writes };
    }
    const deleting = (target: ExternalSecret["spec"]["target"], finalizers: string[]): ExternalSecret => ({
      ...es({ target }),
      metadata: { name: "app", namespace: "team-a", uid: "u", generation: 1, resourceVersion: "9", deletionTimestamp: "2026-01-01T00:00:00Z", finalizers },
    });
    const secret = (controllerUid: string | undefined): Secret => ({
      metadata: { name: "app", namespace: "team-a", uid: "secret-uid", ...(controllerUid ? { ownerReferences: [{ apiVersion: "hush.dev/v1", kind: "ExternalSecret", name: "app", uid: controllerUid, controller: true }] } : {}) },
      data: {},
    });

    it("puts the flavour's finalizer on an ExternalSecret before syncing it, conditional on the version seen, once", async () => {
      for (const flavour of [hushFlavour, esoFlavour]) {
        const e = { ...es(), metadata: { ...es().metadata, resourceVersion: "4", finalizers: ["example.com/keep"] } };
        const { r, calls } = recording(e, undefined, flavour);
        await expect(r.reconcile("team-a/app")).rejects.toThrow();
        const patch = calls.find((c) => c.method === "PATCH" && c.path === `/apis/${flavour.group}/v1/namespaces/team-a/externalsecrets/app`);
        expect(patch?.body).toEqual({ metadata: { resourceVersion: "4", finalizers: ["example.com/keep", flavour.finalizer] } });
        // The cache has not caught up: not patched again.
        await expect(r.reconcile("team-a/app")).rejects.toThrow();
        expect(calls.filter((c) => c.method === "PATCH" && !c.path.endsWith("/status"))).toHaveLength(1);
      }
      expect(hushFlavour.finalizer).toBe("externalsecrets.hush.dev/externalsecret-cleanup");
      expect(esoFlavour.finalizer).toBe("externalsecrets.external-secrets.io/externalsecret-cleanup");
    });

    it("a controller not allowed to patch ExternalSecrets (older RBAC) still syncs, without the finalizer", async () => {
      const calls: string[] = [];
      const base = deps(es(), store(), []);
      const client = {
        request: async (method: string, path: string) => {
          calls.push(`${method} ${path}`);
          if (method === "PATCH" && !path.endsWith("/status")) throw Object.assign(new Error("forbidden"), { code: "HUSH_ERR_KUBE_FORBIDDEN" });
          return {};
        },
        get: async () => undefined,
      } as unknown as KubeClient;
      const readers = { get: async () => ({ get: async () => new TextEncoder().encode("v1") }), stats: () => ({ requested: 0, deduplicated: 0, providerCalls: 0 }) } as unknown as ReaderCache;
      const r = new Reconciler({ ...base, client, readers });
      expect((await r.reconcile("team-a/app")).requeueAfter).toBeGreaterThan(0);
      expect(calls).toEqual(["PATCH /apis/hush.dev/v1/namespaces/team-a/externalsecrets/app", "PATCH /apis/hush.dev/v1/namespaces/team-a/externalsecrets/app/status"]);
    });

    it("deletionPolicy Delete: a deleted ExternalSecret deletes the Secret it controls (uid precondition), then releases only its own finalizer", async () => {
      const { r, calls, writes } = recording(deleting({ deletionPolicy: "Delete" }, ["example.com/keep", hushFlavour.finalizer]), secret("u"));
      expect(await r.reconcile("team-a/app")).toEqual({});
      expect(writes).toEqual([{ type: "delete", name: "app", uid: "secret-uid" }]);
      expect(calls.at(-1)).toEqual({ method: "PATCH", path: "/apis/hush.dev/v1/namespaces/team-a/externalsecrets/app", body: { metadata: { resourceVersion: "9", finalizers: ["example.com/keep"] } } });
    });

    it("attack: a Secret the ExternalSecret does not control is never deleted, nor with Retain; the finalizer is still released", async () => {
      for (const [target, s] of [[{ deletionPolicy: "Delete" as const }, secret(undefined)], [{ deletionPolicy: "Delete" as const }, secret("someone-else")], [{}, secret("u")]] as const) {
        const { r, calls, writes } = recording(deleting(target, [hushFlavour.finalizer]), s);
        expect(await r.reconcile("team-a/app")).toEqual({});
        expect(writes).toEqual([]);
        expect(calls.at(-1)?.body).toEqual({ metadata: { resourceVersion: "9", finalizers: [] } });
      }
    });

    it("a failed delete keeps the finalizer and is retried with backoff", async () => {
      const { r, calls } = recording(deleting({ deletionPolicy: "Delete" }, [hushFlavour.finalizer]), secret("u"), hushFlavour, true);
      await expect(r.reconcile("team-a/app")).rejects.toMatchObject({ code: "HUSH_ERR_KUBE_API" });
      expect(calls.some((c) => c.method === "PATCH")).toBe(false);
    });
  });
});
