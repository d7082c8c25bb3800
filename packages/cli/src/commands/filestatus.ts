import type { Command } from "commander";
import { isEncryptedFile } from "@hush/sops";
import type { CliIo } from "../io/cli-io.js";
import { readInput } from "../io/files.js";
import { resolveFormats } from "../io/sops-options.js";

/** Registers `hush filestatus`: prints `{"encrypted":true|false}` as sops does. */
export function register(program: Command, io: CliIo): void {
  program
    .command("filestatus")
    .description("tell whether a file is encrypted by sops/hush")
    .argument("<file>", "the file to check")
    .option("--input-type <type>", "input format (default: from the file name)")
    .action(async (file: string, flags: { inputType?: string }) => {
      const bytes = await readInput(file);
      const encrypted = isEncryptedFile(bytes, resolveFormats(flags, file).input);
      io.stdout.write(`${JSON.stringify({ encrypted })}\n`);
    });
}
