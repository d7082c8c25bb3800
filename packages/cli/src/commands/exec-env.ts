import { spawn } from "node:child_process";
import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { SopsTime, TreeList, TreeMap, emitPlaintext, type TreeValue } from "@hush/sops";
import { inFile } from "../io/sops-options.js";
import type { CliIo } from "../io/cli-io.js";
import { openSession, type SessionFlags } from "../io/sops-session.js";

interface ExecEnvFlags extends SessionFlags {
  pristine?: boolean;
  user?: string;
  sameProcess?: boolean;
  background?: boolean;
}

/** A top-level scalar as the text sops puts into the environment. */
function envText(key: string, value: TreeValue): string {
  if (value instanceof TreeMap || value instanceof TreeList) {
    throw new HushError("HUSH_ERR_CLI_USAGE", `${key} holds a nested value, which cannot go into the environment`, {
      hint: "use hush exec-file for nested documents",
    });
  }
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (value instanceof SopsTime) return value.text;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (typeof value === "number") {
    // Floats take the dotenv store's formatting (Go %G with a forced ".0"), as sops does.
    const line = new TextDecoder().decode(emitPlaintext({ branches: [new TreeMap([{ key: "k", value }])] }, "dotenv"));
    return line.slice(2).replace(/\n$/, "");
  }
  return String(value);
}

/** Runs `/bin/sh -c command` and resolves with its exit status (128+n when killed by signal n). */
export function runShell(command: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], { stdio: "inherit", env });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const s of signals) process.on(s, forward);
    child.once("error", (err) => {
      for (const s of signals) process.removeListener(s, forward);
      reject(new HushError("HUSH_ERR_CLI_USAGE", "could not run /bin/sh", { cause: err }));
    });
    child.once("exit", (code, signal) => {
      for (const s of signals) process.removeListener(s, forward);
      resolve(code ?? 128 + (signal ? (({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }) as Record<string, number>)[signal] ?? 0 : 0));
    });
  });
}

/**
 * Decrypts a file and runs `command` with its top-level keys added to the environment. The
 * plaintext only ever lives in this process and the child's environment: nothing is written
 * to disk. Resolves with the child's exit status, which the CLI exits with.
 */
export async function execEnv(file: string, command: string, flags: ExecEnvFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (flags.user) throw new HushError("HUSH_ERR_CLI_USAGE", "--user is not supported by hush exec-env", { hint: "run hush itself as that user (e.g. with sudo -u)" });
  if (flags.background) throw new HushError("HUSH_ERR_CLI_USAGE", "--background is not supported by hush exec-env", { hint: "drop --background and put the whole hush command in the background from your shell" });
  const session = await openSession(file, flags, env);
  const childEnv: NodeJS.ProcessEnv = flags.pristine ? {} : { ...env };
  try {
    for (const entry of session.plain.branches[0]?.entries() ?? []) childEnv[entry.key] = envText(entry.key, entry.value);
  } catch (err) {
    throw inFile(file, err);
  }
  return runShell(command, childEnv);
}

/** Registers `hush exec-env`. */
export function register(program: Command, _io: CliIo): void {
  program
    .command("exec-env")
    .description("run a command with the decrypted top-level values of a file in its environment (never written to disk)")
    .argument("<file>", "the encrypted file")
    .argument("<command>", "the command, run with /bin/sh -c")
    .option("--pristine", "start from an empty environment instead of hush's")
    .option("--same-process", "accepted for compatibility; hush always runs the command as a child process")
    .option("--user <user>", "not supported by hush")
    .option("--background", "not supported by hush")
    .option("--ignore-mac", "do not verify the MAC")
    .option("--input-type <type>", "input format (default: from the file name)")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)")
    .option("--config <file>", "path to .sops.yaml (env SOPS_CONFIG)")
    .action(async (file: string, command: string, flags: ExecEnvFlags) => {
      process.exitCode = await execEnv(file, command, flags);
    });
}
