import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { AuditFinding } from "../audit.js";
import type { AuditResult } from "./audit-cluster.js";
import { startPeriodicAudit } from "./periodic-audit.js";

const finding = (name: string, allowed: boolean, mode: "enforce" | "warn" = "enforce"): AuditFinding =>
  ({ kind: "Secret", namespace: "team-a", name, uid: name, verdict: { allowed, mode, reason: allowed ? "no-values" : "plaintext", message: "m", warnings: allowed || mode === "enforce" ? [] : ["w"], auditAnnotations: {} } }) as unknown as AuditFinding;
const result = (findings: AuditFinding[]): AuditResult => ({ findings, reports: [], scanned: findings.length + 3 });

/** Timers the test fires by hand. */
function manualTimers() {
  const pending: { fn: () => void; ms: number; cleared: boolean }[] = [];
  return {
    pending,
    setTimer: (fn: () => void, ms: number) => {
      const t = { fn, ms, cleared: false };
      pending.push(t);
      return t;
    },
    clearTimer: (t: unknown) => void ((t as { cleared: boolean }).cleared = true),
    fire: () => {
      const t = pending.shift();
      if (!t || t.cleared) throw new Error("no timer to fire");
      t.fn();
    },
  };
}

const metric = async (registry: Registry, name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];

describe("startPeriodicAudit", () => {
  it("audits at once, then once per interval after each audit ends, exporting violations by kind and mode", async () => {
    const timers = manualTimers();
    const registry = new Registry();
    const logs: string[] = [];
    const outcomes: (() => Promise<AuditResult>)[] = [
      async () => result([finding("a", false), finding("b", true), finding("c", false, "warn")]),
      async () => result([finding("a", true)]),
    ];
    let calls = 0;
    const audit = startPeriodicAudit({
      intervalMs: 60_000,
      registry,
      log: { info: (_f, m) => logs.push(m), error: (_f, m) => logs.push(m) },
      run: () => outcomes[calls++]!(),
      now: () => 1_700_000_000_000,
      ...timers,
    });
    await audit.first;
    expect(calls).toBe(1);
    expect(timers.pending.map((t) => t.ms)).toEqual([60_000]);
    const v = await metric(registry, "hush_webhook_audit_violations");
    expect(v.find((x) => x.labels.kind === "Secret" && x.labels.mode === "enforce")?.value).toBe(1);
    expect(v.find((x) => x.labels.kind === "Secret" && x.labels.mode === "warn")?.value).toBe(1);
    expect((await metric(registry, "hush_webhook_audit_last_success_timestamp_seconds"))[0]?.value).toBe(1_700_000_000);

    timers.fire();
    await audit.stop();
    expect(calls).toBe(2);
    const after = await metric(registry, "hush_webhook_audit_violations");
    expect(after.every((x) => x.value === 0)).toBe(true);
    expect(timers.pending).toEqual([]); // stopped: nothing scheduled after the audit in flight
    expect((await metric(registry, "hush_webhook_audit_runs_total")).find((x) => x.labels.result === "ok")?.value).toBe(2);
    expect(logs).toEqual(["background audit done", "background audit done"]);
  });

  it("keeps the last figures after a failed audit, counts and logs it by code, and keeps the schedule", async () => {
    const timers = manualTimers();
    const registry = new Registry();
    const errors: object[] = [];
    let calls = 0;
    const audit = startPeriodicAudit({
      intervalMs: 1000,
      registry,
      log: { info: () => undefined, error: (f) => errors.push(f) },
      run: async () => {
        calls++;
        if (calls === 2) throw Object.assign(new Error("secrets is forbidden: User cannot list resource"), { code: "HUSH_ERR_KUBE_FORBIDDEN" });
        return result([finding("a", false)]);
      },
      ...timers,
    });
    await audit.first;
    timers.fire();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(calls).toBe(2);
    expect(errors).toEqual([{ code: "HUSH_ERR_KUBE_FORBIDDEN", reason: "secrets is forbidden: User cannot list resource" }]);
    expect((await metric(registry, "hush_webhook_audit_violations")).find((x) => x.labels.mode === "enforce" && x.labels.kind === "Secret")?.value).toBe(1);
    expect((await metric(registry, "hush_webhook_audit_runs_total")).find((x) => x.labels.result === "error")?.value).toBe(1);
    expect(timers.pending.map((t) => t.ms)).toEqual([1000]);
    await audit.stop();
    expect(timers.pending[0]?.cleared).toBe(true);
  });
});
