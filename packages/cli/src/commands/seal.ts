import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { randomBytes } from "node:crypto";
import { Option, type Command } from "commander";
import { HushError } from "@hush/errors";
import { decryptFile, type Format } from "@hush/sops";
import {
  detectFormat,
  isRecord,
  isSopsEncrypted,
  mergeInto,
  parseDocuments,
  parsePrivateKeys,
  parseSealingCert,
  reencryptSealedSecret,
  renderSealedSecrets,
  sealedSecretApiVersion,
  sealingScopes,
  sealRaw,
  sealSecret,
  toSealedSecret,
  toSecret,
  validateSealedSecret,
  type OutputFormat,
  type SealedSecret,
  type SealingScope,
  type SecretManifest,
} from "@hush/sealed";
import type { CliIo } from "../io/cli-io.js";
import { loadSopsConfig } from "../io/config.js";
import { readInput, writeAtomic } from "../io/files.js";
import { keyProvidersFor } from "../io/providers.js";
import { inFile, storeOptions } from "../io/sops-options.js";

/** Flags shared by `hush seal` and `hush unseal` (kubeseal's names). */
export interface SealedFlags {
  secretFile?: string;
  sealedSecretFile?: string;
  format?: string;
  cert?: string;
  controllerName: string;
  controllerNamespace: string;
  kubeconfig?: string;
  namespace?: string;
  name?: string;
  scope?: string;
  raw?: boolean;
  fromFile?: string[];
  mergeInto?: string;
  allowEmptyData?: boolean;
  fetchCert?: boolean;
  validate?: boolean;
  reEncrypt?: boolean;
  recoveryUnseal?: boolean;
  recoveryPrivateKey?: string[];
  config?: string;
}

/** OS randomness for session keys and OAEP seeds. */
export const osRandom = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(",").filter((v) => v !== "")];

/** Registers the controller-location flags kubeseal has (`--controller-name`, `--controller-namespace`, `--kubeconfig`). */
export function addControllerFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option("--controller-name <name>", "name of the sealed-secrets controller's Service").default("sealed-secrets-controller").env("SEALED_SECRETS_CONTROLLER_NAME"))
    .addOption(new Option("--controller-namespace <ns>", "namespace of the sealed-secrets controller").default("kube-system").env("SEALED_SECRETS_CONTROLLER_NAMESPACE"))
    .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, or the in-cluster service account)");
}

/** Registers `-o/--format`, `-f/--secret-file`, `-w/--sealed-secret-file` and `--recovery-private-key`. */
export function addIoFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option("-o, --format <format>", "output format: yaml or json (default: the input's format; yaml for a .yaml/.yml output file)").env("SEALED_SECRETS_FORMAT"))
    .option("-f, --secret-file <file>", "input file (default: the argument, else stdin)")
    .option("-w, --sealed-secret-file <file>", "output file, written atomically (default: stdout)")
    .option("--recovery-private-key <files>", "controller private key(s): PEM files or a backup of its key Secret(s); repeat or comma-separate", collect);
}

/** The output format: `-o`, else the output file's extension, else the input's own format. */
export function outputFormat(flags: SealedFlags, input: Uint8Array | undefined): OutputFormat {
  const f = flags.format?.toLowerCase();
  if (f === "yaml" || f === "json") return f;
  if (f !== undefined) throw new HushError("HUSH_ERR_CLI_USAGE", `unsupported output format ${JSON.stringify(flags.format)}: use yaml or json`);
  const out = flags.sealedSecretFile;
  if (out && /\.(ya?ml)$/i.test(out)) return "yaml";
  if (out && /\.json$/i.test(out)) return "json";
  return input ? detectFormat(input) : "yaml";
}

/** Writes the result to `-w` atomically (mode 0600 for plaintext, else 0644) or to stdout. */
export async function emit(bytes: Uint8Array, flags: SealedFlags, io: CliIo, plaintext: boolean): Promise<void> {
  if (flags.sealedSecretFile) await writeAtomic(flags.sealedSecretFile, bytes, plaintext ? 0o600 : 0o644);
  else io.stdout.write(bytes);
}

/** Reads the input named by `-f`, the argument, or stdin. */
export async function readSource(file: string | undefined, flags: SealedFlags): Promise<{ bytes: Uint8Array; where: string }> {
  const path = flags.secretFile ?? file;
  if ((path === undefined || path === "-") && process.stdin.isTTY) process.stderr.write("(tty detected: expecting a JSON/YAML manifest on stdin)\n");
  return { bytes: await readInput(path), where: path ?? "stdin" };
}

/** Reads every private key file given with `--recovery-private-key`. */
export async function readPrivateKeys(flags: SealedFlags): Promise<ReturnType<typeof parsePrivateKeys>> {
  const files = flags.recoveryPrivateKey ?? [];
  if (files.length === 0) throw new HushError("HUSH_ERR_CLI_USAGE", "--recovery-private-key is required", { hint: "pass the controller's private key file(s), e.g. a backup of its sealed-secrets-key Secrets" });
  const keys = [];
  for (const f of files) {
    try {
      keys.push(...parsePrivateKeys(await readInput(f)));
    } catch (err) {
      throw inFile(f, err);
    }
  }
  return keys;
}

/** Parses every SealedSecret document in the input. */
export function sealedDocuments(bytes: Uint8Array, where: string): SealedSecret[] {
  try {
    const docs = parseDocuments(bytes).map((d, i) => toSealedSecret(d, i));
    if (docs.length === 0) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", "the input holds no SealedSecret");
    return docs;
  } catch (err) {
    throw inFile(where, err);
  }
}

// --- The controller, reached through the Kubernetes API's service proxy (as kubeseal does) ---

interface Controller {
  get(path: string): Promise<{ status: number; body: string }>;
  post(path: string, json: unknown): Promise<{ status: number; body: string }>;
}

const maxControllerResponse = 1 << 20;

async function controllerProxy(flags: SealedFlags): Promise<Controller> {
  const { loadKubeConfig, KubeClient } = await import("@hush/kube/client");
  const conn = loadKubeConfig(flags.kubeconfig ? { kubeconfigPath: flags.kubeconfig } : {});
  const ns = encodeURIComponent(flags.controllerNamespace);
  const name = encodeURIComponent(flags.controllerName);
  // kubeseal proxies to the Service's first port, by name.
  const svc = await new KubeClient(conn)
    .request<{ spec?: { ports?: { name?: string; port?: number }[] } }>("GET", `/api/v1/namespaces/${ns}/services/${name}`)
    .catch((cause: unknown) => {
      throw new HushError("HUSH_ERR_SEALED_CONTROLLER", `cannot get the controller's Service ${flags.controllerNamespace}/${flags.controllerName}`, { cause });
    });
  const port = svc.spec?.ports?.[0];
  const portName = port?.name ?? (port?.port !== undefined ? String(port.port) : "");
  const base = new URL(`/api/v1/namespaces/${ns}/services/http:${name}:${encodeURIComponent(portName)}/proxy`, conn.server);
  const send = async (method: string, path: string, body?: string): Promise<{ status: number; body: string }> => {
    const headers = await conn.headers();
    const url = new URL(base.pathname + path, base);
    const tls = { ...(conn.ca ? { ca: conn.ca } : {}), ...(conn.cert ? { cert: conn.cert } : {}), ...(conn.key ? { key: conn.key } : {}), ...(conn.insecure ? { rejectUnauthorized: false } : {}), ...(conn.servername ? { servername: conn.servername } : {}) };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, ...tls, headers: { ...headers, accept: "application/x-pem-file, application/json, */*", ...(body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}) }, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > maxControllerResponse) req.destroy(new Error("response too large"));
          else chunks.push(c);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", (cause) => reject(new HushError("HUSH_ERR_SEALED_CONTROLLER", `${method} ${path} through the API server's service proxy failed`, { cause })));
      req.end(body);
    });
  };
  return { get: (p) => send("GET", p), post: (p, json) => send("POST", p, JSON.stringify(json)) };
}

function controllerError(what: string, status: number): HushError {
  // The proxied body may quote the submitted object; report only the status.
  return new HushError("HUSH_ERR_SEALED_CONTROLLER", `${what}: the controller answered HTTP ${status}`);
}

/** The certificate PEM: `--cert` (file, http(s):// or file:// URL), else fetched from the controller. */
export async function fetchCertificate(flags: SealedFlags): Promise<Uint8Array> {
  const cert = flags.cert;
  if (cert === undefined) {
    const res = await (await controllerProxy(flags)).get("/v1/cert.pem");
    if (res.status !== 200) throw controllerError("fetching the certificate", res.status);
    return new Uint8Array(Buffer.from(res.body));
  }
  if (/^https?:\/\//i.test(cert)) {
    let res: Response;
    try {
      res = await fetch(cert, { signal: AbortSignal.timeout(30_000), redirect: "follow" });
    } catch (cause) {
      throw new HushError("HUSH_ERR_SEALED_INVALID_CERT", `cannot fetch the certificate from ${new URL(cert).origin}`, { cause });
    }
    if (!res.ok) throw new HushError("HUSH_ERR_SEALED_INVALID_CERT", `cannot fetch the certificate from ${new URL(cert).origin}: HTTP ${res.status}`);
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.length > maxControllerResponse) throw new HushError("HUSH_ERR_SEALED_INVALID_CERT", "the certificate response is too large");
    return body;
  }
  const path = /^file:\/\//i.test(cert) ? decodeURIComponent(new URL(cert).pathname) : cert;
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new HushError("HUSH_ERR_SEALED_INVALID_CERT", `${path}: cannot read the certificate (${(cause as NodeJS.ErrnoException).code ?? "error"})`, { cause });
  }
}

async function sealingKey(flags: SealedFlags) {
  return parseSealingCert(await fetchCertificate(flags), new Date());
}

/**
 * The namespace of the kubeconfig's current context ("default" when it names none), as kubeseal
 * falls back to for a Secret without one; `undefined` without a kubeconfig.
 */
async function contextNamespace(flags: SealedFlags): Promise<string | undefined> {
  const env = process.env;
  const candidates = flags.kubeconfig ? [flags.kubeconfig] : env["KUBECONFIG"] ? env["KUBECONFIG"].split(delimiter).filter(Boolean) : [join(env["HOME"] ?? homedir(), ".kube", "config")];
  for (const path of candidates) {
    let doc: unknown;
    try {
      doc = parseYaml(await readFile(path, "utf8"));
    } catch {
      continue;
    }
    const d = (doc ?? {}) as { "current-context"?: unknown; contexts?: { name?: unknown; context?: { namespace?: unknown } }[] };
    const ctx = Array.isArray(d.contexts) ? d.contexts.find((c) => c?.name === d["current-context"])?.context : undefined;
    return typeof ctx?.namespace === "string" && ctx.namespace !== "" ? ctx.namespace : "default";
  }
  return undefined;
}

function scopeFlag(flags: SealedFlags): SealingScope | undefined {
  if (flags.scope === undefined || flags.scope === "") return undefined;
  if (!(sealingScopes as readonly string[]).includes(flags.scope)) throw new HushError("HUSH_ERR_CLI_USAGE", `--scope must be one of: ${sealingScopes.join(", ")}`);
  return flags.scope as SealingScope;
}

/**
 * The Secrets to seal: a plain Secret manifest, or a SOPS-encrypted one decrypted in memory
 * with the keys the environment offers (as `hush decrypt` would), never written anywhere.
 */
export async function secretsFromInput(bytes: Uint8Array, where: string, flags: SealedFlags): Promise<SecretManifest[]> {
  try {
    let docs = parseDocuments(bytes);
    if (docs.length === 1 && isSopsEncrypted(docs[0])) {
      const format: Format = detectFormat(bytes);
      const env = process.env;
      const loaded = await loadSopsConfig(flags.config, process.cwd(), env);
      const plain = await decryptFile(bytes, { format, outputFormat: format, providers: keyProvidersFor(env), store: storeOptions({}, format, loaded?.config) });
      docs = parseDocuments(plain);
      plain.fill(0);
    }
    const secrets = docs.map((d, i) => toSecret(d, i));
    if (secrets.length === 0) throw new HushError("HUSH_ERR_SEALED_INVALID_INPUT", "the input holds no Secret");
    return secrets;
  } catch (err) {
    throw inFile(where, err);
  }
}

async function runSeal(file: string | undefined, flags: SealedFlags & { rotate?: boolean }, io: CliIo): Promise<void> {
  if (flags.rotate) flags = { ...flags, reEncrypt: true };
  if (flags.fromFile?.length && !flags.raw) throw new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", "--from-file requires --raw");
  const modes = [flags.raw && "--raw", flags.mergeInto && "--merge-into", flags.validate && "--validate", flags.reEncrypt && "--re-encrypt", flags.fetchCert && "--fetch-cert", flags.recoveryUnseal && "--recovery-unseal"].filter(Boolean);
  if (modes.length > 1) throw new HushError("HUSH_ERR_CLI_CONFLICTING_PARAMETERS", `${modes.join(" and ")} cannot be combined`);
  const scope = scopeFlag(flags);

  if (flags.recoveryUnseal) {
    const { runUnseal } = await import("./unseal.js");
    return runUnseal(file, { ...flags }, io);
  }

  if (flags.fetchCert) {
    const pem = await fetchCertificate(flags);
    parseSealingCert(pem, new Date());
    return emit(pem, flags, io, false);
  }

  if (flags.validate) {
    const { bytes, where } = await readSource(file, flags);
    const list = sealedDocuments(bytes, where);
    if (flags.recoveryPrivateKey?.length) {
      const keys = await readPrivateKeys(flags);
      for (const ss of list) {
        if (!validateSealedSecret(ss, keys)) throw new HushError("HUSH_ERR_SEALED_DECRYPT", `unable to decrypt SealedSecret ${ss.metadata.name ?? ""} with the given keys`);
      }
    } else {
      const controller = await controllerProxy(flags);
      for (const ss of list) {
        const res = await controller.post("/v1/verify", ss);
        if (res.status === 409) throw new HushError("HUSH_ERR_SEALED_DECRYPT", `the controller cannot decrypt SealedSecret ${ss.metadata.name ?? ""}`);
        if (res.status !== 200) throw controllerError("validating", res.status);
      }
    }
    io.stderr.write(`hush: ${list.length} SealedSecret${list.length === 1 ? "" : "s"} valid\n`);
    return;
  }

  if (flags.reEncrypt) {
    const { bytes, where } = await readSource(file, flags);
    // As kubeseal: with only an input file, re-encrypt it in place.
    const out: SealedFlags = { ...flags, ...(flags.sealedSecretFile === undefined && flags.secretFile ? { sealedSecretFile: flags.secretFile } : {}) };
    const list = sealedDocuments(bytes, where);
    const result: SealedSecret[] = [];
    if (flags.recoveryPrivateKey?.length) {
      const keys = await readPrivateKeys(flags);
      if (flags.cert === undefined) throw new HushError("HUSH_ERR_CLI_USAGE", "re-encrypting with --recovery-private-key needs --cert (the new certificate)");
      const cert = await sealingKey(flags);
      for (const ss of list) result.push(reencryptSealedSecret(ss, keys, cert.publicKey, osRandom));
    } else {
      const controller = await controllerProxy(flags);
      for (const ss of list) {
        const res = await controller.post("/v1/rotate", ss);
        if (res.status === 409) throw new HushError("HUSH_ERR_SEALED_DECRYPT", `the controller cannot decrypt SealedSecret ${ss.metadata.name ?? ""}`);
        if (res.status !== 200) throw controllerError("re-encrypting", res.status);
        let doc: unknown;
        try {
          doc = JSON.parse(res.body);
        } catch {
          throw new HushError("HUSH_ERR_SEALED_CONTROLLER", "the controller's re-encrypted SealedSecret is not JSON");
        }
        // The controller marshals the object without its TypeMeta (kubeseal's codec adds it back).
        const again = toSealedSecret(isRecord(doc) ? { kind: "SealedSecret", apiVersion: sealedSecretApiVersion, ...doc } : doc);
        delete again.metadata["creationTimestamp"];
        result.push(again);
      }
    }
    return emit(renderSealedSecrets(result, outputFormat(out, bytes)), out, io, false);
  }

  const cert = await sealingKey(flags);

  if (flags.raw) {
    const resolved = scope ?? "strict";
    let value: Uint8Array;
    if (flags.fromFile?.length) {
      if (flags.fromFile.length > 1) throw new HushError("HUSH_ERR_CLI_USAGE", "give only one --from-file with --raw");
      const spec = flags.fromFile[0]!;
      const eq = spec.indexOf("=");
      value = await readInput(eq >= 0 ? spec.slice(eq + 1) : spec);
    } else {
      value = await readInput(undefined);
    }
    const namespace = flags.namespace ?? (resolved === "cluster-wide" ? undefined : await contextNamespace(flags));
    const sealed = sealRaw(value, { publicKey: cert.publicKey, random: osRandom, scope: resolved, ...(flags.name ? { name: flags.name } : {}), ...(namespace ? { namespace } : {}) });
    value.fill(0);
    return emit(new Uint8Array(Buffer.from(sealed)), flags, io, false);
  }

  const { bytes, where } = await readSource(file, flags);
  const secrets = await secretsFromInput(bytes, where, flags);
  const fallbackNamespace = flags.namespace ?? (secrets.some((s) => !s.metadata.namespace) ? await contextNamespace(flags) : undefined);
  const common = { publicKey: cert.publicKey, random: osRandom, ...(scope ? { scope } : {}), ...(flags.allowEmptyData ? { allowEmptyData: true } : {}), ...(fallbackNamespace ? { defaultNamespace: fallbackNamespace } : {}) };

  if (flags.mergeInto) {
    const target = flags.mergeInto;
    const existingBytes = await readInput(target);
    const [existing] = sealedDocuments(existingBytes, target);
    const merged = mergeInto(existing!, secrets, common);
    // The merged file keeps its own format unless -o says otherwise (kubeseal would switch it to JSON).
    const format = flags.format ? outputFormat(flags, existingBytes) : detectFormat(existingBytes);
    await writeAtomic(target, renderSealedSecrets([merged], format), 0o644);
    return;
  }

  const sealed = secrets.map((s) => sealSecret(s, { ...common, ...(flags.name ? { name: flags.name } : {}) }));
  return emit(renderSealedSecrets(sealed, outputFormat(flags, bytes)), flags, io, false);
}

/** Registers `hush seal`. */
export function register(program: Command, io: CliIo): void {
  const cmd = program
    .command("seal")
    .description("seal a Secret (or a SOPS-encrypted Secret) into a SealedSecret for the sealed-secrets controller, as kubeseal does")
    .argument("[file]", "the Secret manifest, YAML or JSON, plain or SOPS-encrypted (stdin when omitted)")
    .addOption(new Option("--cert <file|url>", "the controller's certificate (file, http(s):// or file:// URL); default: fetched from the controller through the Kubernetes API").env("SEALED_SECRETS_CERT"))
    .addOption(new Option("--scope <scope>", "strict (default), namespace-wide or cluster-wide; without it the Secret's sealedsecrets.bitnami.com/* annotations decide").env("SEALED_SECRETS_SCOPE"))
    .option("--name <name>", "name of the SealedSecret (replaces the Secret's; needed with --raw in the strict scope)")
    .option("-n, --namespace <ns>", "namespace for a Secret that declares none, and for --raw (default: the kubeconfig context's)")
    .option("--raw", "seal one value (from stdin or --from-file) and print its ciphertext for spec.encryptedData")
    .option("--from-file <[key=]file>", "with --raw: read the value from this file", collect)
    .option("--merge-into <file>", "seal the Secret's values into this existing SealedSecret file, updating it in place (atomically)")
    .option("--allow-empty-data", "allow a Secret without data")
    .option("--fetch-cert", "print the controller's certificate (to use later with --cert)")
    .option("--validate", "check that a SealedSecret can be decrypted (by the controller, or locally with --recovery-private-key)")
    .option("--re-encrypt", "re-encrypt a SealedSecret to the newest key (by the controller, or locally with --recovery-private-key and --cert)")
    .option("--recovery-unseal", "decrypt a SealedSecret with --recovery-private-key (same as `hush unseal`)")
    .option("--config <file>", "path to .sops.yaml (for a SOPS-encrypted input)")
    .addOption(new Option("--rotate", "deprecated kubeseal spelling of --re-encrypt").hideHelp());
  addIoFlags(cmd);
  addControllerFlags(cmd);
  cmd.action((file: string | undefined, flags: SealedFlags) => runSeal(file, flags, io));
}
