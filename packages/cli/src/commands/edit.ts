import { createHash } from "node:crypto";
import { pooledRandom } from "../io/random.js";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { HushError, isHushError } from "@hush/errors";
import { emitEncrypted, emitPlaintext, loadPlaintext, openEncrypted, sealTree, wrapDataKey, type Format, type Tree } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { resolveEditor, runEditor } from "../io/editor.js";
import { writeAtomic } from "../io/files.js";
import { addKeyFlags } from "../io/key-flags.js";
import { resolveNewFileKeys, type NewFileFlags } from "../io/new-file-keys.js";
import { keyProvidersFor } from "../io/providers.js";
import { addSelectorOptions, inFile, resolveFormats, storeOptions } from "../io/sops-options.js";
import { withPlaintextDir } from "../io/plaintext-temp.js";
import { openSession, saveSession, type SessionFlags } from "../io/sops-session.js";

interface EditFlags extends SessionFlags, NewFileFlags {
  showMasterKeys?: boolean;
}

const welcome = "Welcome to SOPS! Edit this file as you please!";

/** The example document sops starts a new file from, per store. */
function exampleDocument(format: Format): string {
  switch (format) {
    case "yaml":
      return `hello: ${welcome}\nexample_key: example_value\n# Example comment\nexample_array:\n    - example_value1\n    - example_value2\nexample_number: 1234.56789\nexample_booleans:\n    - true\n    - false\n`;
    case "json":
      return `${JSON.stringify({ hello: welcome, example_key: "example_value", example_array: ["example_value1", "example_value2"], example_number: 1234.56789, example_booleans: [true, false] }, null, 4)}\n`;
    case "dotenv":
      return `hello=${welcome}\nexample_key=example_value\n`;
    case "ini":
      return `[Welcome!]\nhello = ${welcome}\nexample_key = example_value\n`;
    case "binary":
      return `${welcome}\n`;
  }
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** Asks on the terminal whether to reopen the editor; false when stdin is not a terminal. */
async function askToRetry(io: CliIo): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    await rl.question("press Enter to return to the editor, or Ctrl+C to exit ");
    return true;
  } catch {
    return false;
  } finally {
    rl.close();
    io.stderr.write("");
  }
}

/**
 * Writes `original` into a 0600 file in a private temp directory, runs the editor until it
 * saves text that parses (asking on a terminal; failing with exit 2 otherwise), and returns
 * the parsed tree. Unchanged text is exit 200. The directory is removed on every path.
 */
async function editUntilValid<T = Tree>(
  file: string,
  original: Uint8Array,
  format: Format,
  editor: readonly string[],
  io: CliIo,
  env: NodeJS.ProcessEnv,
  parse: (bytes: Uint8Array) => T = (bytes) => loadPlaintext(bytes, format) as T,
): Promise<T> {
  return withPlaintextDir(async (dir) => {
    const path = dir.write(basename(file), original);
    const before = sha256(original);
    for (;;) {
      await runEditor(editor, path, env);
      const bytes = new Uint8Array(readFileSync(path));
      if (sha256(bytes) === before) {
        throw new HushError("HUSH_ERR_CLI_FILE_NOT_MODIFIED", `${file}: file has not changed, exiting`);
      }
      try {
        return parse(bytes);
      } catch (err) {
        if (!isHushError(err)) throw err;
        io.stderr.write(`hush: ${file}: the edited text is not valid ${format}: ${err.message}\n`);
        if (await askToRetry(io)) continue;
        throw new HushError("HUSH_ERR_CLI_EDIT_INVALID", `${file}: the edited text is not valid ${format}; the file was left unchanged`, {
          cause: err,
        });
      }
    }
  });
}

/**
 * Starts a new encrypted file as sops does: keys from the key flags or the creation rule,
 * the data key wrapped before the editor opens, an example document to edit; nothing is
 * written unless the edit is saved and valid.
 */
async function createFile(file: string, flags: EditFlags, io: CliIo, env: NodeJS.ProcessEnv): Promise<void> {
  const keys = await resolveNewFileKeys(flags, file, env);
  const format = resolveFormats(flags, file).output;
  const selectors = format === "binary" ? {} : keys.selectors;
  const providers = keyProvidersFor(env);
  const random = pooledRandom();
  const dataKey = random(32);
  try {
    const wrapped = await wrapDataKey(dataKey, keys.keyGroups, keys.threshold, providers, new Date(), random);
    const editor = resolveEditor(env);
    const tree = await editUntilValid(file, new TextEncoder().encode(exampleDocument(format)), format, editor, io, env);
    const sealed = sealTree(tree, { keyGroups: wrapped.keyGroups, shamirThreshold: wrapped.shamirThreshold, selectors }, dataKey, {
      now: new Date(),
      random,
    });
    await writeAtomic(file, emitEncrypted(sealed.tree, sealed.metadata, format, storeOptions(flags, format, keys.config?.config)), 0o644);
  } catch (err) {
    throw inFile(file, err);
  }
}

/**
 * Edits an encrypted file: decrypts it into a 0600 file in a private temp directory, runs
 * `$SOPS_EDITOR`/`$EDITOR`, re-validates what was saved, and re-encrypts it with the same
 * data key (unchanged values keep their ciphertext). Invalid input is never saved; the
 * temp directory is removed on every path, including Ctrl+C.
 */
export async function editFile(file: string, flags: EditFlags, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!existsSync(file)) {
    if (flags.showMasterKeys) {
      throw new HushError("HUSH_ERR_CLI_USAGE", `${file}: --show-master-keys needs an existing encrypted file`, {
        hint: "create the file first (hush edit FILE, or -e), then edit it with -s to see its master keys",
      });
    }
    await createFile(file, flags, io, env);
    return;
  }
  const session = await openSession(file, flags, env);
  const editor = resolveEditor(env);
  const format = session.formats.output;
  if (flags.showMasterKeys) {
    // As sops's -s: the decrypted values together with the `sops` metadata, whose master keys
    // and threshold may be edited too; values are re-encrypted with the same data key.
    const original = emitEncrypted(session.plain, session.opened.metadata, format, session.store);
    const edited = await editUntilValid(file, original, format, editor, io, env, (bytes) => openEncrypted(bytes, format));
    await saveSession(session, { tree: edited.tree, keyGroups: edited.metadata.keyGroups, shamirThreshold: edited.metadata.shamirThreshold });
    return;
  }
  const original = emitPlaintext(session.plain, format, session.store);
  const edited = await editUntilValid(file, original, format, editor, io, env);
  await saveSession(session, { tree: edited });
}

/** Registers `hush edit`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command("edit")
    .description("edit an encrypted file in $SOPS_EDITOR/$EDITOR; it is re-encrypted with the same data key")
    .argument("<file>", "the encrypted file (a new one is started from an example document)")
    .option("--input-type <type>", "input format: yaml, json, dotenv, ini or binary (default: from the file name)")
    .option("--output-type <type>", "format of the edited text and the result (default: from the file name)")
    .option("--ignore-mac", "do not verify the MAC before editing")
    .option("--indent <n>", "indentation of YAML/JSON output")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)")
    .option("--config <file>", "path to .sops.yaml (env SOPS_CONFIG)")
    .option("-s, --show-master-keys", "show and allow editing the file's sops metadata (master keys) along with its values")
    .option("-a, --age <recipients>", "new files: comma-separated age recipients (env SOPS_AGE_RECIPIENTS)")
    .option("--shamir-secret-sharing-threshold <n>", "new files: number of key groups needed to decrypt");
  addKeyFlags(cmd);
  addSelectorOptions(cmd);
  cmd.action(async (file: string, flags: EditFlags) => {
    await editFile(file, flags, io);
  });
}
