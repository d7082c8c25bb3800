import type { FastifyLoggerOptions, PinoLoggerOptions } from "fastify/types/logger.js";

type PinoOptions = FastifyLoggerOptions & PinoLoggerOptions;
import { isHushError } from "@hush/errors";
import { createCensor } from "./censor.js";

/** A writable sink for log lines (pino writes one JSON object per line). */
export interface LogSink {
  write(line: string): unknown;
}

/** How a long-running hush process logs. */
export interface LoggerSettings {
  /** pino level; default `info`. */
  readonly level?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Where lines go; default stdout. Tests pass a collector. */
  readonly sink?: LogSink;
  /** Extra censored paths on top of {@link defaultRedactPaths}. */
  readonly redact?: readonly string[];
}

/**
 * Paths censored in every log line (`*` is any one key). They cover the places a secret could reach a log
 * by accident: request headers with credentials and any Kubernetes object payload.
 */
export const defaultRedactPaths: readonly string[] = [
  "req.headers.authorization",
  "req.headers.cookie",
  "*.data",
  "*.stringData",
  "*.binaryData",
  "*.object",
  "*.oldObject",
  "*.value",
  "*.token",
  "*.password",
];

/**
 * Serialises an error for a log line without its message unless hush wrote it: library
 * messages (JSON.parse, TLS, HTTP clients) can quote the input they failed on.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (isHushError(err)) return { type: err.name, code: err.code, message: err.message };
  if (err instanceof Error) {
    const withCode = err as Error & { code?: unknown; statusCode?: unknown };
    return {
      type: err.name,
      ...(typeof withCode.code === "string" ? { code: withCode.code } : {}),
      ...(typeof withCode.statusCode === "number" ? { statusCode: withCode.statusCode } : {}),
    };
  }
  return { type: typeof err };
}

/**
 * Builds fastify's `logger` option: pino with hush's redaction paths and an error
 * serialiser that never prints library error text.
 */
export function loggerOptions(settings: LoggerSettings = {}): PinoOptions {
  const censor = createCensor([...defaultRedactPaths, ...(settings.redact ?? [])], "[redacted]");
  return {
    level: settings.level ?? "info",
    // Censored by hush's own path trie rather than pino's `redact` (see censor.ts for why), before
    // any serialiser runs. Child-logger bindings are not passed through formatters by pino; the
    // only child hush has is fastify's per-request one, bound to the request id.
    formatters: { log: censor },
    // fastify's type wants message and stack from an error serialiser; leaving them out is the point.
    serializers: { err: serializeError } as unknown as NonNullable<PinoOptions["serializers"]>,
    ...(settings.sink ? { stream: settings.sink } : {}),
  };
}
