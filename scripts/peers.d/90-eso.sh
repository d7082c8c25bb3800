#!/usr/bin/env bash
# The real External Secrets Operator (controller binary + CRDs), for the side-by-side tests in
# test/eso-compare and `pnpm bench controller`. Built from the Go module proxy through the
# wrapper module test/eso/peer (main.go calls ESO's controller.Execute). The wrapper's go.sum is
# seeded from ESO's own go.sum so every dependency resolves to the versions ESO pins; tidy -e
# then only adds the wrapper's own lines. Cold build: ~9 minutes on two cores.
set -euo pipefail
ESO_VERSION=v0.16.2
ESO_BUILD="$ESO_VERSION r1"   # bump "r" when the recipe changes
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$HUSH_PEERS/bin"
out="$bin/external-secrets"
crds="$HUSH_PEERS/eso-crds"
work="$HUSH_PEERS/src/eso"
if [ -x "$out" ] && [ "$(cat "$bin/.external-secrets.version" 2>/dev/null)" = "$ESO_BUILD" ] \
  && [ -f "$crds/.version" ] && [ "$(cat "$crds/.version")" = "$ESO_VERSION" ]; then
  exit 0
fi
command -v go >/dev/null || { echo "go toolchain not found: install Go 1.24+ to build ESO" >&2; exit 1; }
export CGO_ENABLED=0
mod="github.com/external-secrets/external-secrets"
dir="$(go mod download -json "$mod@$ESO_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$dir" ] || { echo "ESO $ESO_VERSION: module download failed" >&2; exit 1; }

rm -rf "$work" && mkdir -p "$work"
cp "$root/test/eso/peer/go.mod" "$root/test/eso/peer/main.go" "$work/"
cp "$dir/go.sum" "$work/go.sum" && chmod u+w "$work/go.sum"
# The module's own hashes (the wrapper requires it directly).
go mod download -json "$mod@$ESO_VERSION" \
  | sed -n 's/^[[:space:]]*"\(GoModSum\|Sum\)": "\(.*\)",$/\1 \2/p' \
  | while read -r kind sum; do
      if [ "$kind" = GoModSum ]; then echo "$mod $ESO_VERSION/go.mod $sum"; else echo "$mod $ESO_VERSION $sum"; fi
    done >> "$work/go.sum"
(cd "$work" && go mod tidy -e >/dev/null 2>&1 || true)
(cd "$work" && nice go build -trimpath "-ldflags=-s -w" -o "$out.tmp" . && mv "$out.tmp" "$out")
echo "$ESO_BUILD" > "$bin/.external-secrets.version"

rm -rf "$crds" && mkdir -p "$crds"
cp "$dir"/config/crds/bases/*.yaml "$crds/"
rm -f "$crds/kustomization.yaml"
chmod u+w "$crds"/*.yaml
echo "$ESO_VERSION" > "$crds/.version"
