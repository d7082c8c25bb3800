import { homedir } from "node:os";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { Command } from "commander";
import { HushError } from "@hush/errors";
import { defaultAgeKeysFile, generateAgeIdentity } from "@hush/keys/age";
import type { CliIo } from "../io/cli-io.js";

/**
 * Registers `hush keygen`: generates an age identity and appends it (0600) to the keys file
 * sops reads by default (or `SOPS_AGE_KEY_FILE`, or `--output`). Prints the public recipient.
 */
export function register(program: Command, io: CliIo): void {
  program
    .command("keygen")
    .description("generate an age identity where sops looks for it; prints the recipient")
    .option("--output <file>", "keys file to append to (default: SOPS_AGE_KEY_FILE, else the sops default keys.txt)")
    .option("--pq", "generate a post-quantum hybrid identity (age1pq1… recipient)")
    .action(async (flags: { output?: string; pq?: boolean }) => {
      const env = process.env;
      const target = flags.output ?? env["SOPS_AGE_KEY_FILE"] ?? defaultAgeKeysFile(env, env["HOME"] ?? homedir(), process.platform);
      const { identity, recipient } = await generateAgeIdentity(flags.pq === true);
      try {
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
        const fh = await open(target, "a", 0o600);
        try {
          await fh.chmod(0o600);
          await fh.writeFile(`# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`);
        } finally {
          await fh.close();
        }
      } catch (cause) {
        throw new HushError("HUSH_ERR_CLI_WRITE_OUTPUT", `${target}: cannot write the keys file`, { cause });
      }
      io.stderr.write(`hush: age identity appended to ${target}\n`);
      io.stdout.write(`${recipient}\n`);
    });
}
