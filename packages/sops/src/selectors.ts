import { HushError } from "@hush/errors";
import { compileGoRegex, type GoRegex } from "./regex.js";

/** The selector names, exactly as sops writes them in metadata and `.sops.yaml`. */
export const selectorNames = [
  "unencrypted_suffix",
  "encrypted_suffix",
  "unencrypted_regex",
  "encrypted_regex",
  "unencrypted_comment_regex",
  "encrypted_comment_regex",
] as const;

/** One of the six mutually exclusive selector settings. */
export type SelectorName = (typeof selectorNames)[number];

/** Which values of a file are encrypted: at most one rule, plus `mac_only_encrypted`. */
export interface Selectors {
  readonly rule?: { readonly name: SelectorName; readonly value: string };
  readonly macOnlyEncrypted?: boolean;
}

/** The default sops applies when no selector is set. */
export const defaultSelector = { name: "unencrypted_suffix", value: "_unencrypted" } as const;

/**
 * Reads the selector from a metadata or config object. More than one set is an error, as in
 * sops. Returns `undefined` when none is set.
 */
export function pickSelector(source: Readonly<Record<string, unknown>>, where: string): Selectors["rule"] {
  const set = selectorNames.filter((n) => typeof source[n] === "string" && source[n] !== "");
  if (set.length > 1) {
    throw new HushError("HUSH_ERR_SOPS_SELECTOR_CONFLICT", `${where} sets more than one selector (${set.join(", ")})`);
  }
  const name = set[0];
  return name === undefined ? undefined : { name, value: String(source[name]) };
}

/** Reads the selectors recorded in a file's `sops` metadata (tolerant, as sops is). */
export function readSelectors(metadata: Readonly<Record<string, unknown>>): Selectors {
  const rule = pickSelector(metadata, "the file's sops metadata");
  const mac = metadata["mac_only_encrypted"];
  return { ...(rule && { rule }), macOnlyEncrypted: mac === true || mac === "true" };
}

/**
 * A compiled decision procedure for one file. `strict` compiles regexes eagerly and throws
 * on an invalid one (hush's choice on encrypt); otherwise an invalid regex matches nothing,
 * as sops does when decrypting.
 */
export class SelectorMatcher {
  readonly rule: { readonly name: SelectorName; readonly value: string };
  readonly macOnlyEncrypted: boolean;
  readonly #regex: GoRegex | undefined;

  constructor(selectors: Selectors, strict: boolean) {
    this.rule = selectors.rule ?? defaultSelector;
    this.macOnlyEncrypted = selectors.macOnlyEncrypted === true;
    if (this.rule.name.endsWith("_regex")) {
      try {
        this.#regex = compileGoRegex(this.rule.value, this.rule.name);
      } catch (err) {
        if (strict) throw err;
        this.#regex = { source: this.rule.value, test: () => false };
      }
    }
  }

  /** Does the rule use the comment stack rather than the key path? */
  get usesComments(): boolean {
    return this.rule.name === "unencrypted_comment_regex" || this.rule.name === "encrypted_comment_regex";
  }

  /**
   * Whether a value (or comment) at `path` is encrypted. `comments` is the comment stack
   * visible to it; `self` is the comment being decided, if any (sops's rules in section 4).
   */
  shouldEncrypt(path: readonly string[], comments: readonly string[] = [], self?: string): boolean {
    const { name, value } = this.rule;
    switch (name) {
      case "unencrypted_suffix":
        return !path.some((k) => k.endsWith(value));
      case "encrypted_suffix":
        return path.some((k) => k.endsWith(value));
      case "unencrypted_regex":
        return !path.some((k) => this.#regex?.test(k));
      case "encrypted_regex":
        return path.some((k) => this.#regex?.test(k));
      case "unencrypted_comment_regex": {
        if (self !== undefined && this.#regex?.test(self)) return false;
        return !comments.some((c) => this.#regex?.test(c));
      }
      case "encrypted_comment_regex": {
        if (self !== undefined && this.#regex?.test(self)) return false;
        return comments.some((c) => this.#regex?.test(c));
      }
    }
  }
}

/** Convenience: whether a value at `path` is encrypted under `selectors`. */
export function shouldEncrypt(path: readonly string[], selectors: Selectors): boolean {
  return new SelectorMatcher(selectors, false).shouldEncrypt(path);
}
