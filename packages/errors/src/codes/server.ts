import { defineCodes } from "./define.js";

/** Errors raised by @hush/server. Codes are never reused once released. */
export const serverCodes = defineCodes({
  HUSH_ERR_SERVER_INTERNAL: { exitCode: 1, hint: "this is a bug in hush; please report it" },
  HUSH_ERR_SERVER_LISTEN_ADDRESS: {
    exitCode: 1,
    hint: "pass --listen as HOST:PORT, e.g. 0.0.0.0:8443 or [::]:8443",
  },
  HUSH_ERR_SERVER_LISTEN: {
    exitCode: 1,
    hint: "check that the port is free and the address belongs to this host",
  },
  HUSH_ERR_SERVER_TLS_READ: {
    exitCode: 1,
    hint: "check that the certificate and key files exist and are readable by this user",
  },
  HUSH_ERR_SERVER_TLS_INVALID: {
    exitCode: 1,
    hint: "pass a PEM certificate chain and the PEM private key that belongs to it",
  },
});
