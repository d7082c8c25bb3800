import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePeer, startMoto, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  awsEnv,
  createKmsKey,
  hush,
  hushAsync,
  leftovers,
  makeAgeKey,
  sandbox,
  sops,
  sopsAsync,
  startKmsFaultProxy,
  type KmsFaultProxy,
  type Sandbox,
} from "./support.js";

const sopsPeer = requirePeer("sops");
const agePeer = requirePeer("age-keygen");
const motoPeer = requirePeer("moto_server", "run `bash scripts/peers moto`");
const ready = sopsPeer.ok && agePeer.ok && motoPeer.ok;

describe.skipIf(!ready)("AWS KMS keys: hush and the real sops against moto", () => {
  const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
  let moto: MotoHarness;
  let box: Sandbox;
  let arn = "";
  let age: { file: string; recipient: string };
  let env: Record<string, string>;
  const secret = "kms-canary-4f1e";

  beforeAll(async () => {
    moto = await startMoto();
    box = sandbox("kms");
    arn = await createKmsKey(moto);
    age = makeAgeKey(agePeer.ok ? agePeer.path : "", box.home, "age");
    env = awsEnv(moto);
    writeFileSync(join(box.dir, "plain.yaml"), `user: app\npassword: ${secret}\nport: 5432\n`);
  });
  afterAll(async () => {
    await moto?.stop();
    box?.remove();
  });

  it("reads a file sops encrypted with a KMS key and an encryption context", () => {
    const enc = sops(sopsBin, box, ["encrypt", "--kms", arn, "--encryption-context", "app:web,env:prod", "plain.yaml"], env);
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(join(box.dir, "by-sops.yaml"), enc.stdout);
    const meta = parse(enc.stdout).sops.kms[0];
    expect(meta).toMatchObject({ arn, context: { app: "web", env: "prod" }, aws_profile: "" });

    const out = hush(box, ["exec-env", "by-sops.yaml", 'printf "%s|%s" "$password" "$port"'], env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`${secret}|5432`);
    expect(leftovers(box)).toEqual([]);
  });

  it("adds a KMS key with hush rotate that sops then decrypts without the age key", () => {
    const enc = hush(box, ["encrypt", "--age", age.recipient, "plain.yaml"], { SOPS_AGE_KEY_FILE: age.file });
    expect(enc.code, enc.stderr).toBe(0);
    writeFileSync(join(box.dir, "by-hush.yaml"), enc.stdout);
    const added = hush(box, ["rotate", "-i", "--add-kms", arn, "--encryption-context", "team:core", "by-hush.yaml"], {
      ...env,
      SOPS_AGE_KEY_FILE: age.file,
    });
    expect(added.code, added.stderr).toBe(0);
    const removed = hush(box, ["rotate", "-i", "--rm-age", age.recipient, "by-hush.yaml"], { ...env, SOPS_AGE_KEY_FILE: age.file });
    expect(removed.code, removed.stderr).toBe(0);
    const meta = parse(readFileSync(join(box.dir, "by-hush.yaml"), "utf8")).sops;
    expect(meta.age).toBeUndefined();
    expect(meta.kms).toHaveLength(1);
    expect(meta.kms[0]).toMatchObject({ arn, context: { team: "core" }, aws_profile: "" });
    expect(meta.kms[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const dec = sops(sopsBin, box, ["decrypt", "by-hush.yaml"], env);
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual({ user: "app", password: secret, port: 5432 });
  });

  it("creates a KMS-keyed file with hush edit --kms that sops decrypts", () => {
    const ed = join(box.home, "ed-new.sh");
    writeFileSync(ed, `#!/bin/sh\nprintf 'token: ${secret}\\n' > "$1"\n`, { mode: 0o755 });
    const out = hush(box, ["edit", "--kms", arn, "--encryption-context", "app:new", "new.yaml"], { ...env, EDITOR: ed });
    expect(out.code, out.stderr).toBe(0);
    expect(parse(readFileSync(join(box.dir, "new.yaml"), "utf8")).sops.kms[0]).toMatchObject({ arn, context: { app: "new" } });
    const dec = sops(sopsBin, box, ["decrypt", "new.yaml"], env);
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toEqual({ token: secret });
  });

  it("assumes the key's role through STS for files sops wrote with ARN+ROLE", () => {
    const role = "arn:aws:iam::123456789012:role/sops-decrypt";
    const enc = sops(sopsBin, box, ["encrypt", "--kms", `${arn}+${role}`, "plain.yaml"], env);
    expect(enc.code, enc.stderr).toBe(0);
    expect(parse(enc.stdout).sops.kms[0]).toMatchObject({ arn, role });
    writeFileSync(join(box.dir, "role.yaml"), enc.stdout);
    const set = hush(box, ["set", "role.yaml", '["user"]', '"ops"'], env);
    expect(set.code, set.stderr).toBe(0);
    const dec = sops(sopsBin, box, ["decrypt", "role.yaml"], env);
    expect(dec.code, dec.stderr).toBe(0);
    expect(parse(dec.stdout)).toMatchObject({ user: "ops", password: secret });
  });

  it("uses aws_profile from the shared credentials file, both ways", () => {
    mkdirSync(join(box.home, ".aws"), { recursive: true });
    writeFileSync(
      join(box.home, ".aws", "credentials"),
      `[parity]\naws_access_key_id = ${moto.credentials.accessKeyId}\naws_secret_access_key = ${moto.credentials.secretAccessKey}\n`,
    );
    // No credentials in the environment: only the profile in ~/.aws/credentials has them.
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...profileEnv } = env;
    const enc = sops(sopsBin, box, ["encrypt", "--kms", arn, "--aws-profile", "parity", "plain.yaml"], profileEnv);
    expect(enc.code, enc.stderr).toBe(0);
    expect(parse(enc.stdout).sops.kms[0].aws_profile).toBe("parity");
    writeFileSync(join(box.dir, "profile.yaml"), enc.stdout);
    const ours = hush(box, ["exec-env", "profile.yaml", 'printf %s "$user"'], profileEnv);
    expect(ours.code, ours.stderr).toBe(0);
    expect(ours.stdout).toBe("app");
    const rotated = hush(box, ["rotate", "-i", "profile.yaml"], profileEnv);
    expect(rotated.code, rotated.stderr).toBe(0);
    const dec = sops(sopsBin, box, ["decrypt", "profile.yaml"], profileEnv);
    expect(dec.code, dec.stderr).toBe(0);
    const noProfile = hush(box, ["exec-env", "profile.yaml", "true"], { ...profileEnv, AWS_SHARED_CREDENTIALS_FILE: join(box.home, "none") });
    expect(noProfile.code).toBe(128);
  });

  it("rejects a malformed --encryption-context with exit 6, as sops does", () => {
    const ours = hush(box, ["rotate", "--add-kms", arn, "--encryption-context", "no-colon", "by-sops.yaml"], env);
    const theirs = sops(sopsBin, box, ["encrypt", "--kms", arn, "--encryption-context", "no-colon", "plain.yaml"], env);
    expect(theirs.code).toBe(6);
    expect(ours.code).toBe(6);
    expect(ours.stderr).toMatch(/encryption context/);
  });

  describe("error paths", () => {
    let proxy: KmsFaultProxy;
    beforeAll(async () => {
      proxy = await startKmsFaultProxy(moto.endpoint);
      const enc = sops(sopsBin, box, ["encrypt", "--kms", arn, "plain.yaml"], env);
      expect(enc.code, enc.stderr).toBe(0);
      writeFileSync(join(box.dir, "err.yaml"), enc.stdout);
      const age1 = hush(box, ["encrypt", "--age", age.recipient, "plain.yaml"], { SOPS_AGE_KEY_FILE: age.file });
      expect(age1.code, age1.stderr).toBe(0);
      writeFileSync(join(box.dir, "err-age.yaml"), age1.stdout);
    });
    afterAll(async () => {
      await proxy?.close();
    });

    const viaProxy = (): Record<string, string> => ({ ...env, AWS_ENDPOINT_URL: proxy.endpoint, AWS_MAX_ATTEMPTS: "2" });

    it.each([
      ["AccessDeniedException", /access denied/],
      ["ThrottlingException", /throttled/],
    ])("%s while decrypting: exit 128 like sops, no plaintext anywhere", async (fault, why) => {
      proxy.fault = fault;
      proxy.requests = 0;
      try {
        const before = readFileSync(join(box.dir, "err.yaml"));
        const ours = await hushAsync(box, ["exec-env", "err.yaml", "echo $password"], viaProxy());
        const theirs = await sopsAsync(sopsBin, box, ["decrypt", "err.yaml"], viaProxy());
        expect(theirs.code).toBe(128);
        expect(ours.code).toBe(128);
        expect(ours.stderr).toMatch(why);
        expect(ours.stderr).toContain(arn);
        expect(ours.stdout + ours.stderr).not.toContain(secret);
        const set = await hushAsync(box, ["set", "err.yaml", '["user"]', '"x"'], viaProxy());
        expect(set.code).toBe(128);
        expect(readFileSync(join(box.dir, "err.yaml"))).toEqual(before);
        expect(leftovers(box)).toEqual([]);
        if (fault === "ThrottlingException") expect(proxy.requests).toBeGreaterThanOrEqual(2);
      } finally {
        proxy.fault = undefined;
      }
    });

    it("tries age before KMS by default and KMS first with --decryption-order kms,age", async () => {
      const added = await hushAsync(box, ["rotate", "--add-kms", arn, "--output", "both.yaml", "err-age.yaml"], { ...viaProxy(), SOPS_AGE_KEY_FILE: age.file });
      expect(added.code, added.stderr).toBe(0);
      proxy.requests = 0;
      const ageFirst = await hushAsync(box, ["exec-env", "both.yaml", "true"], { ...viaProxy(), SOPS_AGE_KEY_FILE: age.file });
      expect(ageFirst.code, ageFirst.stderr).toBe(0);
      expect(proxy.requests).toBe(0);
      const kmsFirst = await hushAsync(box, ["exec-env", "--decryption-order", "kms,age", "both.yaml", "true"], {
        ...viaProxy(),
        SOPS_AGE_KEY_FILE: age.file,
      });
      expect(kmsFirst.code, kmsFirst.stderr).toBe(0);
      expect(proxy.requests).toBe(1);
      const dup = await hushAsync(box, ["exec-env", "--decryption-order", "kms,kms", "both.yaml", "true"], viaProxy());
      expect(dup.code).toBe(112);
    });

    it("a missing key: decrypt exits 128, adding it exits 1 (as sops encrypt does)", () => {
      const missing = arn.replace(/key\/.*/, "key/00000000-0000-0000-0000-000000000000");
      const enc = readFileSync(join(box.dir, "err.yaml"), "utf8").replaceAll(arn, missing);
      writeFileSync(join(box.dir, "missing.yaml"), enc);
      const ours = hush(box, ["exec-env", "missing.yaml", "true"], env);
      const theirs = sops(sopsBin, box, ["decrypt", "missing.yaml"], env);
      expect(theirs.code).toBe(128);
      expect(ours.code).toBe(128);
      expect(ours.stderr).toMatch(/not found/);

      const addTheirs = sops(sopsBin, box, ["encrypt", "--kms", missing, "plain.yaml"], env);
      const addOurs = hush(box, ["rotate", "--add-kms", missing, "err-age.yaml"], { ...env, SOPS_AGE_KEY_FILE: age.file });
      expect(addTheirs.code).toBe(1);
      expect(addOurs.code).toBe(1);
      expect(addOurs.stdout).toBe("");
      expect(addOurs.stderr).not.toContain(secret);
    });
  });
});
