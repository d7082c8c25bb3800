#!/usr/bin/env bash
# The real pre-commit tool (PyPI), in a project-local venv, for test/install's `pre-commit
# try-repo` of .pre-commit-hooks.yaml. Linked into $HUSH_PEERS/bin/pre-commit.
set -euo pipefail
PRE_COMMIT_VERSION=4.7.0
bin="$HUSH_PEERS/bin"
venv="$HUSH_PEERS/pre-commit-venv"
have() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
py="$(command -v python3 || true)"
[ -n "$py" ] || { echo "python3 not found: install Python 3.9+ (with venv) to run pre-commit" >&2; exit 1; }
if ! have pre-commit "$PRE_COMMIT_VERSION"; then
  rm -rf "$venv"
  "$py" -m venv "$venv"
  # Every dependency pinned (pip freeze of a known-good install).
  cat > "$venv/constraints.txt" <<'PINS'
cfgv==3.5.0
distlib==0.4.4
filelock==4.3.2
identify==2.6.20
nodeenv==1.12.0
packaging==26.4
platformdirs==4.14.9
pre_commit==4.7.0
python-discovery==1.9.9
PyYAML==6.0.4
virtualenv==21.15.14
PINS
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$venv/constraints.txt" "pre-commit==$PRE_COMMIT_VERSION"
  ln -sf "$venv/bin/pre-commit" "$bin/pre-commit"
  echo "$PRE_COMMIT_VERSION" > "$bin/.pre-commit.version"
fi
