#!/usr/bin/env bash
# GnuPG for the PGP key-provider tests (hush and sops both run the `gpg` binary).
# Debian's package; installed only when missing. Linked into $HUSH_PEERS/bin for requirePeer('gpg').
set -euo pipefail
bin="$HUSH_PEERS/bin"
if ! command -v gpg >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends gnupg >/dev/null 2>&1 || {
      apt-get update -qq >/dev/null && apt-get install -y --no-install-recommends gnupg >/dev/null
    }
  else
    echo "gpg not found: install GnuPG (Debian: apt-get install gnupg)" >&2
    exit 1
  fi
fi
for tool in gpg gpgconf gpg-agent; do
  path="$(command -v "$tool" || true)"
  [ -n "$path" ] && ln -sf "$path" "$bin/$tool"
done
gpg --version | head -1 > "$bin/.gpg.version"
