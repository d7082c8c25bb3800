// Builds the publishable `hush` into dist/: the whole CLI (every subcommand, the webhook and the
// controller) as one esbuild bundle, split per lazily loaded subcommand so `hush scan` in a
// pre-commit hook still starts fast. Only packages that read their own files at run time stay
// outside the bundle, as this package's dependencies (google-gax loads proto files from its
// install directory).
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const pkg = JSON.parse(readFileSync(here("../package.json"), "utf8"));
const entry = here("../../cli/dist/main.js");
const out = here("../dist/");
await rm(out, { recursive: true, force: true });
await build({
  entryPoints: [entry],
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  minify: true,
  legalComments: "linked",
  logLevel: "warning",
  external: [
    ...Object.keys(pkg.dependencies ?? {}),
    // Optional accelerators that libraries probe for inside try/catch; absent is fine.
    "bufferutil",
    "utf-8-validate",
  ],
  banner: {
    js: "import { createRequire as __hushRequire } from 'node:module'; const require = __hushRequire(import.meta.url);",
  },
});
