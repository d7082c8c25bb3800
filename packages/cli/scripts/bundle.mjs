// Bundles the sops-compatible commands into dist-bundle/ (ESM, code-split so every
// subcommand and provider stays lazy). One file graph instead of hundreds of module look-ups
// cuts the CLI's cold start, which pre-commit hooks and scripts pay on every call.
// Cloud providers stay external: they resolve through @hush/keys and load only when used.
import { build } from "esbuild";
import { rm } from "node:fs/promises";

const out = new URL("../dist-bundle/", import.meta.url).pathname;
await rm(out, { recursive: true, force: true });
await build({
  entryPoints: [new URL("../dist/main.js", import.meta.url).pathname],
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "linked",
  logLevel: "warning",
  external: [
    "@hush/keys/aws-kms",
    "@hush/keys/gcp-kms",
    "@hush/keys/vault-transit",
    "@hush/keys/pgp",
    "@hush/keys/azure-kv",
    // The long-running services and the scanner run from dist/ (see bin/hush.js).
    "@hush/webhook",
    "@hush/controller",
    "@hush/scan",
    "@hush/server",
    "@hush/kube",
    "@hush/providers",
  ],
  banner: { js: "import { createRequire as __hushRequire } from 'node:module'; const require = __hushRequire(import.meta.url);" },
});
