#!/usr/bin/env bash
# OpenLDAP's slapd (and ldapadd) for the Vault ldap auth tests: Vault's ldap auth method binds to
# it. Debian's packages, pinned; installed only when missing. The packaged service is never used
# (policy-rc.d keeps it stopped in containers; the harness runs its own slapd on a free port
# with a throw-away config). Linked into $HUSH_PEERS/bin for requirePeer('slapd').
set -euo pipefail
SLAPD_VERSION=2.5.13+dfsg-5
bin="$HUSH_PEERS/bin"
installed() { [ "$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true)" = "$SLAPD_VERSION" ]; }
if ! installed slapd || ! installed ldap-utils; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    pkgs=("slapd=$SLAPD_VERSION" "ldap-utils=$SLAPD_VERSION")
    apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 || {
      apt-get update -qq >/dev/null && apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null
    }
  else
    echo "slapd $SLAPD_VERSION not installed: apt-get install slapd=$SLAPD_VERSION ldap-utils=$SLAPD_VERSION (as root)" >&2
    exit 1
  fi
fi
# slapd lives in /usr/sbin, which is not on every user's PATH.
for tool in slapd slapadd ldapadd ldapsearch ldapwhoami; do
  path="$(PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" || true)"
  [ -n "$path" ] || { echo "$tool not found after installing slapd/ldap-utils" >&2; exit 1; }
  ln -sf "$path" "$bin/$tool"
done
echo "$SLAPD_VERSION" > "$bin/.slapd.version"
