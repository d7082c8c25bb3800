import type { Command } from "commander";
import { HushError } from "@hush/errors";
import type { CliIo } from "../io/cli-io.js";

/** Registers `hush exec-env` (not implemented yet). */
export function register(program: Command, _io: CliIo): void {
  program
    .command("exec-env")
    .description("not implemented yet")
    .action(() => {
      throw new HushError("HUSH_ERR_CLI_USAGE", "hush exec-env is not implemented yet");
    });
}
