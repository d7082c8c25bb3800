import { Option, type Command } from "commander";
import type { CliIo } from "../io/cli-io.js";
import { readConfig } from "./webhook.js";

interface AuditFlags {
  readonly config?: string;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly writeReports?: boolean;
  readonly output: "table" | "json";
}

/**
 * Registers `hush audit`: judge the Secrets and ConfigMaps already in the cluster with the
 * webhook's policy, print them, and optionally write PolicyReports. Exit 1 when any violates it.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command("audit")
    .description("list GitOps-applied Secrets and ConfigMaps in the cluster that the admission webhook would refuse")
    .option("--config <file>", "webhook policy file (YAML or JSON; see docs/webhook.md)")
    .option("--kubeconfig <file>", "kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
    .option("-n, --namespace <namespace>", "only this namespace")
    .option("--write-reports", "server-side apply a wgpolicyk8s.io/v1alpha2 PolicyReport per namespace")
    .addOption(new Option("-o, --output <format>", "table, or json (the PolicyReports)").choices(["table", "json"]).default("table"))
    .action(async (flags: AuditFlags) => {
      const { auditCluster, isViolation, parsePolicy } = await import("@hush/webhook");
      const policy = parsePolicy(flags.config === undefined ? undefined : await readConfig(flags.config));
      const result = await auditCluster({
        policy,
        ...(flags.kubeconfig ? { kubeconfigPath: flags.kubeconfig } : {}),
        ...(flags.namespace ? { namespace: flags.namespace } : {}),
        ...(flags.writeReports ? { writeReports: true } : {}),
      });
      const bad = result.findings.filter(isViolation);
      if (flags.output === "json") {
        io.stdout.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items: result.reports }, null, 2)}\n`);
      } else {
        const rows = result.findings.map((f) => [f.kind, `${f.namespace}/${f.name}`, isViolation(f) ? (f.verdict.mode === "warn" ? "warn" : "fail") : "pass", f.verdict.reason]);
        const header = ["KIND", "OBJECT", "RESULT", "REASON"];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
        for (const row of [header, ...rows]) io.stdout.write(`${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()}\n`);
        for (const f of bad) io.stdout.write(`\n${f.verdict.message}\n`);
      }
      io.stderr.write(
        `hush: audited ${result.scanned} Secrets and ConfigMaps: ${result.findings.length} applied from Git, ${bad.length} violating the policy` +
          `${flags.writeReports ? `; wrote ${result.reports.length} PolicyReport(s)` : ""}\n`,
      );
      process.exitCode = bad.length > 0 ? 1 : 0;
    });
}
