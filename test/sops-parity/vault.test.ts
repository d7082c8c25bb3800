import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, requirePeer } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hushAsync, leftovers, makeAgeKey, sandbox, sopsAsync, startTransit, type Sandbox, type Transit } from "./support.js";

const sopsPeer = requirePeer("sops");
const agePeer = requirePeer("age-keygen");
const ready = sopsPeer.ok && agePeer.ok;

// hush and sops run asynchronously here: the transit fake (when used) lives in this process.
describe.skipIf(!ready)("Vault transit keys: hush and the real sops", () => {
  const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
  let transit: Transit;
  let box: Sandbox;
  let uri = "";
  let age: { file: string; recipient: string };
  const secret = "vault-canary-7d1b";

  beforeAll(async () => {
    transit = await startTransit();
    box = sandbox("vault");
    uri = `${transit.address}/v1/transit/keys/sops-parity`;
    age = makeAgeKey(agePeer.ok ? agePeer.path : "", box.home, "age");
    writeFileSync(join(box.dir, "app.env"), `DB_PASSWORD=${secret}\nDB_USER=app\n`);
  });
  afterAll(async () => {
    await transit?.stop();
    box?.remove();
  });

  const vaultEnv = (): Record<string, string> => ({ VAULT_TOKEN: transit.token });

  it("reads a dotenv file sops encrypted with a transit key", async () => {
    const enc = await sopsAsync(sopsBin, box, ["encrypt", "--hc-vault-transit", uri, "app.env"], vaultEnv());
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(join(box.dir, "by-sops.env"), enc.stdout);
    expect(enc.stdout).toContain(`sops_hc_vault__list_0__map_vault_address=${transit.address}`);
    const out = await hushAsync(box, ["exec-env", "by-sops.env", 'printf %s "$DB_PASSWORD"'], vaultEnv());
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(secret);
  });

  it("takes the token from ~/.vault-token when VAULT_TOKEN is unset, as sops does", async () => {
    writeFileSync(join(box.home, ".vault-token"), `${transit.token}\n`, { mode: 0o600 });
    try {
      const out = await hushAsync(box, ["exec-env", "by-sops.env", 'printf %s "$DB_USER"']);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toBe("app");
    } finally {
      writeFileSync(join(box.home, ".vault-token"), "");
    }
  });

  it("adds a transit key with hush rotate that sops then decrypts", async () => {
    const enc = await hushAsync(box, ["encrypt", "--age", age.recipient, "app.env"], { SOPS_AGE_KEY_FILE: age.file });
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(join(box.dir, "by-hush.env"), enc.stdout);
    const rotated = await hushAsync(box, ["rotate", "-i", "--add-hc-vault-transit", uri, "--rm-age", age.recipient, "by-hush.env"], {
      ...vaultEnv(),
      SOPS_AGE_KEY_FILE: age.file,
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    const text = readFileSync(join(box.dir, "by-hush.env"), "utf8");
    expect(text).toContain("sops_hc_vault__list_0__map_engine_path=transit");
    expect(text).toContain("sops_hc_vault__list_0__map_key_name=sops-parity");
    expect(text).toMatch(/sops_hc_vault__list_0__map_enc=vault:v1:/);
    const dec = await sopsAsync(sopsBin, box, ["decrypt", "--output-type", "yaml", "by-hush.env"], vaultEnv());
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual({ DB_PASSWORD: secret, DB_USER: "app" });
  });

  it("an unreachable Vault: exit 128 like sops, no plaintext, nothing left behind", async () => {
    const port = await freePort();
    const moved = readFileSync(join(box.dir, "by-sops.env"), "utf8").replaceAll(transit.address, `http://127.0.0.1:${port}`);
    writeFileSync(join(box.dir, "moved.env"), moved);
    const ours = await hushAsync(box, ["exec-file", "moved.env", "cat {}"], vaultEnv());
    const theirs = await sopsAsync(sopsBin, box, ["decrypt", "moved.env"], vaultEnv());
    expect(theirs.code).toBe(128);
    expect(ours.code).toBe(128);
    expect(ours.stderr).toMatch(/unreachable/);
    expect(ours.stdout + ours.stderr).not.toContain(secret);
    expect(leftovers(box)).toEqual([]);
  });

  it("a wrong token: exit 128 like sops, the token is not echoed", async () => {
    const ours = await hushAsync(box, ["exec-env", "by-sops.env", "true"], { VAULT_TOKEN: "not-the-token-1234" });
    const theirs = await sopsAsync(sopsBin, box, ["decrypt", "by-sops.env"], { VAULT_TOKEN: "not-the-token-1234" });
    expect(theirs.code).toBe(128);
    expect(ours.code).toBe(128);
    expect(ours.stderr).toMatch(/access denied/);
    expect(ours.stderr).not.toContain("not-the-token-1234");
  });
});
