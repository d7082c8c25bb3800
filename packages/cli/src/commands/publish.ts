import { readFile, readdir, stat } from "node:fs/promises";
import { basename, extname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { isDeepStrictEqual } from "node:util";
import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { stringify as stringifyYaml } from "yaml";
import { decryptFile, encryptFile, formatForPath, openEncrypted, parseConfig } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { loadSopsConfig } from "../io/config.js";
import { findDestinationRule, vaultSecretPath, type Destination, type DestinationRule } from "../io/destinations.js";
import { readInput } from "../io/files.js";
import { keyProvidersFor } from "../io/providers.js";
import { inFile, parseDecryptionOrder } from "../io/sops-options.js";
import { pooledRandom } from "../io/random.js";
import { putObject, s3Target } from "../io/s3-put.js";
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
  if (d.kind === "gcs") {
    throw new HushError("HUSH_ERR_CLI_PUBLISH", `${file}: publishing to Google Cloud Storage is not supported by hush`, {
      hint: "publish to a Vault (vault_path) or S3 (s3_bucket) destination, or copy the encrypted file with gsutil",
    });
  }
  if (d.kind === "s3") {
    await publishToS3(file, abs, name, d, rule, flags, io, env);
    return;
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

/**
 * S3, as sops does: the encrypted file is uploaded as it is to `s3_prefix` + name, or, when the
 * rule's `recreation_rule` names keys, first re-encrypted for those keys with a new data key.
 */
async function publishToS3(
  file: string,
  abs: string,
  name: string,
  d: Extract<Destination, { kind: "s3" }>,
  rule: DestinationRule,
  flags: PublishFlags,
  io: CliIo,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  let bytes = await readInput(file);
  const format = formatForPath(file);
  const recreation = rule.recreationRule ? parseConfig(stringifyYaml({ creation_rules: [rule.recreationRule] })).creationRules[0] : undefined;
  if (recreation && (recreation.keyGroups[0]?.length ?? 0) > 0) {
    try {
      const order = parseDecryptionOrder(flags.decryptionOrder ?? env["SOPS_DECRYPTION_ORDER"]);
      const providers = keyProvidersFor(env);
      const plain = await decryptFile(bytes, { format, outputFormat: format, providers, ...(order && { decryptionOrder: order }), store: {} });
      bytes = await encryptFile(plain, {
        format,
        outputFormat: format,
        keyGroups: [...recreation.keyGroups],
        shamirThreshold: recreation.shamirThreshold,
        selectors: recreation.selectors,
        providers,
        now: new Date(),
        random: pooledRandom(),
        store: {},
      });
    } catch (err) {
      throw inFile(file, err);
    }
  } else {
    openEncrypted(bytes, format); // sops checks it is a sops file before uploading
  }
  const target = s3Target(env);
  const key = `${d.prefix}${name}`;
  if (!flags.yes && !(await confirm(`uploading ${abs} to s3://${d.bucket}/${key} ? (y/n): `, io))) {
    if (flags.recursive) {
      io.stdout.write(`Publication of ${abs} canceled\n`);
      return;
    }
    throw new HushError("HUSH_ERR_CLI_PUBLISH", `publication of ${abs} canceled`, { hint: "answer y to publish" });
  }
  await putObject(target, d.bucket, key, bytes);
}

/** Registers `hush publish`. */
export function register(program: Command, io: CliIo): void {
  program
    .command("publish")
    .description("publish an encrypted file (or, with --recursive, a directory) to its destination_rules destination in .sops.yaml (Vault KV or S3)")
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
