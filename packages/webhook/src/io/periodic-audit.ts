import { Counter, Gauge, type Registry } from "prom-client";
import { isViolation, type AuditFinding } from "../audit.js";
import type { AuditResult } from "./audit-cluster.js";

/** What the periodic audit logs; fastify's logger fits. */
export interface AuditLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Options of {@link startPeriodicAudit}. */
export interface PeriodicAuditOptions {
  /** Time between the end of one audit and the start of the next. */
  readonly intervalMs: number;
  /** One audit of the cluster (`auditCluster` with `writeReports`). */
  readonly run: () => Promise<AuditResult>;
  readonly registry: Registry;
  readonly log: AuditLog;
  /** Timers, injectable for tests. */
  readonly setTimer?: (fn: () => void, ms: number) => { unref?(): unknown };
  readonly clearTimer?: (timer: unknown) => void;
  readonly now?: () => number;
}

/** A running periodic audit. */
export interface PeriodicAudit {
  /** Resolves once the first audit has finished (succeeded or failed). */
  readonly first: Promise<void>;
  /** Stops scheduling and waits for an audit in flight. */
  stop(): Promise<void>;
}

/**
 * The webhook Deployment's background audit, as Kyverno's background scan: audits at once,
 * then again `intervalMs` after each audit ends (never two at a time), and exports what it
 * found as `hush_webhook_audit_*` metrics. A failed audit keeps the previous figures, is
 * logged by code and counted, and the next one runs on schedule.
 */
export function startPeriodicAudit(options: PeriodicAuditOptions): PeriodicAudit {
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  const now = options.now ?? Date.now;
  const runs = new Counter({
    name: "hush_webhook_audit_runs_total",
    help: "Background audits of the Secrets and ConfigMaps already in the cluster, by result (ok, error).",
    labelNames: ["result"] as const,
    registers: [options.registry],
  });
  const violations = new Gauge({
    name: "hush_webhook_audit_violations",
    help: "GitOps-applied objects the policy would refuse, as of the last successful background audit, by kind and mode.",
    labelNames: ["kind", "mode"] as const,
    registers: [options.registry],
  });
  const lastSuccess = new Gauge({
    name: "hush_webhook_audit_last_success_timestamp_seconds",
    help: "When the last background audit succeeded (Unix time).",
    registers: [options.registry],
  });

  let stopped = false;
  let timer: unknown;
  let inFlight: Promise<void> = Promise.resolve();
  const record = (findings: readonly AuditFinding[]) => {
    violations.reset();
    for (const kind of ["Secret", "ConfigMap"]) for (const mode of ["enforce", "warn", "audit"]) violations.set({ kind, mode }, 0);
    for (const f of findings.filter(isViolation)) violations.inc({ kind: f.kind, mode: f.verdict.mode });
  };
  const once = async () => {
    try {
      const result = await options.run();
      record(result.findings);
      runs.inc({ result: "ok" });
      lastSuccess.set(now() / 1000);
      const bad = result.findings.filter(isViolation).length;
      options.log.info({ scanned: result.scanned, fromGit: result.findings.length, violations: bad, reports: result.reports.length }, "background audit done");
    } catch (err) {
      runs.inc({ result: "error" });
      // The code and message only: errors here carry API paths, never object contents.
      const e = err as { code?: unknown; message?: unknown };
      options.log.error({ code: typeof e.code === "string" ? e.code : "unknown", reason: typeof e.message === "string" ? e.message : String(err) }, "background audit failed; the next one runs on schedule");
    }
  };
  const cycle = () => {
    inFlight = once().then(() => {
      if (stopped) return;
      const t = setTimer(cycle, options.intervalMs);
      t.unref?.(); // the server keeps the process alive, not the audit
      timer = t;
    });
    return inFlight;
  };
  const first = cycle();
  return {
    first,
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimer(timer);
      await inFlight;
    },
  };
}
