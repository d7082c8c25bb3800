#!/usr/bin/env node
// The sops-compatible commands run from the bundled build (fast cold start); everything else
// (help, scan, webhook, controller) from the plain build, whose dependencies resolve normally.
import { existsSync } from "node:fs";

const bundled = new Set(["encrypt", "decrypt", "filestatus", "keygen", "edit", "rotate", "updatekeys", "set", "unset", "exec-env", "exec-file"]);
const command = process.argv.slice(2).find((a) => !a.startsWith("-"));
const bundle = new URL("../dist-bundle/main.js", import.meta.url);
await import(command !== undefined && bundled.has(command) && existsSync(bundle) ? bundle.href : "../dist/main.js");
