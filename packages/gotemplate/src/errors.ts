/**
 * Why a template failed: `parse` (the source is not a valid template), `exec` (it failed on
 * this data, as Go's Execute would), or `limit` (it exceeded a bound hush sets so that one
 * hostile template cannot exhaust the process). Messages never include data values.
 */
export type TemplateErrorKind = "parse" | "exec" | "limit";

export class TemplateError extends Error {
  override readonly name = "TemplateError";
  constructor(
    readonly kind: TemplateErrorKind,
    message: string,
  ) {
    super(message);
  }
}
