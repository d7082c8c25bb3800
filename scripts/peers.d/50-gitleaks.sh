#!/usr/bin/env bash
# gitleaks, for the scanner's side-by-side benchmark (`go install`, no replace lines needed).
set -euo pipefail
GITLEAKS_VERSION=v8.30.1
bin="$HUSH_PEERS/bin"
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
command -v go >/dev/null || { echo "go toolchain not found: install Go 1.24+ to build gitleaks" >&2; exit 1; }
if ! have gitleaks "$GITLEAKS_VERSION"; then
  CGO_ENABLED=0 go install -trimpath "-ldflags=-s -w -X github.com/zricethezav/gitleaks/v8/version.Version=$GITLEAKS_VERSION" \
    "github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION"
  echo "$GITLEAKS_VERSION" > "$bin/.gitleaks.version"
fi
