/**
 * Keyword prefilter: one pass of an Aho-Corasick automaton over the input, ASCII
 * case-folded on the fly, telling which rule keywords occur. Rules whose keywords do not
 * occur never run their regex (gitleaks and TruffleHog do the same).
 *
 * Why not a library: keywords are ASCII, and a dense 128-column DFA driven directly over the
 * file's bytes avoids decoding and lower-casing a copy of every file (most files in a large
 * tree hit no keyword, so they are never decoded to a string at all).
 */
export class KeywordPrefilter {
  readonly keywords: readonly string[];
  readonly #delta: Int32Array;
  /** For each state, the keyword indices it completes (including via suffix links). */
  readonly #out: readonly (readonly number[])[];

  constructor(keywords: readonly string[]) {
    const words = [...new Set(keywords.map((k) => k.toLowerCase()))].filter((k) => k.length > 0);
    for (const w of words) {
      for (let i = 0; i < w.length; i++) {
        if (w.charCodeAt(i) > 127) throw new RangeError(`prefilter keywords must be ASCII (keyword #${words.indexOf(w)})`);
      }
    }
    this.keywords = words;
    // Trie with goto over 128 ASCII columns.
    const gotoRows: Int32Array[] = [new Int32Array(128).fill(-1)];
    const out: number[][] = [[]];
    words.forEach((w, idx) => {
      let s = 0;
      for (let i = 0; i < w.length; i++) {
        const c = w.charCodeAt(i);
        const row = gotoRows[s]!;
        if (row[c] === -1) {
          row[c] = gotoRows.length;
          gotoRows.push(new Int32Array(128).fill(-1));
          out.push([]);
        }
        s = row[c]!;
      }
      out[s]!.push(idx);
    });
    // BFS for failure links, completing the goto function into a DFA.
    const n = gotoRows.length;
    const fail = new Int32Array(n);
    const delta = new Int32Array(n * 128);
    const queue: number[] = [];
    for (let c = 0; c < 128; c++) {
      const t = gotoRows[0]![c]!;
      if (t === -1) delta[c] = 0;
      else {
        delta[c] = t;
        fail[t] = 0;
        queue.push(t);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      out[s] = [...out[s]!, ...out[fail[s]!]!];
      for (let c = 0; c < 128; c++) {
        const t = gotoRows[s]![c]!;
        if (t === -1) delta[s * 128 + c] = delta[fail[s]! * 128 + c]!;
        else {
          fail[t] = delta[fail[s]! * 128 + c]!;
          delta[s * 128 + c] = t;
          queue.push(t);
        }
      }
    }
    this.#delta = delta;
    this.#out = out;
  }

  /** Indices (into {@link keywords}) of every keyword occurring in `input`, case-insensitively. */
  scan(input: Uint8Array | string): Set<number> {
    const delta = this.#delta;
    const out = this.#out;
    const hits = new Set<number>();
    let s = 0;
    const len = input.length;
    const isStr = typeof input === "string";
    for (let i = 0; i < len; i++) {
      let c = isStr ? (input as string).charCodeAt(i) : (input as Uint8Array)[i]!;
      if (c > 127) {
        s = 0;
        continue;
      }
      if (c >= 65 && c <= 90) c |= 32;
      s = delta[s * 128 + c]!;
      const o = out[s]!;
      if (o.length > 0) for (const k of o) hits.add(k);
    }
    return hits;
  }
}
