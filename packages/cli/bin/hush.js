#!/usr/bin/env node
// Start-up matters: tools call hush once per file (helm-secrets, kustomize plugins, pre-commit
// hooks). Two things keep it short:
// - Node's compile cache: V8 code for hush's modules is kept on disk, in the user's cache
//   directory (never in the install), so later runs skip compiling. When that directory cannot
//   be written Node runs without it. NODE_COMPILE_CACHE / NODE_DISABLE_COMPILE_CACHE still win.
// - The esbuild bundle (dist-bundle/): one small file graph for everything but the long-running
//   services and the scanner, which run from the plain build with normally resolved dependencies.
import { existsSync, mkdirSync } from "node:fs";
import module from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

if (!process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE && module.enableCompileCache) {
  try {
    const home = homedir();
    const base =
      process.platform === "win32"
        ? process.env.LOCALAPPDATA || join(home, "AppData", "Local")
        : process.platform === "darwin"
          ? join(home, "Library", "Caches")
          : process.env.XDG_CACHE_HOME || join(home, ".cache");
    // One level at a time: Node's recursive mkdir (which enableCompileCache uses) never
    // returns under some unwritable parents such as /proc.
    let dir = base;
    for (const part of ["", "hush", "compile-cache"]) {
      dir = part ? join(dir, part) : dir;
      try {
        mkdirSync(dir);
      } catch (err) {
        if (err?.code !== "EEXIST") throw err;
      }
    }
    module.enableCompileCache(dir);
  } catch {
    // no usable cache directory: run without one
  }
}

const unbundled = new Set(["scan", "hook", "webhook", "audit", "controller", "seal", "unseal", "publish"]);
const command = process.argv.slice(2).find((a) => !a.startsWith("-"));
const bundle = new URL("../dist-bundle/main.js", import.meta.url);
await import(!unbundled.has(command ?? "") && existsSync(bundle) ? bundle.href : "../dist/main.js");
