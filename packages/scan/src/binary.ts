/** How many leading bytes {@link isBinary} inspects. */
export const binarySniffBytes = 8000;

/**
 * True when the content looks binary: a NUL byte in the first 8,000 bytes (Git's own test),
 * so images, archives and compiled objects are skipped by content, not by file extension.
 */
export function isBinary(content: Uint8Array): boolean {
  const n = Math.min(content.length, binarySniffBytes);
  for (let i = 0; i < n; i++) if (content[i] === 0) return true;
  return false;
}
