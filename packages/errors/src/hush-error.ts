import { catalogue, type ErrorCode } from "./catalogue.js";

/** Options accepted by {@link HushError}. */
export interface HushErrorOptions {
  /** The underlying error, kept for debugging; never rendered to users verbatim. */
  readonly cause?: unknown;
  /** Overrides the catalogue's remedy for this occurrence. */
  readonly hint?: string;
  /**
   * The message is sops's own text for this failure, which scripts and sops's test suite
   * compare byte for byte: the CLI prints it as it is, without the `hush:` prefix or a hint.
   */
  readonly verbatim?: boolean;
}

/**
 * The one error type every hush package throws.
 *
 * `code` is stable and listed in the catalogue; `exitCode` is the sops exit code the CLI
 * returns for it. Messages are written by hush, never copied from user input, so they
 * cannot carry secret values.
 */
export class HushError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string | undefined;
  /** See {@link HushErrorOptions.verbatim}. */
  readonly verbatim: boolean;

  constructor(code: ErrorCode, message: string, options: HushErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HushError";
    this.code = code;
    this.exitCode = catalogue[code].exitCode;
    this.hint = options.hint ?? catalogue[code].hint;
    this.verbatim = options.verbatim === true;
  }
}

/** True when `value` is a {@link HushError}, also across duplicated module copies. */
export function isHushError(value: unknown): value is HushError {
  return (
    value instanceof HushError ||
    (value instanceof Error && value.name === "HushError" && typeof (value as HushError).code === "string")
  );
}
