import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePeer } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hushAsync, leftovers, makeAgeKey, sandbox, sopsAsync, startCloudKmsFake, type CloudKmsFake, type Sandbox } from "./support.js";

const sopsPeer = requirePeer("sops");
const agePeer = requirePeer("age-keygen");
const ready = sopsPeer.ok && agePeer.ok;

// Both CLIs talk to the Cloud KMS REST fake in this process, so they run asynchronously.
describe.skipIf(!ready)("GCP KMS keys: hush and the real sops against a Cloud KMS REST fake", () => {
  const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
  let kms: CloudKmsFake;
  let box: Sandbox;
  let age: { file: string; recipient: string };
  const id = "projects/hush/locations/global/keyRings/parity/cryptoKeys/sops";
  const secret = "gcp-canary-c0de";

  beforeAll(async () => {
    kms = await startCloudKmsFake();
    box = sandbox("gcp");
    age = makeAgeKey(agePeer.ok ? agePeer.path : "", box.home, "age");
    writeFileSync(join(box.dir, "plain.json"), JSON.stringify({ api: { key: secret } }));
  });
  afterAll(async () => {
    await kms?.stop();
    box?.remove();
  });

  const gcpEnv = (token = kms.token): Record<string, string> => ({
    SOPS_GCP_KMS_ENDPOINT: kms.endpoint,
    SOPS_GCP_KMS_CLIENT_TYPE: "rest",
    GOOGLE_OAUTH_ACCESS_TOKEN: token,
  });

  it("reads a file sops encrypted with a GCP KMS key", async () => {
    const enc = await sopsAsync(sopsBin, box, ["encrypt", "--gcp-kms", id, "plain.json"], gcpEnv());
    expect(enc.code, enc.stderr).toBe(0);
    expect(JSON.parse(enc.stdout).sops.gcp_kms[0].resource_id).toBe(id);
    writeFileSync(join(box.dir, "by-sops.json"), enc.stdout);
    const out = await hushAsync(box, ["exec-file", "by-sops.json", "cat {}"], gcpEnv());
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ api: { key: secret } });
  });

  it("adds a GCP KMS key with hush rotate that sops then decrypts", async () => {
    const enc = await hushAsync(box, ["encrypt", "--age", age.recipient, "plain.json"], { SOPS_AGE_KEY_FILE: age.file });
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(join(box.dir, "by-hush.json"), enc.stdout);
    const rotated = await hushAsync(box, ["rotate", "-i", "--add-gcp-kms", id, "--rm-age", age.recipient, "by-hush.json"], {
      ...gcpEnv(),
      SOPS_AGE_KEY_FILE: age.file,
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(box.dir, "by-hush.json"), "utf8")).sops;
    expect(meta.gcp_kms).toEqual([{ created_at: expect.stringMatching(/Z$/), enc: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/), resource_id: id }]);
    const dec = await sopsAsync(sopsBin, box, ["decrypt", "by-hush.json"], gcpEnv());
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual({ api: { key: secret } });
  });

  it("denied and missing keys: exit 128 like sops, no plaintext, nothing left behind", async () => {
    const denied = await hushAsync(box, ["exec-file", "by-sops.json", "cat {}"], gcpEnv("ya29.wrong"));
    const sopsDenied = await sopsAsync(sopsBin, box, ["decrypt", "by-sops.json"], gcpEnv("ya29.wrong"));
    expect(sopsDenied.code).toBe(128);
    expect(denied.code).toBe(128);
    expect(denied.stderr).toMatch(/access denied/);
    expect(denied.stderr).not.toContain("ya29.wrong");
    const moved = readFileSync(join(box.dir, "by-sops.json"), "utf8").replaceAll(id, id.replace(/sops$/, "missing"));
    writeFileSync(join(box.dir, "missing.json"), moved);
    const missing = await hushAsync(box, ["exec-file", "missing.json", "cat {}"], gcpEnv());
    expect(missing.code).toBe(128);
    expect(missing.stderr).toMatch(/not found/);
    expect(denied.stdout + denied.stderr + missing.stdout + missing.stderr).not.toContain(secret);
    expect(leftovers(box)).toEqual([]);
  });
});
