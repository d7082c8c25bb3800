import type { VaultClient } from "@hush/cloud/vault";
import { CloudError } from "@hush/cloud";
import { describe, expect, it } from "vitest";
import { createVaultProvider } from "./vault-provider.js";

/** A Vault client double (token auth) recording each request's verb, path and body. */
function fakeVault(notFound = false): { client: VaultClient; calls: string[] } {
  const calls: string[] = [];
  const answer = async (verb: string, path: string, body?: unknown) => {
    calls.push(`${verb} ${path}${body === undefined ? "" : ` ${JSON.stringify(body)}`}`);
    if (path === "auth/token/lookup-self") return { data: { ttl: 0, renewable: false } };
    if (notFound) throw new CloudError("not-found", "http 404");
    return { data: { verb } };
  };
  const client: VaultClient = {
    read: (path) => answer("GET", path),
    list: (path) => answer("LIST", path),
    write: (path, body) => answer("WRITE", path, body),
    delete: (path) => answer("DELETE", path),
    close: () => undefined,
  };
  return { client, calls };
}

const provider = async (client: VaultClient) =>
  createVaultProvider(
    { server: "http://vault:8200", auth: { tokenSecretRef: { name: "t", key: "token" } } },
    { namespace: "team-a", storeKind: "SecretStore", now: () => 0, readSecret: async () => new TextEncoder().encode("hvs.tenant") },
    { factory: () => client },
  );

describe("vault provider: vaultRequest (VaultDynamicSecret)", () => {
  it("sends GET by default, LIST, DELETE, and any other method as a write with the parameters", async () => {
    const { client, calls } = fakeVault();
    const p = await provider(client);
    expect(await p.vaultRequest!({ path: "/database/creds/app" })).toEqual({ data: { verb: "GET" } });
    await p.vaultRequest!({ path: "sys/x", method: "list" });
    await p.vaultRequest!({ path: "sys/y", method: "DELETE" });
    await p.vaultRequest!({ path: "pki/issue/web", method: "PUT", parameters: { common_name: "a" } });
    await p.close();
    expect(calls.filter((c) => !c.startsWith("GET auth/token"))).toEqual(["GET database/creds/app", "LIST sys/x", "DELETE sys/y", 'WRITE pki/issue/web {"common_name":"a"}']);
  });

  it("answers a read of nothing (404) with null, as Vault's Go client does", async () => {
    const p = await provider(fakeVault(true).client);
    expect(await p.vaultRequest!({ path: "secret/data/missing" })).toBeNull();
    await expect(p.vaultRequest!({ path: "pki/issue/web", method: "POST" })).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_NOT_FOUND" });
    await p.close();
  });

  it("refuses paths that leave the path space: '..', queries, fragments, backslashes, empty, too long", async () => {
    const { client, calls } = fakeVault();
    const p = await provider(client);
    for (const path of ["../sys/raw", "a/./b", "a?list=true", "a#b", "a\\b", "", "/", "x".repeat(1025)]) {
      await expect(p.vaultRequest!({ path }), path).rejects.toMatchObject({ code: "HUSH_ERR_PROVIDERS_INVALID_CONFIG" });
    }
    expect(calls).toEqual([]);
    await p.close();
  });
});
