import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { promisify } from "node:util";
import { HushError } from "@hush/errors";
import { defaultAgeKeysFile, parseAgeIdentities, type AgeIdentityLoader } from "@hush/keys/age";

const run = promisify(execFile);

/** Splits a command line shell-like (quotes, backslashes), without running a shell, as sops does. */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < cmd.length) {
      cur += cmd[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

/**
 * Finds age identities the way sops does, trying all sources: `SOPS_AGE_KEY`,
 * `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY_CMD` (run without a shell, with `SOPS_AGE_RECIPIENT`),
 * and the default keys file. Results are cached per recipient for one command.
 */
export function ageIdentityLoader(env: NodeJS.ProcessEnv): AgeIdentityLoader {
  const cache = new Map<string, Promise<{ identities: string[]; checked: string[] }>>();
  const load = async (recipient: string): Promise<{ identities: string[]; checked: string[] }> => {
    const identities: string[] = [];
    const checked: string[] = [];
    const key = env["SOPS_AGE_KEY"];
    checked.push("SOPS_AGE_KEY");
    if (key) identities.push(...parseAgeIdentities(key, "SOPS_AGE_KEY"));
    const file = env["SOPS_AGE_KEY_FILE"];
    checked.push("SOPS_AGE_KEY_FILE");
    if (file) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (cause) {
        throw new HushError("HUSH_ERR_KEYS_AGE_NO_IDENTITY", `SOPS_AGE_KEY_FILE ${file} cannot be read`, { cause, hint: "check the path in SOPS_AGE_KEY_FILE and that you may read it" });
      }
      identities.push(...parseAgeIdentities(text, file));
    }
    const cmd = env["SOPS_AGE_KEY_CMD"];
    checked.push("SOPS_AGE_KEY_CMD");
    if (cmd) {
      const [bin, ...args] = splitCommand(cmd);
      if (bin) {
        try {
          const { stdout } = await run(bin, args, { env: { ...env, SOPS_AGE_RECIPIENT: recipient }, maxBuffer: 1 << 20 });
          identities.push(...parseAgeIdentities(stdout, "the output of SOPS_AGE_KEY_CMD"));
        } catch (cause) {
          if (cause instanceof HushError) throw cause;
          throw new HushError("HUSH_ERR_KEYS_AGE_NO_IDENTITY", "SOPS_AGE_KEY_CMD failed", { cause, hint: "run the SOPS_AGE_KEY_CMD command yourself to see why it fails" });
        }
      }
    }
    const defaultFile = defaultAgeKeysFile(env, env["HOME"] ?? homedir(), process.platform);
    checked.push(defaultFile);
    try {
      identities.push(...parseAgeIdentities(await readFile(defaultFile, "utf8"), defaultFile));
    } catch (err) {
      if (err instanceof HushError) throw err;
    }
    return { identities, checked };
  };
  return (recipient) => {
    let p = cache.get(recipient);
    if (!p) cache.set(recipient, (p = load(recipient)));
    return p;
  };
}
