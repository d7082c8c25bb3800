import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { requirePeer, startMoto, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const peer = requirePeer("moto_server", "run `bash scripts/peers moto` (needs python3 with venv)");

describe.skipIf(!peer.ok)("moto server peer", () => {
  let moto: MotoHarness;
  const client = <T>(Client: new (config: object) => T): T =>
    new Client({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials, maxAttempts: 1 });

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it("puts and gets a secret through @aws-sdk/client-secrets-manager", async () => {
    const sm = client(SecretsManagerClient);
    const created = await sm.send(new CreateSecretCommand({ Name: "hush/smoke/db", SecretString: '{"password":"p4ss"}' }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:hush\/smoke\/db-/);
    const got = await sm.send(new GetSecretValueCommand({ SecretId: "hush/smoke/db" }));
    expect(got).toMatchObject({ Name: "hush/smoke/db", SecretString: '{"password":"p4ss"}', VersionId: created.VersionId });
    await expect(sm.send(new GetSecretValueCommand({ SecretId: "hush/smoke/missing" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("encrypts and decrypts with a KMS key through @aws-sdk/client-kms", async () => {
    const kms = client(KMSClient);
    const key = await kms.send(new CreateKeyCommand({ Description: "hush smoke" }));
    const keyId = key.KeyMetadata?.KeyId;
    expect(keyId).toBeTruthy();
    const plaintext = new TextEncoder().encode("data key bytes");
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
    expect(Buffer.from(encrypted.CiphertextBlob ?? []).includes(Buffer.from("data key bytes"))).toBe(false);
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));
    expect(new TextDecoder().decode(decrypted.Plaintext)).toBe("data key bytes");
    expect(decrypted.KeyId).toContain(keyId);
  });

  it("reset() wipes the server's state", async () => {
    const sm = client(SecretsManagerClient);
    await sm.send(new CreateSecretCommand({ Name: "hush/smoke/reset", SecretString: "x" }));
    await moto.reset();
    await expect(sm.send(new GetSecretValueCommand({ SecretId: "hush/smoke/reset" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("stop() leaves nothing listening", async () => {
    const other = await startMoto();
    await other.stop();
    await expect(fetch(`${other.endpoint}/moto-api/`)).rejects.toThrow();
  });
});
