import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { freePort, repoRoot, startVaultTransitFake, type MotoHarness } from "@hush/testkit";

// The AWS SDK warns about Node 20 on stderr at first use; these suites compare stderr.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

/** Result of running a command. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The built `hush` CLI (run `pnpm build` first); `HUSH_E2E_BIN` may point at another entry. */
export const hushBin = process.env["HUSH_E2E_BIN"] ?? join(repoRoot, "packages", "cli", "bin", "hush.js");

/**
 * A sandbox for one suite: a work directory, a private TMPDIR (so tests can prove no
 * plaintext temp file is left behind) and a HOME without any ambient keys or tokens.
 */
export interface Sandbox {
  readonly dir: string;
  readonly tmp: string;
  readonly home: string;
  /** Base environment: PATH, HOME, TMPDIR; nothing from the developer's shell. */
  readonly env: Record<string, string>;
  remove(): void;
}

export function sandbox(name: string): Sandbox {
  const root = mkdtempSync(join(tmpdir(), `hush-parity-${name}-`));
  const dir = join(root, "work");
  const tmp = join(root, "tmp");
  const home = join(root, "home");
  for (const d of [dir, tmp, home]) mkdirSync(d, { recursive: true });
  return {
    dir,
    tmp,
    home,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, TMPDIR: tmp },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Runs a binary synchronously with exactly `env`, never through a shell. */
export function run(bin: string, args: readonly string[], env: Record<string, string>, cwd: string, input?: string | Uint8Array): Run {
  const r = spawnSync(bin, [...args], { env, cwd, ...(input !== undefined && { input }), maxBuffer: 64 << 20, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: (r.stdout ?? Buffer.alloc(0)).toString(), stderr: (r.stderr ?? Buffer.alloc(0)).toString() };
}

/**
 * Runs a binary without blocking the event loop, for tests whose peers (fault proxies, fakes)
 * live in this process.
 */
export function runAsync(bin: string, args: readonly string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/** Runs the built hush CLI without blocking the event loop. */
export function hushAsync(box: Sandbox, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return runAsync(process.execPath, [hushBin, ...args], { ...box.env, ...env }, box.dir);
}

/** Runs the real sops without blocking the event loop. */
export function sopsAsync(bin: string, box: Sandbox, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return runAsync(bin, args, { ...box.env, ...env }, box.dir);
}

/** Runs the built hush CLI. */
export function hush(box: Sandbox, args: readonly string[], env: Record<string, string> = {}, input?: string): Run {
  return run(process.execPath, [hushBin, ...args], { ...box.env, ...env }, box.dir, input);
}

/** Runs the real sops. */
export function sops(bin: string, box: Sandbox, args: readonly string[], env: Record<string, string> = {}, input?: string): Run {
  return run(bin, args, { ...box.env, ...env }, box.dir, input);
}

/** Files left in the sandbox's TMPDIR (hush's plaintext temp files must never remain). */
export function leftovers(box: Sandbox): string[] {
  return readdirSync(box.tmp);
}

/** An age identity made by the real `age-keygen`. */
export function makeAgeKey(ageKeygen: string, dir: string, name: string): { file: string; recipient: string } {
  const file = join(dir, `${name}.txt`);
  execFileSync(ageKeygen, ["-o", file], { stdio: "ignore" });
  const recipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(file, "utf8"))?.[1];
  if (!recipient) throw new Error("age-keygen wrote no recipient");
  return { file, recipient };
}

/** A throw-away GnuPG home with one unprotected key; `kill()` stops its agent. */
export interface GpgHome {
  readonly home: string;
  readonly fp: string;
  kill(): void;
}

export function makeGpgHome(gpg: string, dir: string, name: string): GpgHome {
  const home = join(dir, name);
  mkdirSync(home, { recursive: true });
  chmodSync(home, 0o700);
  const env = { PATH: process.env["PATH"] ?? "", GNUPGHOME: home, HOME: dir };
  execFileSync(gpg, ["--batch", "--passphrase", "", "--quick-gen-key", `${name} <${name}@example.invalid>`, "default", "default", "never"], {
    env,
    stdio: "ignore",
  });
  const colons = execFileSync(gpg, ["--batch", "--with-colons", "--list-secret-keys"], { env, stdio: ["ignore", "pipe", "ignore"] }).toString();
  const fp = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (!fp) throw new Error("gpg generated no key");
  return {
    home,
    fp,
    kill: () => {
      try {
        execFileSync("gpgconf", ["--kill", "gpg-agent"], { env, stdio: "ignore" });
      } catch {
        // no agent running
      }
    },
  };
}

/** The AWS environment both hush and sops use to reach moto. */
export function awsEnv(moto: MotoHarness): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

/** Creates a KMS key in moto and returns its ARN. */
export async function createKmsKey(moto: MotoHarness, region = "eu-west-1"): Promise<string> {
  const kms = new KMSClient({ region, endpoint: moto.endpoint, credentials: moto.credentials });
  const arn = (await kms.send(new CreateKeyCommand({ Description: "hush parity" }))).KeyMetadata?.Arn;
  if (!arn) throw new Error("moto created no key");
  return arn;
}

/**
 * A proxy in front of moto that answers KMS calls with an injected AWS error (JSON
 * `__type`, HTTP 400, as KMS does) while `fault` is set. moto itself answers IAM denials in XML,
 * which no KMS client can parse, and never throttles.
 */
export interface KmsFaultProxy {
  readonly endpoint: string;
  fault: string | undefined;
  requests: number;
  close(): Promise<void>;
}

export async function startKmsFaultProxy(upstream: string): Promise<KmsFaultProxy> {
  const state: KmsFaultProxy = { endpoint: "", fault: undefined, requests: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.requests++;
      if (state.fault) {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: state.fault, message: "injected by the test" }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host") headers[k] = v;
      fetch(`${upstream}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) })
        .then(async (r) => {
          res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A Vault transit endpoint: the real dev server when built, else a protocol fake. */
export interface Transit {
  readonly address: string;
  readonly token: string;
  readonly kind: "vault" | "fake";
  stop(): Promise<void>;
}

/**
 * Starts Vault transit for the suites: `vault server -dev` (from `bash scripts/peers vault`,
 * through testkit's `startVault`) with the transit engine mounted, or, when that binary is not
 * built, an in-process fake speaking the same HTTP API (X-Vault-Token, upserting encrypt,
 * `vault:v1:` ciphertexts, `{"errors": [...]}` bodies). Which one ran is printed.
 */
export async function startTransit(): Promise<Transit> {
  const { findBinary, startVault } = await import("@hush/testkit");
  if (findBinary("vault")) {
    const vault = await startVault();
    const mount = await fetch(`${vault.address}/v1/sys/mounts/transit`, {
      method: "POST",
      headers: { "x-vault-token": vault.token },
      body: JSON.stringify({ type: "transit" }),
    });
    if (!mount.ok) {
      await vault.stop();
      throw new Error(`mounting transit answered ${mount.status}`);
    }
    process.stderr.write("sops-parity: Vault transit = vault server -dev\n");
    return { address: vault.address, token: vault.token, kind: "vault", stop: () => vault.stop() };
  }
  process.stderr.write("sops-parity: Vault transit = in-process fake (run `bash scripts/peers vault` for the real server)\n");
  return startVaultTransitFake();
}

export { startCloudKmsFake, type CloudKmsFake } from "@hush/testkit";
