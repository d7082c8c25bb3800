import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { HushError } from "@hush/errors";
import { splitCommand } from "./age-identities.js";

function onPath(name: string, env: Readonly<Record<string, string | undefined>>): boolean {
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * The editor command sops would run: `SOPS_EDITOR`, else `EDITOR` (split shell-like, no
 * shell), else the first of vim, nano, vi on PATH.
 * @throws HushError `HUSH_ERR_CLI_NO_EDITOR` (exit 201) when none is found.
 */
export function resolveEditor(env: Readonly<Record<string, string | undefined>>): string[] {
  const configured = env["SOPS_EDITOR"] || env["EDITOR"];
  if (configured) {
    const parts = splitCommand(configured);
    if (parts.length > 0) return parts;
  }
  for (const name of ["vim", "nano", "vi"]) if (onPath(name, env)) return [name];
  throw new HushError("HUSH_ERR_CLI_NO_EDITOR", "no editor found: SOPS_EDITOR and EDITOR are unset and none of vim, nano, vi is on PATH");
}

/**
 * Runs the editor on `file` with the terminal attached and waits for it.
 * @throws HushError `HUSH_ERR_CLI_NO_EDITOR` (exit 201) when it cannot start or exits non-zero.
 */
export async function runEditor(editor: readonly string[], file: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const [bin, ...args] = editor;
  if (!bin) throw new HushError("HUSH_ERR_CLI_NO_EDITOR", "the editor command is empty", { hint: "set SOPS_EDITOR or EDITOR to an editor command, e.g. `vim` or `code --wait`" });
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException }>((resolve) => {
    const child = spawn(bin, [...args, file], { stdio: "inherit", env });
    child.once("error", (error) => resolve({ error }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  if ("error" in result) {
    throw new HushError("HUSH_ERR_CLI_NO_EDITOR", `could not run the editor ${bin} (${result.error.code ?? "error"})`, { cause: result.error });
  }
  if (result.code !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
    throw new HushError("HUSH_ERR_CLI_NO_EDITOR", `the editor ${bin} ${how}; the file was left unchanged`, {
      hint: "save and quit the editor normally (not with an error exit), or pick another one with SOPS_EDITOR",
    });
  }
}
