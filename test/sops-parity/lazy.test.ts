import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePeer, startMoto, type MotoHarness } from "@hush/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsEnv, createKmsKey, hushBin, makeAgeKey, run, sandbox, sops, type Sandbox } from "./support.js";

const sopsPeer = requirePeer("sops");
const agePeer = requirePeer("age-keygen");
const motoPeer = requirePeer("moto_server", "run `bash scripts/peers moto`");
const ready = sopsPeer.ok && agePeer.ok && motoPeer.ok;

const sdk = /^(@aws-sdk\/|@google-cloud\/|openpgp$|node-vault$)/;

describe.skipIf(!ready)("providers are loaded lazily", () => {
  let box: Sandbox;
  let moto: MotoHarness;
  let age: { file: string; recipient: string };
  let hook = "";

  /** Runs hush with a resolve hook that reports every SDK the process imports. */
  const loaded = (args: string[], env: Record<string, string>): { code: number; sdks: string[] } => {
    const r = run(process.execPath, ["--import", hook, hushBin, ...args], { ...box.env, ...env }, box.dir);
    const sdks = [...r.stderr.matchAll(/^HUSH-LOADED (\S+)$/gm)].map((m) => m[1] as string);
    return { code: r.code, sdks: [...new Set(sdks)].sort() };
  };

  beforeAll(async () => {
    box = sandbox("lazy");
    moto = await startMoto();
    age = makeAgeKey(agePeer.ok ? agePeer.path : "", box.home, "age");
    const hooks = join(box.home, "hooks.mjs");
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {\n  if (${sdk.toString()}.test(specifier)) process.stderr.write("HUSH-LOADED " + specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/") + "\\n");\n  return next(specifier, context);\n}\n`,
    );
    hook = join(box.home, "register.mjs");
    writeFileSync(hook, `import { register } from "node:module";\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    writeFileSync(join(box.dir, "plain.yaml"), "a: secret\n");
    const sopsBin = sopsPeer.ok ? sopsPeer.path : "";
    const env = awsEnv(moto);
    writeFileSync(join(box.dir, "age.yaml"), sops(sopsBin, box, ["encrypt", "--age", age.recipient, "plain.yaml"]).stdout);
    const arn = await createKmsKey(moto);
    writeFileSync(join(box.dir, "kms.yaml"), sops(sopsBin, box, ["encrypt", "--kms", arn, "plain.yaml"], env).stdout);
  });
  afterAll(async () => {
    await moto?.stop();
    box?.remove();
  });

  it("an age file loads no cloud SDK, openpgp or node-vault", () => {
    for (const args of [["decrypt", "age.yaml"], ["exec-env", "age.yaml", "true"], ["set", "age.yaml", '["b"]', "1"]]) {
      const r = loaded(args, { SOPS_AGE_KEY_FILE: age.file });
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.sdks, args.join(" ")).toEqual([]);
    }
  });

  it("a KMS file loads the AWS SDK only", () => {
    const r = loaded(["exec-env", "kms.yaml", "true"], awsEnv(moto));
    expect(r.code).toBe(0);
    expect(r.sdks.length).toBeGreaterThan(0);
    expect(r.sdks.every((s) => s.startsWith("@aws-sdk/"))).toBe(true);
  });
});
