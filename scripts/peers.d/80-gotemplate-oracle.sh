#!/usr/bin/env bash
# Go's own text/template with External Secrets Operator v0.16.2's own template function map (Sprig fork + ESO's helpers), as a small reference renderer for the template
# engine's comparison tests (test/gotemplate). Built from test/gotemplate/oracle (pinned go.mod/go.sum).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/test/gotemplate/oracle"
out="$HUSH_PEERS/bin/gotemplate-oracle"
stamp="$HUSH_PEERS/gotemplate-oracle.sum"
want="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -d' ' -f1)"
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
(cd "$src" && go build -trimpath -o "$out" .)
echo "$want" > "$stamp"
