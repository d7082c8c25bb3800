import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { startGcpSecretManager, type GcpSecretManagerHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// An in-process fake on the real gRPC wire protocol (see docs/testing-peers.md), so no peer to require.
describe("GCP Secret Manager peer (in-process gRPC fake)", () => {
  let gcp: GcpSecretManagerHarness;
  let client: SecretManagerServiceClient;

  beforeAll(async () => {
    gcp = await startGcpSecretManager();
    client = new SecretManagerServiceClient(gcp.clientOptions);
  });
  afterAll(async () => {
    await client?.close();
    await gcp?.stop();
  });

  it("creates a secret, adds versions and accesses them through @google-cloud/secret-manager", async () => {
    const parent = `projects/${gcp.projectId}`;
    const [secret] = await client.createSecret({
      parent,
      secretId: "db-password",
      secret: { replication: { automatic: {} }, labels: { team: "hush" } },
    });
    expect(secret.name).toBe(`${parent}/secrets/db-password`);
    const [v1] = await client.addSecretVersion({ parent: secret.name, payload: { data: Buffer.from("first") } });
    const [v2] = await client.addSecretVersion({ parent: secret.name, payload: { data: Buffer.from("second") } });
    expect([v1.name, v2.name]).toEqual([`${secret.name}/versions/1`, `${secret.name}/versions/2`]);

    const [latest] = await client.accessSecretVersion({ name: `${secret.name}/versions/latest` });
    expect(latest.name).toBe(`${secret.name}/versions/2`);
    expect(Buffer.from(latest.payload?.data as Uint8Array).toString()).toBe("second");
    const [first] = await client.accessSecretVersion({ name: `${secret.name}/versions/1` });
    expect(Buffer.from(first.payload?.data as Uint8Array).toString()).toBe("first");
    // CRC-32C("123456789") is the standard check value 0xe3069283: a right checksum is accepted,
    // a wrong one is refused like the real service does.
    await client.addSecretVersion({ parent: secret.name, payload: { data: Buffer.from("123456789"), dataCrc32c: 0xe3069283 } });
    await expect(
      client.addSecretVersion({ parent: secret.name, payload: { data: Buffer.from("123456789"), dataCrc32c: 1 } }),
    ).rejects.toMatchObject({ code: 3 });
    const [checked] = await client.accessSecretVersion({ name: `${secret.name}/versions/3` });
    expect(Number(checked.payload?.dataCrc32c)).toBe(0xe3069283);
  });

  it("answers with the real status codes for missing, duplicate and disabled resources", async () => {
    const parent = `projects/${gcp.projectId}`;
    await expect(client.accessSecretVersion({ name: `${parent}/secrets/nope/versions/1` })).rejects.toMatchObject({ code: 5 });
    await client.createSecret({ parent, secretId: "twice", secret: { replication: { automatic: {} } } });
    await expect(
      client.createSecret({ parent, secretId: "twice", secret: { replication: { automatic: {} } } }),
    ).rejects.toMatchObject({ code: 6 });
    const [v] = await client.addSecretVersion({ parent: `${parent}/secrets/twice`, payload: { data: Buffer.from("x") } });
    await client.disableSecretVersion({ name: v.name });
    await expect(client.accessSecretVersion({ name: v.name })).rejects.toMatchObject({ code: 9 });
  });

  it("filters and pages lists the way the providers query them", async () => {
    const parent = `projects/${gcp.projectId}`;
    await client.createSecret({ parent, secretId: "paged", secret: { replication: { automatic: {} }, labels: { app: "hush" } } });
    const name = `${parent}/secrets/paged`;
    for (const data of ["a", "b", "c"]) await client.addSecretVersion({ parent: name, payload: { data: Buffer.from(data) } });
    await client.disableSecretVersion({ name: `${name}/versions/2` });

    const [enabled] = await client.listSecretVersions({ parent: name, filter: "state:ENABLED" });
    expect(enabled.map((v) => v.name)).toEqual([`${name}/versions/3`, `${name}/versions/1`]);

    const [labelled] = await client.listSecrets({ parent, filter: "labels.app:hush" });
    expect(labelled.map((s) => s.name)).toEqual([name]);

    const [firstPage, , response] = await client.listSecretVersions({ parent: name, pageSize: 2 }, { autoPaginate: false });
    expect(firstPage).toHaveLength(2);
    expect(response?.nextPageToken).toBeTruthy();
    const [all] = await client.listSecretVersions({ parent: name, pageSize: 2 });
    expect(all.map((v) => v.name)).toEqual([3, 2, 1].map((n) => `${name}/versions/${n}`));
  });
});
