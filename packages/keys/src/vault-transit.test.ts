import { inspect } from "node:util";
import { isHushError } from "@hush/errors";
import { freePort } from "@hush/testkit/free-port";
import { startVaultTransitFake } from "@hush/testkit/key-service-fakes";
import { findBinary } from "@hush/testkit/require-peer";
import { startVault } from "@hush/testkit/vault";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createVaultTransitProvider,
  isVaultAddressAllowed,
  parseVaultTransitUri,
  parseVaultTransitUris,
  type VaultKeyRef,
} from "./vault-transit.js";
import { rejectionOf } from "@hush/testkit/rejection";


describe("parseVaultTransitUri", () => {
  it("splits a transit URI into sops's fields", () => {
    expect(parseVaultTransitUri("https://vault.example.com:8200/v1/transit/keys/sops")).toEqual({
      type: "hc_vault",
      vault_address: "https://vault.example.com:8200",
      engine_path: "transit",
      key_name: "sops",
    });
    expect(parseVaultTransitUri("http://127.0.0.1:8200/v1/team/a/transit/keys/k1")).toEqual({
      type: "hc_vault",
      vault_address: "http://127.0.0.1:8200",
      engine_path: "team/a/transit",
      key_name: "k1",
    });
    expect(parseVaultTransitUris("http://a:1/v1/t/keys/x, ,http://b/v1/t/keys/y").map((k) => k.vault_address)).toEqual([
      "http://a:1",
      "http://b",
    ]);
  });

  it.each([
    ["vault.example.com/v1/transit/keys/k", /not a URL|missing scheme/],
    ["https://vault.example.com/prefix/v1/transit/keys/k", /prefix/],
    ["https://vault.example.com/v1/transit/k", /expected https/],
    ["https://vault.example.com/v1/keys/k", /expected https/],
    ["https://vault.example.com/v1/transit/keys/k/", /expected https/],
  ])("rejects %s", (uri, why) => {
    try {
      parseVaultTransitUri(uri);
      expect.unreachable();
    } catch (err) {
      expect(isHushError(err) && err.code).toBe("HUSH_ERR_SOPS_INVALID_KEY");
      expect((err as Error).message).toMatch(why);
    }
  });

  it("applies SOPS_HC_VAULT_ALLOWLIST", () => {
    expect(isVaultAddressAllowed("https://v:8200", undefined)).toBe(true);
    expect(isVaultAddressAllowed("https://v:8200", "all")).toBe(true);
    expect(isVaultAddressAllowed("https://v:8200", "none")).toBe(false);
    expect(isVaultAddressAllowed("https://v:8200", "https://x, https://v")).toBe(true);
    expect(isVaultAddressAllowed("https://v.evil:8200", "https://v")).toBe(false);
  });
});

/**
 * A Vault transit server: the real `vault server -dev` when `bash scripts/peers vault` has
 * built it, else a small in-process fake speaking the same HTTP API (token header, upserting
 * encrypt, `vault:v1:` ciphertexts, Vault's `{"errors": [...]}` bodies).
 */
interface Transit {
  readonly address: string;
  readonly token: string;
  readonly kind: "vault" | "fake";
  /** Fake only: force the next responses to this HTTP status. */
  fail?: number;
  stop(): Promise<void>;
}


async function startRealVault(): Promise<Transit> {
  const vault = await startVault();
  const mount = await fetch(`${vault.address}/v1/sys/mounts/transit`, {
    method: "POST",
    headers: { "x-vault-token": vault.token },
    body: JSON.stringify({ type: "transit" }),
  });
  if (!mount.ok) {
    await vault.stop();
    throw new Error(`enabling transit answered ${mount.status}`);
  }
  return { address: vault.address, token: vault.token, kind: "vault", stop: () => vault.stop() };
}

describe("Vault transit provider", () => {
  let transit: Transit;
  const dataKey = new Uint8Array(32).map((_, i) => (i * 31 + 1) & 0xff);
  const canary = Buffer.from(dataKey).toString("base64");

  beforeAll(async () => {
    const bin = findBinary("vault");
    transit = bin ? await startRealVault() : await startVaultTransitFake("hush-root");
    process.stderr.write(`vault-transit.test: running against ${transit.kind === "vault" ? "vault server -dev" : "the in-process transit fake"}\n`);
  });
  afterAll(async () => {
    await transit?.stop();
  });

  const ref = (key = "sops"): VaultKeyRef => parseVaultTransitUri(`${transit.address}/v1/transit/keys/${key}`);

  it("wraps to a vault:v1: ciphertext and unwraps it", async () => {
    const provider = createVaultTransitProvider({ token: transit.token });
    const enc = await provider.wrap(ref(), dataKey);
    expect(enc).toMatch(/^vault:v1:[A-Za-z0-9+/=]+$/);
    expect(await provider.unwrap({ ...ref(), enc, created_at: "2026-01-01T00:00:00Z" })).toEqual(dataKey);
  });

  it("falls back to the ~/.vault-token contents", async () => {
    const provider = createVaultTransitProvider({ tokenFile: () => `${transit.token}\n` });
    const enc = await provider.wrap(ref(), dataKey);
    expect(await provider.unwrap({ ...ref(), enc })).toEqual(dataKey);
  });

  it("reports a missing token, a wrong token and a missing key with their own codes", async () => {
    const enc = await createVaultTransitProvider({ token: transit.token }).wrap(ref(), dataKey);
    expect(await codeOf(createVaultTransitProvider({ tokenFile: () => undefined }).unwrap({ ...ref(), enc }))).toBe(
      "HUSH_ERR_KEYS_NO_CREDENTIALS",
    );
    const denied = await rejectionOf(createVaultTransitProvider({ token: "wrong-token" }).unwrap({ ...ref(), enc }));
    expect(isHushError(denied) && denied.code).toBe("HUSH_ERR_KEYS_ACCESS_DENIED");
    // Not even the cause: the Vault client keeps a summary (status), never the request.
    const dump = inspect(denied, { depth: 20, showHidden: true, getters: true });
    expect(dump).not.toContain("wrong-token");
    expect(dump).not.toContain(canary);
    expect(denied.cause).toMatchObject({ name: "CloudError", kind: "access-denied", status: 403 });
    expect(await codeOf(createVaultTransitProvider({ token: transit.token }).unwrap({ ...ref("never-created"), enc }))).toBe(
      "HUSH_ERR_KEYS_KEY_NOT_FOUND",
    );
  });

  it("reports an unreachable Vault", async () => {
    const port = await freePort();
    const key = parseVaultTransitUri(`http://127.0.0.1:${port}/v1/transit/keys/sops`);
    const err = await rejectionOf(createVaultTransitProvider({ token: "t" }).unwrap({ ...key, enc: "vault:v1:AAAA" }));
    expect(isHushError(err) && err.code).toBe("HUSH_ERR_KEYS_UNREACHABLE");
    expect(isHushError(err) && err.exitCode).toBe(128);
  });

  it("refuses addresses outside SOPS_HC_VAULT_ALLOWLIST before sending the token", async () => {
    const provider = createVaultTransitProvider({ token: transit.token, allowlist: "https://vault.internal" });
    expect(await codeOf(provider.wrap(ref(), dataKey))).toBe("HUSH_ERR_KEYS_WRAP_FAILED");
    expect(await codeOf(provider.unwrap({ ...ref(), enc: "vault:v1:AAAA" }))).toBe("HUSH_ERR_KEYS_NOT_ALLOWED");
  });

  it("maps rate limiting (429) to throttled", async () => {
    if (transit.kind !== "fake") {
      // A dev server cannot be made to throttle on demand; use a fake for this one case.
      const fake = await startVaultTransitFake("t");
      try {
        fake.fail = 429;
        const key = parseVaultTransitUri(`${fake.address}/v1/transit/keys/sops`);
        expect(await codeOf(createVaultTransitProvider({ token: "t" }).unwrap({ ...key, enc: "vault:v1:AAAA" }))).toBe(
          "HUSH_ERR_KEYS_THROTTLED",
        );
      } finally {
        await fake.stop();
      }
      return;
    }
    transit.fail = 429;
    try {
      expect(await codeOf(createVaultTransitProvider({ token: transit.token }).unwrap({ ...ref(), enc: "vault:v1:AAAA" }))).toBe(
        "HUSH_ERR_KEYS_THROTTLED",
      );
    } finally {
      transit.fail = undefined;
    }
  });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await rejectionOf(p);
  if (isHushError(err)) return err.code;
  throw err;
}
