import { Command, CommanderError } from "commander";
import { isHushError } from "@hush/errors";
import type { CliIo } from "./io/cli-io.js";

/** A subcommand module: registers itself on the program. Loaded only when needed. */
export interface CommandModule {
  register(program: Command, io: CliIo): void;
}

// Each subcommand is imported lazily so that `hush decrypt` never loads the webhook,
// the controller, the scanner or a cloud SDK (cold start matters for pre-commit hooks).
// Several names may share one module (`scan` registers `hook` too): it is registered once.
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
  seal: () => import("./commands/seal.js"),
  unseal: () => import("./commands/unseal.js"),
};

/** Names of every subcommand, for tests and help. */
export const commandNames = Object.keys(commands);

/** The hush version reported by `--version` and written as nothing else (sops files carry the sops version). */
export const HUSH_VERSION = "0.1.0";

/** The sops release whose command line and file format hush implements. */
export const SOPS_COMPATIBLE_VERSION = "3.13.3";

/**
 * What `--version` prints. The first line is exactly what `sops --version
 * --disable-version-check` prints, so scripts that read the sops version from it (the
 * second word, the last word, or the first x.y.z) keep working under `alias sops=hush`.
 */
export function versionText(): string {
  return `sops ${SOPS_COMPATIBLE_VERSION}\nhush ${HUSH_VERSION} (compatible with sops ${SOPS_COMPATIBLE_VERSION})\n`;
}

const versionFlags = new Set(["-v", "--v", "-version", "--version"]);
const helpFlags = new Set(["-h", "--h", "-help", "--help"]);

/**
 * Parses `argv` (without `node` and the script) and runs the command. Returns the process
 * exit code; never calls `process.exit`, so tests can drive it in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv.findIndex((a) => !a.startsWith("-") || a === "-");
  const leading = first === -1 ? argv : argv.slice(0, first);
  // sops answers --version before looking at anything else on the line (it also accepts
  // --disable-version-check/--check-for-updates there; hush never checks the network).
  if (leading.some((a) => versionFlags.has(a.split("=")[0] as string))) {
    io.stdout.write(versionText());
    return 0;
  }
  const program = makeProgram(io);
  const word = first === -1 ? undefined : argv[first];

  if (word === undefined || word === "help" || leading.some((a) => helpFlags.has(a))) {
    const topic = word === "help" ? argv[first + 1] : undefined;
    if (topic !== undefined && !Object.hasOwn(commands, topic)) {
      io.stderr.write(`hush: no help for '${printable(topic)}': not a hush command (run 'hush --help' for the list)\n`);
      return 1;
    }
    await registerAll(program, io, topic === undefined ? commandNames : [topic]);
    const target = topic === undefined ? program : program.commands.find((c) => c.name() === topic);
    io.stdout.write((target ?? program).helpInformation());
    return 0;
  }

  if (!Object.hasOwn(commands, word)) {
    io.stderr.write(`hush: unknown command '${printable(word)}' (run 'hush --help' for the list of commands)\n`);
    return 1;
  }
  await registerAll(program, io, [word]);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    return reportError(err, io);
  }
}

function makeProgram(io: CliIo): Command {
  return new Command("hush")
    .description("Keep secrets out of Git: a SOPS-compatible CLI, a secret scanner, a sync controller and an admission webhook.")
    .version(versionText().trimEnd(), "-v, --version", "print the hush version and the sops version it is compatible with")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError(false);
}

/** Registers the modules behind `names`, each module once. */
async function registerAll(program: Command, io: CliIo, names: readonly string[]): Promise<void> {
  const loaders = [...new Set(names.map((n) => commands[n]).filter((l) => l !== undefined))];
  const modules = new Set(await Promise.all(loaders.map((load) => load())));
  for (const m of modules) m.register(program, io);
}

/** A command-line word shown back to the user: bounded, control characters removed. */
function printable(s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, "?");
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

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
