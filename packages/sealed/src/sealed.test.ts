import { constants, createPrivateKey, privateDecrypt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isHushError } from "@hush/errors";
import {
  encryptionLabel,
  hybridDecrypt,
  hybridEncrypt,
  mergeInto,
  parseDocuments,
  parsePrivateKeys,
  parseSealingCert,
  reencryptSealedSecret,
  renderSealedSecrets,
  renderSecrets,
  sealRaw,
  sealSecret,
  toSealedSecret,
  toSecret,
  unsealSecret,
  validateSealedSecret,
  type SealedSecret,
} from "./index.js";
import { osRandom, seededRandom, testKeyPair } from "./keys.fixture.js";

const pair = testKeyPair();
const other = testKeyPair();
const now = new Date();
const cert = parseSealingCert(pair.certPem, now);
const keys = parsePrivateKeys(pair.keyPem);
const otherKeys = parsePrivateKeys(other.keyPem);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isHushError(err) ? err.code : `not a HushError: ${String(err)}`;
  }
  return undefined;
}

const secretYaml = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: prod
  labels: { app: db }
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"aHVudGVyMg=="}}'
    team: payments
  uid: 1234
  resourceVersion: "99"
  ownerReferences: [{ apiVersion: v1, kind: Foo, name: x, uid: y }]
type: kubernetes.io/basic-auth
data:
  password: aHVudGVyMg==
stringData:
  username: admin
`;
const secret = toSecret(parseDocuments(Buffer.from(secretYaml))[0]);

describe("hybrid encryption (the sealed-secrets wire format)", () => {
  it("is RSA-OAEP-SHA256 of a 32-byte session key behind a 2-byte length, then AES-GCM", () => {
    const label = Buffer.from("prod/db");
    const out = hybridEncrypt(cert.publicKey, Buffer.from("hunter2"), label, osRandom);
    const rsaLen = Buffer.from(out).readUInt16BE(0);
    expect(rsaLen).toBe(256);
    // Node's own OAEP decoder accepts hush's hand-rolled OAEP encoding with the same label.
    const sessionKey = privateDecrypt({ key: keys[0]!, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: label }, Buffer.from(out).subarray(2, 2 + rsaLen));
    expect(sessionKey.length).toBe(32);
    expect(out.length).toBe(2 + 256 + "hunter2".length + 16);
    expect(Buffer.from(hybridDecrypt(keys, out, label)!).toString()).toBe("hunter2");
  });

  it("is deterministic for a given random source and fresh otherwise", () => {
    const a = hybridEncrypt(cert.publicKey, Buffer.from("x"), Buffer.from(""), seededRandom("s"));
    const b = hybridEncrypt(cert.publicKey, Buffer.from("x"), Buffer.from(""), seededRandom("s"));
    const c = hybridEncrypt(cert.publicKey, Buffer.from("x"), Buffer.from(""), osRandom);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it("fails closed on another label, another key, a flipped byte or a truncated value", () => {
    const out = hybridEncrypt(cert.publicKey, Buffer.from("v"), Buffer.from("prod/db"), osRandom);
    expect(hybridDecrypt(keys, out, Buffer.from("prod/other"))).toBeUndefined();
    expect(hybridDecrypt(otherKeys, out, Buffer.from("prod/db"))).toBeUndefined();
    const flipped = Buffer.from(out);
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
    expect(hybridDecrypt(keys, flipped, Buffer.from("prod/db"))).toBeUndefined();
    expect(hybridDecrypt(keys, out.subarray(0, 10), Buffer.from("prod/db"))).toBeUndefined();
    expect(hybridDecrypt(keys, new Uint8Array(1), Buffer.from("prod/db"))).toBeUndefined();
    // Any key of several opens it (a controller keeps every key it ever made).
    expect(hybridDecrypt([...otherKeys, ...keys], out, Buffer.from("prod/db"))).toBeDefined();
  });
});

describe("sealSecret", () => {
  it("seals like kubeseal: template carries metadata and type, server fields and last-applied dropped", () => {
    const ss = sealSecret(secret, { publicKey: cert.publicKey, random: osRandom });
    expect(ss.metadata).toEqual({ name: "db", namespace: "prod" });
    expect(ss.spec.template.type).toBe("kubernetes.io/basic-auth");
    expect(ss.spec.template.metadata).toEqual({ name: "db", namespace: "prod", labels: { app: "db" }, annotations: { team: "payments" } });
    expect(Object.keys(ss.spec.encryptedData).sort()).toEqual(["password", "username"]);
    const rendered = Buffer.from(renderSealedSecrets([ss], "yaml")).toString();
    expect(rendered).not.toContain("hunter2");
    expect(rendered).not.toContain("aHVudGVyMg");
  });

  it.each([
    ["strict", "prod/db", undefined],
    ["namespace-wide", "prod", "sealedsecrets.bitnami.com/namespace-wide"],
    ["cluster-wide", "", "sealedsecrets.bitnami.com/cluster-wide"],
  ] as const)("binds %s values to the label %j and writes its annotation", (scope, label, annotation) => {
    const ss = sealSecret(secret, { publicKey: cert.publicKey, random: osRandom, scope });
    expect(Buffer.from(encryptionLabel("prod", "db", scope)).toString()).toBe(label);
    const value = Buffer.from(ss.spec.encryptedData["password"]!, "base64");
    expect(Buffer.from(hybridDecrypt(keys, value, Buffer.from(label))!).toString()).toBe("hunter2");
    if (annotation) {
      expect(ss.metadata.annotations).toEqual({ [annotation]: "true" });
      expect(ss.spec.template.metadata.annotations?.[annotation]).toBe("true");
    } else {
      expect(ss.metadata.annotations).toBeUndefined();
    }
  });

  it("takes the scope from the Secret's annotations when --scope is not given", () => {
    const s = toSecret({ metadata: { name: "a", annotations: { "sealedsecrets.bitnami.com/cluster-wide": "true" } }, stringData: { k: "v" } });
    const ss = sealSecret(s, { publicKey: cert.publicKey, random: osRandom });
    expect(ss.metadata).toEqual({ name: "a", annotations: { "sealedsecrets.bitnami.com/cluster-wide": "true" } });
  });

  it("refuses an empty Secret, a nameless one, and a namespaceless one in a namespaced scope", () => {
    expect(codeOf(() => sealSecret(toSecret({ metadata: { name: "a", namespace: "n" } }), { publicKey: cert.publicKey, random: osRandom }))).toBe("HUSH_ERR_SEALED_EMPTY_DATA");
    expect(sealSecret(toSecret({ metadata: { name: "a", namespace: "n" } }), { publicKey: cert.publicKey, random: osRandom, allowEmptyData: true }).spec.encryptedData).toEqual({});
    expect(codeOf(() => sealSecret(toSecret({ metadata: { namespace: "n" }, stringData: { a: "b" } }), { publicKey: cert.publicKey, random: osRandom }))).toBe("HUSH_ERR_SEALED_MISSING_NAME");
    expect(codeOf(() => sealSecret(toSecret({ metadata: { name: "a" }, stringData: { a: "b" } }), { publicKey: cert.publicKey, random: osRandom, scope: "namespace-wide" }))).toBe("HUSH_ERR_SEALED_MISSING_NAMESPACE");
    const ss = sealSecret(toSecret({ metadata: { name: "a" }, stringData: { a: "b" } }), { publicKey: cert.publicKey, random: osRandom, defaultNamespace: "ctx" });
    expect(ss.metadata.namespace).toBe("ctx");
  });

  it("rejects malformed input with a code and without echoing values", () => {
    expect(codeOf(() => toSecret({ kind: "ConfigMap", metadata: {} }))).toBe("HUSH_ERR_SEALED_INVALID_INPUT");
    expect(codeOf(() => toSecret({ metadata: { name: "a" }, data: { k: "not base64!" } }))).toBe("HUSH_ERR_SEALED_INVALID_INPUT");
    expect(codeOf(() => toSecret({ kind: "SealedSecret" }))).toBe("HUSH_ERR_SEALED_INVALID_INPUT");
    expect(codeOf(() => parseDocuments(Buffer.from("a: [unclosed\nsecret: s3cr3t-value")))).toBe("HUSH_ERR_SEALED_INVALID_INPUT");
    try {
      toSecret({ metadata: { name: "a" }, data: { k: "s3cr3t-value" } });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain("s3cr3t");
    }
  });
});

describe("unsealSecret, validate and re-encrypt", () => {
  it.each(["strict", "namespace-wide", "cluster-wide"] as const)("round-trips %s data byte for byte", (scope) => {
    const binary = Buffer.from([0, 255, 1, 254, 10, 13]).toString("base64");
    const s = toSecret({ metadata: { name: "bin", namespace: "ns" }, type: "Opaque", data: { blob: binary, empty: "" } });
    const ss = sealSecret(s, { publicKey: cert.publicKey, random: osRandom, scope });
    const back = unsealSecret(toSealedSecret(parseDocuments(renderSealedSecrets([ss], "json"))[0]), keys);
    expect(back.data).toEqual({ blob: binary, empty: "" });
    expect(back.metadata.name).toBe("bin");
    expect(back.type).toBe("Opaque");
  });

  it("refuses a strict value moved to another name or namespace, and a namespace-wide one moved across namespaces", () => {
    const strict = sealSecret(secret, { publicKey: cert.publicKey, random: osRandom });
    const renamed: SealedSecret = { ...strict, metadata: { ...strict.metadata, name: "db2" } };
    expect(codeOf(() => unsealSecret(renamed, keys))).toBe("HUSH_ERR_SEALED_DECRYPT");
    const nsWide = sealSecret(secret, { publicKey: cert.publicKey, random: osRandom, scope: "namespace-wide" });
    expect(unsealSecret({ ...nsWide, metadata: { ...nsWide.metadata, name: "db2" } }, keys).metadata.name).toBe("db2");
    expect(codeOf(() => unsealSecret({ ...nsWide, metadata: { ...nsWide.metadata, namespace: "dev" } }, keys))).toBe("HUSH_ERR_SEALED_DECRYPT");
    // Dropping the scope annotation changes the label too.
    expect(codeOf(() => unsealSecret({ ...nsWide, metadata: { name: "db", namespace: "prod" } }, keys))).toBe("HUSH_ERR_SEALED_DECRYPT");
  });

  it("names the keys that fail, never their values, and rejects the wrong private key", () => {
    const ss = sealSecret(secret, { publicKey: cert.publicKey, random: osRandom });
    const tampered = structuredClone(ss);
    const raw = Buffer.from(tampered.spec.encryptedData["password"]!, "base64");
    raw[raw.length - 20] = raw[raw.length - 20]! ^ 0x80;
    tampered.spec.encryptedData["password"] = raw.toString("base64");
    let message = "";
    try {
      unsealSecret(tampered, keys);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('no key could decrypt "password" of SealedSecret prod/db');
    expect(validateSealedSecret(ss, keys)).toBe(true);
    expect(validateSealedSecret(ss, otherKeys)).toBe(false);
    expect(validateSealedSecret(tampered, keys)).toBe(false);
  });

  it("re-encrypts to a new certificate keeping metadata and scope", () => {
    const ss = sealSecret(secret, { publicKey: cert.publicKey, random: osRandom, scope: "namespace-wide" });
    const otherCert = parseSealingCert(other.certPem, now);
    const again = reencryptSealedSecret(ss, keys, otherCert.publicKey, osRandom);
    expect(again.metadata).toEqual(ss.metadata);
    expect(again.spec.template.metadata).toEqual(ss.spec.template.metadata);
    expect(validateSealedSecret(again, keys)).toBe(false);
    expect(unsealSecret(again, otherKeys).data).toEqual(unsealSecret(ss, keys).data);
  });

  it("reads the deprecated v1 format (one ciphertext of the whole Secret in spec.data)", () => {
    const inner = { apiVersion: "v1", kind: "Secret", metadata: { name: "old", namespace: "prod", labels: { v: "1" } }, type: "Opaque", data: { password: "aHVudGVyMg==" } };
    const blob = hybridEncrypt(cert.publicKey, Buffer.from(JSON.stringify(inner)), encryptionLabel("prod", "old", "strict"), osRandom);
    const v1 = toSealedSecret({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "old", namespace: "prod" }, spec: { data: Buffer.from(blob).toString("base64") } });
    const out = unsealSecret(v1, keys);
    expect(out.data).toEqual({ password: "aHVudGVyMg==" });
    expect(out.metadata).toEqual({ name: "old", namespace: "prod", labels: { v: "1" } });
    expect(codeOf(() => unsealSecret({ ...v1, metadata: { name: "old", namespace: "dev" } }, keys))).toBe("HUSH_ERR_SEALED_DECRYPT");
  });

  it("copies literal template data and renders Go templates (text/template + Sprig)", () => {
    const ss = sealSecret(secret, { publicKey: cert.publicKey, random: osRandom });
    const literal = structuredClone(ss);
    literal.spec.template.data = { "config.ini": "[db]\nhost=x\n" };
    expect(Buffer.from(unsealSecret(literal, keys).data!["config.ini"]!, "base64").toString()).toBe("[db]\nhost=x\n");
    literal.spec.template.data = {
      url: "postgres://{{ .username }}",
      cfg: '{{- range $k, $v := . }}{{ $k | upper }}={{ if eq $k "password" }}{{ $v | b64enc }}{{ else }}{{ $v }}{{ end }}\n{{ end -}}',
    };
    const rendered = unsealSecret(literal, keys).data!;
    expect(Buffer.from(rendered["url"]!, "base64").toString()).toBe("postgres://admin");
    expect(Buffer.from(rendered["cfg"]!, "base64").toString()).toBe(`PASSWORD=${Buffer.from("hunter2").toString("base64")}\nUSERNAME=admin\n`);
    // A broken template fails naming the key, never echoing a value.
    literal.spec.template.data = { bad: "{{ .password | fromJson | toJson }}{{ fail .password }}" };
    expect(codeOf(() => unsealSecret(literal, keys))).toBe("HUSH_ERR_SEALED_INVALID_INPUT");
    expect(() => unsealSecret(literal, keys)).toThrowError(expect.objectContaining({ message: expect.not.stringContaining("hunter2") }));
    expect(() => unsealSecret(literal, keys)).toThrowError(/spec\.template\.data\.bad/);
    // A hostile template is bounded.
    literal.spec.template.data = { boom: `{{ "aaaaaaaaaa"${' | replace "a" "aaaaaaaaaa"'.repeat(12)} }}` };
    expect(codeOf(() => unsealSecret(literal, keys))).toBe("HUSH_ERR_SEALED_INVALID_INPUT");
    literal.spec.template.data = { url: "postgres://{{ .username }}" };
    // An injected renderer still wins; templates see the decrypted values as text.
    const seen: Record<string, string>[] = [];
    const out = unsealSecret(literal, keys, { renderTemplate: (src, data, where) => (seen.push({ ...data }), `${where}|${src.replace("{{ .username }}", data["username"]!)}`) });
    expect(Buffer.from(out.data!["url"]!, "base64").toString()).toBe("spec.template.data.url|postgres://admin");
    expect(seen[0]).toEqual({ password: "hunter2", username: "admin" });
  });
});

describe("raw, merge-into, keys and certificates", () => {
  it("seals a raw value for each scope, and insists on name/namespace as kubeseal does", () => {
    const v = sealRaw(Buffer.from("raw!"), { publicKey: cert.publicKey, random: osRandom, scope: "strict", name: "n", namespace: "ns" });
    expect(Buffer.from(hybridDecrypt(keys, Buffer.from(v, "base64"), Buffer.from("ns/n"))!).toString()).toBe("raw!");
    const c = sealRaw(Buffer.from("raw!"), { publicKey: cert.publicKey, random: osRandom, scope: "cluster-wide" });
    expect(hybridDecrypt(keys, Buffer.from(c, "base64"), Buffer.from(""))).toBeDefined();
    expect(codeOf(() => sealRaw(Buffer.from("x"), { publicKey: cert.publicKey, random: osRandom, scope: "strict", namespace: "ns" }))).toBe("HUSH_ERR_SEALED_MISSING_NAME");
    expect(codeOf(() => sealRaw(Buffer.from("x"), { publicKey: cert.publicKey, random: osRandom, scope: "namespace-wide" }))).toBe("HUSH_ERR_SEALED_MISSING_NAMESPACE");
  });

  it("merges new values under the existing name/namespace and keeps the old ones", () => {
    const existing = sealSecret(secret, { publicKey: cert.publicKey, random: osRandom });
    const update = toSecret({ metadata: { name: "ignored", labels: { tier: "gold" } }, stringData: { token: "t0k", username: "root" } });
    const merged = mergeInto(existing, [update], { publicKey: cert.publicKey, random: osRandom });
    const data = unsealSecret(merged, keys).data!;
    expect(Buffer.from(data["password"]!, "base64").toString()).toBe("hunter2");
    expect(Buffer.from(data["username"]!, "base64").toString()).toBe("root");
    expect(Buffer.from(data["token"]!, "base64").toString()).toBe("t0k");
    expect(merged.spec.template.metadata.labels).toEqual({ app: "db", tier: "gold" });
    expect(codeOf(() => mergeInto(existing, [update], { publicKey: cert.publicKey, random: osRandom, scope: "cluster-wide" }))).toBe("HUSH_ERR_SEALED_INVALID_INPUT");
  });

  it("reads private keys from PEM, a key Secret backup and a v1.List, and refuses others", () => {
    const pkcs8 = createPrivateKey(Buffer.from(pair.keyPem)).export({ type: "pkcs8", format: "pem" }).toString();
    const pkcs1 = createPrivateKey(Buffer.from(pair.keyPem)).export({ type: "pkcs1", format: "pem" }).toString();
    expect(parsePrivateKeys(Buffer.from(pkcs8))).toHaveLength(1);
    expect(parsePrivateKeys(Buffer.from(pkcs1 + pkcs8))).toHaveLength(2);
    const keySecret = (pem: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "sealed-secrets-keyabc" }, type: "kubernetes.io/tls", data: { "tls.key": Buffer.from(pem).toString("base64"), "tls.crt": Buffer.from(pair.certPem).toString("base64") } });
    const list = { apiVersion: "v1", kind: "List", items: [keySecret(pkcs1), keySecret(Buffer.from(other.keyPem).toString())] };
    expect(parsePrivateKeys(Buffer.from(JSON.stringify(list)))).toHaveLength(2);
    expect(parsePrivateKeys(renderSecrets([toSecret(keySecret(pkcs1))], "yaml"))).toHaveLength(1);
    expect(codeOf(() => parsePrivateKeys(Buffer.from("kind: Secret\ndata: {}\n")))).toBe("HUSH_ERR_SEALED_INVALID_KEY");
    expect(codeOf(() => parsePrivateKeys(pair.certPem))).toBe("HUSH_ERR_SEALED_INVALID_KEY");
  });

  it("refuses an expired certificate, a non-certificate and a non-RSA certificate", () => {
    const later = new Date(now.getTime() + 400 * 24 * 3600 * 1000);
    expect(codeOf(() => parseSealingCert(pair.certPem, later))).toBe("HUSH_ERR_SEALED_EXPIRED_CERT");
    expect(codeOf(() => parseSealingCert(pair.keyPem, now))).toBe("HUSH_ERR_SEALED_INVALID_CERT");
    expect(codeOf(() => parseSealingCert(Buffer.from("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), now))).toBe("HUSH_ERR_SEALED_INVALID_CERT");
  });

  it("renders YAML as kubeseal does: a --- document with sorted keys and creationTimestamp null", () => {
    const ss = sealSecret(toSecret({ metadata: { name: "a", namespace: "b" }, stringData: { k: "v" } }), { publicKey: cert.publicKey, random: seededRandom("r") });
    const yaml = Buffer.from(renderSealedSecrets([ss], "yaml")).toString();
    const v = ss.spec.encryptedData["k"]!;
    expect(yaml).toBe(`---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  creationTimestamp: null\n  name: a\n  namespace: b\nspec:\n  encryptedData:\n    k: ${v}\n  template:\n    metadata:\n      creationTimestamp: null\n      name: a\n      namespace: b\n`);
    const json = JSON.parse(Buffer.from(renderSealedSecrets([ss], "json")).toString()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["kind", "apiVersion", "metadata", "spec"]);
  });
});
