import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePeer } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hush, makeAgeKey, sandbox, sops, type Sandbox } from "./support.js";

const sopsPeer = requirePeer("sops");
const agePeer = requirePeer("age-keygen");
const ready = sopsPeer.ok && agePeer.ok;

describe.skipIf(!ready)("Azure Key Vault keys are refused clearly, and can be removed", () => {
  const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
  let box: Sandbox;
  let age: { file: string; recipient: string };
  const url = "https://hush-parity.vault.azure.net/keys/sops/0123456789abcdef";
  const secret = "azure-canary-11fe";
  const file = (): string => join(box.dir, "mixed.yaml");

  beforeAll(() => {
    box = sandbox("azure");
    age = makeAgeKey(agePeer.ok ? agePeer.path : "", box.home, "age");
    writeFileSync(join(box.dir, "plain.yaml"), `token: ${secret}\n`);
    const enc = sops(sopsBin, box, ["encrypt", "--age", age.recipient, "plain.yaml"]);
    expect(enc.code, enc.stderr).toBe(0);
    // A file that also lists an Azure key, as sops writes it (the metadata is not MAC-protected).
    const azure = [
      "    azure_kv:",
      "        - created_at: \"2026-01-01T00:00:00Z\"",
      "          enc: c29tZS13cmFwcGVkLWtleQ",
      "          name: sops",
      "          vault_url: https://hush-parity.vault.azure.net",
      "          version: 0123456789abcdef",
    ].join("\n");
    writeFileSync(file(), enc.stdout.replace(/^sops:\n/m, `sops:\n${azure}\n`));
  });
  afterAll(() => box?.remove());

  it("decrypts through the other keys; alone, the Azure key fails with exit 128 naming it", () => {
    const viaAge = hush(box, ["exec-env", "mixed.yaml", 'printf %s "$token"'], { SOPS_AGE_KEY_FILE: age.file });
    expect(viaAge.code, viaAge.stderr).toBe(0);
    expect(viaAge.stdout).toBe(secret);
    const alone = hush(box, ["exec-env", "mixed.yaml", "true"], { SOPS_AGE_KEY_FILE: "/nonexistent" });
    expect(alone.code).toBe(128);
    expect(alone.stderr).toMatch(/Azure Key Vault \(azure_kv\) keys are not supported by hush/);
    expect(alone.stderr).toContain("hush-parity.vault.azure.net");
  });

  it("rotate refuses to wrap for the Azure key, and --rm-azure-kv removes it; sops reads the result", () => {
    const before = readFileSync(file());
    const keep = hush(box, ["rotate", "-i", "mixed.yaml"], { SOPS_AGE_KEY_FILE: age.file });
    expect(keep.code).toBe(1);
    expect(keep.stderr).toMatch(/not supported/);
    expect(readFileSync(file())).toEqual(before);
    const removed = hush(box, ["rotate", "-i", "--rm-azure-kv", url, "mixed.yaml"], { SOPS_AGE_KEY_FILE: age.file });
    expect(removed.code, removed.stderr).toBe(0);
    const meta = parse(readFileSync(file(), "utf8")).sops;
    expect(meta.azure_kv).toBeUndefined();
    expect(meta.age).toHaveLength(1);
    const dec = sops(sopsBin, box, ["decrypt", "mixed.yaml"], { SOPS_AGE_KEY_FILE: age.file });
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual({ token: secret });
  });

  it("--azure-kv on a new file is refused before anything is written", () => {
    const out = hush(box, ["edit", "--azure-kv", url, "new.yaml"], { EDITOR: "true" });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Azure Key Vault keys are not supported/);
  });
});
