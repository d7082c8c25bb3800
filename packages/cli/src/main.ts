import { runCli } from "./run.js";

// The only place in hush that exits the process.
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
