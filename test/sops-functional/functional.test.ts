import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signS3Request } from "@hush/cli/io/s3-put";
import { repoRoot, requirePeer, startMoto, startVault, type MotoHarness, type VaultHarness } from "@hush/testkit";

// sops's own functional test suite (Rust, from the sops v3.13.3 module; built by
// `bash scripts/peers sops-functional`) run against hush as `./sops`, and against the real sops
// as the oracle. Its 38 tests that need no AWS account must all pass, including `publish` to a
// real Vault dev server (KV v2 at secret/, KV v1 at kv/, as sops's CI sets it up).

const NON_AWS_TESTS = 38;
const how = "run `bash scripts/peers sops-functional` (needs Go and cargo)";
const suite = requirePeer("sops-functional-tests", how);
const vaultBin = requirePeer("vault", "run `bash scripts/peers vault`");
const gpg = requirePeer("gpg", "run `bash scripts/peers gnupg`");
const sops = requirePeer("sops", "run `bash scripts/peers sops`");
const ready = suite.ok && vaultBin.ok && gpg.ok && sops.ok;

interface SuiteResult {
  readonly passed: number;
  readonly failed: number;
  readonly ignored: number;
  readonly output: string;
}

/** Runs the suite through test/sops-functional/run.sh and reads libtest's summary line. */
function runSuite(vault: VaultHarness, sopsPath?: string, extra: { args?: string[]; env?: Record<string, string>; threads?: number } = {}): SuiteResult {
  const args = [join(repoRoot, "test", "sops-functional", "run.sh"), ...(sopsPath ? ["--sops", sopsPath] : []), "--test-threads", String(extra.threads ?? 2), ...(extra.args ?? [])];
  const r = spawnSync("bash", args, {
    env: { ...process.env, VAULT_ADDR: vault.address, VAULT_TOKEN: vault.token, RUST_BACKTRACE: "0", ...extra.env },
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 600_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  const m = /test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/.exec(output);
  if (!m) throw new Error(`the functional suite printed no summary (exit ${r.status}):\n${output.slice(-4000)}`);
  return { passed: Number(m[1]), failed: Number(m[2]), ignored: Number(m[3]), output };
}

/** The failing tests' names and their first panic lines, for a readable assertion message. */
function failures(result: SuiteResult): string {
  return result.output
    .split("\n")
    .filter((l) => / FAILED$|panicked at|left:|right:/.test(l))
    .join("\n");
}

async function vaultCall(vault: VaultHarness, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${vault.address}/v1/${path}`, {
    method,
    headers: { "X-Vault-Token": vault.token, "content-type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

async function startSuiteVault(): Promise<VaultHarness> {
  const vault = await startVault();
  // As sops's CI: `vault secrets enable -version=1 kv` (the dev server mounts KV v2 at secret/).
  const mounted = await vaultCall(vault, "POST", "sys/mounts/kv", { type: "kv", options: { version: "1" } });
  expect(mounted.status).toBe(204);
  return vault;
}

describe.skipIf(!ready)("sops's functional test suite", () => {
  let vault: VaultHarness;
  beforeAll(async () => {
    vault = await startSuiteVault();
  });
  afterAll(async () => {
    await vault?.stop();
  });

  it(`passes all ${NON_AWS_TESTS} non-AWS tests with hush as ./sops, publishing to the real Vault`, async () => {
    const result = runSuite(vault);
    expect(failures(result)).toBe("");
    expect(result.failed).toBe(0);
    expect(result.passed).toBe(NON_AWS_TESTS);
    // The AWS tests (KMS, S3) are the suite's #[ignore] ones.
    expect(result.ignored).toBe(3);

    // publish really wrote the decrypted documents: KV v1 under kv/, KV v2 under secret/.
    const v1 = await vaultCall(vault, "GET", "kv/functional-test-version-1/test_encrypt_publish_vault_version_1.json");
    expect(v1.status).toBe(200);
    expect((v1.json as { data: unknown }).data).toEqual({ foo: 2, bar: "baz" });
    const v2 = await vaultCall(vault, "GET", "secret/data/functional-test/test_encrypt_publish_vault.json");
    expect(v2.status).toBe(200);
    expect((v2.json as { data: { data: unknown } }).data.data).toEqual({ foo: 2, bar: "baz" });
  });

  it(`passes the same ${NON_AWS_TESTS} with the real sops (the oracle)`, () => {
    // One test at a time: the reference run should have the fewest moving parts. Under a loaded
    // full run, sops once failed decrypt_comments (its PGP decryption, through gpg-agent) at two
    // threads; it has not failed alone or under CPU load since.
    const result = runSuite(vault, sops.ok ? sops.path : "", { threads: 1 });
    expect(failures(result)).toBe("");
    expect(result.passed).toBe(NON_AWS_TESTS);
  });
});

const moto = requirePeer("moto_server", "run `bash scripts/peers moto`");

// The suite's S3 publish test is #[ignore]d upstream (it needs an AWS bucket); here it runs
// against moto, and the object it leaves is checked to be the sops file.
describe.skipIf(!(ready && moto.ok))("sops's functional test suite: publish to S3 (moto)", () => {
  let vault: VaultHarness;
  let s3: MotoHarness;
  const bucket = "sops-publish-functional-tests";
  beforeAll(async () => {
    [vault, s3] = await Promise.all([startSuiteVault(), startMoto()]);
    const created = await fetch(`${s3.endpoint}/${bucket}`, { method: "PUT" });
    expect(created.status).toBe(200);
  });
  afterAll(async () => {
    await Promise.all([vault?.stop(), s3?.stop()]);
  });

  for (const who of ["hush", "sops"] as const) {
    it(`publish_json_file_s3 passes with ${who} and leaves the encrypted file in the bucket`, async () => {
      await fetch(`${s3.endpoint}/${bucket}/functional-test/test_encrypt_publish_s3.json`, { method: "DELETE" });
      const result = runSuite(vault, who === "sops" && sops.ok ? sops.path : undefined, {
        args: ["--ignored", "--exact", "tests::publish_json_file_s3"],
        env: {
          AWS_ENDPOINT_URL: s3.endpoint,
          AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
          AWS_REGION: s3.region,
          AWS_DEFAULT_REGION: s3.region,
        },
      });
      expect(failures(result)).toBe("");
      expect(result.passed).toBe(1);
      // moto refuses anonymous object reads; this GET is signed like any S3 client's.
      const url = new URL(`${s3.endpoint}/${bucket}/functional-test/test_encrypt_publish_s3.json`);
      const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
      const payloadHash = createHash("sha256").update("").digest("hex");
      const headers = { host: url.host, "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate };
      const authorization = signS3Request({ region: s3.region, ...s3.credentials }, { method: "GET", path: url.pathname, headers, payloadHash, amzDate });
      const object = await fetch(url, { headers: { "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate, authorization } });
      expect(object.status).toBe(200);
      const doc = JSON.parse(await object.text()) as { foo: string; sops: { pgp: Array<{ fp: string }> } };
      expect(doc.foo).toMatch(/^ENC\[AES256_GCM,/);
      expect(doc.sops.pgp[0]?.fp).toBe("FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4");
    });
  }
});
