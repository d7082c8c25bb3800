import { execFile } from "node:child_process";
import { connect } from "node:net";
import { promisify } from "node:util";
import { requirePeer, startSlapd, waitFor, type SlapdHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const slapdPeer = requirePeer("slapd", "run `bash scripts/peers slapd` (Debian's slapd, as root)");
const whoamiPeer = requirePeer("ldapwhoami", "run `bash scripts/peers slapd` (Debian's ldap-utils, as root)");
const run = promisify(execFile);

/** True when something accepts TCP connections on the port. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

describe.skipIf(!slapdPeer.ok || !whoamiPeer.ok)("OpenLDAP slapd peer", () => {
  let slapd: SlapdHarness;
  const whoami = (dn: string, password: string) => run(whoamiPeer.ok ? whoamiPeer.path : "ldapwhoami", ["-x", "-H", slapd.url, "-D", dn, "-w", password], { timeout: 10_000 });

  beforeAll(async () => {
    slapd = await startSlapd({ users: [{ uid: "alice", password: "alice-pw" }, { uid: "bob", password: "bob pw with spaces " }] });
  });
  afterAll(async () => {
    await slapd?.stop();
  });

  it("binds each user with its password and refuses a wrong one (resultCode 49)", async () => {
    expect((await whoami(`uid=alice,${slapd.usersDn}`, "alice-pw")).stdout.trim()).toBe(`dn:uid=alice,${slapd.usersDn}`);
    expect((await whoami(`uid=bob,${slapd.usersDn}`, "bob pw with spaces ")).stdout.trim()).toBe(`dn:uid=bob,${slapd.usersDn}`);
    const wrong = await whoami(`uid=alice,${slapd.usersDn}`, "bob pw with spaces ").catch((e: { code?: number; stderr?: string }) => e);
    expect(wrong).toMatchObject({ code: 49 });
    expect((wrong as { stderr: string }).stderr).toContain("Invalid credentials");
    expect((await whoami(slapd.rootDn, slapd.rootPassword)).stdout.trim()).toBe(`dn:${slapd.rootDn}`);
  });

  it("stops cleanly: the port is closed afterwards, and a second stop is a no-op", async () => {
    const other = await startSlapd({ users: [] });
    const port = Number(new URL(other.url).port);
    expect(await listening(port)).toBe(true);
    await other.stop();
    await waitFor(async () => !(await listening(port)), { what: "slapd port closed", timeoutMs: 5_000 });
    await other.stop();
  });
});
