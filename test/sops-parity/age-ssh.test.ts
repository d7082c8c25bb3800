// age SSH recipients and identities (ssh-ed25519, ssh-rsa) as sops 3.13 handles them, proven
// against the real sops and the real age CLI in both directions: files either tool writes open
// with the other, the stanza hush writes opens with `age -d -i <ssh key>`, and a stanza the age
// CLI writes for an SSH recipient opens with hush. Keys come from the system's ssh-keygen.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePeer } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hush, run, sandbox, sops, type Sandbox } from "./support.js";

const sopsPeer = requirePeer("sops");
const agePeer = requirePeer("age");
const sshKeygen = requirePeer("ssh-keygen", "install OpenSSH's ssh-keygen (apt-get install openssh-client)");
const ready = sopsPeer.ok && agePeer.ok && sshKeygen.ok;

/** Private key file and public key line, made by ssh-keygen. */
interface SshKey {
  readonly file: string;
  readonly pub: string;
}

describe.skipIf(!ready)("age SSH keys: hush and sops 3.13 read each other's files", () => {
  let box: Sandbox;
  const keys: Record<string, SshKey> = {};
  const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
  const ageBin = agePeer.ok ? agePeer.path : "";
  const plain = "user: admin\npassword: s3cr3t-canary\nport: 5432\n";

  const keygen = (name: string, args: readonly string[], passphrase = ""): SshKey => {
    const file = join(box.dir, name);
    const r = run(sshKeygen.ok ? sshKeygen.path : "", ["-q", ...args, "-N", passphrase, "-C", `${name}@hush-test`, "-f", file], box.env, box.dir);
    if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
    return { file, pub: readFileSync(`${file}.pub`, "utf8").trim() };
  };

  beforeAll(() => {
    box = sandbox("age-ssh");
    keys["ed25519"] = keygen("ed25519", ["-t", "ed25519"]);
    keys["rsa"] = keygen("rsa", ["-t", "rsa", "-b", "3072"]);
    keys["rsa-pem"] = keygen("rsa-pem", ["-t", "rsa", "-b", "2048", "-m", "PEM"]);
    keys["locked"] = keygen("locked", ["-t", "ed25519"], "correct horse");
    writeFileSync(join(box.dir, "plain.yaml"), plain);
    writeFileSync(join(box.dir, "plain.json"), JSON.stringify({ password: "s3cr3t-canary" }));
  });
  afterAll(() => box?.remove());

  for (const kind of ["ed25519", "rsa", "rsa-pem"]) {
    it(`${kind}: sops→hush and hush→sops with SOPS_AGE_SSH_PRIVATE_KEY_FILE`, () => {
      const key = keys[kind] as SshKey;
      const env = { SOPS_AGE_SSH_PRIVATE_KEY_FILE: key.file };
      const s = sops(sopsBin, box, ["encrypt", "--age", key.pub, "--output", `s-${kind}.yaml`, "plain.yaml"]);
      expect(s.code, s.stderr).toBe(0);
      const h = hush(box, ["encrypt", "--age", key.pub, "--output", `h-${kind}.yaml`, "plain.yaml"]);
      expect(h.code, h.stderr).toBe(0);
      // The recipient is recorded as given, comment included, as sops records it.
      expect(readFileSync(join(box.dir, `h-${kind}.yaml`), "utf8")).toContain(`recipient: ${key.pub}\n`);

      const oracle = sops(sopsBin, box, ["decrypt", `s-${kind}.yaml`], env);
      expect(oracle.code, oracle.stderr).toBe(0);
      expect(oracle.stdout).toBe(plain);
      const hushReadsSops = hush(box, ["decrypt", `s-${kind}.yaml`], env);
      expect(hushReadsSops.code, hushReadsSops.stderr).toBe(0);
      expect(hushReadsSops.stdout).toBe(oracle.stdout);
      const sopsReadsHush = sops(sopsBin, box, ["decrypt", `h-${kind}.yaml`], env);
      expect(sopsReadsHush.code, sopsReadsHush.stderr).toBe(0);
      expect(sopsReadsHush.stdout).toBe(oracle.stdout);
    });

    it(`${kind}: hush's stanza opens with the age CLI, and the age CLI's stanza opens with hush`, () => {
      const key = keys[kind] as SshKey;
      const file = join(box.dir, `stanza-${kind}.json`);
      expect(hush(box, ["encrypt", "--age", key.pub, "--output", file, "plain.json"]).code).toBe(0);
      const doc = JSON.parse(readFileSync(file, "utf8"));
      writeFileSync(join(box.dir, "stanza.age"), doc.sops.age[0].enc);
      const opened = spawnSync(ageBin, ["-d", "-i", key.file, "stanza.age"], { env: box.env, cwd: box.dir });
      expect(opened.status, opened.stderr.toString()).toBe(0);
      const dataKey = opened.stdout;
      expect(dataKey.length).toBe(32);

      // The same data key, wrapped again by the age CLI for the SSH recipient.
      writeFileSync(join(box.dir, "recipient.pub"), `${key.pub}\n`);
      const rewrapped = run(ageBin, ["-e", "-a", "-R", "recipient.pub"], box.env, box.dir, dataKey);
      expect(rewrapped.code, rewrapped.stderr).toBe(0);
      expect(rewrapped.stdout).toContain("-----BEGIN AGE ENCRYPTED FILE-----");
      doc.sops.age[0].enc = rewrapped.stdout;
      writeFileSync(file, JSON.stringify(doc, null, "\t"));
      const d = hush(box, ["decrypt", file], { SOPS_AGE_SSH_PRIVATE_KEY_FILE: key.file });
      expect(d.code, d.stderr).toBe(0);
      expect(JSON.parse(d.stdout)).toEqual({ password: "s3cr3t-canary" });
    });
  }

  it("falls back to ~/.ssh/id_ed25519 and ~/.ssh/id_rsa, as sops does", () => {
    for (const [kind, name] of [
      ["ed25519", "id_ed25519"],
      ["rsa", "id_rsa"],
    ] as const) {
      const home = join(box.dir, `home-${kind}`);
      mkdirSync(join(home, ".ssh"), { recursive: true });
      copyFileSync((keys[kind] as SshKey).file, join(home, ".ssh", name));
      const s = sops(sopsBin, box, ["encrypt", "--age", (keys[kind] as SshKey).pub, "--output", `default-${kind}.yaml`, "plain.yaml"]);
      expect(s.code, s.stderr).toBe(0);
      const d = hush(box, ["decrypt", `default-${kind}.yaml`], { HOME: home });
      expect(d.code, d.stderr).toBe(0);
      expect(d.stdout).toBe(plain);
    }
  });

  it("takes the key from SOPS_AGE_SSH_PRIVATE_KEY_CMD's output", () => {
    const s = sops(sopsBin, box, ["encrypt", "--age", (keys["ed25519"] as SshKey).pub, "--output", "cmd.yaml", "plain.yaml"]);
    expect(s.code, s.stderr).toBe(0);
    const d = hush(box, ["decrypt", "cmd.yaml"], { SOPS_AGE_SSH_PRIVATE_KEY_CMD: `cat ${(keys["ed25519"] as SshKey).file}` });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toBe(plain);
  });

  it("a passphrase-protected key is reported by name when nothing else opens the file, never echoed", () => {
    const s = sops(sopsBin, box, ["encrypt", "--age", (keys["locked"] as SshKey).pub, "--output", "locked.yaml", "plain.yaml"]);
    expect(s.code, s.stderr).toBe(0);
    const home = join(box.dir, "home-locked");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    copyFileSync((keys["locked"] as SshKey).file, join(home, ".ssh", "id_ed25519"));
    const d = hush(box, ["decrypt", "locked.yaml"], { HOME: home });
    expect(d.code).toBe(128);
    expect(d.stderr).toContain(join(home, ".ssh", "id_ed25519"));
    expect(d.stderr).toMatch(/passphrase/);
    expect(d.stderr).not.toContain("OPENSSH PRIVATE KEY");
    expect(d.stdout).toBe("");

    // The same locked default key does not stand in the way of a usable identity.
    copyFileSync((keys["locked"] as SshKey).file, join(home, ".ssh", "id_rsa"));
    copyFileSync((keys["ed25519"] as SshKey).file, join(home, ".ssh", "id_ed25519"));
    expect(sops(sopsBin, box, ["encrypt", "--age", (keys["ed25519"] as SshKey).pub, "--output", "mixed.yaml", "plain.yaml"]).code).toBe(0);
    const ok = hush(box, ["decrypt", "mixed.yaml"], { HOME: home });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(plain);
  });

  it("refuses SSH key types age does not support, with one line and sops's exit code", () => {
    const bad = "ssh-dss AAAAB3NzaC1kc3MAAACBAP";
    const h = hush(box, ["encrypt", "--age", bad, "plain.yaml"]);
    const s = sops(sopsBin, box, ["encrypt", "--age", bad, "plain.yaml"]);
    expect(h.code).toBe(s.code);
    expect(h.stderr.trim().split("\n")).toHaveLength(1);
    expect(h.stdout).toBe("");
  });
});
