import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "../run.js";

// `hush seal` / `hush unseal` in-process, with a certificate made here; the real controller and
// kubeseal are exercised by test/sealed.
let dir: string;
const file = (name: string) => join(dir, name);

async function hush(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { write: (c: string | Uint8Array) => (stdout += typeof c === "string" ? c : Buffer.from(c).toString()) },
    stderr: { write: (c: string | Uint8Array) => (stderr += typeof c === "string" ? c : Buffer.from(c).toString()) },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hush-seal-cli-"));
  for (const n of ["ctl", "other"]) {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file(`${n}.key`), "-out", file(`${n}.crt`), "-days", "30", "-subj", "/CN=sealed-secret"], { stdio: "ignore" });
  }
  writeFileSync(file("secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\ntype: Opaque\ndata:\n  password: aHVudGVyMg==\nstringData:\n  user: admin\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hush seal / unseal", () => {
  it("seals to a file (format from its extension) and unseals it back", async () => {
    const sealed = await hush(["seal", "--cert", file("ctl.crt"), "-f", file("secret.yaml"), "-w", file("sealed.yaml")]);
    expect(sealed).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const doc = parse(readFileSync(file("sealed.yaml"), "utf8")) as { kind: string; spec: { encryptedData: Record<string, string> } };
    expect(doc.kind).toBe("SealedSecret");
    expect(Object.keys(doc.spec.encryptedData).sort()).toEqual(["password", "user"]);
    const opened = await hush(["unseal", "--recovery-private-key", file("ctl.key"), "-o", "json", file("sealed.yaml")]);
    expect(opened.code).toBe(0);
    expect(JSON.parse(opened.stdout)).toMatchObject({ kind: "Secret", metadata: { name: "db", namespace: "prod" }, data: { password: "aHVudGVyMg==", user: "YWRtaW4=" } });
  });

  it("merges into an existing SealedSecret in place, keeping its YAML", async () => {
    await hush(["seal", "--cert", file("ctl.crt"), "-f", file("secret.yaml"), "-w", file("merge.yaml")]);
    writeFileSync(file("more.json"), JSON.stringify({ kind: "Secret", metadata: { name: "x" }, stringData: { token: "t" } }));
    const merged = await hush(["seal", "--cert", file("ctl.crt"), "--merge-into", file("merge.yaml"), file("more.json")]);
    expect(merged.code).toBe(0);
    expect(readFileSync(file("merge.yaml"), "utf8").startsWith("---\napiVersion: bitnami.com/v1alpha1")).toBe(true);
    const opened = await hush(["unseal", "--recovery-private-key", file("ctl.key"), "-o", "json", file("merge.yaml")]);
    expect(Object.keys((JSON.parse(opened.stdout) as { data: object }).data).sort()).toEqual(["password", "token", "user"]);
  });

  it("refuses a wrong key, a bad scope, conflicting modes and a missing key flag without writing anything", async () => {
    await hush(["seal", "--cert", file("ctl.crt"), "-f", file("secret.yaml"), "-w", file("s2.yaml")]);
    const wrong = await hush(["unseal", "--recovery-private-key", file("other.key"), "-w", file("out.yaml"), file("s2.yaml")]);
    expect(wrong.code).toBe(128);
    expect(wrong.stderr).toMatch(/^hush: .*s2\.yaml: no key could decrypt "password", "user" of SealedSecret prod\/db/);
    expect(existsSync(file("out.yaml"))).toBe(false);
    expect((await hush(["seal", "--cert", file("ctl.crt"), "--scope", "galaxy", file("secret.yaml")])).stderr).toContain("--scope must be one of: strict, namespace-wide, cluster-wide");
    expect((await hush(["seal", "--raw", "--validate", "--cert", file("ctl.crt")])).code).toBe(8);
    expect((await hush(["unseal", file("s2.yaml")])).stderr).toContain("--recovery-private-key is required");
    const notCert = await hush(["seal", "--cert", file("ctl.key"), "-w", file("never.yaml"), file("secret.yaml")]);
    expect(notCert.stderr).toContain("no PEM CERTIFICATE block");
    expect(existsSync(file("never.yaml"))).toBe(false);
  });

  it("seals a raw value from a file for the strict scope", async () => {
    writeFileSync(file("value.txt"), "raw-secret");
    const raw = await hush(["seal", "--raw", "--cert", file("ctl.crt"), "--name", "db", "-n", "prod", "--from-file", `password=${file("value.txt")}`]);
    expect(raw.code).toBe(0);
    expect(raw.stdout).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect((await hush(["seal", "--raw", "--cert", file("ctl.crt"), "-n", "prod", "--from-file", file("value.txt")])).stderr).toContain("--raw with --scope strict needs --name");
  });
});
