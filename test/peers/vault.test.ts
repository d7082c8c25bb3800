import nodeVault from "node-vault";
import { requirePeer, startVault, type VaultHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const peer = requirePeer("vault", "run `bash scripts/peers vault`");

describe.skipIf(!peer.ok)("Vault dev server peer", () => {
  let server: VaultHarness;
  let vault: nodeVault.client;

  beforeAll(async () => {
    server = await startVault();
    vault = nodeVault({ apiVersion: "v1", endpoint: server.address, token: server.token });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("is a real Vault server", async () => {
    expect(server.kind).toBe("vault");
    const health = await vault.health();
    expect(health).toMatchObject({ initialized: true, sealed: false });
  });

  it("writes and reads a KV v2 secret through node-vault", async () => {
    const written = await vault.write("secret/data/hush/smoke", { data: { password: "p4ss", user: "app" } });
    expect(written.data.version).toBe(1);
    await vault.write("secret/data/hush/smoke", { data: { password: "p4ss2", user: "app" } });
    const latest = await vault.read("secret/data/hush/smoke");
    expect(latest.data).toMatchObject({ data: { password: "p4ss2", user: "app" }, metadata: { version: 2 } });
    const first = await vault.read("secret/data/hush/smoke?version=1");
    expect(first.data.data).toEqual({ password: "p4ss", user: "app" });
    await expect(vault.read("secret/data/hush/missing")).rejects.toMatchObject({ response: { statusCode: 404 } });
  });

  it("logs in with AppRole and looks the new token up", async () => {
    await vault.enableAuth({ mount_point: "approle", type: "approle" });
    await vault.addApproleRole({ role_name: "hush", policies: "default", token_ttl: 600 });
    const roleId = (await vault.getApproleRoleId({ role_name: "hush" })).data.role_id;
    const secretId = (await vault.getApproleRoleSecret({ role_name: "hush" })).data.secret_id;
    const login = await vault.approleLogin({ role_id: roleId, secret_id: secretId });
    expect(login.auth.policies).toContain("default");
    const app = nodeVault({ apiVersion: "v1", endpoint: server.address, token: login.auth.client_token });
    const self = await app.tokenLookupSelf();
    expect(self.data).toMatchObject({ meta: { role_name: "hush" }, policies: ["default"] });
  });
});
