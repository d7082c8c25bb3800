import { spawn } from "node:child_process";
import { HushError } from "@hush/errors";
import type { KeyProvider, MasterKey, MasterKeyRef } from "@hush/sops";
import { expectType, keyLabel, keyError, type KeyFailureKind } from "./key-error.js";

/** A sops `pgp` master key reference (field names as in sops metadata). */
export type PgpKeyRef = Extract<MasterKeyRef, { type: "pgp" }>;

/** What one gpg run produced. */
export interface GpgResult {
  readonly code: number;
  readonly stdout: Uint8Array;
  readonly stderr: string;
}

/** Runs gpg with `args`, feeding `stdin`; injectable for tests of odd gpg behaviour. */
export type RunGpg = (args: readonly string[], stdin: Uint8Array) => Promise<GpgResult>;

/** Options for {@link createPgpProvider}. Env and files are passed in, never read here. */
export interface PgpProviderOptions {
  /** `SOPS_GPG_EXEC`: the gpg binary to run (default `gpg`, looked up on PATH). */
  readonly gpgExec?: string;
  /** `GNUPGHOME`: the keyring directory handed to gpg (default: gpg's own, `~/.gnupg`). */
  readonly gnupgHome?: string;
  /** The environment gpg runs with (PATH, HOME, GPG_AGENT_INFO…); GNUPGHOME is added to it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Armored OpenPGP keys (public and/or private) used through openpgp.js before falling back
   * to gpg: a key here that matches a fingerprint is used without touching the keyring.
   */
  readonly armoredKeys?: readonly string[];
  /** Passphrase for encrypted private keys in `armoredKeys`. */
  readonly passphrase?: string;
  /** Overrides how gpg is run (default: spawn `gpgExec`). */
  readonly runGpg?: RunGpg;
}

/**
 * Normalises a PGP fingerprint as sops stores it: spaces removed, nothing else changed.
 * @throws HushError `HUSH_ERR_KEYS_INVALID_KEY` unless it is 16 or 40 (or 64) hex digits.
 */
export function parsePgpFingerprint(fingerprint: string): PgpKeyRef {
  const fp = fingerprint.replace(/ /g, "");
  if (!/^(0x)?([0-9a-fA-F]{16}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(fp)) {
    throw new HushError(
      "HUSH_ERR_KEYS_INVALID_KEY",
      `pgp: invalid fingerprint ${JSON.stringify(fp)}: expected 40 hexadecimal digits`,
    );
  }
  return { type: "pgp", fp };
}

/** Parses a comma-separated `--pgp` / `SOPS_PGP_FP` list (empty entries dropped). */
export function parsePgpFingerprints(list: string): PgpKeyRef[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.replace(/ /g, "") !== "")
    .map(parsePgpFingerprint);
}

/** The gpg arguments sops uses to encrypt a data key to `fp`. */
export function gpgEncryptArgs(fp: string): string[] {
  return ["--no-default-recipient", "--yes", "--encrypt", "-a", "-r", fp, "--trusted-key", fp.slice(-16), "--no-encrypt-to"];
}

function spawnGpg(options: PgpProviderOptions): RunGpg {
  const bin = options.gpgExec && options.gpgExec !== "" ? options.gpgExec : "gpg";
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  if (options.gnupgHome) env["GNUPGHOME"] = options.gnupgHome;
  return (args, stdin) =>
    new Promise((resolve, reject) => {
      const child = spawn(bin, [...args], { env, stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => err.push(c));
      child.once("error", reject);
      child.stdin.on("error", () => {
        // gpg may exit before reading stdin (e.g. unknown key); its exit code says why.
      });
      child.once("close", (code) => {
        resolve({ code: code ?? 1, stdout: new Uint8Array(Buffer.concat(out)), stderr: Buffer.concat(err).toString("utf8") });
      });
      child.stdin.end(Buffer.from(stdin));
    });
}

function classifyGpgFailure(op: "wrap" | "unwrap", stderr: string): KeyFailureKind {
  if (/no secret key|secret key not available|decryption failed: No secret key/i.test(stderr)) return "no-identity";
  if (op === "wrap" && /no public key|unusable public key|skipped:/i.test(stderr)) return "not-found";
  return "failed";
}

type OpenPgp = typeof import("openpgp");
type OpenPgpKey = Awaited<ReturnType<OpenPgp["readKey"]>>;

function keyMatches(key: OpenPgpKey, fp: string): boolean {
  const want = fp.replace(/^0x/i, "").toUpperCase();
  const ids = [key, ...key.getSubkeys()].flatMap((k) => [k.getFingerprint().toUpperCase(), k.getKeyID().toHex().toUpperCase()]);
  return ids.some((id) => id === want || id.endsWith(want));
}

/**
 * Builds the `pgp` key provider. A key found among `armoredKeys` is used through openpgp.js;
 * otherwise gpg is run as sops runs it (`--encrypt -a -r <fp> --trusted-key <last 16>
 * --no-encrypt-to` to wrap, `-d` to unwrap), with `SOPS_GPG_EXEC` and `GNUPGHOME` honoured.
 * `enc` is the armored message trimmed of surrounding whitespace.
 */
export function createPgpProvider(options: PgpProviderOptions = {}): KeyProvider {
  const runGpg = options.runGpg ?? spawnGpg(options);
  let loaded: Promise<{ pgp: OpenPgp; keys: OpenPgpKey[] }> | undefined;

  function armored(): Promise<{ pgp: OpenPgp; keys: OpenPgpKey[] }> {
    loaded ??= (async () => {
      const pgp = await import("openpgp");
      const keys: OpenPgpKey[] = [];
      for (const text of options.armoredKeys ?? []) {
        let parsed: OpenPgpKey[];
        try {
          parsed = await pgp.readKeys({ armoredKeys: text });
        } catch (cause) {
          throw new HushError("HUSH_ERR_KEYS_INVALID_KEY", "pgp: an armored key file could not be read as OpenPGP keys", { cause });
        }
        for (const key of parsed) {
          if (key.isPrivate() && !key.isDecrypted()) {
            if (options.passphrase === undefined) {
              keys.push(key.toPublic());
              continue;
            }
            try {
              keys.push(await pgp.decryptKey({ privateKey: key, passphrase: options.passphrase }));
            } catch (cause) {
              throw new HushError("HUSH_ERR_KEYS_NO_IDENTITY", "pgp: the passphrase does not unlock the armored private key", { cause });
            }
          } else {
            keys.push(key);
          }
        }
      }
      return { pgp, keys };
    })();
    return loaded;
  }

  async function gpg(op: "wrap" | "unwrap", label: string, args: readonly string[], stdin: Uint8Array): Promise<Uint8Array> {
    let result: GpgResult;
    try {
      result = await runGpg(args, stdin);
    } catch (cause) {
      throw keyError(op, label, "failed", cause, "could not run gpg; install it or set SOPS_GPG_EXEC");
    }
    if (result.code !== 0) throw keyError(op, label, classifyGpgFailure(op, result.stderr), undefined, `gpg exited with ${result.code}`);
    return result.stdout;
  }

  return {
    type: "pgp",
    async wrap(ref, dataKey) {
      const key = expectType(ref, "pgp");
      const label = keyLabel(key);
      if (options.armoredKeys && options.armoredKeys.length > 0) {
        const { pgp, keys } = await armored();
        const match = keys.find((k) => keyMatches(k, key.fp));
        if (match) {
          try {
            const message = await pgp.encrypt({
              message: await pgp.createMessage({ binary: dataKey }),
              encryptionKeys: match.isPrivate() ? match.toPublic() : match,
              format: "armored",
            });
            return message.trim();
          } catch (cause) {
            throw keyError("wrap", label, "failed", cause, "openpgp could not encrypt to this key");
          }
        }
      }
      const out = await gpg("wrap", label, gpgEncryptArgs(key.fp), dataKey);
      return Buffer.from(out).toString("utf8").trim();
    },
    async unwrap(ref: MasterKey) {
      const key = expectType(ref, "pgp") as PgpKeyRef & { enc: string };
      const label = keyLabel(key);
      if (options.armoredKeys && options.armoredKeys.length > 0) {
        const { pgp, keys } = await armored();
        const privateKeys = keys.filter((k) => k.isPrivate());
        if (privateKeys.length > 0) {
          try {
            const message = await pgp.readMessage({ armoredMessage: key.enc });
            const { data } = await pgp.decrypt({ message, decryptionKeys: privateKeys, format: "binary" });
            return new Uint8Array(data);
          } catch {
            // Not one of the armored keys: fall back to the gpg keyring, as sops does.
          }
        }
      }
      return gpg("unwrap", label, ["-d"], Buffer.from(key.enc, "utf8"));
    },
  };
}
