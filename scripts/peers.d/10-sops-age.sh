#!/usr/bin/env bash
# The real sops and age binaries for interop tests, built from the Go module proxy.
# sops >= 3.13.3: 3.13.2 mis-verifies files with comments inside lists.
set -euo pipefail
SOPS_VERSION=v3.13.3
AGE_VERSION=v1.3.1
bin="$HUSH_PEERS/bin"
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
command -v go >/dev/null || { echo "go toolchain not found: install Go 1.22+ to build sops and age" >&2; exit 1; }
if ! have sops "$SOPS_VERSION"; then
  go install "github.com/getsops/sops/v3/cmd/sops@$SOPS_VERSION"
  echo "$SOPS_VERSION" > "$bin/.sops.version"
fi
if ! have age "$AGE_VERSION"; then
  go install "filippo.io/age/cmd/age@$AGE_VERSION" "filippo.io/age/cmd/age-keygen@$AGE_VERSION"
  echo "$AGE_VERSION" > "$bin/.age.version"
fi
