import { HushError } from "@hush/errors";

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration string (`1h0m0s`, `90s`, `1.5h`, `0`) into milliseconds.
 * `path` names the field in the error. Throws `HUSH_ERR_KUBE_INVALID_OBJECT` on bad input.
 */
export function parseDuration(text: string, path = "duration"): number {
  const s = text.trim();
  if (s === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * (unitMs[m[2]!] ?? 0);
    pos = re.lastIndex;
  }
  if (s.length === 0 || pos !== s.length) {
    throw new HushError("HUSH_ERR_KUBE_INVALID_OBJECT", `${path} is not a duration like 1h, 15m or 30s`);
  }
  return Math.round(total);
}

/** Formats milliseconds the way Go prints durations (`1h0m0s`, `30s`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  if (ms < 1000) return `${ms}ms`;
  return `${s}s`;
}
