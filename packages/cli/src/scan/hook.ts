import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HushError } from "@hush/errors";
import { git, repoRoot } from "./git.js";

const marker = "# installed by `hush hook install`";

/** The absolute path of this CLI's bin script (packages/cli/bin/hush.js). */
function hushBin(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/hush.js");
}

/**
 * Installs a plain Git `pre-commit` hook running `hush scan --staged` (in the directory git
 * resolves for hooks, so `core.hooksPath` is honoured). Refuses to overwrite a foreign hook
 * unless `force`. Returns the hook's path.
 * @throws HushError HUSH_ERR_SCAN_HOOK when a different hook exists.
 */
export function installHook(cwd: string, force: boolean): string {
  const root = repoRoot(cwd);
  let hooks = git(root, ["rev-parse", "--git-path", "hooks"]).toString("utf8").trim();
  if (!isAbsolute(hooks)) hooks = join(root, hooks);
  const file = join(hooks, "pre-commit");
  if (existsSync(file) && !force && !readFileSync(file, "utf8").includes(marker)) {
    throw new HushError("HUSH_ERR_SCAN_HOOK", `${file} already exists and was not written by hush`);
  }
  mkdirSync(hooks, { recursive: true });
  const bin = hushBin();
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const script = `#!/bin/sh
${marker}
# Scans the staged blobs for secrets; skip once with: git commit --no-verify
if [ -f ${q(bin)} ]; then
  exec ${q(process.execPath)} ${q(bin)} scan --staged
fi
exec hush scan --staged
`;
  writeFileSync(file, script, { mode: 0o755 });
  chmodSync(file, 0o755);
  return file;
}
