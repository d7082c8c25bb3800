#!/bin/sh
# The entry of the hooks in .pre-commit-hooks.yaml (`language: script`): runs the hush release
# this hook revision belongs to, which npm fetches once and caches (`npm exec`), so hush need
# not be installed beforehand; Node.js 22.12+ with npm must be on PATH. HUSH_HOOK_PACKAGE
# overrides the package spec (a mirror, or a tarball from `npm pack`).
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
version=$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$here/package.json")
package="${HUSH_HOOK_PACKAGE:-hush-cli@$version}"
exec npm exec --yes --prefer-offline --package="$package" -- hush "$@"
