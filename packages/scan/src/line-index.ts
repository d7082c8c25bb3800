/** Maps UTF-16 offsets of a text to 1-based line and column numbers. Built lazily. */
export class LineIndex {
  readonly #text: string;
  #starts: number[] | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  #lineStarts(): number[] {
    if (this.#starts) return this.#starts;
    const starts = [0];
    const t = this.#text;
    let i = t.indexOf("\n");
    while (i !== -1) {
      starts.push(i + 1);
      i = t.indexOf("\n", i + 1);
    }
    this.#starts = starts;
    return starts;
  }

  /** 1-based line and column of `offset`. */
  position(offset: number): { line: number; column: number } {
    const starts = this.#lineStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /** The text of 1-based `line`, without its newline. */
  lineText(line: number): string {
    const starts = this.#lineStarts();
    const s = starts[line - 1];
    if (s === undefined) return "";
    const next = starts[line];
    return this.#text.slice(s, next === undefined ? undefined : next - 1);
  }
}
