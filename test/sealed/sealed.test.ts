import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { encryptionLabel, hybridEncrypt, parseSealingCert } from "@hush/sealed";
import { findBinary, requirePeer, startKube, waitFor, type KubeHarness } from "@hush/testkit";
import { crdPath, hush, keyLabel, makeExpiredCert, makeKeyPair, run, startController, type SealedController } from "./harness.js";

// Sealed Secrets interop: hush against the real sealed-secrets controller (v0.27.1, built from
// the Go module proxy) running against a real kube-apiserver, and the real kubeseal and sops.
const how = "run `bash scripts/peers kube sealed sops`";
const peers = ["etcd", "kube-apiserver", "kubectl", "kubeseal", "sealed-secrets-controller", "sops", "age-keygen"].map((n) => requirePeer(n, how));
if (peers.every((p) => p.ok) && !existsSync(crdPath)) {
  if (process.env["CI"] === "true") throw new Error(`required under CI=true: the SealedSecret CRD at ${crdPath}; ${how}`);
  process.stderr.write(`\n*** SKIPPING: the SealedSecret CRD is missing at ${crdPath}; ${how} ***\n\n`);
}
const ready = peers.every((p) => p.ok) && existsSync(crdPath);

type Obj = { metadata: { name: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] }; data?: Record<string, string>; type?: string; status?: { conditions?: { type: string; status: string; message?: string }[] } };

const secretData = {
  password: Buffer.from("hunter2").toString("base64"),
  // Binary and multi-line values must survive every hop byte for byte.
  blob: Buffer.from([0, 1, 2, 253, 254, 255, 10, 13, 0]).toString("base64"),
  "config.yaml": Buffer.from("a: 1\nb: [x, y]\n").toString("base64"),
};

function secretManifest(name: string, namespace: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace, labels: { app: "payments" } }, type: "Opaque", data: secretData, ...extra });
}

describe.skipIf(!ready)("Sealed Secrets against the real controller, kubeseal and sops", () => {
  let kube: KubeHarness;
  let ctl: SealedController;
  let dir: string;
  let ns: string;
  let otherNs: string;
  let keyBackup: string;
  let ageKeyFile: string;
  let ageRecipient: string;
  const kubeseal = findBinary("kubeseal") ?? "kubeseal";
  const sops = findBinary("sops") ?? "sops";

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const res = await kube.kubectl(args, input === undefined ? {} : { input });
    if (res.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${res.stderr.trim()}`);
    return res.stdout;
  };
  const getObj = async (kind: string, name: string, namespace: string): Promise<Obj | undefined> => {
    const res = await kube.kubectl(["get", kind, name, "-n", namespace, "-o", "json"]);
    return res.code === 0 ? (JSON.parse(res.stdout) as Obj) : undefined;
  };
  /** Polls until `probe` yields a value (waitFor itself resolves to nothing). */
  const poll = async <T,>(probe: () => Promise<T | undefined>, what: string): Promise<T> => {
    let value: T | undefined;
    await waitFor(async () => {
      ctl.proc.assertRunning();
      value = await probe();
      return value !== undefined;
    }, { timeoutMs: 30_000, what });
    return value as T;
  };
  const controllerSecret = (name: string, namespace: string): Promise<Obj> =>
    poll(() => getObj("secret", name, namespace), `the controller to create Secret ${namespace}/${name}`);
  const refusal = (name: string, namespace: string): Promise<string> =>
    poll(async () => {
      const ss = await getObj("sealedsecret", name, namespace);
      const c = ss?.status?.conditions?.find((x) => x.type === "Synced");
      return c?.status === "False" ? (c.message ?? "") : undefined;
    }, `the controller to refuse SealedSecret ${namespace}/${name}`);
  const ctlFlags = () => ["--kubeconfig", kube.kubeconfigPath, "--controller-namespace", ctl.namespace, "--controller-name", ctl.name];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hush-sealed-e2e-"));
    kube = await startKube();
    await kube.applyCrds([crdPath]);
    ctl = await startController(kube, dir);
    ns = await kube.createNamespace("sealed-app");
    otherNs = await kube.createNamespace("sealed-other");
    // A backup of the controller's keys, as its docs recommend taking: a v1.List of its key Secrets.
    keyBackup = join(dir, "sealed-secrets-keys.yaml");
    writeFileSync(keyBackup, await kubectl(["get", "secret", "-n", ctl.namespace, "-l", keyLabel, "-o", "yaml"]), { mode: 0o600 });
    ageKeyFile = join(dir, "age.key");
    const gen = await run(findBinary("age-keygen") ?? "age-keygen", ["-o", ageKeyFile]);
    expect(gen.code).toBe(0);
    ageRecipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(ageKeyFile, "utf8"))![1]!;
  });

  afterAll(async () => {
    await ctl?.stop();
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fetches the controller's certificate through the Kubernetes API service proxy, as kubeseal does", async () => {
    const res = await hush(["seal", "--fetch-cert", ...ctlFlags()]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(ctl.cert);
    const theirs = await run(kubeseal, ["--fetch-cert", ...ctlFlags()]);
    expect(theirs.stdout).toBe(res.stdout);
    // --cert also takes a URL, as kubeseal's does.
    const byUrl = await hush(["seal", "--fetch-cert", "--cert", `${ctl.url}/v1/cert.pem`]);
    expect(byUrl.stdout).toBe(ctl.cert);
  });

  it.each([
    // scope, where the SealedSecret is applied (name, namespace), how hush gets the certificate
    ["strict", "db", "app", "controller"],
    ["namespace-wide", "db-renamed", "app", "file"],
    ["cluster-wide", "db-moved", "other", "file"],
  ] as const)("a %s SealedSecret hush seals becomes the right Secret through the real controller", async (scope, name, where, certFrom) => {
    const target = where === "app" ? ns : otherNs;
    const input = secretManifest(`src-${scope}`, ns);
    const certArgs = certFrom === "controller" ? ctlFlags() : ["--cert", ctl.certPath];
    // strict binds to the name, so the Secret is sealed under its final name with --name.
    const nameArgs = scope === "strict" ? ["--name", name] : [];
    const sealed = await hush(["seal", "--scope", scope, "-o", "yaml", ...nameArgs, ...certArgs], { input });
    expect(sealed.stderr).toBe("");
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).not.toContain(secretData.password);
    const doc = parse(sealed.stdout) as { metadata: { name: string; namespace: string; annotations?: Record<string, string> }; spec: { template: { metadata: { labels: Record<string, string> } } } };
    expect(doc.spec.template.metadata.labels).toEqual({ app: "payments" });
    // Namespace-wide and cluster-wide values may move: rename (and for cluster-wide re-home) it.
    doc.metadata.name = name;
    doc.metadata.namespace = target;
    await kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    const secret = await controllerSecret(name, target);
    expect(secret.data).toEqual(secretData);
    expect(secret.type).toBe("Opaque");
    expect(secret.metadata.labels).toEqual({ app: "payments" });
    expect(secret.metadata.ownerReferences?.[0]).toMatchObject({ kind: "SealedSecret", name });
  });

  it.each(["strict", "namespace-wide", "cluster-wide"] as const)("a %s SealedSecret kubeseal seals is unsealed by hush with the controller's key backup", async (scope) => {
    const name = `ks-${scope}`;
    const theirs = await run(kubeseal, ["--scope", scope, "-o", "yaml", ...ctlFlags()], { input: secretManifest(name, ns) });
    expect(theirs.code).toBe(0);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, theirs.stdout);
    const opened = await hush(["unseal", "--recovery-private-key", keyBackup, "-o", "json", file]);
    expect(opened.stderr).toBe("");
    expect(opened.code).toBe(0);
    const secret = JSON.parse(opened.stdout) as Obj;
    expect(secret.data).toEqual(secretData);
    expect(secret.metadata).toMatchObject({ name, namespace: ns, labels: { app: "payments" } });
    // kubeseal's own recovery path agrees with hush's, and hush's --recovery-unseal spelling works too.
    const alias = await hush(["seal", "--recovery-unseal", "--recovery-private-key", ctl.keyPath, "-o", "json", file]);
    expect((JSON.parse(alias.stdout) as Obj).data).toEqual(secretData);
  });

  it("renders spec.template.data (Go templates) as the controller does", async () => {
    const sealed = await hush(["seal", "--cert", ctl.certPath, "-o", "json"], { input: secretManifest("templated", ns, { data: { user: Buffer.from("app").toString("base64"), password: secretData.password } }) });
    const doc = JSON.parse(sealed.stdout) as { spec: { template: { data?: Record<string, string> } } };
    doc.spec.template.data = { url: "postgres://{{ .user }}:{{ .password | b64enc }}@db/{{ .user | upper }}", "static.txt": "plain text" };
    await kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    const theirs = await controllerSecret("templated", ns);
    const ours = await hush(["unseal", "--recovery-private-key", keyBackup, "-o", "json"], { input: JSON.stringify(doc) });
    expect(ours.stderr).toBe("");
    const data = (JSON.parse(ours.stdout) as Obj).data!;
    expect(Buffer.from(data["url"]!, "base64").toString()).toBe(`postgres://app:${Buffer.from("hunter2").toString("base64")}@db/APP`);
    expect(data).toEqual(theirs.data);
  });

  it("opens the deprecated v1 format (spec.data) as the controller does", async () => {
    // No tool writes v1 any more; build one with the same primitives to keep old repositories readable.
    const inner = JSON.parse(secretManifest("legacy", ns)) as object;
    const { publicKey } = parseSealingCert(Buffer.from(ctl.cert), new Date());
    const blob = hybridEncrypt(publicKey, Buffer.from(JSON.stringify(inner)), encryptionLabel(ns, "legacy", "strict"), (n) => new Uint8Array(randomBytes(n)));
    const v1 = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "legacy", namespace: ns }, spec: { data: Buffer.from(blob).toString("base64"), encryptedData: {} } };
    await kubectl(["apply", "-f", "-"], JSON.stringify(v1));
    const theirs = await controllerSecret("legacy", ns);
    const ours = await hush(["unseal", "--recovery-private-key", keyBackup, "-o", "json"], { input: JSON.stringify(v1) });
    expect(ours.stderr).toBe("");
    expect((JSON.parse(ours.stdout) as Obj).data).toEqual(secretData);
    expect(theirs.data).toEqual(secretData);
  });

  it("validates and re-encrypts through the controller, and locally with the key", async () => {
    const sealed = await hush(["seal", "--cert", ctl.certPath, "-o", "yaml"], { input: secretManifest("rotate-me", ns) });
    const file = join(dir, "rotate-me.yaml");
    writeFileSync(file, sealed.stdout);
    const valid = await hush(["seal", "--validate", ...ctlFlags(), file]);
    expect(valid.code).toBe(0);
    expect(valid.stderr).toContain("1 SealedSecret valid");
    expect((await hush(["seal", "--validate", "--recovery-private-key", keyBackup, file])).code).toBe(0);

    const before = readFileSync(file, "utf8");
    const rotated = await hush(["seal", "--re-encrypt", ...ctlFlags(), "-f", file]);
    expect(rotated.stderr).toBe("");
    expect(rotated.code).toBe(0);
    const after = readFileSync(file, "utf8");
    expect(after).not.toBe(before);
    expect(after.startsWith("---\napiVersion: bitnami.com/v1alpha1\n")).toBe(true);
    const opened = await hush(["unseal", "--recovery-private-key", keyBackup, "-o", "json", file]);
    expect((JSON.parse(opened.stdout) as Obj).data).toEqual(secretData);
  });

  it("migrates SOPS → SealedSecret → SOPS with byte-identical Secret data and nothing in clear on disk", async () => {
    const work = mkdtempSync(join(dir, "migrate-"));
    // The repository's SOPS setup, Flux style: only data/stringData encrypted.
    writeFileSync(join(work, ".sops.yaml"), `creation_rules:\n  - path_regex: .*\\.sops\\.yaml$\n    age: ${ageRecipient}\n`);
    writeFileSync(join(work, "plain.json"), secretManifest("migrated", ns));
    const enc = await run(sops, ["encrypt", "--encrypted-regex", "^(data|stringData)$", "--input-type", "json", "--output-type", "yaml", "--filename-override", "db.sops.yaml", join(work, "plain.json")], { cwd: work });
    expect(enc.stderr).toBe("");
    rmSync(join(work, "plain.json"));
    writeFileSync(join(work, "db.sops.yaml"), enc.stdout);
    const env = { SOPS_AGE_KEY_FILE: ageKeyFile };

    // SOPS → SealedSecret: decrypted in memory only.
    const toSealed = await hush(["seal", "--cert", ctl.certPath, "-w", "db.sealed.yaml", "db.sops.yaml"], { cwd: work, env });
    expect(toSealed.stderr).toBe("");
    expect(toSealed.code).toBe(0);
    await kubectl(["apply", "-f", join(work, "db.sealed.yaml")]);
    expect((await controllerSecret("migrated", ns)).data).toEqual(secretData);

    // SealedSecret → SOPS, honouring .sops.yaml; the rule names no selector, so Flux's applies.
    const toSops = await hush(["unseal", "--to-sops", "--recovery-private-key", keyBackup, "-w", "back.sops.yaml", "db.sealed.yaml"], { cwd: work, env });
    expect(toSops.stderr).toBe("");
    expect(toSops.code).toBe(0);
    const back = readFileSync(join(work, "back.sops.yaml"), "utf8");
    expect(back).not.toContain(secretData.password);
    const meta = parse(back) as { metadata: { name: string }; kind: string; sops: { encrypted_regex?: string; age?: { recipient: string }[] } };
    expect(meta.kind).toBe("Secret");
    expect(meta.metadata.name).toBe("migrated");
    expect(meta.sops.encrypted_regex).toBe("^(data|stringData)$");
    expect(meta.sops.age?.[0]?.recipient).toBe(ageRecipient);
    const dec = await run(sops, ["decrypt", "--output-type", "json", join(work, "back.sops.yaml")], { env });
    expect(dec.stderr).toBe("");
    expect((JSON.parse(dec.stdout) as Obj).data).toEqual(secretData);
    // Only encrypted artefacts ever reached the disk.
    expect(readdirSync(work).sort()).toEqual([".sops.yaml", "back.sops.yaml", "db.sealed.yaml", "db.sops.yaml"]);
  });

  describe("bad input gets a clear error, a non-zero exit and no output file", () => {
    const sealTo = async (cert: string, name: string, scope = "strict"): Promise<string> => {
      const res = await hush(["seal", "--cert", cert, "--scope", scope, "-o", "yaml"], { input: secretManifest(name, ns) });
      expect(res.code).toBe(0);
      return res.stdout;
    };
    const unsealFails = async (sealedYaml: string, key = keyBackup): Promise<string> => {
      const input = join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`);
      const out = join(dir, `never-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(input, sealedYaml);
      const res = await hush(["unseal", "--recovery-private-key", key, "-w", out, input]);
      expect(res.code).not.toBe(0);
      expect(existsSync(out)).toBe(false);
      expect(res.stderr.trim().split("\n")).toHaveLength(1);
      expect(res.stderr).not.toContain("hunter2");
      expect(res.stderr).not.toMatch(/\n\s+at /);
      return res.stderr;
    };

    it("a SealedSecret sealed to the wrong certificate: the controller refuses it and hush cannot open it", async () => {
      const wrong = makeKeyPair(dir, "wrong");
      const sealed = await sealTo(wrong.certPath, "wrong-cert");
      await kubectl(["apply", "-f", "-"], sealed);
      expect(await refusal("wrong-cert", ns)).toMatch(/decrypt/i);
      expect(await getObj("secret", "wrong-cert", ns)).toBeUndefined();
      expect(await unsealFails(sealed)).toContain('no key could decrypt');
      // ...while the key that matches it opens it.
      const ok = await hush(["unseal", "--recovery-private-key", wrong.keyPath, "-o", "json"], { input: sealed });
      expect((JSON.parse(ok.stdout) as Obj).data).toEqual(secretData);
    });

    it("a strict SealedSecret moved to another namespace or name, and a scope annotation removed", async () => {
      const strict = parse(await sealTo(ctl.certPath, "pinned")) as { metadata: Record<string, unknown> };
      const moved = { ...strict, metadata: { ...strict.metadata, namespace: otherNs } };
      await kubectl(["apply", "-f", "-"], JSON.stringify(moved));
      expect(await refusal("pinned", otherNs)).toMatch(/decrypt/i);
      expect(await unsealFails(JSON.stringify(moved))).toContain(`SealedSecret ${otherNs}/pinned`);
      expect(await unsealFails(JSON.stringify({ ...strict, metadata: { ...strict.metadata, name: "renamed" } }))).toContain("no key could decrypt");
      const wide = parse(await sealTo(ctl.certPath, "wide", "namespace-wide")) as { metadata: Record<string, unknown> };
      await unsealFails(JSON.stringify({ ...wide, metadata: { name: "wide", namespace: ns } }));
    });

    it("a tampered ciphertext: hush unseal and the controller's --validate both fail", async () => {
      const doc = parse(await sealTo(ctl.certPath, "tampered")) as { spec: { encryptedData: Record<string, string> } };
      const raw = Buffer.from(doc.spec.encryptedData["password"]!, "base64");
      raw[raw.length - 5] = raw[raw.length - 5]! ^ 0x01;
      doc.spec.encryptedData["password"] = raw.toString("base64");
      expect(await unsealFails(JSON.stringify(doc))).toContain('"password"');
      const file = join(dir, "tampered.json");
      writeFileSync(file, JSON.stringify(doc));
      const viaController = await hush(["seal", "--validate", ...ctlFlags(), file]);
      expect(viaController.code).not.toBe(0);
      expect(viaController.stderr).toContain("cannot decrypt SealedSecret tampered");
    });

    it("a mismatched private key, an expired certificate and a merge into another scope", async () => {
      const stranger = makeKeyPair(dir, "stranger");
      const sealed = await sealTo(ctl.certPath, "mismatch");
      const err = await unsealFails(sealed, stranger.keyPath);
      expect(err).toMatch(/^hush: .*no key could decrypt "blob", "config.yaml", "password" of SealedSecret/);

      const out = join(dir, "expired-out.yaml");
      const expired = await hush(["seal", "--cert", makeExpiredCert(dir), "-w", out], { input: secretManifest("late", ns) });
      expect(expired.code).not.toBe(0);
      expect(expired.stderr).toMatch(/^hush: the certificate expired on 2020-01-02/);
      expect(existsSync(out)).toBe(false);

      const target = join(dir, "merge-target.yaml");
      writeFileSync(target, sealed);
      const merged = await hush(["seal", "--cert", ctl.certPath, "--scope", "cluster-wide", "--merge-into", target], { input: secretManifest("mismatch", ns) });
      expect(merged.code).not.toBe(0);
      expect(merged.stderr).toContain("the SealedSecret is strict but the new values would be sealed cluster-wide");
      expect(readFileSync(target, "utf8")).toBe(sealed);
    });
  });
});
