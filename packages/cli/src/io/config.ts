import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { HushError } from "@hush/errors";
import { parseConfig, type SopsConfig } from "@hush/sops";

/** A loaded `.sops.yaml` and where it was found. */
export interface LoadedConfig {
  readonly path: string;
  readonly config: SopsConfig;
}

/**
 * Finds `.sops.yaml` as sops does: `--config`/`SOPS_CONFIG` when given (no search), else the
 * working directory and its parents (up to 100 levels). `.sops.yml` is not used.
 */
export async function loadSopsConfig(explicit: string | undefined, cwd: string, env: NodeJS.ProcessEnv): Promise<LoadedConfig | undefined> {
  const given = explicit ?? env["SOPS_CONFIG"];
  if (given) {
    let text: string;
    try {
      text = await readFile(given, "utf8");
    } catch (cause) {
      throw new HushError("HUSH_ERR_CLI_CONFIG", `${given}: cannot read the config file`, { cause, hint: "check the path given by --config or SOPS_CONFIG" });
    }
    return { path: resolve(given), config: parseConfig(text) };
  }
  let dir = resolve(cwd);
  for (let i = 0; i < 100; i++) {
    const candidate = join(dir, ".sops.yaml");
    try {
      const text = await readFile(candidate, "utf8");
      return { path: candidate, config: parseConfig(text) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" && (err as NodeJS.ErrnoException).code !== "EISDIR") {
        if (err instanceof HushError) throw err;
        throw new HushError("HUSH_ERR_CLI_CONFIG", `${candidate}: cannot read the config file`, { cause: err, hint: "make the file readable, or name another one with --config" });
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** The path a creation rule's `path_regex` is matched against: relative to the config's directory. */
export function pathForRules(file: string, configPath: string, cwd: string): string {
  const abs = isAbsolute(file) ? file : resolve(cwd, file);
  const rel = relative(dirname(configPath), abs);
  return rel.startsWith("..") || isAbsolute(rel) ? abs : rel.split(sep).join("/");
}
