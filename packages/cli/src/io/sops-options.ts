import type { Command } from "commander";
import { HushError, isHushError } from "@hush/errors";
import { formatForPath, formats, selectorNames, type Format, type SelectorName, type Selectors, type KeyType, type SopsConfig, type StoreOptions } from "@hush/sops";

/** Options shared by the sops-compatible commands, as commander parses them. */
export interface SopsCommandOptions {
  inPlace?: boolean;
  output?: string;
  inputType?: string;
  outputType?: string;
  filenameOverride?: string;
  indent?: string;
  config?: string;
}

/** Adds the I/O flags sops's encrypt and decrypt share. */
export function addIoOptions(cmd: Command): Command {
  return cmd
    .option("-i, --in-place", "write the output back to the input file instead of stdout")
    .option("--output <file>", "write the output to this file instead of stdout")
    .option("--input-type <type>", "input format: yaml, json, dotenv, ini or binary (default: from the file name)")
    .option("--output-type <type>", "output format (default: from the file name)")
    .option("--filename-override <name>", "use this name to choose formats and creation rules (needed with stdin)")
    .option("--indent <n>", "indentation of YAML/JSON output")
    .option("--config <file>", "path to .sops.yaml (default: searched from the working directory; env SOPS_CONFIG)");
}

/** Resolves input and output formats as sops does: a known flag wins, else the file name. */
export function resolveFormats(opts: SopsCommandOptions, file: string | undefined): { input: Format; output: Format } {
  const name = opts.filenameOverride ?? file ?? "";
  const pick = (flag: string | undefined): Format => {
    if (flag === undefined) return formatForPath(name);
    // sops silently falls back to the file extension here; a typo deserves an error instead.
    if (!(formats as readonly string[]).includes(flag)) {
      throw new HushError("HUSH_ERR_CLI_USAGE", `unknown file type '${flag.slice(0, 20)}' (use yaml, json, dotenv, ini or binary)`);
    }
    return flag as Format;
  };
  return { input: pick(opts.inputType), output: pick(opts.outputType) };
}

/** Rejects flag combinations sops rejects (exit 8). */
export function checkIoConflicts(opts: SopsCommandOptions, file: string | undefined): void {
  if (opts.inPlace && opts.output) {
    throw new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", "--in-place and --output cannot be used together");
  }
  if (opts.inPlace && (file === undefined || file === "-")) {
    throw new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", "--in-place needs a file, not stdin", { hint: "name the file to change in place, or drop --in-place to write to stdout" });
  }
}

/** Output settings: `--indent`, else the config's `stores` indent for the output format. */
export function storeOptions(opts: { indent?: string }, output: Format, config: SopsConfig | undefined): StoreOptions {
  if (opts.indent !== undefined) {
    const n = Number(opts.indent);
    if (!Number.isInteger(n)) throw new HushError("HUSH_ERR_CLI_USAGE", "--indent takes a whole number", { hint: "give the number of spaces, e.g. --indent 2" });
    return { indent: n };
  }
  const configured = output === "yaml" ? config?.stores.yaml?.indent : output === "binary" ? config?.stores.json_binary?.indent : config?.stores.json?.indent;
  return configured === undefined ? {} : { indent: configured };
}

/** Prefixes a HushError's message with the file it concerns (once). */
export function inFile(where: string, err: unknown): unknown {
  if (isHushError(err) && !err.message.startsWith(where)) {
    return new HushError(err.code, `${where}: ${err.message}`, { cause: err.cause, ...(err.hint && { hint: err.hint }) });
  }
  return err;
}

const flagOf = (n: SelectorName): string => n.replace(/_/g, "-");
const camel = (n: SelectorName): string => n.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Adds the selector flags (`--encrypted-regex` …) and `--mac-only-encrypted`. */
export function addSelectorOptions(cmd: Command): Command {
  for (const n of selectorNames) cmd.option(`--${flagOf(n)} <value>`, `set ${n} for the new file`);
  return cmd.option("--mac-only-encrypted", "compute the MAC over encrypted values only");
}

/** The selectors given on the command line (more than one is exit 8, as in sops). */
export function selectorsFromFlags(opts: Record<string, unknown>): Selectors | undefined {
  const set = selectorNames.filter((n) => typeof opts[camel(n)] === "string");
  if (set.length > 1) {
    throw new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", `only one selector flag may be given (got ${set.map((n) => `--${flagOf(n)}`).join(", ")})`);
  }
  const name = set[0];
  if (name === undefined) return opts["macOnlyEncrypted"] === true ? { macOnlyEncrypted: true } : undefined;
  return { rule: { name, value: String(opts[camel(name)]) }, ...(opts["macOnlyEncrypted"] === true && { macOnlyEncrypted: true }) };
}

const keyTypes: readonly KeyType[] = ["age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"];

/** Parses `--decryption-order` / `SOPS_DECRYPTION_ORDER` (a duplicate is exit 112, as in sops). */
export function parseDecryptionOrder(value: string | undefined): KeyType[] | undefined {
  if (!value) return undefined;
  const order = value.split(",").map((s) => s.trim()).filter(Boolean) as KeyType[];
  for (const t of order) {
    if (!keyTypes.includes(t)) throw new HushError("HUSH_ERR_CLI_USAGE", `unknown key type '${t.slice(0, 20)}' in the decryption order`, {
        hint: "name key types from: age, pgp, kms, gcp_kms, azure_kv, hc_vault, hckms",
      });
  }
  if (new Set(order).size !== order.length) throw new HushError("HUSH_ERR_CLI_DUPLICATE_DECRYPTION_KEY_TYPE", "the decryption order names a key type twice");
  return order;
}
