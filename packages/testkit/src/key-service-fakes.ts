import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { freePort } from "./free-port.js";

// In-process servers speaking the wire protocols of two key services that have no real server
// here, or as a fallback when one is not built: Vault's transit engine and Cloud KMS's REST API.
// Both wrap with AES-256-GCM under a per-key random key, so ciphertexts are opaque and
// tampering fails as it would on the real service.

function seal(key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  return Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()]);
}

function open(key: Buffer, raw: Buffer): Buffer {
  const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
}

type Handler = (req: IncomingMessage, body: Record<string, string | undefined>, send: (status: number, body: unknown) => void) => void;

async function serve(handler: Handler): Promise<{ address: string; stop(): Promise<void> }> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      let body: Record<string, string | undefined>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, string | undefined>;
      } catch {
        return send(400, { errors: ["invalid JSON"] });
      }
      handler(req, body, send);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { address: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A Vault transit fake: `X-Vault-Token`, upserting `encrypt`, `vault:v1:` ciphertexts, `{"errors": […]}`. */
export interface VaultTransitFake {
  readonly address: string;
  readonly token: string;
  readonly kind: "fake";
  /** Forces every response to this HTTP status while set (e.g. 429, 503). */
  fail?: number;
  stop(): Promise<void>;
}

/** Starts a {@link VaultTransitFake} on 127.0.0.1. */
export async function startVaultTransitFake(token = `fake-root-${randomBytes(8).toString("hex")}`): Promise<VaultTransitFake> {
  const keys = new Map<string, Buffer>();
  const fake: { -readonly [K in keyof VaultTransitFake]: VaultTransitFake[K] } = { address: "", token, kind: "fake", stop: async () => {} };
  const server = await serve((req, body, send) => {
    if (fake.fail) return send(fake.fail, { errors: ["injected"] });
    if (req.headers["x-vault-token"] !== token) return send(403, { errors: ["permission denied"] });
    const m = /^\/v1\/(.+)\/(encrypt|decrypt)\/([^/?]+)$/.exec(req.url ?? "");
    if (!m || (req.method !== "POST" && req.method !== "PUT")) return send(404, { errors: [] });
    const id = `${m[1]}/${m[3]}`;
    if (m[2] === "encrypt") {
      if (!keys.has(id)) keys.set(id, randomBytes(32));
      const ct = seal(keys.get(id) as Buffer, Buffer.from(body["plaintext"] ?? "", "base64"));
      return send(200, { data: { ciphertext: `vault:v1:${ct.toString("base64")}`, key_version: 1 } });
    }
    const key = keys.get(id);
    if (!key) return send(400, { errors: ["encryption key not found"] });
    try {
      const pt = open(key, Buffer.from((body["ciphertext"] ?? "").replace(/^vault:v1:/, ""), "base64"));
      return send(200, { data: { plaintext: pt.toString("base64") } });
    } catch {
      return send(400, { errors: ["cipher: message authentication failed"] });
    }
  });
  fake.address = server.address;
  fake.stop = server.stop;
  return fake;
}

/** A Cloud KMS fake speaking the REST API (`POST /v1/{name}:encrypt|decrypt`, bearer token). */
export interface CloudKmsFake {
  readonly endpoint: string;
  readonly token: string;
  /** Forces every response to this Google error while set. */
  fail?: { code: number; status: string };
  /** Every request as `METHOD url`, in order. */
  readonly calls: string[];
  stop(): Promise<void>;
}

/**
 * Starts a local server that speaks Cloud KMS's REST API as both `@google-cloud/kms` (REST
 * transport) and sops (`SOPS_GCP_KMS_CLIENT_TYPE=rest`) call it: base64 bytes in JSON,
 * Google's `{"error": {code, status}}` bodies, a bearer token. Keys named `…/missing` do not exist.
 */
export async function startCloudKmsFake(token = `ya29.fake-${randomBytes(8).toString("hex")}`): Promise<CloudKmsFake> {
  const keys = new Map<string, Buffer>();
  const fake: { -readonly [K in keyof CloudKmsFake]: CloudKmsFake[K] } = { endpoint: "", token, calls: [], stop: async () => {} };
  const server = await serve((req, body, send) => {
    const error = (code: number, status: string): void => send(code, { error: { code, message: status.toLowerCase(), status } });
    fake.calls.push(`${req.method} ${req.url}`);
    if (fake.fail) return error(fake.fail.code, fake.fail.status);
    if (req.headers.authorization !== `Bearer ${token}`) return error(401, "UNAUTHENTICATED");
    const m = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/:?]+):(encrypt|decrypt)(\?.*)?$/.exec(req.url ?? "");
    if (!m || req.method !== "POST") return error(404, "NOT_FOUND");
    const name = m[1] as string;
    if (name.endsWith("/missing")) return error(404, "NOT_FOUND");
    if (!keys.has(name)) keys.set(name, randomBytes(32));
    const key = keys.get(name) as Buffer;
    if (m[2] === "encrypt") {
      const ct = seal(key, Buffer.from(body["plaintext"] ?? "", "base64"));
      return send(200, { name: `${name}/cryptoKeyVersions/1`, ciphertext: ct.toString("base64") });
    }
    try {
      return send(200, { plaintext: open(key, Buffer.from(body["ciphertext"] ?? "", "base64")).toString("base64") });
    } catch {
      return error(400, "INVALID_ARGUMENT");
    }
  });
  fake.endpoint = server.address;
  fake.stop = server.stop;
  return fake;
}
