import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { HushError } from "@hush/errors";
import type { CliIo } from "../io/cli-io.js";
import { requireMatchingCreationRule, resolveNewFileKeys, type NewFileFlags } from "../io/new-file-keys.js";
import { boolFlag, keyChangeFlags, stringFlag, type GlobalFlags } from "../io/sops-argv.js";

/** The subcommand a subcommand-less sops invocation amounts to, and its arguments. */
export interface LegacyPlan {
  /** `encrypt`, `decrypt`, `rotate`, `set` or `edit`. */
  readonly command: "encrypt" | "decrypt" | "rotate" | "set" | "edit";
  /** Words after the command's flags (`--` is put before them). */
  readonly positional: readonly string[];
}

/**
 * Plans sops's older, subcommand-less form (`sops -d FILE`, `sops -e -i FILE`, `sops -r
 * --add-age … FILE`, `sops --set '["k"] 1' FILE`, `sops FILE`) with the checks sops's main
 * action makes before it starts, in its order and with its exit codes:
 * no file (100), `--in-place` with `--output` (8), `--add-*`/`--rm-*` on a missing file (49),
 * -e/-d/-r on a missing file (100), and, for every mode but -d, a `.sops.yaml` whose creation
 * rules do not match the file (1). Several of -e/-d/-r/--set: sops runs them in that order and
 * shows only the last one's result, so that one is planned. Warnings go to stderr as sops's do.
 */
export async function planLegacy(flags: GlobalFlags, positional: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<LegacyPlan> {
  const modes = (["encrypt", "decrypt", "rotate"] as const).filter((m) => boolFlag(flags, m));
  const setArg = stringFlag(flags, "set");
  const isSet = setArg !== "";
  const isEdit = modes.length === 0 && !isSet;

  const file = positional[0];
  if (file === undefined) throw new HushError("HUSH_ERR_CLI_NO_FILE", "no file specified", { hint: "name the file after the flags, e.g. `hush -d secrets.yaml`" });
  if (positional.length > 1) {
    io.stderr.write(`hush: warning: more than one file given; only ${file} is used\n`);
    const flagLike = positional.slice(1).findLast((p) => p.startsWith("-"));
    if (flagLike !== undefined) io.stderr.write(`hush: warning: ${flagLike} comes after the file, so it is not read as a flag; flags go before the file\n`);
  }
  if (boolFlag(flags, "in-place") && stringFlag(flags, "output") !== "") {
    throw new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", "--in-place and --output cannot be used together");
  }
  if (!existsSync(file)) {
    if (keyChangeFlags.some((f) => stringFlag(flags, f) !== "")) {
      throw new HushError("HUSH_ERR_CLI_KEYS_NONEXISTENT_FILE", `${file}: cannot add or remove keys of a file that does not exist`, {
        hint: "create the file with -e (or `hush encrypt`) and the key flags --age/--pgp/…; --add-*/--rm-* change an existing file",
      });
    }
    if (modes.length > 0) {
      throw new HushError("HUSH_ERR_CLI_NO_FILE", `${file}: no such file`, { hint: "check the path; -e, -d and -r work on an existing file" });
    }
  }
  if (modes.length + (isSet ? 1 : 0) > 1) {
    io.stderr.write("hush: warning: more than one of --encrypt, --decrypt, --rotate, --set given; as in sops, only the last one's result is shown\n");
  }
  if (stringFlag(flags, "keyservice") !== "" || Array.isArray(flags.get("keyservice"))) {
    throw new HushError("HUSH_ERR_CLI_USAGE", "--keyservice is not supported: hush calls key providers directly", {
      hint: "drop --keyservice; hush uses the keys named in the file with the credentials of this machine",
    });
  }
  // sops loads the creation rules for every mode but a pure decrypt (getsops/sops#868).
  const needsRule = isEdit || isSet || modes.includes("encrypt") || modes.includes("rotate");
  const override = stringFlag(flags, "filename-override");
  const ruleName = override ? resolve(override) : resolve(file);
  if (needsRule) await requireMatchingCreationRule(stringFlag(flags, "config") || undefined, ruleName, env);
  // With -e and a later mode, sops still resolves -e's keys first and fails if there are none
  // (only the encryption itself may fail silently).
  if (modes.includes("encrypt") && (modes.length > 1 || isSet)) {
    const named: Record<string, unknown> = {};
    for (const [name, value] of flags) if (typeof value === "string") named[name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
    await resolveNewFileKeys(named as NewFileFlags, ruleName, env);
  }

  if (isSet) {
    // sops splits "PATH VALUE" after the first "] ": the path ends with "]", the value is JSON.
    const at = setArg.indexOf("] ");
    if (at < 0) {
      throw new HushError("HUSH_ERR_CLI_INVALID_SET", "invalid --set format", {
        hint: "give the path and the JSON value in one argument: --set '[\"key\"][0] \"value\"'",
      });
    }
    return { command: "set", positional: [file, setArg.slice(0, at + 1).trimEnd(), setArg.slice(at + 2)] };
  }
  const last = modes[modes.length - 1];
  return { command: last ?? "edit", positional: [file] };
}

/**
 * The flags to hand the planned subcommand: every global flag given that the subcommand
 * declares, as `--name=value` (so a value starting with "-" stays a value). Flags the mode does
 * not use are dropped, as sops ignores them.
 */
export function forwardFlags(flags: GlobalFlags, declared: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [name, value] of flags) {
    if (name === "set" || !declared.has(`--${name}`)) continue;
    if (value === true) out.push(`--${name}`);
    else if (typeof value === "string" && value !== "") out.push(`--${name}=${value}`);
  }
  return out;
}
