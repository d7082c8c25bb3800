/**
 * sops's top-level command line, parsed the way sops 3.13 parses it: Go's `flag` package under
 * urfave/cli v1. Flags come before the first positional word (`-x`, `--x`, `-x=v`, `--x v`;
 * no bundling of short flags, so `-ei` is an unknown flag); `--` ends them; a flag and its alias
 * given together is an error. The first positional word is a subcommand name or, in sops's
 * older subcommand-less form, the file. Pure: no I/O.
 */

type Kind = "bool" | "string" | "int" | "list";

/** sops 3.13.3's global flags, by canonical name, with their aliases. */
const table: ReadonlyArray<readonly [name: string, kind: Kind, alias?: string]> = [
  ["decrypt", "bool", "d"],
  ["encrypt", "bool", "e"],
  ["rotate", "bool", "r"],
  ["disable-version-check", "bool"],
  ["check-for-updates", "bool"],
  ["kms", "string", "k"],
  ["aws-profile", "string"],
  ["gcp-kms", "string"],
  ["hckms", "string"],
  ["azure-kv", "string"],
  ["hc-vault-transit", "string"],
  ["pgp", "string", "p"],
  ["age", "string", "a"],
  ["in-place", "bool", "i"],
  ["extract", "string"],
  ["input-type", "string"],
  ["output-type", "string"],
  ["show-master-keys", "bool", "s"],
  ["add-gcp-kms", "string"],
  ["rm-gcp-kms", "string"],
  ["add-hckms", "string"],
  ["rm-hckms", "string"],
  ["add-azure-kv", "string"],
  ["rm-azure-kv", "string"],
  ["add-kms", "string"],
  ["rm-kms", "string"],
  ["add-hc-vault-transit", "string"],
  ["rm-hc-vault-transit", "string"],
  ["add-age", "string"],
  ["rm-age", "string"],
  ["add-pgp", "string"],
  ["rm-pgp", "string"],
  ["ignore-mac", "bool"],
  ["mac-only-encrypted", "bool"],
  ["unencrypted-suffix", "string"],
  ["encrypted-suffix", "string"],
  ["unencrypted-regex", "string"],
  ["encrypted-regex", "string"],
  ["unencrypted-comment-regex", "string"],
  ["encrypted-comment-regex", "string"],
  ["config", "string"],
  ["encryption-context", "string"],
  ["set", "string"],
  ["shamir-secret-sharing-threshold", "int"],
  ["indent", "int"],
  ["verbose", "bool"],
  ["output", "string"],
  ["filename-override", "string"],
  ["decryption-order", "string"],
  ["enable-local-keyservice", "bool"],
  ["keyservice", "list"],
  ["help", "bool", "h"],
  ["version", "bool", "v"],
];

const byName = new Map<string, { name: string; kind: Kind }>();
for (const [name, kind, alias] of table) {
  byName.set(name, { name, kind });
  if (alias) byName.set(alias, { name, kind });
}

/** The flags given before the first positional word, by canonical name (last one wins). */
export type GlobalFlags = Map<string, string | boolean | string[]>;

/** The result of parsing sops's top-level command line. */
export type SopsArgv =
  | { readonly ok: true; readonly flags: GlobalFlags; readonly positional: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** `strconv.ParseBool`'s accepted spellings. */
function parseBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** Go's `strconv.ParseInt(v, 0, 64)`-style integer (decimal, 0x, 0o, 0b, underscores). */
function parseGoInt(v: string): number | undefined {
  if (!/^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*)$/.test(v)) return undefined;
  const n = Number(v.replace(/_/g, "").replace(/^([+-]?)0([0-7]+)$/, "$10o$2"));
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses the words after `sops`. Errors carry Go's own text (`flag provided but not defined:
 * -x`, `flag needs an argument: -x`, …) so they read as sops's do.
 */
export function parseSopsArgv(argv: readonly string[]): SopsArgv {
  const flags: GlobalFlags = new Map();
  const forms = new Map<string, Set<string>>();
  let error: string | undefined;
  let i = 0;
  for (; i < argv.length && error === undefined; i++) {
    const arg = argv[i] as string;
    if (arg.length < 2 || arg[0] !== "-") break;
    let dashes = 1;
    if (arg[1] === "-") {
      dashes = 2;
      if (arg.length === 2) {
        i++;
        break;
      }
    }
    let name = arg.slice(dashes);
    if (name.length === 0 || name[0] === "-" || name[0] === "=") {
      error = `bad flag syntax: ${arg}`;
      break;
    }
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = byName.get(name);
    if (!spec) {
      error = `flag provided but not defined: -${name}`;
      break;
    }
    forms.set(spec.name, (forms.get(spec.name) ?? new Set()).add(name));
    if (spec.kind === "bool") {
      if (value === undefined) {
        flags.set(spec.name, true);
      } else {
        const b = parseBool(value);
        if (b === undefined) error = `invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`;
        else flags.set(spec.name, b);
      }
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) {
        error = `flag needs an argument: -${name}`;
        break;
      }
      value = argv[++i] as string;
    }
    if (spec.kind === "int") {
      const n = parseGoInt(value);
      if (n === undefined) error = `invalid value ${JSON.stringify(value)} for flag -${name}: parse error`;
      else flags.set(spec.name, String(n));
    } else if (spec.kind === "list") {
      const prev = flags.get(spec.name);
      flags.set(spec.name, [...(Array.isArray(prev) ? prev : []), value]);
    } else {
      flags.set(spec.name, value);
    }
  }
  // urfave/cli checks for a flag given under both its names before reporting a parse error.
  for (const [name, used] of forms) {
    const alias = [...used].find((u) => u !== name);
    if (used.size > 1 && alias) return { ok: false, error: `Cannot use two forms of the same flag: ${alias} ${name}` };
  }
  if (error !== undefined) return { ok: false, error };
  return { ok: true, flags, positional: argv.slice(i) };
}

/** A string flag's value, `""` when unset (as urfave/cli's `c.String`). */
export function stringFlag(flags: GlobalFlags, name: string): string {
  const v = flags.get(name);
  return typeof v === "string" ? v : "";
}

/** A bool flag's value. */
export function boolFlag(flags: GlobalFlags, name: string): boolean {
  return flags.get(name) === true;
}

/** The `--add-*` and `--rm-*` flag names. */
export const keyChangeFlags: readonly string[] = table.map(([n]) => n).filter((n) => n.startsWith("add-") || n.startsWith("rm-"));
