import { describe, expect, it } from "vitest";
import { isHushError } from "@hush/errors";
import { parseListenAddress } from "./index.js";

describe("parseListenAddress", () => {
  it.for([
    ["127.0.0.1:8443", "127.0.0.1", 8443],
    ["0.0.0.0:0", "0.0.0.0", 0],
    [":9443", "0.0.0.0", 9443],
    ["[::]:8443", "::", 8443],
    ["[::1]:1", "::1", 1],
    ["localhost:65535", "localhost", 65535],
  ] as const)("parses %s", ([text, host, port]) => {
    expect(parseListenAddress(text)).toEqual({ host, port });
  });

  it.for(["8443", "host:", "host:65536", "a:b:c", "host:port", "", "[::1]", " :80"])("rejects %j with a usage code", (text) => {
    try {
      parseListenAddress(text);
      expect.unreachable();
    } catch (err) {
      expect(isHushError(err) && err.code).toBe("HUSH_ERR_SERVER_LISTEN_ADDRESS");
    }
  });
});
