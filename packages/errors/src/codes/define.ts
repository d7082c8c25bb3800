/** One catalogue entry: the sops exit code and the default remedy shown to users. */
export interface ErrorSpec {
  /** The exit code `sops` uses for the same failure (1 when sops has no specific code). */
  readonly exitCode: number;
  /** What the user should do; shown after the message. */
  readonly hint: string;
}

/** Identity helper that keeps literal keys while checking each entry's shape. */
export function defineCodes<const T extends Record<string, ErrorSpec>>(codes: T): T {
  return codes;
}
