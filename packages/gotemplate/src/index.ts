/**
 * Go's text/template, as External Secrets Operator renders `spec.target.template`: Go's
 * actions, pipelines, control structures, variables, whitespace trimming and
 * `define`/`template`/`block`; Go's built-in functions; Sprig v3.3.0's functions as ESO
 * v0.16.2 registers them (without environment access; `getHostByName` left out: no I/O) and
 * ESO's helpers (YAML, PEM, certificate chains, PKCS#12, JWK); `missingkey=error`. Strings are
 * Go's byte strings ({@link goString}, {@link goBytes}), so binary values survive.
 *
 * Every render is bounded ({@link Limits}): steps, output, the size of each value and the
 * bytes all function results add up to, nesting, and the source size. Functions that grow
 * their input (`repeat`, `replace`, `indent`, `printf` widths, ...) check the size before
 * allocating, so a hostile template fails with a `limit` {@link TemplateError} instead of
 * exhausting memory. Regular expressions use RE2 semantics (linear time).
 *
 * Pure: no clock, randomness, environment or I/O unless injected. Date functions read the
 * injected clock; random, key, certificate, bcrypt, AES and PKCS#12-writing functions need the
 * injected random source (key pairs themselves come from Node's CSPRNG once it is given).
 */
import { TemplateError } from "./errors.js";
import { defaultLimits, execute, type Limits, type Usage } from "./exec.js";
import { functions } from "./functions.js";
import { parse } from "./parse.js";
import { mapSet, markStringMap, newMap, type Value } from "./value.js";

export { goBytes, goString } from "./bytes.js";
export { TemplateError, type TemplateErrorKind } from "./errors.js";
export { defaultLimits, type Limits, type Usage } from "./exec.js";
export { GoFloat, type GoMap, type Value } from "./value.js";

/** Options for {@link render}. */
export interface RenderOptions {
  /** Bounds for this render; unset fields take {@link defaultLimits}. */
  readonly limits?: Partial<Limits>;
  /** The clock for time functions. Without one, they fail. */
  readonly clock?: () => Date;
  /** Random bytes for `uuidv4`, `rand*`, salts, IVs and serials; it also enables key generation. Without a source, they fail. */
  readonly random?: (n: number) => Uint8Array;
  /** ESO's `--template-left-delimiter`/`--template-right-delimiter`. */
  readonly leftDelim?: string;
  readonly rightDelim?: string;
  /** Filled with what the render spent (also when it fails), to share a budget across renders. */
  readonly usage?: Usage;
}

/** The names of every function a template may call. */
export const functionNames: ReadonlySet<string> = new Set(functions.keys());

/**
 * Parses and executes `source` (named `name`, as Go names the template in messages) on
 * `data`. Throws {@link TemplateError} on a parse error, an execution error or a limit.
 */
export function render(name: string, source: string, data: Value, options: RenderOptions = {}): string {
  const limits: Limits = { ...defaultLimits, ...options.limits };
  if (source.length > limits.maxSourceBytes) throw new TemplateError("limit", `template: ${name}: source larger than ${limits.maxSourceBytes} bytes`);
  const parseOptions = {
    functions: functionNames,
    maxDepth: limits.maxDepth,
    ...(options.leftDelim === undefined ? {} : { leftDelim: options.leftDelim }),
    ...(options.rightDelim === undefined ? {} : { rightDelim: options.rightDelim }),
  };
  const parsed = parse(name, source, parseOptions);
  try {
    return execute(parsed, data, functions, limits, {
      clock: options.clock ?? (() => {
        throw new TemplateError("exec", `template: ${name}: no clock available`);
      }),
      random: options.random ?? (() => {
        throw new TemplateError("exec", `template: ${name}: no randomness available`);
      }),
    }, options.usage);
  } catch (e) {
    // Deep recursion in a pathological parse tree surfaces as a RangeError from V8.
    if (e instanceof RangeError) throw new TemplateError("limit", `template: ${name}: too deeply nested`);
    throw e;
  }
}

/** ESO's template data: the secret's keys and values as Go's `map[string]string`. */
export function secretData(values: Readonly<Record<string, string>>): Value {
  const m = markStringMap(newMap());
  for (const [k, v] of Object.entries(values)) mapSet(m, k, v);
  return m;
}
