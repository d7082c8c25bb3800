#!/usr/bin/env node
// The published `hush`: one bundled build of the CLI (dist/), lazy per subcommand.
await import("../dist/main.js");
