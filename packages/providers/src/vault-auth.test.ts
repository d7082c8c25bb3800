import type { VaultClient } from "@hush/cloud/vault";
import { describe, expect, it } from "vitest";
import { createVaultProvider } from "./vault-provider.js";

/** A Vault client double that accepts any login and records what was sent. */
function fakeVault(): { client: VaultClient; writes: { path: string; body: unknown }[] } {
  const writes: { path: string; body: unknown }[] = [];
  const client: VaultClient = {
    read: async () => ({ data: { data: { k: "v" } } }),
    list: async () => ({ data: { keys: [] } }),
    write: async (path, body) => {
      writes.push({ path, body });
      return path.endsWith("/login") ? { auth: { client_token: "hvs.x", lease_duration: 3600, renewable: true } } : undefined;
    },
    close: () => undefined,
  };
  return { client, writes };
}

describe("vault kubernetes auth: service-account token audience", () => {
  const run = async (serviceAccountRef: Record<string, unknown>) => {
    const asked: { ns: string; sa: string; audiences: string[] }[] = [];
    const { client, writes } = fakeVault();
    const p = await createVaultProvider(
      { server: "http://vault:8200", path: "secret", auth: { kubernetes: { role: "sync", serviceAccountRef } } },
      {
        namespace: "team-a",
        storeKind: "SecretStore",
        now: () => 0,
        readSecret: async () => new Uint8Array(),
        serviceAccountToken: async (ns, sa, audiences) => {
          asked.push({ ns, sa, audiences });
          return "jwt-for-vault";
        },
      },
      { factory: () => client },
    );
    await p.getSecret({ key: "app", property: "k" });
    await p.close();
    return { asked, writes };
  };

  it("defaults to the audience `vault`, so the token is not valid against the API server", async () => {
    const { asked, writes } = await run({ name: "app" });
    expect(asked).toEqual([{ ns: "team-a", sa: "app", audiences: ["vault"] }]);
    expect(writes[0]).toEqual({ path: "auth/kubernetes/login", body: { role: "sync", jwt: "jwt-for-vault" } });
  });

  it("uses the audiences the store names", async () => {
    const { asked } = await run({ name: "app", audiences: ["https://vault.example.com"] });
    expect(asked[0]?.audiences).toEqual(["https://vault.example.com"]);
  });
});
