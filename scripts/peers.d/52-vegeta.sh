#!/usr/bin/env bash
# vegeta, the open-loop HTTP load generator of the webhook benchmark: it sends at a fixed rate
# whatever the answers do (no coordinated omission) and reports latency in microseconds.
set -euo pipefail
VEGETA_VERSION=v12.12.0
bin="$HUSH_PEERS/bin"
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
command -v go >/dev/null || { echo "go toolchain not found: install Go 1.24+ to build vegeta" >&2; exit 1; }
if ! have vegeta "$VEGETA_VERSION"; then
  CGO_ENABLED=0 go install -trimpath "-ldflags=-s -w" "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
  echo "$VEGETA_VERSION" > "$bin/.vegeta.version"
fi
