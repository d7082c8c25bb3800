import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@hush/testkit";
import { parseAllDocuments } from "yaml";

/** Result of {@link run}. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (never throws on a non-zero exit); kills it after `timeoutMs`. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that exits before reading its input closes the pipe; that is not an error here.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Throws with the command's output when it did not exit 0; returns stdout. */
export function ok(what: string, r: RunResult): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
  return r.stdout;
}

/** Every object of a multi-document YAML stream (empty documents dropped). */
export function yamlObjects(text: string): any[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is any => o !== null && typeof o === "object");
}

/** The one release version: the CLI's package.json. */
export const releaseVersion = (JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")) as { version: string }).version;

/** README.md, whose install steps the install tests run. */
export const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

/**
 * The README code block whose first line is `firstLine` (e.g. `# externalsecret.yaml`), without
 * its fence; throws when the README has no such block, so README and tests cannot part ways.
 */
export function readmeBlock(firstLine: string): string {
  // Fences may be indented (inside a list item); their content is dedented by as much.
  const blocks = [...readme.matchAll(/^( *)```[a-z]*\n([\s\S]*?)^\1```/gm)].map(([, indent = "", body = ""]) =>
    body.split("\n").map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join("\n"));
  const block = blocks.find((b) => b.split("\n")[0]?.trim() === firstLine);
  if (!block) throw new Error(`README.md has no code block starting with ${JSON.stringify(firstLine)}`);
  return block;
}

/** Asserts that README.md shows `command` verbatim, and returns its words (no shell involved). */
export function readmeCommand(command: string): string[] {
  if (!readme.includes(command)) throw new Error(`README.md does not show the command the test runs: ${command}`);
  return command.split(/\s+/);
}

/** Asserts that README.md shows this shell line verbatim, and returns it. */
export function readmeLine(line: string): string {
  if (!readme.includes(line)) throw new Error(`README.md does not show the line the test runs: ${line}`);
  return line;
}
