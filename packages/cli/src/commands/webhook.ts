import { readFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { parse as parseYaml } from "yaml";
import { HushError } from "@hush/errors";
import { parseDuration } from "@hush/kube";
import type { CliIo } from "../io/cli-io.js";

interface WebhookFlags {
  readonly listen: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly clientCa?: string;
  readonly config?: string;
  readonly mode?: string;
  readonly kubeconfig?: string;
  readonly auditInterval?: string;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

/** Registers `hush webhook`: serve the validating admission webhook until SIGTERM/SIGINT. */
export function register(program: Command, io: CliIo): void {
  program
    .command("webhook")
    .description("serve the admission webhook that keeps plaintext Secrets from GitOps sync out of the cluster")
    .requiredOption("--listen <host:port>", "address to serve HTTPS on", "0.0.0.0:8443")
    .requiredOption("--tls-cert <file>", "PEM certificate chain (reloaded when the file changes)")
    .requiredOption("--tls-key <file>", "PEM private key (reloaded when the file changes)")
    .option("--client-ca <file>", "answer /validate only to clients with a certificate this PEM CA signed (the API server)")
    .option("--config <file>", "policy file (YAML or JSON; see docs/webhook.md)")
    .option("--mode <mode>", "global mode, overriding the config file: enforce, warn or audit")
    .option("--kubeconfig <file>", "kubeconfig for Kustomization/Application lookups (default: in-cluster)")
    .option("--audit-interval <duration>", "also audit the objects already in the cluster every DURATION (e.g. 1h) and write PolicyReports (off by default)")
    .addOption(new Option("--log-level <level>", "log level").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"))
    .action(async (flags: WebhookFlags) => {
      const { parsePolicy, serveWebhook } = await import("@hush/webhook");
      const config = flags.config === undefined ? undefined : await readConfig(flags.config);
      const policy = parsePolicy(config, flags.mode === undefined ? {} : { mode: flags.mode });
      const auditIntervalMs = flags.auditInterval === undefined ? undefined : auditInterval(flags.auditInterval);
      const running = await serveWebhook({
        listen: flags.listen,
        tlsCertFile: flags.tlsCert,
        tlsKeyFile: flags.tlsKey,
        ...(flags.clientCa ? { clientCaFile: flags.clientCa } : {}),
        policy,
        logger: { level: flags.logLevel, sink: io.stdout as { write(line: string): unknown } },
        ...(flags.kubeconfig ? { kubeconfigPath: flags.kubeconfig } : {}),
        ...(auditIntervalMs !== undefined ? { auditIntervalMs } : {}),
      });
      await running.closed;
    });
}

/** `--audit-interval`: a Go duration of at least one second (each audit lists every Secret). */
function auditInterval(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text, "--audit-interval");
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_USAGE", `--audit-interval ${JSON.stringify(text.slice(0, 40))} is not a duration like 1h, 15m or 30s`, { cause });
  }
  if (ms < 1000) throw new HushError("HUSH_ERR_CLI_USAGE", "--audit-interval must be at least 1s");
  return ms;
}

/** Reads the webhook policy file (YAML or JSON), shared with `hush audit`. */
export async function readConfig(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new HushError("HUSH_ERR_CLI_READ_INPUT", `cannot read the webhook config ${path}`, { cause });
  }
  try {
    return parseYaml(text) as unknown;
  } catch (cause) {
    // The parser's message quotes the offending line; only its position would be safe, so say less.
    throw new HushError("HUSH_ERR_WEBHOOK_CONFIG", `${path} is not valid YAML or JSON`, { cause });
  }
}
