/** A block scalar's value and the offset where scanning stopped. */
export interface BlockScalar {
  readonly value: string;
  /** Offset of the first character not consumed (inside the line that ended the scalar, or the end). */
  readonly end: number;
}

const isBreak = (c: string | undefined): boolean => c === "\n" || c === "\r";
const isBlank = (c: string | undefined): boolean => c === " " || c === "\t";

/**
 * Reads the block scalar (`|` or `>`, with its chomping and indentation indicators) whose
 * indicator is at `at`, the way go-yaml v3's scanner does, since sops encrypts exactly the
 * value go-yaml reads. `parentIndent` is the column of the block mapping or sequence holding
 * the scalar (go-yaml's current indentation level).
 *
 * Line breaks are only the ones in the source: a scalar that ends the file without a final
 * newline keeps none, whatever its chomping (the general YAML libraries add one there).
 * Returns undefined where go-yaml reports an error (the caller's parser reports it then).
 */
export function scanBlockScalar(text: string, at: number, parentIndent: number): BlockScalar | undefined {
  const literal = text[at] === "|";
  if (!literal && text[at] !== ">") return undefined;
  let p = at + 1;
  let chomping = 0;
  let increment = 0;
  const chompAt = (): void => {
    if (text[p] === "+" || text[p] === "-") chomping = text[p++] === "+" ? 1 : -1;
  };
  const digitAt = (): boolean => {
    const c = text.charCodeAt(p);
    if (c < 48 || c > 57) return true;
    if (c === 48) return false; // an indentation indicator of 0 is an error
    increment = c - 48;
    p++;
    return true;
  };
  if (text[p] === "+" || text[p] === "-") {
    chompAt();
    if (!digitAt()) return undefined;
  } else {
    if (!digitAt()) return undefined;
    chompAt();
  }
  while (isBlank(text[p])) p++;
  if (text[p] === "#") while (p < text.length && !isBreak(text[p])) p++;
  if (p < text.length && !isBreak(text[p])) return undefined;

  let lineStart = p;
  /** Consumes one line break (CR LF, LF or CR) and returns it normalised. */
  const readLine = (): string => {
    if (text[p] === "\r" && text[p + 1] === "\n") p += 2;
    else if (isBreak(text[p])) p++;
    else return "";
    lineStart = p;
    return "\n";
  };
  readLine();

  let indent = increment > 0 ? (parentIndent >= 0 ? parentIndent + increment : increment) : 0;
  let trailingBreaks = "";
  /** Eats indentation and empty lines; fixes the indentation from the first lines when unset. */
  const breaks = (): boolean => {
    let maxIndent = 0;
    for (;;) {
      while ((indent === 0 || p - lineStart < indent) && text[p] === " ") p++;
      if (p - lineStart > maxIndent) maxIndent = p - lineStart;
      if ((indent === 0 || p - lineStart < indent) && text[p] === "\t") return false;
      if (!isBreak(text[p])) break;
      trailingBreaks += readLine();
    }
    if (indent === 0) indent = Math.max(maxIndent, parentIndent + 1, 1);
    return true;
  };
  if (!breaks()) return undefined;

  let s = "";
  let leadingBreak = "";
  let leadingBlank = false;
  while (p - lineStart === indent && p < text.length) {
    const trailingBlank = isBlank(text[p]);
    if (!literal && !leadingBlank && !trailingBlank && leadingBreak === "\n") {
      // Folding: a single line break between two text lines becomes a space.
      if (trailingBreaks === "") s += " ";
    } else s += leadingBreak;
    leadingBreak = "";
    s += trailingBreaks;
    trailingBreaks = "";
    leadingBlank = isBlank(text[p]);
    const from = p;
    while (p < text.length && !isBreak(text[p])) p++;
    s += text.slice(from, p);
    leadingBreak = readLine();
    if (!breaks()) return undefined;
  }
  if (chomping !== -1) s += leadingBreak;
  if (chomping === 1) s += trailingBreaks;
  return { value: s, end: p };
}
