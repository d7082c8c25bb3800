#!/usr/bin/env node
// `pnpm bench sops`: hush against the real sops in one run, on the same machine and files.
// Prints median wall times and the hush/sops ratio for encrypt and decrypt of a ~1 KB file and
// a ~5 MB YAML file with ~50,000 values. Needs `pnpm build` and `bash scripts/peers sops`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const sops = join(root, ".cache/peers/bin/sops");
const ageKeygen = join(root, ".cache/peers/bin/age-keygen");
const hush = join(root, "packages/cli/bin/hush.js");
for (const f of [sops, ageKeygen, join(root, "packages/cli/dist/main.js")]) {
  if (!existsSync(f)) {
    console.error(`bench: ${f} is missing; run \`pnpm build\` and \`bash scripts/peers sops\` first`);
    process.exit(2);
  }
}

const dir = mkdtempSync(join(tmpdir(), "hush-bench-"));
try {
  execFileSync(ageKeygen, ["-o", join(dir, "key.txt")], { stdio: "ignore" });
  const recipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(join(dir, "key.txt"), "utf8"))[1];
  const env = { ...process.env, SOPS_AGE_KEY_FILE: join(dir, "key.txt") };

  // ~1 KB: a Kubernetes Secret. ~5 MB: 5,000 mappings of 10 values (~50,000 values).
  const small = `apiVersion: v1\nkind: Secret\nmetadata:\n    name: app\n    namespace: prod\ntype: Opaque\nstringData:\n${Array.from({ length: 12 }, (_, i) => `    KEY_${i}: ${"v".repeat(48)}${i}\n`).join("")}`;
  let large = "";
  for (let i = 0; i < 5000; i++) {
    large += `service_${i}:\n`;
    for (let j = 0; j < 10; j++) large += `    field_${j}: "${(`${i}-${j}-`).padEnd(86, "x")}"\n`;
  }
  const files = { small: join(dir, "small.yaml"), large: join(dir, "large.yaml") };
  writeFileSync(files.small, small);
  writeFileSync(files.large, large);

  const time = (bin, args, runs) => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(bin, args, { env, maxBuffer: 256 << 20 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed: ${r.stderr}`);
      times.push(ms);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };

  const rows = [];
  for (const [name, file] of Object.entries(files)) {
    const runs = name === "small" ? 15 : 3;
    const encS = join(dir, `${name}.sops.yaml`);
    const encH = join(dir, `${name}.hush.yaml`);
    const se = time(sops, ["encrypt", "--age", recipient, "--output", encS, file], runs);
    const he = time(process.execPath, [hush, "encrypt", "--age", recipient, "--output", encH, file], runs);
    const sd = time(sops, ["decrypt", "--output", join(dir, "out.s"), encS], runs);
    const hd = time(process.execPath, [hush, "decrypt", "--output", join(dir, "out.h"), encH], runs);
    const size = readFileSync(file).length;
    rows.push({ file: `${name} (${(size / 1024).toFixed(0)} KiB)`, op: "encrypt", sops: se, hush: he });
    rows.push({ file: `${name} (${(size / 1024).toFixed(0)} KiB)`, op: "decrypt", sops: sd, hush: hd });
  }
  console.log(`hush vs sops ${execFileSync(sops, ["--version", "--disable-version-check"]).toString().split("\n")[0]}, node ${process.version}, median wall time`);
  console.log("file              op       sops ms   hush ms   hush/sops");
  for (const r of rows) {
    console.log(`${r.file.padEnd(17)} ${r.op.padEnd(8)} ${r.sops.toFixed(1).padStart(8)} ${r.hush.toFixed(1).padStart(9)} ${(r.hush / r.sops).toFixed(2).padStart(11)}`);
  }
  const ratio = (name) => Math.max(...rows.filter((r) => r.file.startsWith(name)).map((r) => r.hush / r.sops));
  console.log(`ratio small (worst of encrypt/decrypt): ${ratio("small").toFixed(2)} (aim <= 2.0)`);
  console.log(`ratio large (worst of encrypt/decrypt): ${ratio("large").toFixed(2)} (aim <= 0.5)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
