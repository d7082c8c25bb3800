import { X509Certificate } from "node:crypto";
import { createServer, get } from "node:https";
import { describe, expect, it } from "vitest";
import { selfSignedCert } from "./certs.js";
import { freePort } from "./free-port.js";

describe("selfSignedCert", () => {
  it("issues a server certificate for the hosts, signed by the returned CA", () => {
    const { cert, key, ca } = selfSignedCert(["localhost", "127.0.0.1"]);
    const leaf = new X509Certificate(cert);
    const authority = new X509Certificate(ca);
    expect(leaf.verify(authority.publicKey)).toBe(true);
    expect(leaf.checkIssued(authority)).toBe(true);
    expect(authority.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it("serves TLS that a client trusting only the CA accepts, and one trusting another CA rejects", async () => {
    const tls = selfSignedCert(["127.0.0.1"]);
    const other = selfSignedCert(["127.0.0.1"]);
    const server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end("ok"));
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const fetchWith = (ca: string) =>
      new Promise<string>((resolve, reject) => {
        get(`https://127.0.0.1:${port}/`, { ca }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve(body));
        }).on("error", reject);
      });
    try {
      expect(await fetchWith(tls.ca)).toBe("ok");
      await expect(fetchWith(other.ca)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    } finally {
      server.close();
    }
  });
});
