// ECRAuthorizationToken and STSSessionToken against the real External Secrets Operator (v0.16.2):
// one kube-apiserver, one moto; ESO reconciles one namespace with its own CRDs, hush another.
// The same generator manifests (only the groups rewritten for hush) must give the same keys:
// ECR's token, user, proxy endpoint and expiry byte for byte (moto answers both alike); STS's
// fixed keys byte for byte, the expiry as "now + sessionDuration" on both, and both sessions
// accepted by moto.
//
// ESO v0.16 has no endpoint variable for ECR (only Secrets Manager, SSM and STS), so its ECR
// calls go to https://api.ecr.<region>.amazonaws.com through HTTPS_PROXY: a loopback proxy
// here answers CONNECT for that host only, terminates TLS with a throw-away CA ESO trusts
// (SSL_CERT_FILE) and relays the requests to moto. Nothing leaves the machine.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TLSSocket } from "node:tls";
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { KubeClient } from "@hush/kube/client";
import { selfSignedCert, startMoto, type KubeHarness, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatorCrdPaths } from "../controller/harness.js";
import { comparePeers, esoSide, hushSide, kubectlCreate, startCompareKube, startSideBySide, syncGeneratorOnBothSides, type SideBySide } from "./harness.js";

const peersOk = comparePeers("moto_server");
const esoGen = "generators.external-secrets.io/v1alpha1";
const hushGen = "generators.hush.dev/v1alpha1";

/**
 * An HTTPS proxy for one host: CONNECT to `host:443` is answered with TLS (`cert`), and every
 * request inside is relayed over plain HTTP to `target`; any other CONNECT is refused. Counts
 * the relayed requests.
 */
async function ecrProxy(host: string, cert: { cert: string; key: string }, target: string): Promise<{ url: string; relayed(): number; close(): Promise<void> }> {
  let relayed = 0;
  const upstream = new URL(target);
  const inner = createServer((req: IncomingMessage, res: ServerResponse) => {
    relayed++;
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on("connect", (req: IncomingMessage, socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (req.url !== `${host}:443`) {
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    const tls = new TLSSocket(socket, { isServer: true, cert: cert.cert, key: cert.key });
    inner.emit("connection", tls);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    relayed: () => relayed,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      inner.close();
    },
  };
}

describe.skipIf(!peersOk)("ECRAuthorizationToken and STSSessionToken: hush produces the keys and values ESO produces", () => {
  let kube: KubeHarness;
  let moto: MotoHarness;
  let pair: SideBySide;
  let client: KubeClient;
  let proxy: Awaited<ReturnType<typeof ecrProxy>>;
  let caDir: string;
  let esoNs: string;
  let hushNs: string;

  const sides = () => [
    { ...esoSide, ns: esoNs, gen: esoGen },
    { ...hushSide, ns: hushNs, gen: hushGen },
  ] as const;
  const create = (ns: string, doc: unknown) => kubectlCreate(kube, ns, doc);
  const auth = { secretRef: { accessKeyIDSecretRef: { name: "aws-creds", key: "id" }, secretAccessKeySecretRef: { name: "aws-creds", key: "secret" } } };

  /** Creates the generator and an ExternalSecret on both sides and returns each side's Secret data. */
  const sync = (kind: "ECRAuthorizationToken" | "STSSessionToken", name: string, spec: Record<string, unknown>) => syncGeneratorOnBothSides({ kube, client, pair, sides: sides() }, kind, name, spec);

  beforeAll(async () => {
    moto = await startMoto();
    const host = `api.ecr.${moto.region}.amazonaws.com`;
    const tls = selfSignedCert([host]);
    caDir = mkdtempSync(join(tmpdir(), "hush-ecr-ca-"));
    writeFileSync(join(caDir, "ca.pem"), tls.ca);
    proxy = await ecrProxy(host, tls, moto.endpoint);
    ({ kube, client } = await startCompareKube(generatorCrdPaths("ecrauthorizationtokens", "stssessiontokens")));
    esoNs = await kube.createNamespace("eso-gen-aws");
    hushNs = await kube.createNamespace("hush-gen-aws");
    for (const ns of [esoNs, hushNs]) {
      await create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "aws-creds" }, stringData: { id: moto.credentials.accessKeyId, secret: moto.credentials.secretAccessKey } });
    }
    pair = await startSideBySide(kube, {
      // The kube-apiserver and moto (STS) are on loopback, which Go never sends through a proxy.
      eso: { namespace: esoNs, awsEndpoint: moto.endpoint, concurrent: 2, extraEnv: { HTTPS_PROXY: proxy.url, SSL_CERT_FILE: join(caDir, "ca.pem") } },
      hush: { namespace: hushNs, backoff: { baseMs: 200, maxMs: 2_000 }, clientOverrides: { aws: { endpoint: moto.endpoint } }, silent: true },
    });
  });

  afterAll(async () => {
    await pair?.stop();
    await kube?.stop();
    await proxy?.close();
    await moto?.stop();
    if (caDir) rmSync(caDir, { recursive: true, force: true });
  });

  it("ECRAuthorizationToken (private): the same keys and the same bytes, the token decoding to AWS:<password>", async () => {
    const { eso: e, hush: h } = await sync("ECRAuthorizationToken", "ecr", { region: moto.region, auth });
    expect(proxy.relayed(), "ESO's ECR call went through the proxy to moto").toBeGreaterThan(0);
    expect(Object.keys(e).sort()).toEqual(["expires_at", "password", "proxy_endpoint", "username"]);
    expect(h).toEqual(e);
    expect(h["username"]).toBe("AWS");
    expect(h["proxy_endpoint"]).toBe(`https://123456789012.dkr.ecr.${moto.region}.amazonaws.com`);
    // moto's own answer: the token is base64 of "AWS:<password>", the expiry its Unix seconds.
    const ecr = new ECRClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
    try {
      const direct = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!;
      expect(Buffer.from(direct.authorizationToken!, "base64").toString("utf8")).toBe(`AWS:${h["password"]}`);
      expect(h["expires_at"]).toBe(String(Math.floor(direct.expiresAt!.getTime() / 1000)));
    } finally {
      ecr.destroy();
    }
  });

  it("STSSessionToken: the same keys, the same credentials, expiry now + sessionDuration on both, accepted by moto", async () => {
    const start = Math.floor(Date.now() / 1000);
    const { eso: e, hush: h } = await sync("STSSessionToken", "sts", { region: moto.region, auth, requestParameters: { sessionDuration: 1800 } });
    const end = Math.ceil(Date.now() / 1000);
    expect(Object.keys(e).sort()).toEqual(["access_key_id", "expiration", "secret_access_key", "session_token"]);
    expect(Object.keys(h).sort()).toEqual(Object.keys(e).sort());
    for (const k of ["access_key_id", "secret_access_key", "session_token"]) expect(h[k], k).toBe(e[k]);
    for (const side of [e, h]) {
      expect(Number(side["expiration"])).toBeGreaterThanOrEqual(start + 1800 - 1);
      expect(Number(side["expiration"])).toBeLessThanOrEqual(end + 1800 + 1);
      const sts = new STSClient({ endpoint: moto.endpoint, region: moto.region, credentials: { accessKeyId: side["access_key_id"]!, secretAccessKey: side["secret_access_key"]!, sessionToken: side["session_token"]! } });
      try {
        expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toMatch(/^\d{12}$/);
      } finally {
        sts.destroy();
      }
    }
  });

  it("both CRDs refuse a generator without region", async () => {
    for (const side of sides()) {
      // ESO's CRD requires region too: both API servers refuse the generator itself.
      const r = await kube.kubectl(["create", "-n", side.ns, "-f", "-"], { input: JSON.stringify({ apiVersion: side.gen, kind: "STSSessionToken", metadata: { name: "no-region" }, spec: {} }) });
      expect(r.code, `${side.tool} accepted a generator without region`).not.toBe(0);
      expect(r.stderr).toMatch(/region/);
    }
  });
});
