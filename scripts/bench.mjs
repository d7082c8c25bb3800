#!/usr/bin/env node
// `pnpm bench [sops|scan|webhook|controller]…`: the benchmarks, each against its real peer,
// one after another (all when none is named). Figures go to docs/benchmarks.md.
// Extra arguments after `--` go to every benchmark script.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const parts = ["sops", "scan", "webhook", "controller"];
const args = process.argv.slice(2);
const dash = args.indexOf("--");
const chosen = (dash >= 0 ? args.slice(0, dash) : args).filter(Boolean);
const extra = dash >= 0 ? args.slice(dash + 1) : [];
for (const name of chosen) {
  if (!parts.includes(name)) {
    console.error(`bench: unknown benchmark '${name}' (choose from ${parts.join(", ")})`);
    process.exit(2);
  }
}
let status = 0;
for (const name of chosen.length > 0 ? chosen : parts) {
  console.log(`\n## bench ${name}\n`);
  const script = fileURLToPath(new URL(`./bench-${name}.mjs`, import.meta.url));
  const r = spawnSync(process.execPath, [script, ...extra], { stdio: "inherit" });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
