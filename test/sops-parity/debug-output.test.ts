// Every debug channel switched on must not make hush print the data key. Libraries print request
// bodies on their debug channels (node-vault printed `write {plaintext: <data key>}` under
// DEBUG=node-vault); hush reaches Vault through its own client, which has none. Node's own
// NODE_DEBUG=net prints the options of every request: the client keeps the token out of them.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { requirePeer, startVault, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hushAsync, runAsync, sandbox, type Sandbox } from "./support.js";

const require = createRequire(import.meta.url);

const vaultPeer = requirePeer("vault", "run `bash scripts/peers vault`");

/** Every debug switch the process or its libraries read. */
const DEBUG_EVERYTHING = { DEBUG: "*", NODE_DEBUG: "http,https,net,tls,fetch,undici", AWS_SDK_LOG_LEVEL: "debug", GRPC_TRACE: "all", GRPC_VERBOSITY: "DEBUG" };

describe.skipIf(!vaultPeer.ok)("no data key on stderr with every debug channel on (real Vault transit)", () => {
  let vault: VaultHarness;
  let box: Sandbox;
  let uri = "";
  const secret = "debug-canary-3f9e1c";

  beforeAll(async () => {
    vault = await startVault();
    const mount = await fetch(`${vault.address}/v1/sys/mounts/transit`, {
      method: "POST",
      headers: { "x-vault-token": vault.token },
      body: JSON.stringify({ type: "transit" }),
    });
    if (!mount.ok) throw new Error(`mounting transit answered ${mount.status}`);
    box = sandbox("debug");
    uri = `${vault.address}/v1/transit/keys/hush-debug`;
    writeFileSync(join(box.dir, "plain.yaml"), `password: ${secret}\n`);
  });
  afterAll(async () => {
    await vault?.stop();
    box?.remove();
  });

  /** The data key of an encrypted file, recovered from Vault with the root token. */
  const dataKeyOf = async (encrypted: string): Promise<Buffer> => {
    const enc = (parse(encrypted) as { sops: { hc_vault: { enc: string }[] } }).sops.hc_vault[0]?.enc;
    expect(enc).toMatch(/^vault:v1:/);
    const res = await fetch(`${vault.address}/v1/transit/decrypt/hush-debug`, {
      method: "POST",
      headers: { "x-vault-token": vault.token },
      body: JSON.stringify({ ciphertext: enc }),
    });
    const body = (await res.json()) as { data?: { plaintext?: string } };
    const key = Buffer.from(body.data?.plaintext ?? "", "base64");
    expect(key).toHaveLength(32);
    return key;
  };

  /** The data key in every text form a log line could carry it. */
  const forms = (key: Buffer): string[] => [
    key.toString("base64"),
    key.toString("base64").replace(/=+$/, ""),
    key.toString("base64url"),
    key.toString("hex"),
    key.toString("hex").toUpperCase(),
    // The middle of the base64 text, in case a logger wraps or truncates it.
    key.toString("base64").slice(8, 32),
    Array.from(key).join(","),
    Array.from(key).join(", "),
  ];

  it("control: a client library with a debug channel (node-vault) does print the data key under DEBUG=*", async () => {
    // Proves the check below can see a leak: the same forms, the same environment.
    const key = Buffer.alloc(32, 7);
    const script = `const vault = require(${JSON.stringify(require.resolve("node-vault"))})({ endpoint: process.env.VAULT_ADDR, token: process.env.VAULT_TOKEN });
vault.write("transit/encrypt/hush-debug", { plaintext: ${JSON.stringify(key.toString("base64"))} }).then(() => process.exit(0), () => process.exit(3));`;
    const r = await runAsync(process.execPath, ["-e", script], { ...box.env, VAULT_ADDR: vault.address, VAULT_TOKEN: vault.token, ...DEBUG_EVERYTHING }, box.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(forms(key).some((form) => r.stderr.includes(form))).toBe(true);
  });

  it("hush encrypt and decrypt print neither the data key, the plaintext nor the token", async () => {
    const env = { VAULT_TOKEN: vault.token, ...DEBUG_EVERYTHING };
    const enc = await hushAsync(box, ["encrypt", "--hc-vault-transit", uri, "plain.yaml"], env);
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(join(box.dir, "enc.yaml"), enc.stdout);
    const key = await dataKeyOf(enc.stdout);
    const dec = await hushAsync(box, ["decrypt", "enc.yaml"], env);
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual({ password: secret });
    for (const stderr of [enc.stderr, dec.stderr]) {
      for (const form of forms(key)) expect(stderr).not.toContain(form);
      expect(stderr).not.toContain(secret);
      expect(stderr).not.toContain(vault.token);
    }
  });

  it("a refused call reports the failure without the data key or the token", async () => {
    const env = { VAULT_TOKEN: "hvs.not-the-token-7c1d", ...DEBUG_EVERYTHING };
    const enc = await hushAsync(box, ["encrypt", "--hc-vault-transit", uri, "plain.yaml"], env);
    expect(enc.code).not.toBe(0);
    expect(enc.stderr).toMatch(/access denied/);
    expect(enc.stderr).not.toContain("hvs.not-the-token-7c1d");
    expect(enc.stderr).not.toContain(secret);
    expect(enc.stdout).toBe("");
  });
});
