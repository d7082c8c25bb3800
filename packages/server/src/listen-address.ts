import { HushError } from "@hush/errors";

/** A host and port to bind to. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces).
 *
 * @throws HushError `HUSH_ERR_SERVER_LISTEN_ADDRESS` when the text is not one of those.
 */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]*)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port > 65535) {
    throw new HushError("HUSH_ERR_SERVER_LISTEN_ADDRESS", "the listen address must look like HOST:PORT");
  }
  const host = match[1] ?? match[2] ?? "";
  return { host: host === "" ? "0.0.0.0" : host, port };
}
