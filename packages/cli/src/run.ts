import { Command, CommanderError } from "commander";
import { isHushError } from "@hush/errors";
import type { CliIo } from "./io/cli-io.js";

/** A subcommand module: registers itself on the program. Loaded only when needed. */
export interface CommandModule {
  register(program: Command, io: CliIo): void;
}

// Each subcommand is imported lazily so that `hush decrypt` never loads the webhook,
// the controller, the scanner or a cloud SDK (cold start matters for pre-commit hooks).
const commands: Record<string, () => Promise<CommandModule>> = {
  encrypt: () => import("./commands/encrypt.js"),
  decrypt: () => import("./commands/decrypt.js"),
  filestatus: () => import("./commands/filestatus.js"),
  keygen: () => import("./commands/keygen.js"),
  edit: () => import("./commands/edit.js"),
  rotate: () => import("./commands/rotate.js"),
  updatekeys: () => import("./commands/updatekeys.js"),
  set: () => import("./commands/set.js"),
  unset: () => import("./commands/unset.js"),
  "exec-env": () => import("./commands/exec-env.js"),
  "exec-file": () => import("./commands/exec-file.js"),
  scan: () => import("./commands/scan.js"),
  hook: () => import("./commands/scan.js"),
  webhook: () => import("./commands/webhook.js"),
  controller: () => import("./commands/controller.js"),
};

/** Names of every subcommand, for tests and help. */
export const commandNames = Object.keys(commands);

/**
 * Parses `argv` (without `node` and the script) and runs the command. Returns the process
 * exit code; never calls `process.exit`, so tests can drive it in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command("hush")
    .description("Keep secrets out of Git: a SOPS-compatible CLI, a secret scanner, a sync controller and an admission webhook.")
    .version(HUSH_VERSION, "-v, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError(false);

  const wanted = argv.find((a) => Object.hasOwn(commands, a));
  const toLoad = wanted === undefined ? commandNames : [wanted];
  for (const name of toLoad) {
    const load = commands[name];
    if (load) (await load()).register(program, io);
  }

  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    return reportError(err, io);
  }
}

/** The hush version reported by `--version` and written as nothing else (sops files carry the sops version). */
export const HUSH_VERSION = "0.1.0";

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help text).
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
    return err.exitCode === 0 ? 0 : 1;
  }
  if (isHushError(err)) {
    const hint = err.hint ? ` (${err.hint})` : "";
    io.stderr.write(`hush: ${err.message}${hint}\n`);
    return err.exitCode;
  }
  // Unknown errors may carry library text built from input; print only their type.
  const name = err instanceof Error ? err.name : typeof err;
  io.stderr.write(`hush: internal error (${name}); rerun with HUSH_DEBUG=1 for a stack trace\n`);
  if (process.env["HUSH_DEBUG"] === "1" && err instanceof Error) io.stderr.write(`${err.stack ?? ""}\n`);
  return 1;
}
