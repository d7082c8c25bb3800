import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { HushError } from "@hush/errors";
import { defaultAgeKeysFile, parseAgeIdentities, type AgeIdentityLoader, type AgeSshKey } from "@hush/keys/age";

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
 * SSH private keys sops 3.13 uses as age identities, in its order: `SOPS_AGE_SSH_PRIVATE_KEY_FILE`,
 * the output of `SOPS_AGE_SSH_PRIVATE_KEY_CMD`, then `~/.ssh/id_ed25519` and `~/.ssh/id_rsa`
 * when they exist.
 */
async function sshIdentities(env: NodeJS.ProcessEnv, recipient: string, checked: string[]): Promise<AgeSshKey[]> {
  const out: AgeSshKey[] = [];
  const file = env["SOPS_AGE_SSH_PRIVATE_KEY_FILE"];
  checked.push("SOPS_AGE_SSH_PRIVATE_KEY_FILE");
  if (file) {
    try {
      out.push({ sshKey: await readFile(file, "utf8"), source: file });
    } catch (cause) {
      throw new HushError("HUSH_ERR_KEYS_AGE_NO_IDENTITY", `SOPS_AGE_SSH_PRIVATE_KEY_FILE ${file} cannot be read`, { cause, hint: "check the path in SOPS_AGE_SSH_PRIVATE_KEY_FILE and that you may read it" });
    }
  }
  const cmd = env["SOPS_AGE_SSH_PRIVATE_KEY_CMD"];
  checked.push("SOPS_AGE_SSH_PRIVATE_KEY_CMD");
  if (cmd) {
    const [bin, ...args] = splitCommand(cmd);
    if (bin) {
      try {
        const { stdout } = await run(bin, args, { env: { ...env, SOPS_AGE_RECIPIENT: recipient }, maxBuffer: 1 << 20 });
        out.push({ sshKey: stdout, source: "the output of SOPS_AGE_SSH_PRIVATE_KEY_CMD" });
      } catch (cause) {
        throw new HushError("HUSH_ERR_KEYS_AGE_NO_IDENTITY", "SOPS_AGE_SSH_PRIVATE_KEY_CMD failed", { cause, hint: "run the SOPS_AGE_SSH_PRIVATE_KEY_CMD command yourself to see why it fails" });
      }
    }
  }
  for (const name of ["id_ed25519", "id_rsa"]) {
    const path = join(env["HOME"] ?? homedir(), ".ssh", name);
    checked.push(path);
    try {
      out.push({ sshKey: await readFile(path, "utf8"), source: path });
    } catch {
      // absent or unreadable: sops skips it too
    }
  }
  return out;
}

/**
 * Finds age identities the way sops does, trying all sources: SSH keys (see above),
 * `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY_CMD` (run without a shell, with
 * `SOPS_AGE_RECIPIENT`), and the default keys file. Results are cached per recipient for one
 * command.
 */
export function ageIdentityLoader(env: NodeJS.ProcessEnv): AgeIdentityLoader {
  const cache = new Map<string, Promise<{ identities: Array<string | AgeSshKey>; checked: string[] }>>();
  const load = async (recipient: string): Promise<{ identities: Array<string | AgeSshKey>; checked: string[] }> => {
    const checked: string[] = [];
    const identities: Array<string | AgeSshKey> = await sshIdentities(env, recipient, checked);
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
