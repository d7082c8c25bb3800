import { readFile, readdir, stat } from "node:fs/promises";
import { basename, extname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { isDeepStrictEqual } from "node:util";
import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { decryptFile, formatForPath } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { loadSopsConfig } from "../io/config.js";
import { findDestinationRule, vaultSecretPath, type DestinationRule } from "../io/destinations.js";
import { readInput } from "../io/files.js";
import { keyProvidersFor } from "../io/providers.js";
import { inFile, parseDecryptionOrder } from "../io/sops-options.js";
import { readKv, vaultTarget, writeKv } from "../io/vault-kv.js";

interface PublishFlags {
  yes?: boolean;
  omitExtensions?: boolean;
  recursive?: boolean;
  verbose?: boolean;
  decryptionOrder?: string;
  config?: string;
}

/** Every file under `root` (itself when it is a file), in a stable order. */
async function filesUnder(root: string): Promise<string[]> {
  const info = await stat(root);
  if (!info.isDirectory()) return [root];
  const out: string[] = [];
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Asks "uploading X to Y ? (y/n): " until y or n, as sops does; no answer (EOF) is an error. */
async function confirm(question: string, io: CliIo): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (;;) {
      io.stdout.write(question);
      const next = await lines.next();
      if (next.done) throw new HushError("HUSH_ERR_CLI_PUBLISH", "no answer to the upload question", { hint: "answer y or n, or pass --yes to publish without asking" });
      const answer = String(next.value).trim();
      if (answer === "y" || answer === "n") return answer === "y";
    }
  } finally {
    rl.close();
  }
}

/**
 * Publishes one encrypted file to its `destination_rules` destination, as sops does for Vault:
 * the file is decrypted (MAC checked) and its top-level keys are written as one KV secret
 * (KV v1 or v2) under `vault_path`, named after the file; an identical secret is left alone.
 */
async function publishFile(file: string, root: string, rule: DestinationRule, flags: PublishFlags, io: CliIo, env: NodeJS.ProcessEnv): Promise<void> {
  const abs = resolve(file);
  let name = flags.recursive ? relative(root, file) : basename(abs);
  if (flags.omitExtensions || rule.omitExtensions) {
    const ext = extname(abs);
    if (ext !== "" && name.endsWith(ext)) name = name.slice(0, -ext.length);
  }
  const d = rule.destination;
  if (d.kind !== "vault") {
    throw new HushError("HUSH_ERR_CLI_PUBLISH", `${file}: publishing to ${d.kind === "s3" ? "S3" : "Google Cloud Storage"} is not supported by hush`, {
      hint: "publish to a Vault destination (vault_path), or copy the encrypted file to the bucket with your cloud's CLI",
    });
  }
  const order = parseDecryptionOrder(flags.decryptionOrder ?? env["SOPS_DECRYPTION_ORDER"]);
  const bytes = await readInput(file);
  let data: unknown;
  try {
    const json = await decryptFile(bytes, {
      format: formatForPath(file),
      outputFormat: "json",
      providers: keyProvidersFor(env),
      ...(order && { decryptionOrder: order }),
      store: {},
    });
    data = JSON.parse(new TextDecoder().decode(json));
  } catch (err) {
    throw inFile(file, err);
  }
  const target = vaultTarget(d.address, env);
  const path = vaultSecretPath(d, name);
  if (!flags.yes && !(await confirm(`uploading ${abs} to ${target.address}/v1/${path} ? (y/n): `, io))) {
    if (flags.recursive) {
      io.stdout.write(`Publication of ${abs} canceled\n`);
      return;
    }
    throw new HushError("HUSH_ERR_CLI_PUBLISH", `publication of ${abs} canceled`, { hint: "answer y to publish" });
  }
  // sops compares with the secret's `data` field and skips an identical write (no new version).
  if (isDeepStrictEqual(await readKv(target, path), data)) {
    io.stderr.write(`hush: ${path} is already up to date\n`);
    return;
  }
  await writeKv(target, path, d.kvVersion === 1 ? data : { data });
}

/** Registers `hush publish`. */
export function register(program: Command, io: CliIo): void {
  program
    .command("publish")
    .description("publish an encrypted file (or, with --recursive, a directory) to its destination_rules destination in .sops.yaml (Vault KV)")
    .argument("<file>", "the encrypted file or directory")
    .option("-y, --yes", "publish without asking")
    .option("--omit-extensions", "drop file extensions from the destination names")
    .option("--recursive", "publish every file under a directory, named by its path inside it")
    .option("--verbose", "accepted for compatibility")
    .option("--decryption-order <types>", "comma-separated key types to try first (env SOPS_DECRYPTION_ORDER)")
    .option("--config <file>", "path to .sops.yaml (env SOPS_CONFIG)")
    .action(async (file: string, flags: PublishFlags) => {
      const env = process.env;
      const loaded = await loadSopsConfig(flags.config, process.cwd(), env);
      if (!loaded) throw new HushError("HUSH_ERR_CLI_CONFIG", "config file not found", { hint: "publish needs .sops.yaml with destination_rules; pass --config to name it" });
      const configText = await readFile(loaded.path, "utf8");
      let info;
      try {
        info = await stat(file);
      } catch (cause) {
        throw new HushError("HUSH_ERR_CLI_NO_FILE", `${file}: no such file or directory`, { cause, hint: "pass an existing file or directory" });
      }
      if (info.isDirectory() && !flags.recursive) {
        throw new HushError("HUSH_ERR_CLI_USAGE", `${file}: is a directory`, { hint: "pass --recursive to publish every file under it" });
      }
      for (const sub of await filesUnder(file)) {
        await publishFile(sub, file, findDestinationRule(configText, sub), flags, io, env);
      }
    });
}
