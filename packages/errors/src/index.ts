/**
 * @packageDocumentation
 * The leaf of the hush workspace: the {@link HushError} type and the catalogue of stable
 * error codes, each mapped to the exit code `sops` uses for the same failure.
 */
export { catalogue, type ErrorCode } from "./catalogue.js";
export type { ErrorSpec } from "./codes/define.js";
export { HushError, isHushError, type HushErrorOptions } from "./hush-error.js";
