import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { isHushError } from "@hush/errors";
import { freePort } from "@hush/testkit/free-port";
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

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

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

async function startFakeTransit(token: string): Promise<Transit> {
  const keys = new Map<string, Buffer>();
  const transit: Transit = {
    address: "",
    token,
    kind: "fake",
    stop: async () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (transit.fail) return send(transit.fail, { errors: ["injected"] });
      if (req.headers["x-vault-token"] !== token) return send(403, { errors: ["permission denied"] });
      const m = /^\/v1\/(.+)\/(encrypt|decrypt)\/([^/]+)$/.exec(req.url ?? "");
      if (!m || req.method !== "POST" && req.method !== "PUT") return send(404, { errors: [] });
      const id = `${m[1]}/${m[3]}`;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { plaintext?: string; ciphertext?: string };
      if (m[2] === "encrypt") {
        if (!keys.has(id)) keys.set(id, randomBytes(32));
        const iv = randomBytes(12);
        const c = createCipheriv("aes-256-gcm", keys.get(id) as Buffer, iv);
        const ct = Buffer.concat([iv, c.update(Buffer.from(body.plaintext ?? "", "base64")), c.final(), c.getAuthTag()]);
        return send(200, { data: { ciphertext: `vault:v1:${ct.toString("base64")}`, key_version: 1 } });
      }
      const key = keys.get(id);
      if (!key) return send(400, { errors: ["encryption key not found"] });
      try {
        const raw = Buffer.from((body.ciphertext ?? "").replace(/^vault:v1:/, ""), "base64");
        const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
        d.setAuthTag(raw.subarray(raw.length - 16));
        const pt = Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
        return send(200, { data: { plaintext: pt.toString("base64") } });
      } catch {
        return send(400, { errors: ["cipher: message authentication failed"] });
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return Object.assign(transit, { address: `http://127.0.0.1:${port}` });
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
    transit = bin ? await startRealVault() : await startFakeTransit("hush-root");
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
    const denied = await errorOf(createVaultTransitProvider({ token: "wrong-token" }).unwrap({ ...ref(), enc }));
    expect(isHushError(denied) && denied.code).toBe("HUSH_ERR_KEYS_ACCESS_DENIED");
    expect(denied.message).not.toContain("wrong-token");
    expect(denied.message).not.toContain(canary);
    expect(await codeOf(createVaultTransitProvider({ token: transit.token }).unwrap({ ...ref("never-created"), enc }))).toBe(
      "HUSH_ERR_KEYS_KEY_NOT_FOUND",
    );
  });

  it("reports an unreachable Vault", async () => {
    const port = await freePort();
    const key = parseVaultTransitUri(`http://127.0.0.1:${port}/v1/transit/keys/sops`);
    const err = await errorOf(createVaultTransitProvider({ token: "t" }).unwrap({ ...key, enc: "vault:v1:AAAA" }));
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
      const fake = await startFakeTransit("t");
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
  const err = await errorOf(p);
  if (isHushError(err)) return err.code;
  throw err;
}
