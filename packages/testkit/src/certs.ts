import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM strings: a leaf certificate and its key, and the CA that signed it. */
export interface CertBundle {
  /** The leaf certificate (PEM). */
  readonly cert: string;
  /** The leaf's private key (PKCS#8 PEM). */
  readonly key: string;
  /** The CA certificate (PEM); use as `ca` in clients and as a webhook `caBundle`. */
  readonly ca: string;
}

/** A CA that can issue further certificates (internal to the harnesses). */
export interface CertAuthority {
  readonly cert: string;
  readonly key: string;
  issue(options: IssueOptions): { cert: string; key: string };
}

/** What to put in an issued certificate. */
export interface IssueOptions {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  /** DNS names and IP addresses for the subjectAltName. */
  readonly hosts?: readonly string[];
  readonly usage: "server" | "client" | "both";
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? "";
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(
      missing ? "openssl not found on PATH: the test harness needs it to make certificates" : `openssl ${args[0]} failed: ${stderr}`,
    );
  }
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * Creates a throw-away CA (EC P-256, valid 2 days) with `openssl`. Files live in a temp
 * directory only while a command runs.
 */
export function createCertAuthority(commonName = "hush-test-ca"): CertAuthority {
  const dir = mkdtempSync(join(tmpdir(), "hush-ca-"));
  try {
    openssl(
      ["req", "-x509", "-new", ...ecKey, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", `/CN=${commonName}`,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
      dir,
    );
    const cert = readFileSync(join(dir, "ca.crt"), "utf8");
    const key = readFileSync(join(dir, "ca.key"), "utf8");
    return { cert, key, issue: (options) => issue(cert, key, options) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function issue(caCert: string, caKey: string, options: IssueOptions): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "hush-cert-"));
  try {
    writeFileSync(join(dir, "ca.crt"), caCert);
    writeFileSync(join(dir, "ca.key"), caKey, { mode: 0o600 });
    const subject = [...(options.organizations ?? []).map((o) => `/O=${o}`), `/CN=${options.commonName}`].join("");
    openssl(["req", "-new", ...ecKey, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", subject], dir);
    const eku = { server: "serverAuth", client: "clientAuth", both: "serverAuth,clientAuth" }[options.usage];
    const ext = [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      `extendedKeyUsage=${eku}`,
    ];
    const hosts = options.hosts ?? [];
    if (hosts.length > 0) ext.push(`subjectAltName=${hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(",")}`);
    writeFileSync(join(dir, "ext.cnf"), `${ext.join("\n")}\n`);
    openssl(
      ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "leaf.crt",
        "-days", "2", "-extfile", "ext.cnf"],
      dir,
    );
    return { cert: readFileSync(join(dir, "leaf.crt"), "utf8"), key: readFileSync(join(dir, "leaf.key"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A fresh CA and a server certificate for `hosts` (DNS names and/or IPs, e.g.
 * `["localhost", "127.0.0.1"]`), for HTTPS servers in tests (webhooks, fakes).
 * @throws Error when `openssl` is missing or fails.
 */
export function selfSignedCert(hosts: string[]): CertBundle {
  if (hosts.length === 0) throw new Error("selfSignedCert needs at least one host");
  const ca = createCertAuthority();
  const leaf = ca.issue({ commonName: hosts[0] ?? "localhost", hosts, usage: "server" });
  return { cert: leaf.cert, key: leaf.key, ca: ca.cert };
}
