#!/usr/bin/env bash
# Runs sops's own functional test suite (built by `bash scripts/peers sops-functional`) against
# a sops-compatible binary: hush by default, or the real sops with `--sops PATH`.
#   test/sops-functional/run.sh [--sops PATH] [extra libtest arguments...]
# The suite drives `./sops` from a folder holding its .sops.yaml and res/ files. It needs its
# PGP key in the keyring (imported here into a private GNUPGHOME, removed afterwards) and a
# Vault dev server with KV v2 at secret/ and KV v1 at kv/ for the publish tests: pass one in
# VAULT_ADDR + VAULT_TOKEN, or leave them unset and this script starts its own.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
peers="${HUSH_PEERS:-$root/.cache/peers}"
suite="$peers/bin/sops-functional-tests"
share="$peers/sops-functional"
sops_bin=""
if [ "${1:-}" = "--sops" ]; then sops_bin="$2"; shift 2; fi
[ -x "$suite" ] || { echo "sops functional tests not built: run bash scripts/peers sops-functional" >&2; exit 2; }
gpg_bin="$(PATH="$peers/bin:$PATH" command -v gpg)" || { echo "gpg not found: run bash scripts/peers gnupg" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/hush-sops-functional-XXXXXX")"
vault_pid=""
cleanup() {
  GNUPGHOME="$work/gnupg" PATH="$peers/bin:$PATH" gpgconf --kill all >/dev/null 2>&1 || true
  [ -n "$vault_pid" ] && kill "$vault_pid" 2>/dev/null && wait "$vault_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cp -R "$share/.sops.yaml" "$share/res" "$work/"
if [ -n "$sops_bin" ]; then
  ln -s "$sops_bin" "$work/sops"
else
  # hush as ./sops: the same Node that runs this script, the built CLI.
  printf '#!/bin/sh\nexec %q %q "$@"\n' "$(command -v node)" "$root/packages/cli/bin/hush.js" > "$work/sops"
  chmod +x "$work/sops"
fi

export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
"$gpg_bin" --batch --quiet --import "$share/sops_functional_tests_key.asc" 2>/dev/null

if [ -z "${VAULT_ADDR:-}" ]; then
  vault="$(PATH="$peers/bin:$PATH" command -v vault)" || { echo "vault not found: run bash scripts/peers vault" >&2; exit 2; }
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  export VAULT_ADDR="http://127.0.0.1:$port" VAULT_TOKEN="root-$RANDOM$RANDOM"
  HOME="$work" "$vault" server -dev -dev-listen-address="127.0.0.1:$port" -dev-root-token-id="$VAULT_TOKEN" \
    -dev-no-store-token -log-level=warn > "$work/vault.log" 2>&1 &
  vault_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS "$VAULT_ADDR/v1/sys/health" >/dev/null 2>&1 && break
    kill -0 "$vault_pid" 2>/dev/null || { cat "$work/vault.log" >&2; exit 2; }
    sleep 0.2
  done
  # As sops's CI does: a KV v1 engine at kv/ (the dev server already mounts KV v2 at secret/).
  curl -fsS -X POST -H "X-Vault-Token: $VAULT_TOKEN" -d '{"type":"kv","options":{"version":"1"}}' "$VAULT_ADDR/v1/sys/mounts/kv" >/dev/null
fi

cd "$work"
# Peers first on PATH so hush and sops both find the pinned gpg.
PATH="$peers/bin:$PATH" "$suite" "$@"
