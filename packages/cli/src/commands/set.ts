import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { inFile } from "../io/sops-options.js";
import type { CliIo } from "../io/cli-io.js";
import { openSession, saveSession, type SessionFlags } from "../io/sops-session.js";
import { getPath, jsonToTreeValue, parseSetPath, setPath, treeEquals } from "../io/tree-edit.js";

interface SetFlags extends SessionFlags {
  valueFile?: boolean;
  valueStdin?: boolean;
  idempotent?: boolean;
}

/**
 * Sets one value of an encrypted file in place (`hush set FILE PATH VALUE`), re-encrypting
 * with the same data key; other values keep their ciphertext. With `--idempotent`, an equal
 * value leaves the file untouched.
 */
export async function setValue(file: string, path: string, value: string | undefined, flags: SetFlags, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (flags.valueFile && flags.valueStdin) {
    throw new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", "--value-file and --value-stdin cannot be used together");
  }
  let text: string;
  if (flags.valueStdin) {
    if (value !== undefined) throw new HushError("HUSH_ERR_CLI_USAGE", "--value-stdin takes the value from stdin; drop the VALUE argument");
    text = readFileSync(0, "utf8");
  } else if (flags.valueFile) {
    if (value === undefined) throw new HushError("HUSH_ERR_CLI_USAGE", "--value-file needs the path of the file holding the value");
    try {
      text = readFileSync(value, "utf8");
    } catch (cause) {
      throw new HushError("HUSH_ERR_CLI_READ_INPUT", `${value}: cannot read the value file`, { cause });
    }
  } else {
    if (value === undefined) {
      throw new HushError("HUSH_ERR_CLI_NO_FILE", "no value given: hush set FILE PATH VALUE", { hint: "pass the value as JSON (strings in double quotes), or use --value-file/--value-stdin" });
    }
    text = value;
  }
  const treePath = parseSetPath(path);
  const newValue = jsonToTreeValue(text);
  const session = await openSession(file, flags, env);
  const branch = session.plain.branches[0];
  if (!branch) throw new HushError("HUSH_ERR_CLI_INVALID_SET", `${file}: the file has no document to set a value in`, { hint: "add a first document with `hush edit`" });
  if (flags.idempotent && treeEquals(getPath(branch, treePath), newValue)) return false;
  try {
    setPath(branch, treePath, newValue);
  } catch (err) {
    throw inFile(file, err);
  }
  await saveSession(session);
  return true;
}

/** Registers `hush set`. */
export function register(program: Command, _io: CliIo): void {
  program
    .command("set")
    .description("set one value of an encrypted file in place: hush set FILE '[\"key\"][0]' '<JSON value>'")
    .argument("<file>", "the encrypted file")
    .argument("<path>", "the tree path, e.g. '[\"data\"][\"password\"]'")
    .argument("[value]", "the value as JSON (or the value file with --value-file)")
    .option("--value-file", "read the value from the file named by VALUE")
    .option("--value-stdin", "read the value from stdin")
    .option("--idempotent", "do nothing when the value is already set to this")
    .option("--ignore-mac", "do not verify the MAC before changing the file")
    .option("--input-type <type>", "input format (default: from the file name)")
    .option("--output-type <type>", "output format (default: from the file name)")
    .option("--indent <n>", "indentation of YAML/JSON output")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)")
    .option("--config <file>", "path to .sops.yaml (env SOPS_CONFIG)")
    .action(async (file: string, path: string, value: string | undefined, flags: SetFlags) => {
      await setValue(file, path, value, flags);
    });
}
