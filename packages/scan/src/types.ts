/** A finding as every output format sees it. It never carries the secret itself. */
export interface Finding {
  /** Rule id, e.g. `aws-access-key-id`, `kubernetes-secret`. */
  readonly rule: string;
  /** Path relative to the scan root (or the repository root for Git modes). */
  readonly path: string;
  /** 1-based line of the start of the secret. */
  readonly line: number;
  /** 1-based column (UTF-16 code units) of the start of the secret. */
  readonly column: number;
  /** Lower-case hex SHA-256 of the secret; the stable identity used by baselines. */
  readonly secretHash: string;
  /** The secret with all but a short prefix masked. */
  readonly redacted: string;
  /** Commit the finding was introduced in (`--git` mode only). */
  readonly commit?: string;
  /** Author name, e-mail, ISO 8601 date and subject of that commit (`--git` mode only). */
  readonly author?: string;
  readonly email?: string;
  readonly date?: string;
  readonly message?: string;
  /**
   * With `--verify`, for token formats that carry a checksum (GitHub, npm, age, Base58Check):
   * `valid` when it matches, `invalid` when it does not. Absent for formats without one.
   */
  readonly checksum?: "valid" | "invalid";
}

/** One match span inside a text, as a pattern reports it. */
export interface PatternMatch {
  readonly start: number;
  readonly end: number;
  /** Capture groups; index 0 is the whole match. */
  readonly groups: readonly (string | undefined)[];
}

/** A compiled pattern that finds successive matches (JS RegExp for built-ins, RE2 for user rules). */
export interface Pattern {
  /** Next match starting at or after `from`, or null. */
  exec(text: string, from: number): PatternMatch | null;
  /** True if the pattern matches anywhere in `text`. */
  test(text: string): boolean;
}

/** A secret a detector found, before suppression and formatting. */
export interface RawHit {
  readonly rule: string;
  /** UTF-16 offset of the secret in the scanned text. */
  readonly offset: number;
  readonly secret: string;
  /** File-level hits (Kubernetes, SOPS) are reported in --staged mode even on unchanged lines. */
  readonly fileLevel?: boolean;
  /** The secret is a whole file: the finding shows no characters of it. */
  readonly wholeFile?: boolean;
  /** Pre-computed 1-based line/column when the detector knows them (e.g. decoded values). */
  readonly line?: number;
  readonly column?: number;
}
