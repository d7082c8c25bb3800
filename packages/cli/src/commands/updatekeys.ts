import { createInterface } from "node:readline/promises";
import { pooledRandom } from "../io/random.js";
import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { emitEncrypted, findCreationRule, openEncrypted, unwrapDataKey, wrapDataKey } from "@hush/sops";
import { keyProvidersFor } from "../io/providers.js";
import type { CliIo } from "../io/cli-io.js";
import { loadSopsConfig, pathForRules } from "../io/config.js";
import { fileMode, readInput, writeAtomic } from "../io/files.js";
import { diffKeyGroups, toRef } from "../io/key-groups.js";
import { resolveFormats, inFile, parseDecryptionOrder } from "../io/sops-options.js";


interface UpdateKeysFlags {
  yes?: boolean;
  inputType?: string;
  config?: string;
  shamirSecretSharingThreshold?: string;
  decryptionOrder?: string;
}

async function confirm(io: CliIo): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  try {
    io.stderr.write("Is this okay? (y/n): ");
    for await (const line of rl) {
      const answer = line.trim().toLowerCase();
      if (answer === "y") return true;
      if (answer === "n") return false;
      io.stderr.write("Is this okay? (y/n): ");
    }
  } finally {
    rl.close();
  }
  throw new HushError("HUSH_ERR_CLI_USAGE", "no answer on stdin; pass --yes to apply the key changes without asking", { hint: "pass --yes, or run it from a terminal to answer" });
}

/**
 * Makes a file's key groups match its current `.sops.yaml` creation rule, as `sops
 * updatekeys` does: the data key, every value, the MAC and `lastmodified` stay as they are;
 * only the wrapped copies of the data key change. Returns true when the file was rewritten.
 */
export async function updateKeys(file: string, flags: UpdateKeysFlags, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const loaded = await loadSopsConfig(flags.config, process.cwd(), env);
  if (!loaded || loaded.config.creationRules.length === 0) {
    throw new HushError("HUSH_ERR_CLI_NO_CREATION_RULE", "config file not found, or has no creation rules", {
      hint: "updatekeys takes the keys from .sops.yaml only: add a creation rule for this file, or use `hush rotate --add-*` instead",
    });
  }
  const rule = findCreationRule(loaded.config, pathForRules(file, loaded.path, process.cwd()));
  if (!rule) {
    throw new HushError("HUSH_ERR_CLI_NO_CREATION_RULE", `no matching creation rules found: none in ${loaded.path} matches ${file}`, {
      hint: "updatekeys takes the keys from .sops.yaml only: add a rule whose path_regex matches this file",
    });
  }
  const formats = resolveFormats(flags, file);
  const order = parseDecryptionOrder(flags.decryptionOrder ?? env["SOPS_DECRYPTION_ORDER"]);
  const bytes = await readInput(file);
  try {
    const opened = openEncrypted(bytes, formats.input);
    const before = opened.metadata.keyGroups.map((g) => g.map(toRef));
    const after = rule.keyGroups.map((g) => [...g]);
    const threshold =
      flags.shamirSecretSharingThreshold !== undefined ? Number(flags.shamirSecretSharingThreshold) : rule.shamirThreshold;
    if (!Number.isInteger(threshold) || threshold < 0) {
      throw new HushError("HUSH_ERR_CLI_USAGE", "--shamir-secret-sharing-threshold takes a whole number", { hint: "give how many key groups must be available to decrypt, e.g. 2" });
    }
    const diff = diffKeyGroups(before, after);
    const keysChanged = diff.some((d) => d.added.length > 0 || d.removed.length > 0);
    const thresholdChanged = after.length > 1 && (threshold || after.length) !== (opened.metadata.shamirThreshold || before.length);
    if (!keysChanged && !thresholdChanged) {
      io.stderr.write(`${file}: already up to date\n`);
      return false;
    }
    io.stderr.write(`${file}: the following changes will be made to the file's key groups:\n`);
    for (const d of diff) {
      io.stderr.write(`Group ${d.group}\n`);
      for (const k of d.kept) io.stderr.write(`    ${k}\n`);
      for (const k of d.added) io.stderr.write(`+++ ${k}\n`);
      for (const k of d.removed) io.stderr.write(`--- ${k}\n`);
    }
    if (thresholdChanged) io.stderr.write(`shamir threshold: ${opened.metadata.shamirThreshold} -> ${threshold || after.length}\n`);
    if (!flags.yes && !(await confirm(io))) {
      io.stderr.write(`${file}: left unchanged\n`);
      return false;
    }
    const types = new Set([...before.flat(), ...after.flat()].map((k) => k.type));
    const providers = keyProvidersFor(env);
    const dataKey = await unwrapDataKey(opened.metadata, providers, order);
    const random = pooledRandom();
    const wrapped = await wrapDataKey(dataKey, after, threshold, providers, new Date(), random);
    const metadata = { ...opened.metadata, keyGroups: wrapped.keyGroups, shamirThreshold: wrapped.shamirThreshold };
    const config = loaded.config.stores;
    const indent = formats.input === "yaml" ? config.yaml?.indent : formats.input === "binary" ? config.json_binary?.indent : config.json?.indent;
    const out = emitEncrypted(opened.tree, metadata, formats.input, indent !== undefined ? { indent } : {});
    await writeAtomic(file, out, (await fileMode(file)) ?? 0o644);
    io.stderr.write(`${file}: key groups updated\n`);
    return true;
  } catch (err) {
    throw inFile(file, err);
  }
}

/** Registers `hush updatekeys`. */
export function register(program: Command, io: CliIo): void {
  program
    .command("updatekeys")
    .description("re-wrap the data key of encrypted files for the keys their .sops.yaml creation rule lists now")
    .argument("<files...>", "the encrypted files")
    .option("-y, --yes", "apply the changes without asking")
    .option("--input-type <type>", "input format (default: from the file name)")
    .option("--shamir-secret-sharing-threshold <n>", "number of key groups needed to decrypt (default: the rule's)")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)")
    .option("--config <file>", "path to .sops.yaml (env SOPS_CONFIG)")
    .action(async (files: string[], flags: UpdateKeysFlags) => {
      for (const file of files) await updateKeys(file, flags, io);
    });
}
