import { existsSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { HushError, isHushError } from "@hush/errors";
import type { CliIo } from "./io/cli-io.js";
import { boolFlag, parseSopsArgv, stringFlag, type GlobalFlags } from "./io/sops-argv.js";

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
  publish: () => import("./commands/publish.js"),
  scan: () => import("./commands/scan.js"),
  hook: () => import("./commands/scan.js"),
  webhook: () => import("./commands/webhook.js"),
  audit: () => import("./commands/audit.js"),
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

/**
 * Parses `argv` (without `node` and the script) and runs the command. Returns the process
 * exit code; never calls `process.exit`, so tests can drive it in-process.
 *
 * The line is read as sops reads it: global flags, then a subcommand, or, in sops's older
 * form, mode flags and a file (`hush -d FILE`, `hush FILE` to edit). See docs/sops-parity.md.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseSopsArgv(argv);
  if (!parsed.ok) {
    io.stderr.write(`hush: ${printable(parsed.error, 80)} (run 'hush --help' for usage)\n`);
    return 1;
  }
  const { flags, positional } = parsed;
  const word = positional[0];
  if (boolFlag(flags, "help") || word === "help" || word === "h" || (word === undefined && flags.size === 0)) {
    return showHelp(word === "help" || word === "h" ? positional[1] : undefined, io);
  }
  // sops answers --version before anything else (--disable-version-check and
  // --check-for-updates are accepted; hush never checks the network).
  if (boolFlag(flags, "version")) {
    io.stdout.write(versionText());
    return 0;
  }

  const program = makeProgram(io);
  let args: string[];
  const restoreEnv = applyGlobalFlags(flags);
  try {
    if (word !== undefined && Object.hasOwn(commands, word)) {
      await registerAll(program, io, [word]);
      args = [word, ...globalOptionsFor(program, word, flags), ...positional.slice(1)];
    } else {
      if (word !== undefined && flags.size === 0 && positional.length === 1 && looksLikeCommand(word)) {
        throw new HushError("HUSH_ERR_CLI_UNKNOWN_COMMAND", `unknown command '${printable(word)}'`, {
          hint: `run 'hush --help' for the list of commands; to edit a new file of that name, run 'hush edit ${printable(word)}'`,
        });
      }
      const { planLegacy, forwardFlags } = await import("./commands/legacy.js");
      const plan = await planLegacy(flags, positional, io, process.env);
      await registerAll(program, io, [plan.command]);
      const declared = new Set(commandOf(program, plan.command).options.map((o) => o.long ?? ""));
      args = [plan.command, ...forwardFlags(flags, declared), "--", ...plan.positional];
    }
    await program.parseAsync(args, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    return reportError(err, io);
  } finally {
    restoreEnv();
  }
}

/** Prints the program's help, or one command's; an unknown topic is one line and exit 1. */
async function showHelp(topic: string | undefined, io: CliIo): Promise<number> {
  if (topic !== undefined && !Object.hasOwn(commands, topic)) {
    io.stderr.write(`hush: no help for '${printable(topic)}': not a hush command (run 'hush --help' for the list)\n`);
    return 1;
  }
  const program = makeProgram(io);
  await registerAll(program, io, topic === undefined ? commandNames : [topic]);
  (topic === undefined ? program : commandOf(program, topic)).outputHelp();
  return 0;
}

/**
 * A lone word that is neither a command nor an existing file, with no extension and no
 * directory part, is read as a mistyped command rather than sops's `sops FILE` (which would
 * start a new encrypted file of that name).
 */
function looksLikeCommand(word: string): boolean {
  return !existsSync(word) && !/[./\\]/.test(word);
}

function commandOf(program: Command, name: string): Command {
  const cmd = program.commands.find((c) => c.name() === name);
  if (!cmd) throw new HushError("HUSH_ERR_CLI_INTERNAL", `command ${name} did not register`);
  return cmd;
}

/**
 * sops's global `--config` reaches every subcommand (`sops --config x decrypt f`); hush's
 * config loaders read it from `SOPS_CONFIG`, which the flag overrides as in sops. Restored
 * after the run so in-process callers see no change.
 */
function applyGlobalFlags(flags: GlobalFlags): () => void {
  const config = stringFlag(flags, "config");
  if (config === "") return () => {};
  const before = process.env["SOPS_CONFIG"];
  process.env["SOPS_CONFIG"] = config;
  return () => {
    if (before === undefined) delete process.env["SOPS_CONFIG"];
    else process.env["SOPS_CONFIG"] = before;
  };
}

/** sops's other global flags its subcommands read (`--indent`, `--mac-only-encrypted`). */
function globalOptionsFor(program: Command, name: string, flags: GlobalFlags): string[] {
  const declared = new Set(commandOf(program, name).options.map((o) => o.long ?? ""));
  const out: string[] = [];
  const indent = stringFlag(flags, "indent");
  if (indent !== "" && declared.has("--indent")) out.push(`--indent=${indent}`);
  if (boolFlag(flags, "mac-only-encrypted") && declared.has("--mac-only-encrypted")) out.push("--mac-only-encrypted");
  return out;
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
    .showHelpAfterError(false)
    .addHelpText(
      "after",
      `
sops's older forms work too (alias sops=hush):
  hush -d FILE, hush -e -i FILE, hush -r --add-age KEY -i FILE, hush --set '["k"] "v"' FILE
  hush FILE                 edit (starts a new file from an example when FILE does not exist)
  hush --config X CMD ...   global flags go before the command, as in sops
`,
    );
}

/** Registers the modules behind `names`, each module once. */
async function registerAll(program: Command, io: CliIo, names: readonly string[]): Promise<void> {
  const loaders = [...new Set(names.map((n) => commands[n]).filter((l) => l !== undefined))];
  const modules = new Set(await Promise.all(loaders.map((load) => load())));
  for (const m of modules) m.register(program, io);
}

/** A command-line word shown back to the user: bounded, control characters removed. */
function printable(s: string, max = 40): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help text).
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
    return err.exitCode === 0 ? 0 : 1;
  }
  if (isHushError(err)) {
    if (err.verbatim) {
      io.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
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
