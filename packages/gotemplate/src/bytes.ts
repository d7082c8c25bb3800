/**
 * Go strings are bytes; hush's are UTF-16. Text converts as UTF-8; a byte that is not part of
 * valid UTF-8 (binary data from `b64dec`, a PKCS#12 file, a Secret holding a keystore) is
 * kept as a lone low surrogate U+DC80..U+DCFF, which valid text never contains, so bytes
 * survive a render unchanged ({@link goString} and {@link goBytes} are inverses).
 */
import { isUtf8 } from "node:buffer";

/** The string Go would hold for these bytes. */
export function goString(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  let out = "";
  let i = 0;
  let run = i;
  const flush = (end: number) => {
    if (end > run) out += Buffer.from(bytes.subarray(run, end)).toString("utf8");
  };
  while (i < bytes.length) {
    const n = validSequence(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    flush(i);
    out += String.fromCharCode(0xdc00 + (bytes[i] as number));
    i++;
    run = i;
  }
  flush(i);
  return out;
}

/** Length of the well-formed UTF-8 sequence at `i` (Go's utf8.DecodeRune rules), or 0. */
function validSequence(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && (b[i + k] as number) >= lo && (b[i + k] as number) <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** The bytes a Go string holds for this string (see {@link goString}). */
export function goBytes(s: string): Buffer {
  if (s.isWellFormed()) return Buffer.from(s, "utf8");
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(s.slice(start, i), "utf8"), Buffer.of(c - 0xdc00));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(start), "utf8"));
  return Buffer.concat(parts);
}
