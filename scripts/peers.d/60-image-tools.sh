#!/usr/bin/env bash
# Container image tooling for test/install: buildah and podman (build and run the Containerfile
# without a daemon), mmdebstrap (assembles the local Node 24 base image, because no container
# registry is reachable), all from Debian's own packages. Idempotent: apt-get runs only when a
# tool is missing. Needs root (or passwordless sudo) and a Debian/Ubuntu machine.
set -euo pipefail
tools=(buildah podman mmdebstrap newuidmap runc)
packages=(buildah podman mmdebstrap uidmap crun runc)
missing=0
for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || missing=1; done
if [ $missing = 1 ]; then
  command -v apt-get >/dev/null || { echo "image-tools: apt-get not found; install ${packages[*]} by hand" >&2; exit 1; }
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null || { echo "image-tools: need root (or passwordless sudo) to apt-get install ${packages[*]}" >&2; exit 1; }
    sudo="sudo -n"
  fi
  # One index refresh per machine boot is enough; a stale index only fails the install below.
  stamp=/tmp/.hush-apt-updated
  [ -e "$stamp" ] || { $sudo apt-get update -qq && touch "$stamp"; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
for t in "${tools[@]}"; do command -v "$t" >/dev/null || { echo "image-tools: $t still missing after install" >&2; exit 1; }; done
