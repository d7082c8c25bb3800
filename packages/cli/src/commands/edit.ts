import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { HushError, isHushError } from "@hush/errors";
import { emitPlaintext, loadPlaintext, type Tree } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { resolveEditor, runEditor } from "../io/editor.js";
import { writeAtomic } from "../io/files.js";
import { withPlaintextDir } from "../io/plaintext-temp.js";
import { inFile, openSession, sealSession, type SessionFlags } from "../io/sops-session.js";

interface EditFlags extends SessionFlags {
  showMasterKeys?: boolean;
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
 * Edits an encrypted file: decrypts it into a 0600 file in a private temp directory, runs
 * `$SOPS_EDITOR`/`$EDITOR`, re-validates what was saved, and re-encrypts it with the same
 * data key (unchanged values keep their ciphertext). Invalid input is never saved; the
 * temp directory is removed on every path, including Ctrl+C.
 */
export async function editFile(file: string, flags: EditFlags, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!existsSync(file)) {
    throw new HushError("HUSH_ERR_CLI_NO_FILE", `${file}: no such file (hush edit only edits existing encrypted files; create it with hush encrypt)`);
  }
  if (flags.showMasterKeys) {
    throw new HushError("HUSH_ERR_CLI_USAGE", "--show-master-keys is not supported by hush edit; use `hush rotate --add-*/--rm-*` or `hush updatekeys`");
  }
  const session = await openSession(file, flags, env);
  const editor = resolveEditor(env);
  const format = session.formats.output;
  const original = emitPlaintext(session.plain, format, session.store);
  const edited = await withPlaintextDir(async (dir) => {
    const path = dir.write(basename(file), original);
    const before = sha256(original);
    for (;;) {
      await runEditor(editor, path, env);
      const bytes = new Uint8Array(readFileSync(path));
      if (sha256(bytes) === before) {
        throw new HushError("HUSH_ERR_CLI_FILE_NOT_MODIFIED", `${file}: file has not changed, exiting`);
      }
      let tree: Tree;
      try {
        tree = loadPlaintext(bytes, format);
      } catch (err) {
        if (!isHushError(err)) throw err;
        io.stderr.write(`hush: ${file}: the edited text is not valid ${format}: ${err.message}\n`);
        if (await askToRetry(io)) continue;
        throw new HushError("HUSH_ERR_CLI_EDIT_INVALID", `${file}: the edited text is not valid ${format}; the file was left unchanged`, {
          cause: err,
        });
      }
      return tree;
    }
  });
  try {
    await writeAtomic(file, sealSession(session, { tree: edited }), session.mode ?? 0o644);
  } catch (err) {
    throw inFile(file, err);
  }
}

/** Registers `hush edit`. */
export function register(program: Command, io: CliIo): void {
  program
    .command("edit")
    .description("edit an encrypted file in $SOPS_EDITOR/$EDITOR; it is re-encrypted with the same data key")
    .argument("<file>", "the encrypted file")
    .option("--input-type <type>", "input format: yaml, json, dotenv, ini or binary (default: from the file name)")
    .option("--output-type <type>", "format of the edited text and the result (default: from the file name)")
    .option("--ignore-mac", "do not verify the MAC before editing")
    .option("--indent <n>", "indentation of YAML/JSON output")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)")
    .option("--config <file>", "path to .sops.yaml (env SOPS_CONFIG)")
    .option("-s, --show-master-keys", "not supported by hush")
    .action(async (file: string, flags: EditFlags) => {
      await editFile(file, flags, io);
    });
}
