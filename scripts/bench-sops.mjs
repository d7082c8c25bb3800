#!/usr/bin/env node
// `pnpm bench sops`: hush against the real sops in one run, on the same machine and files.
// Prints median wall times and the hush/sops ratio for encrypt and decrypt of a ~1 KB file and
// a ~5 MB YAML file with ~50,000 values, then the peak memory (RSS) of both tools on a 100 MB
// binary file. Needs `pnpm build` and `bash scripts/peers sops`.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
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

  // Runs alternate between the tools so that load from elsewhere on the machine hits both
  // alike. Besides wall time, GNU time (when present) gives each run's CPU time (user + sys),
  // which other load on the machine disturbs far less.
  const gnuTime = ["/usr/bin/time", "/bin/time"].find((f) => existsSync(f));
  const once = (bin, args) => {
    const report = join(dir, "cpu.txt");
    const [cmd, argv] = gnuTime ? [gnuTime, ["-f", "%U %S", "-o", report, bin, ...args]] : [bin, args];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, argv, { env, maxBuffer: 256 << 20 });
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed: ${r.stderr}`);
    const cpu = gnuTime ? readFileSync(report, "utf8").trim().split("\n").pop().split(" ").reduce((a, b) => a + Number(b) * 1000, 0) : NaN;
    return { wall, cpu };
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const pair = (sopsArgs, hushArgs, runs) => {
    const s = [];
    const h = [];
    for (let i = 0; i < runs; i++) {
      s.push(once(sops, sopsArgs));
      h.push(once(process.execPath, [hush, ...hushArgs]));
    }
    return { sops: median(s.map((x) => x.wall)), hush: median(h.map((x) => x.wall)), sopsCpu: median(s.map((x) => x.cpu)), hushCpu: median(h.map((x) => x.cpu)) };
  };

  const rows = [];
  for (const [name, file] of Object.entries(files)) {
    const runs = name === "small" ? 21 : 3;
    const encS = join(dir, `${name}.sops.yaml`);
    const encH = join(dir, `${name}.hush.yaml`);
    const enc = pair(["encrypt", "--age", recipient, "--output", encS, file], ["encrypt", "--age", recipient, "--output", encH, file], runs);
    const dec = pair(["decrypt", "--output", join(dir, "out.s"), encS], ["decrypt", "--output", join(dir, "out.h"), encH], runs);
    const size = readFileSync(file).length;
    rows.push({ file: `${name} (${(size / 1024).toFixed(0)} KiB)`, op: "encrypt", ...enc });
    rows.push({ file: `${name} (${(size / 1024).toFixed(0)} KiB)`, op: "decrypt", ...dec });
  }
  const nodeAlone = median(Array.from({ length: 11 }, () => once(process.execPath, ["-e", "0"]).wall));
  console.log(`hush vs sops ${execFileSync(sops, ["--version", "--disable-version-check"]).toString().split("\n")[0]}, node ${process.version}, median wall time (and CPU time)`);
  console.log("file              op       sops ms   hush ms   hush/sops   sops cpu   hush cpu   cpu ratio");
  for (const r of rows) {
    console.log(
      `${r.file.padEnd(17)} ${r.op.padEnd(8)} ${r.sops.toFixed(1).padStart(8)} ${r.hush.toFixed(1).padStart(9)} ${(r.hush / r.sops).toFixed(2).padStart(11)} ${r.sopsCpu.toFixed(0).padStart(10)} ${r.hushCpu.toFixed(0).padStart(10)} ${(r.hushCpu / r.sopsCpu).toFixed(2).padStart(11)}`,
    );
  }
  console.log(`node -e 0 alone: ${nodeAlone.toFixed(1)} ms`);
  const ratio = (name) => Math.max(...rows.filter((r) => r.file.startsWith(name)).map((r) => r.hush / r.sops));
  console.log(`ratio small (worst of encrypt/decrypt): ${ratio("small").toFixed(2)} (aim <= 2.0)`);
  console.log(`ratio large (worst of encrypt/decrypt): ${ratio("large").toFixed(2)} (aim <= 0.5)`);

  // Peak memory on a 100 MB binary file (the binary store holds it as one value): hush must
  // stay at or below sops. GNU time reports the peak resident set size of each run.
  if (!gnuTime) {
    console.log("peak RSS: skipped, needs GNU time at /usr/bin/time (apt-get install time)");
  } else {
    const blob = join(dir, "blob.bin");
    const fd = openSync(blob, "w");
    for (let i = 0; i < 100; i++) writeSync(fd, randomBytes(1_000_000));
    closeSync(fd);
    const peak = (bin, args) => {
      const report = join(dir, "time.txt");
      const t0 = process.hrtime.bigint();
      const r = spawnSync(gnuTime, ["-f", "%M", "-o", report, bin, ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed: ${r.stderr}`);
      return { mb: Number(readFileSync(report, "utf8").trim().split("\n").pop()) / 1024, ms };
    };
    const bin = ["--input-type", "binary", "--output-type", "binary"];
    const encS = join(dir, "blob.sops.enc");
    const encH = join(dir, "blob.hush.enc");
    const mem = [
      ["encrypt", peak(sops, ["encrypt", ...bin, "--age", recipient, "--output", encS, blob]), peak(process.execPath, [hush, "encrypt", ...bin, "--age", recipient, "--output", encH, blob])],
      ["decrypt", peak(sops, ["decrypt", ...bin, "--output", join(dir, "blob.s"), encS]), peak(process.execPath, [hush, "decrypt", ...bin, "--output", join(dir, "blob.h"), encH])],
    ];
    console.log("\n100 MB binary file (--input-type binary), one run each");
    console.log("op        sops MB   hush MB   hush/sops   sops ms   hush ms");
    for (const [op, s, h] of mem) {
      console.log(`${op.padEnd(8)} ${s.mb.toFixed(0).padStart(8)} ${h.mb.toFixed(0).padStart(9)} ${(h.mb / s.mb).toFixed(2).padStart(11)} ${s.ms.toFixed(0).padStart(9)} ${h.ms.toFixed(0).padStart(9)}`);
    }
    const worst = Math.max(...mem.map(([, s, h]) => h.mb / s.mb));
    console.log(`peak RSS hush/sops (worst of encrypt/decrypt): ${worst.toFixed(2)} (aim <= 1.0)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
