/**
 * @packageDocumentation
 * The `hush` command line. Programmatic entry: {@link runCli}.
 */
export { runCli, commandNames, HUSH_VERSION, type CommandModule } from "./run.js";
export type { CliIo } from "./io/cli-io.js";
