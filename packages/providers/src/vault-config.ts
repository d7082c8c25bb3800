import { isRoleArn } from "./aws-config.js";
import { providerError } from "./provider-error.js";
import {
  asObject,
  optionalObject,
  optionalSecretRef,
  optionalServiceAccountRef,
  optionalString,
  optionalStrings,
  requiredSecretRef,
  requiredString,
  type SecretKeySelector,
  type ServiceAccountSelector,
} from "./spec.js";

/** How the Vault provider authenticates. */
export type VaultAuth =
  | { kind: "token"; tokenSecretRef: SecretKeySelector }
  | { kind: "appRole"; path: string; roleId?: string; roleRef?: SecretKeySelector; secretRef: SecretKeySelector }
  | {
      kind: "jwt";
      path: string;
      role?: string;
      secretRef?: SecretKeySelector;
      serviceAccountRef?: ServiceAccountSelector;
      audiences: string[];
    }
  | VaultPasswordAuth
  /** TLS certificate login (`auth/cert/login`, as ESO): the client certificate is the credential. */
  | { kind: "cert"; clientCert: SecretKeySelector; secretRef: SecretKeySelector }
  | VaultIamAuth
  | {
      kind: "kubernetes";
      mountPath: string;
      role: string;
      /** Neither set: the controller's own ServiceAccount token (ambient, as ESO). */
      serviceAccountRef?: ServiceAccountSelector;
      secretRef?: SecretKeySelector;
    };

/**
 * A username and a password from a Secret, as Vault's userpass and ldap methods both take them:
 * `POST auth/<path>/login/<username>` with `{"password": ...}` (ESO `auth.userPass`, `auth.ldap`).
 */
export type VaultPasswordAuth = PasswordAuthOf<"userPass"> | PasswordAuthOf<"ldap">;

/** The fields of {@link VaultPasswordAuth}, one member per method so `kind` narrows. */
export interface PasswordAuthOf<K extends "userPass" | "ldap"> {
  kind: K;
  /** Mount path of the auth method (default `userpass` or `ldap`). */
  path: string;
  /** Trimmed, as ESO does. */
  username: string;
  secretRef: SecretKeySelector;
}

/**
 * AWS IAM login (`auth/<path>/login` of Vault's `aws` method): a signed STS GetCallerIdentity.
 * The keys come from `secretRef`, from `jwt.serviceAccountRef` (IRSA), or, with neither, from
 * the controller's own identity (ambient rules apply); `role` is assumed on top.
 */
export interface VaultIamAuth {
  kind: "iam";
  /** Mount path of the aws auth method (default `aws`). */
  path: string;
  /** Region the STS request is signed for (default `us-east-1`, as ESO). */
  region: string;
  /** AWS role to assume before signing. */
  role?: string;
  externalID?: string;
  /** The Vault role to log in as. */
  vaultRole?: string;
  /** Value of the `X-Vault-AWS-IAM-Server-ID` header. */
  serverId?: string;
  secretRef?: { accessKeyId: SecretKeySelector; secretAccessKey: SecretKeySelector; sessionToken?: SecretKeySelector };
  serviceAccountRef?: ServiceAccountSelector;
}

/** ESO's `caProvider`: a CA bundle in a Secret or a ConfigMap. */
export interface VaultCaProvider {
  type: "Secret" | "ConfigMap";
  name: string;
  key: string;
  /** ClusterSecretStore only (and required there, as ESO). */
  namespace?: string;
}

/** A parsed `spec.provider.vault` block. */
export interface VaultConfig {
  server: string;
  /** The KV mount (`secret`); unset: the first segment of each key. */
  path?: string;
  version: "v1" | "v2";
  namespace?: string;
  /** Namespace for the login call when it differs from `namespace`. */
  authNamespace?: string;
  /** PEM CA bundle given inline (ESO `caBundle`, base64 in YAML, or PEM text). */
  caBundle?: string;
  /** CA bundle from a Secret or ConfigMap (ESO `caProvider`), read again when it may have rotated. */
  caProvider?: VaultCaProvider;
  /** Client certificate for mutual TLS (ESO `tls`); keys default to `tls.crt`/`tls.key`. */
  clientTls?: { certSecretRef: SecretKeySelector; keySecretRef: SecretKeySelector };
  headers: Record<string, string>;
  auth: VaultAuth;
}

const FIELD = "spec.provider.vault";

/**
 * Parses ESO's `spec.provider.vault`: token, appRole, kubernetes (with a ref or the controller's own token), jwt, userPass, ldap, cert and iam auth; CA from `caBundle` or a Secret/ConfigMap; `tls` client certificates.
 *
 * @throws `HUSH_ERR_PROVIDERS_INVALID_CONFIG` naming the offending field.
 */
export function parseVaultConfig(spec: unknown): VaultConfig {
  const obj = asObject(spec, FIELD);
  const server = requiredString(obj, "server", FIELD);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw providerError("invalid-config", `${FIELD}.server must be an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw providerError("invalid-config", `${FIELD}.server must be an http(s) URL`);
  }
  const version = optionalString(obj, "version", FIELD) ?? "v2";
  if (version !== "v1" && version !== "v2") throw providerError("invalid-config", `${FIELD}.version must be v1 or v2`);
  const path = optionalString(obj, "path", FIELD);
  const namespace = optionalString(obj, "namespace", FIELD);

  let caBundle: string | undefined;
  const rawCa = optionalString(obj, "caBundle", FIELD);
  if (rawCa !== undefined) {
    caBundle = rawCa.includes("-----BEGIN") ? rawCa : Buffer.from(rawCa, "base64").toString("utf8");
    if (!caBundle.includes("-----BEGIN CERTIFICATE-----")) {
      throw providerError("invalid-config", `${FIELD}.caBundle must be a PEM certificate bundle (base64 or PEM)`);
    }
  }
  let caProvider: VaultCaProvider | undefined;
  const cp = optionalObject(obj, "caProvider", FIELD);
  if (cp) {
    const type = requiredString(cp, "type", `${FIELD}.caProvider`);
    if (type !== "Secret" && type !== "ConfigMap") throw providerError("invalid-config", `${FIELD}.caProvider.type must be Secret or ConfigMap`);
    const ns = optionalString(cp, "namespace", `${FIELD}.caProvider`);
    caProvider = {
      type,
      name: requiredString(cp, "name", `${FIELD}.caProvider`),
      key: requiredString(cp, "key", `${FIELD}.caProvider`),
      ...(ns ? { namespace: ns } : {}),
    };
  }
  let clientTls: VaultConfig["clientTls"];
  const tls = optionalObject(obj, "tls", FIELD);
  if (tls) {
    // ESO uses the pair only when both refs are set and refuses one without the other.
    const f = `${FIELD}.tls`;
    const cert = defaultedKeyRef(tls, "certSecretRef", "tls.crt", f);
    const key = defaultedKeyRef(tls, "keySecretRef", "tls.key", f);
    if (!cert !== !key) throw providerError("invalid-config", `${f} needs both certSecretRef and keySecretRef`);
    if (cert && key) clientTls = { certSecretRef: cert, keySecretRef: key };
  }

  const headers: Record<string, string> = {};
  const rawHeaders = optionalObject(obj, "headers", FIELD);
  for (const [k, v] of Object.entries(rawHeaders ?? {})) {
    if (typeof v !== "string" || !/^[A-Za-z0-9-]{1,64}$/.test(k) || /^x-vault-(token|namespace)$/i.test(k)) {
      throw providerError("invalid-config", `${FIELD}.headers must map header names to strings (not X-Vault-Token/Namespace)`);
    }
    headers[k] = v;
  }

  const authObj = asObject(obj["auth"], `${FIELD}.auth`);
  const authNamespace = optionalString(authObj, "namespace", `${FIELD}.auth`);
  const methods = ["tokenSecretRef", "appRole", "kubernetes", "ldap", "userPass", "jwt", "cert", "iam", "gcp"].filter(
    (m) => authObj[m] != null,
  );
  if (methods.length !== 1) {
    throw providerError("invalid-config", `${FIELD}.auth must set exactly one method (tokenSecretRef, appRole, kubernetes, jwt, userPass, ldap, cert, iam)`);
  }
  let auth: VaultAuth;
  const method = methods[0]!;
  if (method === "tokenSecretRef") {
    auth = { kind: "token", tokenSecretRef: requiredSecretRef(authObj, "tokenSecretRef", `${FIELD}.auth`) };
  } else if (method === "appRole") {
    const f = `${FIELD}.auth.appRole`;
    const a = asObject(authObj["appRole"], f);
    const roleId = optionalString(a, "roleId", f);
    const roleRef = optionalSecretRef(a, "roleRef", f);
    if (!roleId && !roleRef) throw providerError("invalid-config", `${f} needs roleId or roleRef`);
    auth = {
      kind: "appRole",
      path: optionalString(a, "path", f) ?? "approle",
      ...(roleId ? { roleId } : {}),
      ...(roleRef ? { roleRef } : {}),
      secretRef: requiredSecretRef(a, "secretRef", f),
    };
  } else if (method === "kubernetes") {
    const f = `${FIELD}.auth.kubernetes`;
    const k = asObject(authObj["kubernetes"], f);
    const serviceAccountRef = optionalServiceAccountRef(k, "serviceAccountRef", f);
    const secretRef = optionalSecretRef(k, "secretRef", f);
    // Neither ref: the controller's own ServiceAccount token, as ESO; the provider refuses it
    // for a namespaced store unless ambient credentials are allowed.
    auth = {
      kind: "kubernetes",
      mountPath: optionalString(k, "mountPath", f) ?? "kubernetes",
      role: requiredString(k, "role", f),
      ...(serviceAccountRef ? { serviceAccountRef } : {}),
      ...(secretRef ? { secretRef } : {}),
    };
  } else if (method === "jwt") {
    const f = `${FIELD}.auth.jwt`;
    const j = asObject(authObj["jwt"], f);
    const role = optionalString(j, "role", f);
    const secretRef = optionalSecretRef(j, "secretRef", f);
    const kst = optionalObject(j, "kubernetesServiceAccountToken", f);
    const serviceAccountRef = kst ? optionalServiceAccountRef(kst, "serviceAccountRef", `${f}.kubernetesServiceAccountToken`) : undefined;
    if (kst && !serviceAccountRef) throw providerError("invalid-config", `${f}.kubernetesServiceAccountToken.serviceAccountRef is required`);
    if (!secretRef === !serviceAccountRef) {
      throw providerError("invalid-config", `${f} needs exactly one of secretRef, kubernetesServiceAccountToken`);
    }
    const audiences = (kst ? optionalStrings(kst, "audiences", `${f}.kubernetesServiceAccountToken`) : undefined) ?? serviceAccountRef?.audiences ?? ["vault"];
    auth = {
      kind: "jwt",
      path: optionalString(j, "path", f) ?? "jwt",
      ...(role ? { role } : {}),
      ...(secretRef ? { secretRef } : {}),
      ...(serviceAccountRef ? { serviceAccountRef } : {}),
      audiences,
    };
  } else if (method === "userPass" || method === "ldap") {
    auth = parsePasswordAuth(authObj, method);
  } else if (method === "cert") {
    const f = `${FIELD}.auth.cert`;
    const c = asObject(authObj["cert"], f);
    auth = { kind: "cert", clientCert: requiredSecretRef(c, "clientCert", f), secretRef: requiredSecretRef(c, "secretRef", f) };
  } else if (method === "iam") {
    auth = parseIam(asObject(authObj["iam"], `${FIELD}.auth.iam`));
  } else {
    throw providerError("invalid-config", `${FIELD}.auth.${method} is not supported; use tokenSecretRef, appRole, kubernetes, jwt, userPass, ldap, cert or iam`);
  }
  for (const mount of [auth.kind === "kubernetes" ? auth.mountPath : auth.kind === "token" || auth.kind === "cert" ? "cert" : auth.path]) {
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(mount) || mount.split("/").some((s) => s === "." || s === "..")) throw providerError("invalid-config", `${FIELD}.auth: invalid mount path`);
  }
  return {
    server: server.replace(/\/+$/, ""),
    ...(path ? { path } : {}),
    version,
    ...(namespace ? { namespace } : {}),
    ...(authNamespace ? { authNamespace } : {}),
    ...(caBundle ? { caBundle } : {}),
    ...(caProvider ? { caProvider } : {}),
    ...(clientTls ? { clientTls } : {}),
    headers,
    auth,
  };
}

/** Default mount path of each password method, as ESO's CRD defaults. */
const PASSWORD_AUTH_PATH = { userPass: "userpass", ldap: "ldap" } as const;

/**
 * ESO's `auth.userPass` and `auth.ldap` (the same fields): the username is trimmed as ESO does,
 * then checked, since it becomes a path segment of the login call.
 */
function parsePasswordAuth(authObj: Record<string, unknown>, kind: VaultPasswordAuth["kind"]): VaultPasswordAuth {
  const f = `${FIELD}.auth.${kind}`;
  const obj = asObject(authObj[kind], f);
  const username = requiredString(obj, "username", f).trim();
  if (!validUsername(kind, username)) throw providerError("invalid-config", `${f}.username has unsupported characters`);
  return { kind, path: optionalString(obj, "path", f) ?? PASSWORD_AUTH_PATH[kind], username, secretRef: requiredSecretRef(obj, "secretRef", f) };
}

/**
 * userpass names are Vault's own (letters, digits, `_.@-`); LDAP names are the directory's
 * (spaces, commas, backslashes occur), so ldap takes any printable text but `/`. Neither may be
 * `.` or `..`, which the URL would resolve away from `login/`.
 */
function validUsername(kind: VaultPasswordAuth["kind"], username: string): boolean {
  if (username === "." || username === "..") return false;
  if (kind === "userPass") return /^[A-Za-z0-9_.@-]{1,128}$/.test(username);
  if (username.length === 0 || username.length > 256) return false;
  for (const ch of username) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || ch === "/") return false;
  }
  return true;
}

/** ESO's `auth.iam`; region, role ARN and the server ID header are checked before they reach a request. */
function parseIam(obj: Record<string, unknown>): VaultIamAuth {
  const f = `${FIELD}.auth.iam`;
  const region = optionalString(obj, "region", f) ?? "us-east-1";
  if (!/^[a-z0-9-]{1,40}$/.test(region)) throw providerError("invalid-config", `${f}.region is not a region name`);
  const role = optionalString(obj, "role", f);
  if (role !== undefined && !isRoleArn(role)) throw providerError("invalid-config", `${f}.role is not an IAM role ARN`);
  const externalID = optionalString(obj, "externalID", f);
  if (externalID !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalID)) throw providerError("invalid-config", `${f}.externalID has unsupported characters`);
  const vaultRole = optionalString(obj, "vaultRole", f);
  if (vaultRole !== undefined && !/^[A-Za-z0-9_.@-]{1,128}$/.test(vaultRole)) throw providerError("invalid-config", `${f}.vaultRole has unsupported characters`);
  const serverId = optionalString(obj, "vaultAwsIamServerID", f);
  // A header value: printable ASCII only, so it cannot split or smuggle headers.
  if (serverId !== undefined && !/^[\x21-\x7e]{1,256}$/.test(serverId)) throw providerError("invalid-config", `${f}.vaultAwsIamServerID must be printable ASCII without spaces (at most 256)`);
  const sr = optionalObject(obj, "secretRef", f);
  let secretRef: VaultIamAuth["secretRef"];
  if (sr) {
    const g = `${f}.secretRef`;
    const sessionToken = optionalSecretRef(sr, "sessionTokenSecretRef", g);
    secretRef = {
      accessKeyId: requiredSecretRef(sr, "accessKeyIDSecretRef", g),
      secretAccessKey: requiredSecretRef(sr, "secretAccessKeySecretRef", g),
      ...(sessionToken ? { sessionToken } : {}),
    };
  }
  const jwt = optionalObject(obj, "jwt", f);
  const serviceAccountRef = jwt ? optionalServiceAccountRef(jwt, "serviceAccountRef", `${f}.jwt`) : undefined;
  if (jwt && !serviceAccountRef) throw providerError("invalid-config", `${f}.jwt.serviceAccountRef is required`);
  return {
    kind: "iam",
    path: optionalString(obj, "path", f) ?? "aws",
    region,
    ...(role ? { role } : {}),
    ...(externalID ? { externalID } : {}),
    ...(vaultRole ? { vaultRole } : {}),
    ...(serverId ? { serverId } : {}),
    // ESO prefers the ServiceAccount when both are set.
    ...(serviceAccountRef ? { serviceAccountRef } : secretRef ? { secretRef } : {}),
  };
}

/** A `SecretKeySelector` whose `key` may be omitted (ESO then uses `fallbackKey`). */
function defaultedKeyRef(obj: Record<string, unknown>, name: string, fallbackKey: string, field: string): SecretKeySelector | undefined {
  const sel = optionalObject(obj, name, field);
  if (!sel) return undefined;
  const path = `${field}.${name}`;
  const ns = optionalString(sel, "namespace", path);
  return { name: requiredString(sel, "name", path), key: optionalString(sel, "key", path) ?? fallbackKey, ...(ns ? { namespace: ns } : {}) };
}
