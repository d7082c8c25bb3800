import { createHash, randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";
import { awaitPeer, spawnPeer } from "./peer-process.js";
import { findBinary } from "./require-peer.js";

/** One `inetOrgPerson` under {@link SlapdHarness.usersDn}, bound to with its password. */
export interface SlapdUser {
  readonly uid: string;
  readonly password: string;
}

/** A running OpenLDAP server with a throw-away database. */
export interface SlapdHarness {
  /** `ldap://127.0.0.1:PORT`. */
  readonly url: string;
  /** The suffix, `dc=hush,dc=test`. */
  readonly baseDn: string;
  /** Where the users sit, `ou=people,<baseDn>`; a user's DN is `uid=<uid>,<usersDn>`. */
  readonly usersDn: string;
  /** The database's root DN and its (random) password, for a search bind. */
  readonly rootDn: string;
  readonly rootPassword: string;
  readonly users: readonly SlapdUser[];
  /** Stops slapd (SIGTERM to its group) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Where Debian (and most distributions) keep slapd's schema files and loadable backends. */
const SCHEMA_DIRS = ["/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema"];
const MODULE_DIRS = ["/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap", "/usr/local/libexec/openldap"];

const BASE_DN = "dc=hush,dc=test";

/**
 * Starts OpenLDAP's `slapd` (from `bash scripts/peers slapd`) on a free 127.0.0.1 port, as a
 * plain process with its own `slapd.conf`, an mdb database in a temp dir (suffix
 * `dc=hush,dc=test`) loaded with `slapadd` before start, and `users` as `inetOrgPerson` entries
 * with salted SHA-1 (`{SSHA}`) passwords. Resolves once an anonymous LDAP bind succeeds.
 * @throws Error when slapd is missing or does not become ready (with its log tail).
 */
export async function startSlapd(options: { users: readonly SlapdUser[]; timeoutMs?: number }): Promise<SlapdHarness> {
  const bin = findBinary("slapd");
  if (!bin) throw new Error("peer 'slapd' not found in .cache/peers/bin or PATH; run `bash scripts/peers slapd`");
  const schemaDir = SCHEMA_DIRS.find((d) => existsSync(join(d, "inetorgperson.schema")));
  if (!schemaDir) throw new Error(`slapd schema files not found in ${SCHEMA_DIRS.join(", ")}`);
  const moduleDir = MODULE_DIRS.find((d) => existsSync(join(d, "back_mdb.la")) || existsSync(join(d, "back_mdb.so")));
  const dir = mkdtempSync(join(tmpdir(), "hush-slapd-"));
  const dbDir = join(dir, "db");
  mkdirSync(dbDir);
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const usersDn = `ou=people,${BASE_DN}`;
  const rootDn = `cn=admin,${BASE_DN}`;
  const rootPassword = randomBytes(12).toString("hex");
  const conf = join(dir, "slapd.conf");
  writeFileSync(
    conf,
    [
      ...["core", "cosine", "inetorgperson"].map((s) => `include ${join(schemaDir, `${s}.schema`)}`),
      `pidfile ${join(dir, "slapd.pid")}`,
      `argsfile ${join(dir, "slapd.args")}`,
      ...(moduleDir ? [`modulepath ${moduleDir}`, "moduleload back_mdb"] : []),
      "database mdb",
      "maxsize 16777216",
      `suffix "${BASE_DN}"`,
      `rootdn "${rootDn}"`,
      `rootpw ${ssha(rootPassword)}`,
      `directory ${dbDir}`,
      // Passwords are compared by slapd, never handed out; everything else is readable.
      "access to attrs=userPassword by anonymous auth by * none",
      "access to * by * read",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const entries = [
    [`dn: ${BASE_DN}`, "objectClass: dcObject", "objectClass: organization", "dc: hush", "o: hush test"],
    [`dn: ${usersDn}`, "objectClass: organizationalUnit", "ou: people"],
    ...options.users.map((u) => [`dn: uid=${u.uid},${usersDn}`, "objectClass: inetOrgPerson", `uid: ${u.uid}`, `cn: ${u.uid}`, `sn: ${u.uid}`, `userPassword: ${ssha(u.password)}`]),
  ];
  const ldif = join(dir, "data.ldif");
  writeFileSync(ldif, `${entries.map((e) => e.join("\n")).join("\n\n")}\n`, { mode: 0o600 });
  // slapadd is slapd itself under another name; the harness runs it through the same binary.
  try {
    await promisify(execFile)(bin, ["-T", "add", "-f", conf, "-l", ldif], { timeout: 30_000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`slapadd failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
  }
  // -d 0: stay in the foreground (the harness owns the process group) without debug output.
  const proc = spawnPeer("slapd", bin, ["-d", "0", "-f", conf, "-h", `${url}/`], join(dir, "slapd.log"), { cwd: dir });
  const stop = await awaitPeer(proc, () => anonymousBind(port), { timeoutMs: options.timeoutMs ?? 30_000, what: "slapd anonymous bind", dir });
  return { url, baseDn: BASE_DN, usersDn, rootDn, rootPassword, users: options.users, stop };
}

/** `{SSHA}`: base64(SHA-1(password ‖ salt) ‖ salt), which slapd checks on a simple bind. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash("sha1").update(password, "utf8").update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString("base64")}`;
}

/**
 * One anonymous simple bind (LDAPv3, message 1) over a fresh connection: true when slapd
 * answers with a BindResponse whose resultCode is success.
 */
function anonymousBind(port: number): Promise<boolean> {
  // SEQUENCE { messageID 1, [APPLICATION 0] BindRequest { version 3, name "", [0] simple "" } }
  const request = Buffer.from([0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00]);
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write(request));
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      // SEQUENCE { messageID 1, [APPLICATION 1] BindResponse { ENUMERATED resultCode, ... } }
      if (buf.length < 10) return;
      done(buf[0] === 0x30 && buf[2] === 0x02 && buf[5] === 0x61 && buf[7] === 0x0a && buf[8] === 0x01 && buf[9] === 0x00);
    });
  });
}
