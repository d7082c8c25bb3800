#!/usr/bin/env bash
# sops's own functional test suite (the Rust crate functional-tests/ of the sops module), built
# so test/sops-functional can run it against hush as `./sops`. The sources come from the Go
# module proxy (the module github.com/getsops/sops/v3 carries functional-tests/ and pgp/), the
# crates from crates.io. Cargo's target dir lives outside the clone, so a fresh clone on the
# same machine reuses the compiled dependencies.
# Installs: $HUSH_PEERS/bin/sops-functional-tests (the test executable) and
#           $HUSH_PEERS/sops-functional/ (the suite's .sops.yaml, res/ and its PGP test key).
set -euo pipefail
SOPS_VERSION=v3.13.3
bin="$HUSH_PEERS/bin"
share="$HUSH_PEERS/sops-functional"
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
have sops-functional-tests "$SOPS_VERSION" && exit 0
command -v go >/dev/null || { echo "go toolchain not found: needed to fetch sops's functional tests from the module proxy" >&2; exit 1; }
# rustup installs into ~/.cargo/bin, which non-login shells (CI steps) may not have on PATH.
[ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ] && PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) to build sops's functional tests" >&2; exit 1; }

# `go mod download -json` prints the module's folder in the module cache as "Dir".
module="$(go mod download -json "github.com/getsops/sops/v3@$SOPS_VERSION")"
dir="$(printf '%s' "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[ -d "$dir/functional-tests" ] || { echo "sops $SOPS_VERSION module has no functional-tests/ (got '$dir')" >&2; exit 1; }

cache="${XDG_CACHE_HOME:-$HOME/.cache}/hush/sops-functional"
mkdir -p "$cache"
# The module cache is read-only by default: build from a copy of the crate.
crate="$cache/src-$SOPS_VERSION"
if [ ! -f "$crate/Cargo.toml" ]; then
  rm -rf "$crate.tmp" && cp -R "$dir/functional-tests" "$crate.tmp" && chmod -R u+w "$crate.tmp" && mv "$crate.tmp" "$crate"
fi
exe="$(cd "$crate" && cargo test --locked --no-run --message-format=json --target-dir "$cache/target" 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)"
[ -x "$exe" ] || { echo "cargo built no test executable for sops's functional tests" >&2; (cd "$crate" && cargo test --locked --no-run --target-dir "$cache/target"); exit 1; }

# The tests run from a folder holding ./sops, the suite's .sops.yaml and its res/ files.
rm -rf "$share" && mkdir -p "$share"
cp -R "$dir/functional-tests/.sops.yaml" "$dir/functional-tests/res" "$share/"
cp "$dir/pgp/sops_functional_tests_key.asc" "$share/"
chmod -R u+w "$share"
install -m 0755 "$exe" "$bin/sops-functional-tests"
echo "$SOPS_VERSION" > "$bin/.sops-functional-tests.version"
